package output

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/specharvest/specharvest/merge/diff"
)

// Renderers of a diff.Changes (changes.json, CHANGES.md, the terminal)
// and of the rule table. All of them put breaking findings first: they
// are what a reader of a nightly report is looking for.

// WriteChangesJSON writes changes.json: the Changes as indented JSON.
func WriteChangesJSON(w io.Writer, c *diff.Changes) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(c); err != nil {
		return fmt.Errorf("write changes: %w", err)
	}
	return nil
}

// levelSection is one level of findings across all groups, in order.
type levelSection struct {
	level  diff.Level
	title  string
	groups []groupFindings
	count  int
}

type groupFindings struct {
	key      string
	findings []diff.Finding
}

// sections splits findings by level, keeping groups in key order.
func sections(c *diff.Changes) []levelSection {
	out := []levelSection{
		{level: diff.LevelBreaking, title: "Breaking changes"},
		{level: diff.LevelWarning, title: "Warnings"},
		{level: diff.LevelInfo, title: "Other changes"},
	}
	for _, g := range c.Groups {
		for i := range out {
			var fs []diff.Finding
			for _, f := range g.Changes {
				if f.Level == out[i].level {
					fs = append(fs, f)
				}
			}
			if len(fs) > 0 {
				out[i].groups = append(out[i].groups, groupFindings{key: g.Key, findings: fs})
				out[i].count += len(fs)
			}
		}
	}
	return out
}

