package oracle

import (
	"bytes"
	"context"
	"fmt"
	"os"
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
//
// On Linux a child's ru_maxrss starts at its parent's peak (os/exec
// starts it in the parent's address space before exec), so a measuring
// process that holds a few hundred MB would hide any smaller figure. A
// program that calls ServeLaunch first thing in main therefore has each
// child started by a fresh copy of itself, a launcher of a few MB, which
// reports the child's usage back; without it the child is started
// directly and its peak is at least the caller's.
func Measure(ctx context.Context, name string, args ...string) ([]byte, Usage, error) {
	command := strings.Join(append([]string{name}, args...), " ")
	cmdName, cmdArgs, launched := name, args, false
	if launcherReady {
		if self, err := os.Executable(); err == nil {
			cmdName, cmdArgs, launched = self, append([]string{launchFlag, name}, args...), true
		}
	}
	cmd := exec.CommandContext(ctx, cmdName, cmdArgs...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	u := Usage{Wall: time.Since(start), Command: command}
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			u.CPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
			u.MaxRSS = ru.Maxrss * 1024 // Linux reports kilobytes
		}
	}
	if launched {
		// The launcher's last line on stderr is the child's own usage
		// (its wall time without the launcher's start).
		rest, report := cutLastLine(stderr.String())
		var wall, cpu, maxRSS int64
		if _, scanErr := fmt.Sscanf(report, launchReport+" %d %d %d", &wall, &cpu, &maxRSS); scanErr != nil {
			if err == nil {
				err = fmt.Errorf("launcher gave no usage report: %q", report)
			}
		} else {
			u.Wall, u.CPU, u.MaxRSS = time.Duration(wall), time.Duration(cpu), maxRSS
			stderr.Reset()
			stderr.WriteString(rest)
		}
	}
	if err != nil {
		return nil, u, fmt.Errorf("%w: %s", err, strings.TrimSpace(lastLines(stderr.String(), 5)))
	}
	return stdout.Bytes(), u, nil
}

const (
	launchFlag   = "-oracle-launch"
	launchReport = "oracle-launch-usage:"
)

// launcherReady says ServeLaunch runs in this program, so its own
// executable can start children.
var launcherReady bool

// ServeLaunch makes this program a launcher for Measure: called first
// thing in main (or TestMain), it runs the child named after the launch
// flag, passes its output and exit code through, and reports its wall and
// CPU time and peak memory on the last line of standard error. Otherwise it
// returns and marks the program as able to launch.
func ServeLaunch() {
	if len(os.Args) < 3 || os.Args[1] != launchFlag {
		launcherReady = true
		return
	}
	cmd := exec.Command(os.Args[2], os.Args[3:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	code := 0
	if err != nil {
		code = 1
		if exit, ok := err.(*exec.ExitError); ok {
			code = exit.ExitCode()
		} else {
			fmt.Fprintln(os.Stderr, err)
		}
	}
	var cpu, maxRSS int64
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			cpu = ru.Utime.Nano() + ru.Stime.Nano()
			maxRSS = ru.Maxrss * 1024
		}
	}
	fmt.Fprintf(os.Stderr, "\n%s %d %d %d\n", launchReport, wall.Nanoseconds(), cpu, maxRSS)
	os.Exit(code)
}

// cutLastLine splits off the last non-empty line of s.
func cutLastLine(s string) (rest, last string) {
	s = strings.TrimRight(s, "\n")
	i := strings.LastIndexByte(s, '\n')
	return s[:max(i, 0)], s[i+1:]
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
