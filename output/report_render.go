package output

import (
	"bufio"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/specharvest/specharvest/merge/diff"
)

// ReportFormats are the formats WriteReport knows, for flag help and checks.
var ReportFormats = []string{"text", "json", "markdown", "github", "junit"}

// Style is how text is drawn: Color adds ANSI colours (level badges, and
// groups marked like a diff: + added, - removed, ~ stale), for a terminal.
type Style struct{ Color bool }

const (
	ansiReset  = "\033[0m"
	ansiBold   = "\033[1m"
	ansiRed    = "\033[31m"
	ansiGreen  = "\033[32m"
	ansiYellow = "\033[33m"
	ansiCyan   = "\033[36m"
	ansiDim    = "\033[2m"
)

func (st Style) paint(code, s string) string {
	if !st.Color {
		return s
	}
	return code + s + ansiReset
}

// badge is a finding's level, padded to one width; in colour, a
// coloured badge (red breaking, yellow warning, cyan info).
func (st Style) badge(l diff.Level) string {
	text := fmt.Sprintf("%-8s", strings.ToUpper(string(l)))
	switch l {
	case diff.LevelBreaking:
		return st.paint(ansiBold+ansiRed, text)
	case diff.LevelWarning:
		return st.paint(ansiBold+ansiYellow, text)
	default:
		return st.paint(ansiCyan, text)
	}
}

// groupLine draws a group key of the added/removed/stale lists; in colour
// it is marked the way a diff marks lines.
func (st Style) groupLine(change, key string) string {
	if !st.Color {
		return key
	}
	switch change {
	case diff.GroupAdded:
		return st.paint(ansiGreen, "+ "+key)
	case diff.GroupRemoved:
		return st.paint(ansiRed, "- "+key)
	}
	return st.paint(ansiDim, "~ "+key)
}

// WriteReport writes a report in one of ReportFormats.
func WriteReport(w io.Writer, r *Report, format string, st Style) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(r); err != nil {
			return fmt.Errorf("write changes: %w", err)
		}
		return nil
	case "markdown":
		if err := WriteChangesMarkdown(w, r.Changes); err != nil {
			return err
		}
		return writeIgnoredMarkdown(w, r)
	case "github":
		return writeGitHub(w, r)
	case "junit":
		return writeJUnit(w, r)
	case "text", "":
		if err := writeChangesText(w, r.Changes, st); err != nil {
			return err
		}
		return writeIgnoredText(w, r, st)
	}
	return fmt.Errorf("report format %q: want one of %s", format, strings.Join(ReportFormats, ", "))
}

func writeIgnoredText(w io.Writer, r *Report, st Style) error {
	bw := bufio.NewWriter(w)
	if len(r.Ignored) > 0 {
		fmt.Fprintf(bw, "\nIgnored (%d, accepted by the ignore list)\n", len(r.Ignored))
		for _, ig := range r.Ignored {
			fmt.Fprintf(bw, "\n  %s\n", ig.Key)
			fmt.Fprintf(bw, "    %s %s\n", st.badge(ig.Finding.Level), ig.Finding.ID)
			fmt.Fprintf(bw, "             %s\n", ig.Finding.Message)
			if ops := ig.Finding.Affected(); len(ops) > 0 {
				fmt.Fprintf(bw, "             %s\n", textOperations(ops))
			}
			fmt.Fprintf(bw, "             ignored: %s%s\n", ig.Reason, entrySuffix(ig.Entry))
		}
	}
	if r.Hidden > 0 {
		fmt.Fprintf(bw, "\n%s left out by --level, --rule or --match.\n", plural(r.Hidden, "finding", "findings"))
	}
	return bw.Flush()
}

func entrySuffix(origin string) string {
	if origin == "" {
		return ""
	}
	return " (" + origin + ")"
}

func writeIgnoredMarkdown(w io.Writer, r *Report) error {
	bw := bufio.NewWriter(w)
	if len(r.Ignored) > 0 {
		fmt.Fprintf(bw, "\n## Ignored (%d)\n\nAccepted by the ignore list; they do not count towards `--fail-on`.\n\n", len(r.Ignored))
		for _, ig := range r.Ignored {
			fmt.Fprintf(bw, "- `%s` ", mdCode(ig.Key))
			writeMarkdownFinding(bw, ig.Finding)
			fmt.Fprintf(bw, "  - reason: %s%s\n", mdText(ig.Reason), mdText(entrySuffix(ig.Entry)))
		}
	}
	if r.Hidden > 0 {
		fmt.Fprintf(bw, "\n_%s left out by `--level`, `--rule` or `--match`._\n", plural(r.Hidden, "finding", "findings"))
	}
	return bw.Flush()
}

