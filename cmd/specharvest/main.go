package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	if supervised(os.Args) {
		if code := supervise(os.Args, os.Stderr); code >= 0 {
			os.Exit(code)
		}
		// The child could not be started: run in this process.
	}
	setMemoryLimit()
	report := openChildReport()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	ctx = withChildReport(ctx, report)
	code := run(ctx, os.Args, os.Stdout, os.Stderr)
	stop()
	report.exit(code)
	os.Exit(code)
}
