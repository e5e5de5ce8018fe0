package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/specharvest/specharvest/harvest"
	"github.com/specharvest/specharvest/harvest/validate"
	"github.com/specharvest/specharvest/merge/diff"
	"github.com/specharvest/specharvest/output"
)

const diffUsage = "usage: specharvest diff BASE REVISION [--store DIR] [--config FILE] [--format text|json|markdown|github|junit] [--fail-on none|breaking|warning|changes] [--level breaking|warning|info] [--rule ID]... [--match GLOB]... [--ignore FILE] [--color auto|always|never] [--rules]"

// cmdDiff reports what changed between two documents (files or URLs) or
// two snapshots of a store. An argument that names an existing file is a
// document, an http(s) URL too; anything else is a snapshot id of --store
// ("latest" included). Both arguments must be of the same kind.
func cmdDiff(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "diff")
	store := storeFlag(fs)
	format := fs.String("format", "text", "output `FORMAT`: "+strings.Join(output.ReportFormats, ", "))
	failOn := fs.String("fail-on", "none", "exit 4 when `WHAT` is found: none, breaking, warning or changes (default: the config's diff.fail_on, else none)")
	rules := fs.Bool("rules", false, "print the rule table (in --format text or markdown) and exit")
	rf := addReportFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), diffUsage)
		fmt.Fprintln(fs.Output(), "\nBASE and REVISION are two OpenAPI documents (files or URLs) or two snapshot ids of --store (latest, and latest~N for the Nth snapshot before it).")
		fs.PrintDefaults()
		fmt.Fprintln(fs.Output(), "\nRules:")
		_ = output.WriteRuleTable(fs.Output(), diff.Rules(), "text")
		fmt.Fprintln(fs.Output())
		fmt.Fprintln(fs.Output(), exitCodesHelp)
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := checkReportFormat(*format); err != nil {
		return err
	}
	if err := checkFailOn(*failOn); err != nil {
		return err
	}
	if *rules {
		tableFormat := "text"
		if *format == "markdown" {
			tableFormat = "markdown"
		}
		return output.WriteRuleTable(e.stdout, diff.Rules(), tableFormat)
	}
	if len(pos) != 2 {
		return usagef(diffUsage)
	}
	flt, err := rf.filter()
	if err != nil {
		return err
	}
	style, err := rf.style(e, e.stdout)
	if err != nil {
		return err
	}
	dir, cfg, err := store.settings(e)
	if err != nil {
		return err
	}
	ignores, err := rf.ignores(e, cfg)
	if err != nil {
		return err
	}
	if !flagGiven(fs, "fail-on") && cfg.Diff.FailOn != "" {
		*failOn = cfg.Diff.FailOn
		if err := checkFailOn(*failOn); err != nil {
			return err
		}
	}

	var changes *diff.Changes
	var history []int
	baseIsDoc, revisionIsDoc := isDocumentArg(pos[0]), isDocumentArg(pos[1])
	status := startStatus(e.stderr, e.now)
	defer status.clear()
	status.say("diff: comparing %s and %s…", documentBaseName(pos[0]), documentBaseName(pos[1]))
	switch {
	case baseIsDoc && revisionIsDoc:
		changes, err = diffDocuments(ctx, pos[0], pos[1])
	case !baseIsDoc && !revisionIsDoc:
		if changes, err = diffSnapshots(ctx, dir, pos[0], pos[1]); err == nil {
			var st *output.Store
			if st, err = openStore(ctx, dir); err == nil {
				history, err = ignoreHistory(ctx, st, ignores, e.now())
			}
		}
	default:
		doc, other := pos[0], pos[1]
		if revisionIsDoc {
			doc, other = other, doc
		}
		return usagef("%s is a document but %s is neither an existing file nor a URL: compare two documents or two snapshot ids", doc, other)
	}
	if err != nil {
		return err
	}
	report, used := output.NarrowReport(changes, flt, ignores, e.now())
	status.clear()
	warnIgnores(e, ignoreWarnings(ignores, used, history, e.now()))
	if err := output.WriteReport(e.stdout, report, *format, style); err != nil {
		return err
	}
	return diffThreshold(report.Changes, *failOn)
}

