package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"

	"github.com/specharvest/specharvest/output"
)

// A run that runs out of memory, or panics in a goroutine, is ended by the
// Go runtime with exit code 2 — the code of a usage error — and leaves its
// lock behind. No recover can catch either. So `specharvest run` is
// supervised: the command starts itself as a child that does the work and
// tells the parent, over a pipe, which store it locked and which code it
// exits with. A child that ends without saying (a fatal runtime error, a
// panic, the kernel's OOM killer) makes the parent release the child's
// lock, say what happened, and exit 1. The child dies with the parent
// (PR_SET_PDEATHSIG), so killing the run kills both; and the lock names
// the parent, so it is seen stale as soon as the parent is gone.

// supervisedEnv marks the child, so that it does not supervise itself.
const supervisedEnv = "SPECHARVEST_SUPERVISED_FD"

// supervised reports whether this command should run under a supervisor.
func supervised(args []string) bool {
	return runtime.GOOS == "linux" && len(args) >= 2 && args[1] == "run" && os.Getenv(supervisedEnv) == ""
}

// supervise runs args as a child and returns the exit code to use.
func supervise(args []string, stderr io.Writer) int {
	exe, err := os.Executable()
	if err != nil {
		return -1
	}
	r, w, err := os.Pipe()
	if err != nil {
		return -1
	}
	// PR_SET_PDEATHSIG follows the thread that started the child.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cmd := exec.Command(exe, args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.ExtraFiles = []*os.File{w}
	cmd.Env = append(os.Environ(), supervisedEnv+"=3")
	cmd.SysProcAttr = childProcAttr()
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		w.Close()
		r.Close()
		return -1
	}
	w.Close()
	go func() {
		for s := range sigs {
			_ = cmd.Process.Signal(s)
		}
	}()
	var storeDir string
	code := -1
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		verb, arg, _ := strings.Cut(sc.Text(), " ")
		switch verb {
		case "store":
			storeDir = arg
		case "exit":
			if c, err := strconv.Atoi(arg); err == nil {
				code = c
			}
		}
	}
	r.Close()
	waitErr := cmd.Wait()
	if code >= 0 {
		return code
	}
	how := "it ended without a word"
	var exit *exec.ExitError
	if errors.As(waitErr, &exit) {
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			how = fmt.Sprintf("it was killed by %s (the kernel's OOM killer sends SIGKILL)", ws.Signal())
		} else {
			how = fmt.Sprintf("it crashed with exit code %d (out of memory, or an internal error; see above)", exit.ExitCode())
		}
	}
	fmt.Fprintf(stderr, "specharvest run: the run did not finish: %s; nothing new was committed and the previous snapshot is intact\n", how)
	if storeDir != "" {
		releaseChildLock(storeDir, os.Getpid(), stderr)
	}
	return exitFailure
}

// releaseChildLock removes the lock the dead child took in this
// supervisor's name (see holderPID), and only that one.
func releaseChildLock(dir string, pid int, stderr io.Writer) {
	ctx := context.Background()
	st, err := output.Open(ctx, dir)
	if err != nil {
		return
	}
	holder, _, locked, err := st.LockHolder(ctx)
	if !locked || err != nil || holder.PID != pid {
		return
	}
	if err := st.ForceUnlock(ctx, holder); err != nil {
		fmt.Fprintf(stderr, "specharvest run: release the lock of the run that crashed: %v\n", err)
	}
}

// childReport is the child's side of the pipe; nil when not supervised.
type childReport struct{ w *os.File }

func openChildReport() *childReport {
	fd, err := strconv.Atoi(os.Getenv(supervisedEnv))
	if err != nil || fd < 3 {
		return nil
	}
	return &childReport{w: os.NewFile(uintptr(fd), "supervisor")}
}

// holderPID is the process the store lock names: the supervisor, whose
// life bounds the child's; 0 (this process) when not supervised.
func (c *childReport) holderPID() int {
	if c == nil {
		return 0
	}
	return os.Getppid()
}

func (c *childReport) locked(storeDir string) {
	if c != nil {
		fmt.Fprintf(c.w, "store %s\n", storeDir)
	}
}

func (c *childReport) exit(code int) {
	if c != nil {
		fmt.Fprintf(c.w, "exit %d\n", code)
		c.w.Close()
	}
}

// setMemoryLimit makes the garbage collector work harder as the process
// nears its cgroup's memory limit, so that a large document is more
// likely to be read under the limit than to be killed for it. GOMEMLIMIT,
// when set, wins.
func setMemoryLimit() {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	data, err := os.ReadFile("/sys/fs/cgroup/memory.max")
	if err != nil {
		return
	}
	limit, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
	if err != nil || limit <= 0 {
		return // "max": no limit
	}
	debug.SetMemoryLimit(limit / 10 * 9)
}

// childReportKey carries the report pipe to the point where the store is
// locked, deep in the pipeline, without every caller passing it on.
type childReportKey struct{}

func withChildReport(ctx context.Context, r *childReport) context.Context {
	if r == nil {
		return ctx
	}
	return context.WithValue(ctx, childReportKey{}, r)
}

func childReportFrom(ctx context.Context) *childReport {
	r, _ := ctx.Value(childReportKey{}).(*childReport)
	return r
}
