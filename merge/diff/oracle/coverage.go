package oracle

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/specharvest/specharvest/merge/diff"
)

// Disagreements maps an oasdiff rule id to the reason we do not follow it.
type Disagreements map[string]string

// ReadDisagreements reads the checked-in disagreement file: one oasdiff
// rule id per line, a space or tab, then the reason; '#' starts a comment.
// A rule without a reason, or listed twice, is an error: each entry must
// say why it holds.
func ReadDisagreements(path string) (Disagreements, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	d := make(Disagreements)
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, reason, _ := strings.Cut(line, " ")
		if i := strings.IndexByte(line, '\t'); i >= 0 && i < len(id) {
			id, reason = line[:i], line[i+1:]
		}
		reason = strings.TrimSpace(reason)
		if reason == "" {
			return nil, fmt.Errorf("%s:%d: rule %q has no reason", path, n, id)
		}
		if _, dup := d[id]; dup {
			return nil, fmt.Errorf("%s:%d: rule %q is listed twice", path, n, id)
		}
		d[id] = reason
	}
	return d, sc.Err()
}

// Miss is an oasdiff error on an operation that the diff did not report
// at breaking or warning, and that no disagreement covers.
type Miss struct {
	Rule      string
	Operation string
	Text      string
}

func (m Miss) String() string { return fmt.Sprintf("%s on %s: %s", m.Rule, m.Operation, m.Text) }

// Coverage checks the differential law on one pair: every operation that
// oasdiff marks with an error is among the operations of our breaking or
// warning findings. An uncovered error whose rule is a listed disagreement
// (or a listed known miss) is counted under that rule instead; any other
// is a Miss. Only uncovered errors count, so an entry that no pair needs
// shows up as unused.
//
// Operations are matched by method and path shape (parameter names
// blanked), the way both tools match an endpoint whose {id} was renamed.
func Coverage(oas []OasChange, ours []diff.Finding, excuses ...Disagreements) (misses []Miss, used map[string]int) {
	covered := make(map[string]bool)
	documentWide := false
	for _, f := range ours {
		if f.Level != diff.LevelBreaking && f.Level != diff.LevelWarning {
			continue
		}
		// An oasdiff error outside operations (a webhook, a security
		// scheme) names nothing to match; any breaking or warning finding
		// of ours on the pair covers it.
		documentWide = true
		ops := f.Affected()
		for _, op := range ops {
			covered[OperationKey(op)] = true
		}
	}
	used = make(map[string]int)
	for _, c := range oas {
		if c.Level < OasErr {
			continue
		}
		op := "(document)"
		if c.Operation != "" && c.Path != "" {
			op = strings.ToUpper(c.Operation) + " " + c.Path
			if covered[OperationKey(op)] {
				continue
			}
		} else if documentWide {
			continue
		}
		excused := false
		for _, d := range excuses {
			if _, ok := d[c.ID]; ok {
				used[c.ID]++
				excused = true
				break
			}
		}
		if !excused {
			misses = append(misses, Miss{Rule: c.ID, Operation: op, Text: c.Text})
		}
	}
	sort.SliceStable(misses, func(i, j int) bool {
		if misses[i].Rule != misses[j].Rule {
			return misses[i].Rule < misses[j].Rule
		}
		return misses[i].Operation < misses[j].Operation
	})
	return misses, used
}

// OperationKey normalises "METHOD /path/{id}" to "METHOD /path/{}".
func OperationKey(op string) string {
	method, path, _ := strings.Cut(op, " ")
	return strings.ToUpper(method) + " " + diff.PathTemplate(path)
}

// MissesByRule groups misses by oasdiff rule, with a count and one
// example each, for a readable failure message.
func MissesByRule(misses []Miss) string {
	var b strings.Builder
	byRule := make(map[string][]Miss)
	var rules []string
	for _, m := range misses {
		if byRule[m.Rule] == nil {
			rules = append(rules, m.Rule)
		}
		byRule[m.Rule] = append(byRule[m.Rule], m)
	}
	sort.Strings(rules)
	for _, r := range rules {
		ms := byRule[r]
		fmt.Fprintf(&b, "  %s: %d operations, e.g. %s: %s\n", r, len(ms), ms[0].Operation, ms[0].Text)
	}
	return b.String()
}