// isDocumentArg tells a document from a snapshot id: an existing file
// wins, so a file that happens to be called "latest" is still a file.
func isDocumentArg(arg string) bool {
	if strings.HasPrefix(arg, "http://") || strings.HasPrefix(arg, "https://") {
		return true
	}
	info, err := os.Stat(arg)
	return err == nil && !info.IsDir()
}

// diffThreshold turns --fail-on into exit 4.
func diffThreshold(c *diff.Changes, failOn string) error {
	if !thresholdMet(c, failOn) {
		return nil
	}
	return &exitError{code: exitThreshold, err: errors.New(thresholdReason(c, failOn))}
}

// diffDocuments compares two documents as one group. Each is read and
// repaired the way a run does (Swagger 2.0 converted, Xano's quirks
// fixed), so the diff judges the same contract the catalog shows.
func diffDocuments(ctx context.Context, baseArg, revisionArg string) (*diff.Changes, error) {
	base, baseName, err := readRepaired(ctx, baseArg)
	if err != nil {
		return nil, err
	}
	revision, revisionName, err := readRepaired(ctx, revisionArg)
	if err != nil {
		return nil, err
	}
	findings, err := diff.Diff(ctx, base, revision, diff.DiffOptions{})
	if err != nil {
		return nil, fmt.Errorf("diff %s and %s: %w", baseName, revisionName, err)
	}
	return diff.DocumentChanges(baseName, revisionName, revisionName, findings), nil
}

func readRepaired(ctx context.Context, arg string) (doc []byte, name string, err error) {
	body, name, err := harvest.ReadDocument(ctx, arg, harvest.DefaultOptions())
	if name == "" {
		name = arg
	}
	if err != nil {
		return nil, name, fmt.Errorf("read %s: %w", name, err)
	}
	res := validate.Load(ctx, body, validate.Options{})
	if res.Repaired == nil {
		return nil, name, fmt.Errorf("%s cannot be read as OpenAPI: %s", name, firstProblemOf(res))
	}
	return res.Repaired, name, nil
}

// repairedBlobs loads a store's documents as the diff reads them: repaired
// by the loader, exactly as the merge of the same snapshot read them.
func repairedBlobs(st *output.Store) diff.LoadBlob {
	return func(ctx context.Context, sha string) ([]byte, error) {
		raw, err := st.ReadBlob(ctx, sha)
		if err != nil {
			return nil, err
		}
		res := validate.Load(ctx, raw, validate.Options{})
		if res.Repaired == nil {
			return nil, fmt.Errorf("not a readable OpenAPI document: %s", firstProblemOf(res))
		}
		return res.Repaired, nil
	}
}

func firstProblemOf(res *validate.Result) string {
	if len(res.Problems) == 0 {
		return "no details"
	}
	return res.Problems[0].String()
}

// diffSnapshots compares two snapshots of a store group by group.
func diffSnapshots(ctx context.Context, storeDir, baseArg, revisionArg string) (*diff.Changes, error) {
	st, err := openStore(ctx, storeDir)
	if err != nil {
		return nil, err
	}
	var sides [2]*output.Manifest
	for i, arg := range []string{baseArg, revisionArg} {
		id, err := resolveSnapshotID(ctx, st, arg)
		if err != nil {
			var u *usageError
			if errors.As(err, &u) {
				return nil, usagef("%s is neither an existing file, a URL nor a snapshot id: %v", arg, u.err)
			}
			return nil, err
		}
		m, err := st.Manifest(ctx, id)
		if err != nil {
			return nil, err
		}
		sides[i] = m
	}
	return diff.DiffFleet(ctx, sides[0], sides[1], repairedBlobs(st), diff.FleetOptions{})
}
