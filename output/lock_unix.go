//go:build unix

package output

import (
	"errors"
	"syscall"
)

// processGone asks the kernel: signal 0 checks for existence only, and
// ESRCH means no such process. EPERM means it exists under another user.
func processGone(pid int) bool {
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}
