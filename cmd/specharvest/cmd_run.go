package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/specharvest/specharvest/merge/diff"
	"github.com/specharvest/specharvest/output"
)

const defaultConfigFile = "specharvest.yaml"

func cmdRun(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "run")
	configFlag := fs.String("config", "", "the config `FILE` (default: $"+configEnvVar+", else ./"+defaultConfigFile+")")
	storeDir := fs.String("store", "", "the store folder (default: the config's store)")
	failOn := fs.String("fail-on", "", "none, breaking, warning or changes: exit 4 when this run's changes reach it (default: the config's diff.fail_on)")
	quiet := fs.Bool("quiet", false, "print only warnings and errors, and no summary")
	verbose := fs.Bool("v", false, "list every stale and failed group in the summary, not the first few of each cause")
	logFormat := fs.String("log-format", "text", "text or json: the format of log lines on stderr")
	rf := addReportFlags(fs)
	var only sourcesFlag
	fs.Var(&only, "source", "harvest only this source `NAME` (repeatable); the others are carried forward from latest")
	acceptRemovals := fs.Bool("accept-removals", false, "confirm removals that the removal guard would hold back as suspect")
	if rest, err := parseFlags(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usagef("run takes no arguments, got %q", rest)
	}
	path, _ := configPath(e, *configFlag)
	cfg, err := LoadConfig(path, e.getenv)
	if err != nil {
		return err
	}
	if *storeDir != "" {
		cfg.Store = *storeDir
	}
	if *failOn != "" {
		cfg.Diff.FailOn = *failOn
	}
	if err := checkFailOn(cfg.Diff.FailOn); err != nil {
		return err
	}
	logger, err := newLogger(e.stderr, *logFormat, *quiet)
	if err != nil {
		return err
	}
	opts := runOptions{quiet: *quiet, verbose: *verbose, acceptRemovals: *acceptRemovals}
	if opts.only, err = onlySources(cfg, only); err != nil {
		return err
	}
	if opts.filter, err = rf.filter(); err != nil {
		return err
	}
	if opts.ignores, err = rf.ignores(e, cfg); err != nil {
		return err
	}
	return runNightly(ctx, e, cfg, logger, opts)
}

// runOptions are how a run reports: quietly or not, every stale group or
// a few per cause, and the filters and ignore list its summary, exit code,
// metrics and webhooks follow. The snapshot's changes.json keeps every
// finding whatever they say.
type runOptions struct {
	quiet, verbose bool
	filter         output.ReportFilter
	ignores        []output.IgnoreRule
	// only names the sources of a sharded run (run --source), nil for all.
	only map[string]bool
	// acceptRemovals confirms removals the removal guard would hold back.
	acceptRemovals bool
}

// runNightly runs the pipeline, prints the summary, writes the metrics file
// and calls the webhooks, and turns the outcome into the exit code.
func runNightly(ctx context.Context, e *env, cfg *Config, logger *slog.Logger, opts runOptions) error {
	quiet := opts.quiet
	if cfg.Store == "" {
		cfg.Store = "./api-catalog"
	}
	n := &nightly{cfg: cfg, storeDir: cfg.Store, failOn: cfg.Diff.FailOn, logger: logger, now: e.now, only: opts.only, acceptRemovals: opts.acceptRemovals}
	if !quiet && isTerminal(e.stderr) {
		n.progress = newProgressLine(e.stderr, e.now)
	}
	started := e.now()
	res, runErr := n.run(ctx)
	code := exitCode(runErr)
	ignored := 0
	if runErr == nil && res.changes != nil {
		report, used := output.NarrowReport(res.changes, opts.filter, opts.ignores, e.now())
		var history []int
		if st, err := output.Open(ctx, cfg.Store); err == nil {
			if history, err = ignoreHistory(ctx, st, opts.ignores, e.now()); err != nil {
				logger.Warn("read the store's history for the ignore list", "err", err)
			}
		}
		warnIgnores(e, ignoreWarnings(opts.ignores, used, history, e.now()))
		res.changes, ignored = report.Changes, len(report.Ignored)
	}
	if runErr == nil {
		code = outcomeCode(res, cfg.Diff.FailOn)
		if !quiet {
			printRunSummary(e.stdout, res, ignored, opts.verbose)
		}
	}
	n.afterRun(ctx, started, res, runErr, code)
	if runErr != nil {
		return runErr
	}
	if res != nil && len(res.tooStale) > 0 {
		return &exitError{code: code, err: fmt.Errorf("%d groups have been stale for more than stale_max_age (%s): %s",
			len(res.tooStale), cfg.StaleLimit(), strings.Join(res.tooStale, ", "))}
	}
	if code != exitOK {
		return &exitError{code: code, silent: true}
	}
	return nil
}