// groupsBy lists the keys of groups with one kind of change.
func groupsBy(c *diff.Changes, change string) []string {
	var keys []string
	for _, g := range c.Groups {
		if g.Change == change {
			keys = append(keys, g.Key)
		}
	}
	sort.Strings(keys)
	return keys
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// textOperationLimit is how many operations a text finding lists before
// "and N more".
const textOperationLimit = 3

// WriteChangesText writes the report for a terminal: counts, then
// breaking findings, warnings and the rest, each grouped by API group.
func WriteChangesText(w io.Writer, c *diff.Changes) error {
	return writeChangesText(w, c, Style{})
}

func writeChangesText(w io.Writer, c *diff.Changes, st Style) error {
	bw := bufio.NewWriter(w)
	s := c.Summary
	fmt.Fprintf(bw, "Changes %s → %s\n", orNone(c.Base), orNone(c.Revision))
	secs := sections(c)
	fmt.Fprintf(bw, "  %s, %s, %s\n", plural(secs[0].count, "breaking change", "breaking changes"),
		plural(secs[1].count, "warning", "warnings"), plural(secs[2].count, "other change", "other changes"))
	fmt.Fprintf(bw, "  groups: %d added, %d removed, %d changed, %d stale\n",
		s.GroupsAdded, s.GroupsRemoved, s.GroupsChanged, s.GroupsStale)
	for _, change := range []string{diff.GroupRemoved, diff.GroupAdded, diff.GroupStale} {
		if keys := groupsBy(c, change); len(keys) > 0 {
			fmt.Fprintf(bw, "\nGroups %s:\n", change)
			for _, k := range keys {
				fmt.Fprintf(bw, "  %s\n", st.groupLine(change, k))
			}
		}
	}
	var failed []diff.GroupChanges
	for _, g := range c.Groups {
		if g.Error != "" {
			failed = append(failed, g)
		}
	}
	if len(failed) > 0 {
		fmt.Fprintf(bw, "\nGroups not compared:\n")
		for _, g := range failed {
			fmt.Fprintf(bw, "  %s: %s\n", g.Key, g.Error)
		}
	}
	for _, sec := range secs {
		if sec.count == 0 {
			continue
		}
		fmt.Fprintf(bw, "\n%s (%d)\n", sec.title, sec.count)
		for _, g := range sec.groups {
			fmt.Fprintf(bw, "\n  %s\n", g.key)
			for _, f := range g.findings {
				fmt.Fprintf(bw, "    %s %s\n", st.badge(f.Level), f.ID)
				fmt.Fprintf(bw, "             %s\n", f.Message)
				if ops := f.Affected(); len(ops) > 0 {
					fmt.Fprintf(bw, "             %s\n", textOperations(ops))
				}
				if f.Location != "" {
					fmt.Fprintf(bw, "             at %s\n", f.Location)
				}
			}
		}
	}
	if !c.HasChanges() {
		fmt.Fprintf(bw, "\nNo changes.\n")
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write changes: %w", err)
	}
	return nil
}

func textOperations(ops []string) string {
	if len(ops) <= textOperationLimit {
		return strings.Join(ops, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(ops[:textOperationLimit], ", "), len(ops)-textOperationLimit)
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// markdownOperationLimit is how many operations a CHANGES.md finding shows
// inline; longer lists fold into a <details> element.
const markdownOperationLimit = 5

// WriteChangesMarkdown writes CHANGES.md: a summary table, then breaking
// changes, warnings and other changes, each grouped by API group, with
// long operation lists folded.
func WriteChangesMarkdown(w io.Writer, c *diff.Changes) error {
	bw := bufio.NewWriter(w)
	s := c.Summary
	secs := sections(c)
	fmt.Fprintf(bw, "# Changes\n\n")
	fmt.Fprintf(bw, "From `%s` to `%s`.\n\n", mdCode(orNone(c.Base)), mdCode(orNone(c.Revision)))
	fmt.Fprintf(bw, "| Breaking | Warnings | Other | Groups added | Groups removed | Groups changed | Groups stale |\n")
	fmt.Fprintf(bw, "|---:|---:|---:|---:|---:|---:|---:|\n")
	fmt.Fprintf(bw, "| %d | %d | %d | %d | %d | %d | %d |\n",
		secs[0].count, secs[1].count, secs[2].count, s.GroupsAdded, s.GroupsRemoved, s.GroupsChanged, s.GroupsStale)
	if !c.HasChanges() {
		fmt.Fprintf(bw, "\nNo changes.\n")
	}
	groupTitles := map[string]string{
		diff.GroupRemoved: "Groups removed",
		diff.GroupAdded:   "Groups added",
		diff.GroupStale:   "Groups stale (not reachable this time; carried forward, not removed)",
	}
	for _, change := range []string{diff.GroupRemoved, diff.GroupAdded, diff.GroupStale} {
		keys := groupsBy(c, change)
		if len(keys) == 0 {
			continue
		}
		fmt.Fprintf(bw, "\n## %s\n\n", groupTitles[change])
		for _, k := range keys {
			fmt.Fprintf(bw, "- `%s`\n", mdCode(k))
		}
	}
	var failed []diff.GroupChanges
	for _, g := range c.Groups {
		if g.Error != "" {
			failed = append(failed, g)
		}
	}
	if len(failed) > 0 {
		fmt.Fprintf(bw, "\n## Groups not compared\n\n")
		for _, g := range failed {
			fmt.Fprintf(bw, "- `%s`: %s\n", mdCode(g.Key), mdText(g.Error))
		}
	}
	for _, sec := range secs {
		if sec.count == 0 {
			continue
		}
		fmt.Fprintf(bw, "\n## %s (%d)\n", sec.title, sec.count)
		for _, g := range sec.groups {
			fmt.Fprintf(bw, "\n### `%s`\n\n", mdCode(g.key))
			for _, f := range g.findings {
				writeMarkdownFinding(bw, f)
			}
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write changes: %w", err)
	}
	return nil
}

func writeMarkdownFinding(w io.Writer, f diff.Finding) {
	fmt.Fprintf(w, "- **%s** `%s`", mdText(string(f.Level)), f.ID)
	ops := f.Affected()
	if len(ops) > 0 && len(ops) <= markdownOperationLimit {
		codes := make([]string, len(ops))
		for i, op := range ops {
			codes[i] = "`" + mdCode(op) + "`"
		}
		fmt.Fprintf(w, " %s", strings.Join(codes, ", "))
	}
	fmt.Fprintf(w, ": %s", mdText(f.Message))
	if f.Location != "" {
		fmt.Fprintf(w, " (at `%s`)", mdCode(f.Location))
	}
	fmt.Fprintln(w)
	if len(ops) > markdownOperationLimit {
		fmt.Fprintf(w, "  <details><summary>%d operations</summary>\n\n", len(ops))
		for _, op := range ops {
			fmt.Fprintf(w, "  - `%s`\n", mdCode(op))
		}
		fmt.Fprintf(w, "\n  </details>\n")
	}
}

// mdText escapes what Markdown (and the HTML it may embed) would read as
// markup in free text.
func mdText(s string) string {
	r := strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "`", "\\`", "<", "&lt;", ">", "&gt;", "|", `\|`, "[", `\[`, "]", `\]`, "\n", " ")
	return r.Replace(s)
}

// mdCode keeps a code span intact: a backtick would end it early.
func mdCode(s string) string {
	return strings.NewReplacer("`", "'", "\n", " ").Replace(s)
}

// WriteRuleTable lists the rules for --help and the README, as aligned
// text ("text") or a Markdown table ("markdown").
func WriteRuleTable(w io.Writer, rules []diff.Rule, format string) error {
	bw := bufio.NewWriter(w)
	switch format {
	case "markdown", "md":
		fmt.Fprintf(bw, "| Rule | Level | Side | Meaning | Check |\n|---|---|---|---|---|\n")
		for _, r := range rules {
			fmt.Fprintf(bw, "| `%s` | %s | %s | %s | `%s` |\n", r.ID, r.Level, r.Direction, mdText(r.Description), r.Check)
		}
	case "text", "":
		width := 0
		for _, r := range rules {
			width = max(width, len(r.ID))
		}
		for _, r := range rules {
			fmt.Fprintf(bw, "  %-8s %-*s  %-8s  %s\n", r.Level, width, r.ID, r.Direction, r.Description)
		}
	default:
		return fmt.Errorf("rule table format %q: want text or markdown", format)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write rule table: %w", err)
	}
	return nil
}