// writeGitHub writes GitHub Actions workflow commands: ::error for a
// breaking finding or a removed group, ::warning for a warning, ::notice
// for the rest and for ignored findings (with their reason), each with a
// title naming the rule and the group, then one plain summary line.
func writeGitHub(w io.Writer, r *Report) error {
	bw := bufio.NewWriter(w)
	command := map[diff.Level]string{diff.LevelBreaking: "error", diff.LevelWarning: "warning", diff.LevelInfo: "notice"}
	emit := func(level diff.Level, title, message string) {
		cmd, ok := command[level]
		if !ok {
			cmd = "error"
		}
		fmt.Fprintf(bw, "::%s title=%s::%s\n", cmd, ghProperty(title), ghData(message))
	}
	for _, g := range r.Groups {
		if f, ok := groupFinding(g); ok {
			emit(f.Level, f.ID+" in "+g.Key, g.Key+": "+f.Message)
			continue
		}
		if g.Error != "" {
			emit(diff.LevelWarning, "not compared: "+g.Key, g.Key+": "+g.Error)
		}
		for _, f := range g.Changes {
			emit(f.Level, f.ID+" in "+g.Key, findingLine(f))
		}
	}
	for _, ig := range r.Ignored {
		emit(diff.LevelInfo, "ignored "+ig.Finding.ID+" in "+ig.Key, findingLine(ig.Finding)+" — ignored: "+ig.Reason)
	}
	s := r.Summary
	fmt.Fprintf(bw, "specharvest: %s → %s: %d breaking, %d non-breaking; groups %d added, %d removed, %d changed, %d stale; %d ignored\n",
		orNone(r.Base), orNone(r.Revision), s.Breaking, s.NonBreaking, s.GroupsAdded, s.GroupsRemoved, s.GroupsChanged, s.GroupsStale, len(r.Ignored))
	return bw.Flush()
}

// findingLine is a finding in one line: operations, message, location.
func findingLine(f diff.Finding) string {
	var b strings.Builder
	if ops := f.Affected(); len(ops) > 0 {
		b.WriteString(textOperations(ops))
		b.WriteString(": ")
	}
	b.WriteString(f.Message)
	if f.Location != "" {
		b.WriteString(" (at " + f.Location + ")")
	}
	return b.String()
}

// ghData escapes a workflow command's message, as the Actions runner
// reads it back: %, CR and LF.
func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// ghProperty escapes a workflow command property (the title): as data,
// plus the ':' and ',' that separate properties.
func ghProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// JUnit XML: one test suite for the report, one test case per group, a
// failure per breaking finding (and for a removed group); warnings and
// info go to the case's system-out, ignored findings are listed there
// with their reason, and a stale group is a skipped case.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string         `xml:"name,attr"`
	ClassName string         `xml:"classname,attr"`
	Skipped   *junitSkipped  `xml:"skipped,omitempty"`
	Failures  []junitFailure `xml:"failure"`
	SystemOut string         `xml:"system-out,omitempty"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

func writeJUnit(w io.Writer, r *Report) error {
	cases := map[string]*junitCase{}
	caseOf := func(key string) *junitCase {
		c, ok := cases[key]
		if !ok {
			c = &junitCase{Name: key, ClassName: "specharvest.diff"}
			cases[key] = c
		}
		return c
	}
	var out []string
	note := func(c *junitCase, line string) {
		if c.SystemOut != "" {
			c.SystemOut += "\n"
		}
		c.SystemOut += line
	}
	for _, g := range r.Groups {
		c := caseOf(g.Key)
		if f, ok := groupFinding(g); ok {
			if f.Level == diff.LevelBreaking {
				c.Failures = append(c.Failures, junitFailure{Message: f.Message, Type: f.ID, Text: g.Key + ": " + f.Message})
			} else {
				note(c, strings.ToUpper(string(f.Level))+" "+f.ID+": "+f.Message)
			}
			continue
		}
		if g.Change == diff.GroupStale {
			c.Skipped = &junitSkipped{Message: "stale: not reachable this time, carried forward"}
		}
		if g.Error != "" {
			note(c, "not compared: "+g.Error)
		}
		for _, f := range g.Changes {
			if f.Level == diff.LevelBreaking {
				c.Failures = append(c.Failures, junitFailure{Message: f.ID + ": " + f.Message, Type: f.ID, Text: findingLine(f)})
			} else {
				note(c, strings.ToUpper(string(f.Level))+" "+f.ID+": "+findingLine(f))
			}
		}
	}
	for _, ig := range r.Ignored {
		note(caseOf(ig.Key), "IGNORED "+ig.Finding.ID+": "+findingLine(ig.Finding)+" — "+ig.Reason+entrySuffix(ig.Entry))
	}
	for k := range cases {
		out = append(out, k)
	}
	sort.Strings(out)
	suite := junitSuite{Name: orNone(r.Base) + " → " + orNone(r.Revision)}
	for _, k := range out {
		c := cases[k]
		suite.Cases = append(suite.Cases, *c)
		suite.Tests++
		if len(c.Failures) > 0 {
			suite.Failures++ // failed test cases, as JUnit counts them
		}
		if c.Skipped != nil {
			suite.Skipped++
		}
	}
	doc := junitSuites{Name: "specharvest diff", Tests: suite.Tests, Failures: suite.Failures, Suites: []junitSuite{suite}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("write junit: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write junit: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}
