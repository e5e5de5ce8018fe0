//go:build unix

package output

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// processGone asks the kernel: signal 0 checks for existence only, and
// ESRCH means no such process. EPERM means it exists under another user.
//
// A zombie has ended too: where the reaper of orphans never waits for them
// (pid 1 of many containers), a killed run stays a zombie for good, and
// signal 0 still finds it.
func processGone(pid int) bool {
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) || processZombie(pid)
}

// guardName is a file in locks/ that is never written, only flocked.
const guardName = "takeover.guard"

// withTakeoverGuard runs fn holding an exclusive flock on locks/'s guard
// file. The kernel drops the flock when its holder dies, so the guard can
// never itself go stale; it is held only while a stale lock is examined
// and removed.
func withTakeoverGuard(ctx context.Context, dir string, fn func() error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(dir, guardName), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("lock store: %w", err)
	}
	defer f.Close()
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("lock store: guard: %w", err)
	}
	defer syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return fn()
}
