package oracle

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// Usage is what one child process cost: wall time, CPU time (user plus
// system, which a busy machine inflates less than wall time) and peak
// resident memory.
type Usage struct {
	Wall    time.Duration
	CPU     time.Duration
	MaxRSS  int64 // bytes
	Command string
}

// Measure runs a command in a child process and returns its standard
// output and what it cost. Measuring in a child keeps each tool's peak
// memory its own: ru_maxrss of a process that ran only that tool.
func Measure(ctx context.Context, name string, args ...string) ([]byte, Usage, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	u := Usage{Wall: time.Since(start), Command: strings.Join(append([]string{name}, args...), " ")}
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			u.CPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
			u.MaxRSS = ru.Maxrss * 1024 // Linux reports kilobytes
		}
	}
	if err != nil {
		return nil, u, fmt.Errorf("%w: %s", err, strings.TrimSpace(lastLines(stderr.String(), 5)))
	}
	return stdout.Bytes(), u, nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
