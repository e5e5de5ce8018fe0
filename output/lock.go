package output

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// ErrLocked means another run holds the store's lock. The error returned
// with it is a *LockedError that names the holder.
var ErrLocked = errors.New("store is locked")

// LockInfo is the content of the lock file.
type LockInfo struct {
	Time     time.Time `json:"time"`
	Hostname string    `json:"hostname"`
	PID      int       `json:"pid"`
}

// LockedError says who holds the lock; errors.Is(err, ErrLocked) holds.
type LockedError struct {
	Path   string
	Holder LockInfo
	// Unreadable is set when the lock file cannot be parsed; the store
	// then counts as locked, for safety.
	Unreadable error
}

func (e *LockedError) Error() string {
	if e.Unreadable != nil {
		return fmt.Sprintf("store is locked: lock file %s is unreadable (%v); remove it if no specharvest run is going", e.Path, e.Unreadable)
	}
	return fmt.Sprintf("store is locked by pid %d on host %q since %s (lock file %s; remove it only if that process is gone)",
		e.Holder.PID, e.Holder.Hostname, e.Holder.Time.UTC().Format(time.RFC3339), e.Path)
}

// Is makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

const lockName = "run.json"

// Lock takes the store's run lock, or fails at once with a *LockedError
// when a live process holds it. A lock left by a process that is gone
// (same host, pid no longer running) is stale and replaced. The returned
// unlock removes the lock if it is still ours.
func (s *Store) Lock(ctx context.Context) (unlock func() error, err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	dir := s.path(locksDir)
	if err := mkdirSynced(dir); err != nil {
		return nil, fmt.Errorf("lock store: %w", err)
	}
	host, _ := os.Hostname()
	mine := LockInfo{Time: time.Now().UTC(), Hostname: host, PID: os.Getpid()}
	data, _ := json.Marshal(mine)
	target := filepath.Join(dir, lockName)

	// The lock is written complete to a temp file and then linked into
	// place: link fails when the lock exists, so it is as exclusive as
	// O_EXCL, and nobody ever reads a half-written lock.
	f, err := createTemp(dir)
	if err != nil {
		return nil, fmt.Errorf("lock store: %w", err)
	}
	if err := finishTemp(ctx, f, func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
		return nil, fmt.Errorf("lock store: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)

	// Two tries: the second follows the removal of a stale lock.
	for attempt := 0; attempt < 2; attempt++ {
		err := os.Link(tmp, target)
		if err != nil && !errors.Is(err, fs.ErrExist) {
			// A file system without hard links: O_EXCL is as
			// exclusive, at the price of a moment in which the lock
			// is empty, which others read as held.
			err = createExclusive(target, data)
		}
		if err == nil {
			if err := syncDir(dir); err != nil {
				os.Remove(target)
				return nil, fmt.Errorf("lock store: %w", err)
			}
			return func() error { return releaseLock(target, mine) }, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("lock store: %w", err)
		}
		holder, readErr := readLock(target)
		if errors.Is(readErr, fs.ErrNotExist) {
			continue // released between our link and our read
		}
		if readErr != nil {
			return nil, &LockedError{Path: target, Unreadable: readErr}
		}
		if attempt > 0 || !holderGone(holder, host) {
			return nil, &LockedError{Path: target, Holder: holder}
		}
		if err := removeStaleLock(ctx, target, dir, holder); err != nil {
			return nil, err
		}
	}
	holder, _ := readLock(target)
	return nil, &LockedError{Path: target, Holder: holder}
}

// removeStaleLock removes the lock judged stale, if it is still that
// very lock. Contenders that all judged it stale take turns under a guard
// the kernel releases when its holder dies, so only the first removes it;
// the others find it gone, and then link races with link, which exactly
// one wins. A fresh lock is never removed: while the stale file exists,
// nobody can take the lock without passing through the guard.
func removeStaleLock(ctx context.Context, target, dir string, stale LockInfo) error {
	return withTakeoverGuard(ctx, dir, func() error {
		current, err := readLock(target)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil || !current.same(stale) {
			return &LockedError{Path: target, Holder: current}
		}
		if err := os.Remove(target); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("lock store: remove stale lock: %w", err)
		}
		return syncDir(dir)
	})
}

func createExclusive(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}

func (l LockInfo) same(o LockInfo) bool {
	return l.PID == o.PID && l.Hostname == o.Hostname && l.Time.Equal(o.Time)
}

func readLock(path string) (LockInfo, error) {
	var info LockInfo
	data, err := os.ReadFile(path)
	if err != nil {
		return info, err
	}
	if err := json.Unmarshal(data, &info); err != nil {
		return info, fmt.Errorf("parse lock %s: %w", path, err)
	}
	return info, nil
}

// holderGone is true only when the holder ran on this host and its pid is
// certainly not running; a lock from another host is never stale here,
// because its pid means nothing on this one.
func holderGone(holder LockInfo, host string) bool {
	if holder.Hostname != host || holder.PID <= 0 {
		return false
	}
	return processGone(holder.PID)
}

func releaseLock(target string, mine LockInfo) error {
	holder, err := readLock(target)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("unlock store: %w", err)
	}
	if !holder.same(mine) {
		return fmt.Errorf("unlock store: lock %s is held by pid %d on host %q, not by us", target, holder.PID, holder.Hostname)
	}
	if err := os.Remove(target); err != nil {
		return fmt.Errorf("unlock store: %w", err)
	}
	return nil
}
