//go:build unix

package main

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"
)

// newScratchDir makes this run's scratch directory and holds the lock in
// it for as long as the run lives; the kernel lets go of it when the
// process ends, however it ends. First it removes the scratch directories
// of runs that ended without removing theirs (killed, or out of memory):
// those whose lock nobody holds. A directory is removed only while its
// lock is held, and a run checks that its directory is still there once
// it holds the lock, so a run starting while another cleans up never
// loses its own.
func newScratchDir(logger *slog.Logger) (string, func(), error) {
	removeStaleScratch(logger)
	for range 3 {
		dir, err := os.MkdirTemp("", scratchPrefix)
		if err != nil {
			return "", nil, err
		}
		lock, err := os.OpenFile(filepath.Join(dir, scratchLock), os.O_CREATE|os.O_RDWR, 0o600)
		if err != nil {
			_ = os.RemoveAll(dir)
			return "", nil, err
		}
		if syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil {
			// Another run's clean-up holds it and is removing the
			// directory.
			_ = lock.Close()
			continue
		}
		if _, err := os.Stat(dir); err != nil {
			_ = lock.Close()
			continue
		}
		return dir, func() {
			_ = os.RemoveAll(dir)
			_ = lock.Close()
		}, nil
	}
	return "", nil, errors.New("could not hold a scratch directory")
}

// removeStaleScratch removes the scratch directories no run holds. One
// without a lock file (being made, or left by an older version) is left
// alone.
func removeStaleScratch(logger *slog.Logger) {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), scratchPrefix+"*"))
	for _, dir := range dirs {
		lock, err := os.Open(filepath.Join(dir, scratchLock))
		if err != nil {
			continue
		}
		if syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil {
			if err := os.RemoveAll(dir); err == nil {
				logger.Info("removed the scratch directory of a run that did not end", "dir", dir)
			}
		}
		_ = lock.Close()
	}
}
