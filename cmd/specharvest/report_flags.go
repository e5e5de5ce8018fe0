package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/specharvest/specharvest/merge/diff"
	"github.com/specharvest/specharvest/output"
)

// stringList is a repeatable flag (--rule a --rule b); a comma also
// separates values (--rule a,b).
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error {
	for _, part := range strings.Split(v, ",") {
		if part = strings.TrimSpace(part); part != "" {
			*l = append(*l, part)
		}
	}
	return nil
}

// reportFlags are the flags that narrow and draw a report, the same on
// diff and run.
type reportFlags struct {
	fs     *flag.FlagSet
	level  *string
	rules  stringList
	match  stringList
	ignore *string
	color  *string
}

func addReportFlags(fs *flag.FlagSet) *reportFlags {
	rf := &reportFlags{fs: fs}
	rf.level = fs.String("level", "info", "the lowest `LEVEL` shown: breaking, warning or info")
	fs.Var(&rf.rules, "rule", "show only findings of this rule `ID` (a glob; repeatable)")
	fs.Var(&rf.match, "match", "show only findings whose group key or operation matches this `GLOB` (* spans slashes; repeatable)")
	rf.ignore = fs.String("ignore", "", "accept the findings listed under ignore: in this YAML `FILE` (default: the config's ignore:)")
	rf.color = fs.String("color", "auto", "colour the text report: auto (on a terminal, unless NO_COLOR is set), always or never")
	return rf
}

// filter checks the flags and builds the report filter.
func (rf *reportFlags) filter() (output.ReportFilter, error) {
	flt := output.ReportFilter{Rules: rf.rules, Match: rf.match}
	switch l := diff.Level(*rf.level); l {
	case diff.LevelBreaking, diff.LevelWarning:
		flt.Level = l
	case diff.LevelInfo, "":
	default:
		return flt, usagef("--level must be breaking, warning or info, not %q", *rf.level)
	}
	for _, id := range rf.rules {
		if strings.ContainsAny(id, "*?") || id == output.RuleGroupRemoved || id == output.RuleGroupAdded {
			continue
		}
		if _, ok := diff.RuleByID(id); !ok {
			var ids []string
			for _, r := range diff.Rules() {
				ids = append(ids, r.ID)
			}
			return flt, usagef("--rule %s: no such rule%s (see `specharvest diff --rules`)", id, didYouMean(id, ids, ""))
		}
	}
	return flt, nil
}

// ignores is the ignore list in force: --ignore FILE, else the config's.
func (rf *reportFlags) ignores(e *env, cfg *Config) ([]output.IgnoreRule, error) {
	if *rf.ignore != "" {
		return loadIgnoreFile(e, *rf.ignore)
	}
	if cfg == nil {
		return nil, nil
	}
	return cfg.ignoreRules, nil
}

// style decides colour: --color always/never, else colour on a terminal
// unless NO_COLOR is set (https://no-color.org) or TERM is dumb.
func (rf *reportFlags) style(e *env, w io.Writer) (output.Style, error) {
	switch *rf.color {
	case "always":
		return output.Style{Color: true}, nil
	case "never":
		return output.Style{}, nil
	case "auto":
		if v, ok := e.getenv("NO_COLOR"); ok && v != "" {
			return output.Style{}, nil
		}
		if v, _ := e.getenv("TERM"); v == "dumb" {
			return output.Style{}, nil
		}
		return output.Style{Color: isTerminal(w)}, nil
	}
	return output.Style{}, usagef("--color must be auto, always or never, not %q", *rf.color)
}

// checkReportFormat accepts the formats of output.WriteReport.
func checkReportFormat(format string) error {
	for _, f := range output.ReportFormats {
		if f == format {
			return nil
		}
	}
	return usagef("--format must be %s, not %q", strings.Join(output.ReportFormats, ", "), format)
}

// warnIgnores prints what the ignore list needs the user to hear.
func warnIgnores(e *env, lines []string) {
	for _, l := range lines {
		fmt.Fprintf(e.stderr, "specharvest: warning: %s\n", l)
	}
}
