//go:build !linux

package output

// Where /proc is not there, start time, boot id and pid namespace are
// unknown: a lock is then judged by its pid alone, and by its expiry.
func processStartTime(pid int) (uint64, bool) { return 0, false }
func processZombie(pid int) bool              { return false }
func bootID() string                          { return "" }
func pidNamespace() string                    { return "" }