// outcomeCode is 3 when some groups failed or are stale, 4 when the
// fail-on threshold was met; 4 wins.
//
// Above both, 1 when groups have been stale for longer than
// stale_max_age: a snapshot is written, but a key revoked weeks ago must
// not pass as a partial night for ever. And a source that failed is never
// a success, even when it had no groups to carry forward.
func outcomeCode(res *nightlyResult, failOn string) int {
	if len(res.tooStale) > 0 {
		return exitFailure
	}
	if thresholdMet(res.changes, failOn) {
		return exitThreshold
	}
	if s := res.manifest.Summary; s.Failed > 0 || s.Stale > 0 {
		return exitPartial
	}
	for _, src := range res.sources {
		if !src.Up {
			return exitPartial
		}
	}
	if len(res.manifest.FailedScopes) > 0 {
		return exitPartial
	}
	return exitOK
}

func newLogger(w io.Writer, format string, quiet bool) (*slog.Logger, error) {
	level := slog.LevelInfo
	if quiet || isTerminal(w) {
		// On a terminal the progress line says what info lines would.
		level = slog.LevelWarn
	}
	opts := &slog.HandlerOptions{Level: level}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, usagef("--log-format must be text or json, not %q", format)
}

func printRunSummary(w io.Writer, res *nightlyResult, ignored int, verbose bool) {
	m := res.manifest
	s := m.Summary
	fmt.Fprintf(w, "snapshot %s: %d groups — %d ok, %d failed, %d stale, %d invalid; %d operations (%s)\n",
		m.ID, s.Specs, s.OK, s.Failed, s.Stale, s.Invalid, s.Operations, res.took.Round(time.Millisecond))
	if res.merge != nil {
		fmt.Fprintf(w, "merged: %d operations from %d documents, %d path collisions resolved, %d names made unique\n",
			res.merge.OperationsOut, res.merge.Inputs, len(res.merge.Collisions), len(res.merge.Renames))
		for _, x := range res.merge.Excluded {
			fmt.Fprintf(w, "  EXCLUDED from merged.json %s: %s\n", x.Key, x.Reason)
		}
	}
	if c := res.changes; c != nil {
		cs := c.Summary
		fmt.Fprintf(w, "since %s: %d breaking, %d non-breaking; groups %d added, %d removed, %d changed, %d stale\n",
			c.Base, cs.Breaking, cs.NonBreaking, cs.GroupsAdded, cs.GroupsRemoved, cs.GroupsChanged, cs.GroupsStale)
		for _, g := range c.Groups {
			if g.Change == diff.GroupRemoved {
				fmt.Fprintf(w, "  REMOVED %s: the group is gone from its workspace\n", g.Key)
			}
			for _, f := range g.Changes {
				if f.Level == diff.LevelBreaking {
					fmt.Fprintf(w, "  BREAKING %s: %s %s\n", g.Key, f.ID, strings.TrimSpace(f.Operation+" "+f.Message))
				}
			}
		}
		if ignored > 0 {
			fmt.Fprintf(w, "  %d findings accepted by the ignore list (specharvest diff %s %s lists them with their reasons)\n", ignored, c.Base, m.ID)
		}
	} else {
		fmt.Fprintln(w, "first snapshot of this store: nothing to compare with yet")
	}
	for _, src := range res.sources {
		if !src.Up {
			fmt.Fprintf(w, "  SOURCE FAILED %s: %s\n", src.Name, src.Error)
		}
	}
	for src, held := range res.heldBack {
		fmt.Fprintf(w, "  HELD BACK %d removals of source %s (suspect-removal): more than removal_guard allows; run with --accept-removals to confirm\n", held, src)
	}
	printUnhealthyGroups(w, m.Specs, verbose)
	for _, sha := range res.repaired {
		fmt.Fprintf(w, "  REPAIRED blob %s: it was damaged in the store and was rewritten from the document fetched again\n", sha)
	}
	if res.pruned > 0 {
		fmt.Fprintf(w, "retention removed %d old snapshots\n", res.pruned)
	}
	fmt.Fprintf(w, "catalog: %s\n", pagePath(res.pageDir))
}

// pagePath is the catalog page of a snapshot location, a folder or an
// s3:// URL (which filepath.Join would mangle).
func pagePath(loc string) string {
	if isS3Store(loc) {
		return loc + "/" + catalogHTMLFile
	}
	return filepath.Join(loc, catalogHTMLFile)
}
