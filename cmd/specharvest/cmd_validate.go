package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/specharvest/specharvest/harvest"
	"github.com/specharvest/specharvest/harvest/validate"
)

// warningsShown is how many warnings a verdict lists without -v: enough
// to see what kind they are, few enough that errors stay in view.
const warningsShown = 10

// validateReport is one document's verdict in --format json.
type validateReport struct {
	Name  string `json:"name"`
	Error string `json:"error,omitempty"` // the document could not be read
	validate.Summary
}

func cmdValidate(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "validate")
	var verbose bool
	fs.BoolVar(&verbose, "v", false, "list every warning, not only the first ten")
	fs.BoolVar(&verbose, "verbose", false, "same as -v")
	format := fs.String("format", "text", "output format: text or json")
	externalRefs := fs.Bool("external-refs", false, "follow $refs to other files and URLs")
	listRules := fs.Bool("rules", false, "list every problem rule with its level and exit")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *listRules {
		printRules(e.stdout)
		return nil
	}
	if len(pos) == 0 {
		return usagef("usage: specharvest validate FILE|URL... [-v] [--format text|json] [--external-refs] | --rules")
	}
	if *format != "text" && *format != "json" {
		return usagef("--format must be text or json, not %q", *format)
	}
	readOpts := harvest.DefaultOptions()
	readOpts.ExternalRefs = *externalRefs
	var reports []validateReport
	invalid := 0
	status := startStatus(e.stderr, e.now)
	defer status.clear()
	for i, arg := range pos {
		status.say("validate %d/%d files: loading %s", i+1, len(pos), documentBaseName(arg))
		body, name, err := harvest.ReadDocument(ctx, arg, readOpts)
		if name == "" {
			name = arg
		}
		if err != nil {
			invalid++
			reports = append(reports, validateReport{Name: name, Error: err.Error()})
			if *format == "text" {
				status.above(func() { fmt.Fprintf(e.stdout, "%s: INVALID, cannot be read: %v\n", name, err) })
			}
			continue
		}
		res := validate.Load(ctx, body, validate.Options{ExternalRefs: *externalRefs})
		if !res.Valid {
			invalid++
		}
		reports = append(reports, validateReport{Name: name, Summary: res.Summary()})
		if *format == "text" {
			status.above(func() { printVerdict(e.stdout, name, res, verbose) })
		}
	}
	status.clear()
	if *format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(reports); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
	} else if len(pos) > 1 {
		fmt.Fprintf(e.stdout, "%d documents: %d valid, %d invalid\n", len(pos), len(pos)-invalid, invalid)
	}
	if invalid > 0 {
		return &exitError{code: exitFailure, silent: true}
	}
	return nil
}

// printVerdict writes one document's verdict: a headline, then every
// error, then the warnings, the first few only unless verbose.
func printVerdict(w io.Writer, name string, res *validate.Result, verbose bool) {
	verdict := "VALID"
	if !res.Valid {
		verdict = "INVALID"
	}
	version := "unknown version"
	if res.OpenAPI != "" {
		version = "OpenAPI " + res.OpenAPI
		if res.OpenAPI == "2.0" {
			version = "Swagger 2.0"
		}
	}
	errs, warnings := res.Errors(), res.Warnings()
	fmt.Fprintf(w, "%s: %s, %s, %s (%s, %s)\n", name, verdict, version, nounCount(res.Operations, "operation"), nounCount(errs, "error"), nounCount(warnings, "warning"))
	if !verbose && warnings > warningsShown {
		fmt.Fprintf(w, "  warnings by rule: %s\n", tallyByRule(res.Problems, validate.LevelWarning))
	}
	shown := 0
	for _, p := range res.Problems {
		if p.Level == validate.LevelWarning {
			if !verbose && shown == warningsShown {
				continue
			}
			shown++
		}
		fmt.Fprintf(w, "  %s\n", p)
	}
	if hidden := warnings - shown; hidden > 0 {
		fmt.Fprintf(w, "  … and %d more warnings (-v lists them)\n", hidden)
	}
}

func nounCount(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// printRules lists the rule table: what each problem id means and
// whether it makes a document invalid.
func printRules(w io.Writer) {
	fmt.Fprintln(w, "A document is INVALID when it has a problem of level error.")
	fmt.Fprintln(w)
	for _, r := range validate.Rules() {
		fmt.Fprintf(w, "%-8s %-32s %s\n", r.Level, r.ID, r.Description)
	}
}

// tallyByRule summarises the problems of one level as "rule N, rule N",
// most frequent first.
func tallyByRule(problems []validate.Problem, level validate.Level) string {
	counts := map[string]int{}
	for _, p := range problems {
		if p.Level == level {
			counts[p.Rule]++
		}
	}
	rules := sortedKeys(counts)
	sort.SliceStable(rules, func(i, j int) bool { return counts[rules[i]] > counts[rules[j]] })
	parts := make([]string, len(rules))
	for i, r := range rules {
		parts[i] = fmt.Sprintf("%s %d", r, counts[r])
	}
	return strings.Join(parts, ", ")
}
