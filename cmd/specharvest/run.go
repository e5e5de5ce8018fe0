package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/specharvest/specharvest/merge/diff"
	"github.com/specharvest/specharvest/output"
)

// Exit codes, the same for every command (DESIGN §4).
const (
	exitOK        = 0
	exitFailure   = 1
	exitUsage     = 2
	exitPartial   = 3
	exitThreshold = 4
	exitLocked    = 5
)

const exitCodesHelp = `Exit codes:
  0  success
  1  failure, nothing written
  2  usage or config error
  3  partial: snapshot written, some groups failed or stale
  4  the --fail-on threshold was met
  5  the store is locked by another run
  When both 3 and 4 apply, 4 wins.`

// env is what every command gets: its output streams and the few things
// tests replace (environment lookup, clock).
type env struct {
	stdout io.Writer
	stderr io.Writer
	getenv func(string) (string, bool)
	now    func() time.Time
}

// command is one subcommand. run parses its own flags from args.
type command struct {
	name    string
	usage   string
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

func commands() []command {
	return []command{
		{name: "run", usage: "run [--config FILE] [--store DIR|s3://bucket/prefix] [--source NAME]... [--fail-on none|breaking|warning|changes] [--level L] [--rule ID]... [--match GLOB]... [--ignore FILE] [--quiet] [--log-format text|json]", summary: "harvest every source into a new snapshot", run: cmdRun},
		{name: "demo", usage: "demo [--store DIR]", summary: "harvest a simulated Xano fleet twice and show what changed", run: cmdDemo},
		{name: "simulate", usage: "simulate [--addr 127.0.0.1:0] [--fleet DIR | --instances N --workspaces N --groups N --endpoints N] [--seed N] [--generation N] [--latency D] [--fail-rate F] [--hang-rate F] [--truncate-rate F] [--too-many-rate F] [--rate-limit N/D] [--api-key K] [--meta-token T] [--older-release] [--ports-from N]", summary: "serve a simulated Xano account", run: cmdSimulate},
		{name: "validate", usage: "validate FILE|URL... [-v|--verbose] [--format text|json] [--external-refs] [--rules]", summary: "load and validate OpenAPI documents", run: cmdValidate},
		{name: "merge", usage: "merge FILE|URL... [-o OUT.json|OUT.yaml] [--prefix-components key|file] [--prefix-tags key|file]", summary: "merge documents into one", run: cmdMerge},
		{name: "diff", usage: "diff BASE REVISION [--store DIR] [--format text|json|markdown|github|junit] [--fail-on none|breaking|warning|changes] [--level L] [--rule ID]... [--match GLOB]... [--ignore FILE] [--color auto|always|never]", summary: "report changes between two documents or two snapshots", run: cmdDiff},
		{name: "snapshots", usage: "snapshots list|show ID|prune|export ID [--store DIR] [--keep-last N] [--dry-run] [--format text|json] [-o FILE.tar.gz|s3://bucket/prefix]", summary: "list, inspect, prune and export snapshots", run: cmdSnapshots},
		{name: "verify", usage: "verify [--store DIR]", summary: "re-hash every blob and check every manifest", run: cmdVerify},
		{name: "unlock", usage: "unlock [--store DIR] [--force]", summary: "remove the run lock of a run that is over", run: cmdUnlock},
		{name: "history", usage: "history KEY [--store DIR] [--format text|json]", summary: "show in which snapshots a group changed", run: cmdHistory},
	}
}

// run is the whole program; main only calls it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	e := &env{stdout: stdout, stderr: stderr, getenv: os.LookupEnv, now: time.Now}
	return runWith(ctx, e, args)
}

func runWith(ctx context.Context, e *env, args []string) int {
	if len(args) < 2 {
		printHelp(e.stderr)
		return exitUsage
	}
	name := args[1]
	switch name {
	case "-h", "--help", "help":
		printHelp(e.stdout)
		return exitOK
	case "--version", "version":
		fmt.Fprintln(e.stdout, "specharvest", toolVersion())
		return exitOK
	}
	for _, c := range commands() {
		if c.name == name {
			err := runRecovered(ctx, e, c, args[2:])
			code := exitCode(err)
			if err != nil && !errors.Is(err, flag.ErrHelp) && !isSilent(err) {
				fmt.Fprintf(e.stderr, "specharvest %s: %v\n", name, err)
			}
			return code
		}
	}
	names := make([]string, 0, len(commands()))
	for _, c := range commands() {
		names = append(names, c.name)
	}
	if strings.HasPrefix(name, "-") {
		fmt.Fprintf(e.stderr, "specharvest: unknown flag %q%s (see `specharvest --help`)\n", name, didYouMean(name, []string{"--help", "--version"}, ""))
		return exitUsage
	}
	fmt.Fprintf(e.stderr, "specharvest: unknown command %q%s (see `specharvest --help`)\n", name, didYouMean(name, names, ""))
	return exitUsage
}

// runRecovered turns a panic of the command's own goroutine into exit 1
// (never 2, the code of a usage error); deferred clean-ups, such as
// releasing the store lock, have run by the time it is recovered. A panic
// in another goroutine cannot be recovered: the supervisor of `run`
// handles that (supervise.go).
func runRecovered(ctx context.Context, e *env, c command, args []string) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &exitError{code: exitFailure, err: fmt.Errorf("internal error: %v; nothing new was committed", p)}
		}
	}()
	return c.run(ctx, e, args)
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "specharvest — snapshot, merge and diff every OpenAPI document of a Xano account or any fleet of specs.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage:")
	cmds := commands()
	for _, c := range cmds {
		fmt.Fprintf(w, "  specharvest %s\n      %s\n", c.usage, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, exitCodesHelp)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Diff rules (a finding's id and level; `specharvest diff --rules --format markdown` prints them as a table):")
	_ = output.WriteRuleTable(w, diff.Rules(), "text")
}

// usageError is a bad flag, a missing argument or a bad config: exit 2.
type usageError struct{ err error }

func (u *usageError) Error() string { return u.err.Error() }
func (u *usageError) Unwrap() error { return u.err }

func usagef(format string, a ...any) error { return &usageError{err: fmt.Errorf(format, a...)} }

// exitError carries a specific exit code (3 partial, 4 threshold, 5 locked)
// together with what to tell the user; silent ones print nothing more,
// because the command has already said it.
type exitError struct {
	code   int
	err    error
	silent bool
}

func (x *exitError) Error() string {
	if x.err == nil {
		return fmt.Sprintf("exit %d", x.code)
	}
	return x.err.Error()
}
func (x *exitError) Unwrap() error { return x.err }

func isSilent(err error) bool {
	var x *exitError
	return errors.As(err, &x) && x.silent
}

// exitCode maps an error to the documented exit codes; it is the only
// place that does.
func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	var x *exitError
	if errors.As(err, &x) {
		return x.code
	}
	if errors.Is(err, output.ErrLocked) || errors.Is(err, output.ErrLatestMoved) {
		return exitLocked
	}
	var u *usageError
	if errors.As(err, &u) {
		return exitUsage
	}
	var c *ConfigError
	if errors.As(err, &c) {
		return exitUsage
	}
	return exitFailure
}

// newFlagSet returns a flag set that reports errors instead of exiting and
// prints its usage to the command's stderr.
func newFlagSet(e *env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("specharvest "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
}

// parseFlags parses flags that may come before or after positional
// arguments ("diff a.json b.json --format json"), which is how people type.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := parseQuietly(fs, args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
	return positional, nil
}

func sortedKeys[M ~map[string]V, V any](m M) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
