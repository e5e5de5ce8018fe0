package output

import (
	"time"

	"github.com/specharvest/specharvest/merge/diff"
)

// A report is a diff.Changes as one reader asked to see it: narrowed by
// filters (--level, --rule, --match) and with accepted findings (the
// ignore list) moved aside under their own heading, with their reasons.
// The store's changes.json is never narrowed: filters and ignores change
// what a command prints and what fails a CI gate, not the record.

// Pseudo rule ids for the fleet-level changes that are not findings, so
// filters and ignore entries can name them like any rule.
const (
	RuleGroupRemoved = "group-removed"
	RuleGroupAdded   = "group-added"
)

// ReportFilter narrows a report. The zero value keeps everything.
type ReportFilter struct {
	// Level is the lowest level shown: breaking shows only breaking
	// findings, warning shows breaking and warnings.
	Level diff.Level
	// Rules keeps only findings whose rule id matches one of these globs.
	Rules []string
	// Match keeps only findings whose group key or one of whose operations
	// matches one of these globs.
	Match []string
}

// IgnoreRule accepts the findings it matches: they no longer count
// towards --fail-on and are listed apart, with the reason.
type IgnoreRule struct {
	Rule      string    `json:"rule"`                // rule id glob
	Key       string    `json:"key,omitempty"`       // group key glob; empty: any
	Operation string    `json:"operation,omitempty"` // operation glob; empty: any
	Reason    string    `json:"reason"`
	Expires   time.Time `json:"expires,omitzero"` // the last day the entry applies; zero: never
	Origin    string    `json:"origin,omitempty"` // FILE:LINE, for messages
}

// Expired reports whether the entry no longer applies on now's day: an
// entry that expires on the 31st still applies all day on the 31st.
func (r IgnoreRule) Expired(now time.Time) bool {
	return !r.Expires.IsZero() && !now.Before(r.Expires.AddDate(0, 0, 1))
}

// Matches reports whether the entry accepts finding f of group key.
func (r IgnoreRule) Matches(key string, f diff.Finding) bool {
	if !MatchGlob(r.Rule, f.ID) || (r.Key != "" && !MatchGlob(r.Key, key)) {
		return false
	}
	if r.Operation == "" {
		return true
	}
	for _, op := range f.Affected() {
		if MatchGlob(r.Operation, op) {
			return true
		}
	}
	return false
}

// IgnoredFinding is a finding an ignore entry accepted.
type IgnoredFinding struct {
	Key     string       `json:"key"`
	Finding diff.Finding `json:"finding"`
	Reason  string       `json:"reason"`
	Entry   string       `json:"entry,omitempty"`
}

// Report is what a diff or a run prints: the narrowed changes (their
// summary recounted), the accepted findings, and how many the filters
// left out. Its JSON is changes.json's shape plus "ignored" and "hidden".
type Report struct {
	*diff.Changes
	Ignored []IgnoredFinding `json:"ignored,omitempty"`
	Hidden  int              `json:"hidden,omitempty"`
}

// keeps reports whether the filter shows finding f of group key.
func (flt ReportFilter) keeps(key string, f diff.Finding) bool {
	if flt.Level != "" && filterRank(f.Level) > filterRank(flt.Level) {
		return false
	}
	if len(flt.Rules) > 0 && !anyGlob(flt.Rules, f.ID) {
		return false
	}
	if len(flt.Match) == 0 || anyGlob(flt.Match, key) {
		return true
	}
	for _, op := range f.Affected() {
		if anyGlob(flt.Match, op) {
			return true
		}
	}
	return false
}

func anyGlob(globs []string, s string) bool {
	for _, g := range globs {
		if MatchGlob(g, s) {
			return true
		}
	}
	return false
}

// groupFinding stands for a fleet-level change (a group added or removed)
// as a finding, so filters and ignores treat it like one.
func groupFinding(g diff.GroupChanges) (diff.Finding, bool) {
	switch g.Change {
	case diff.GroupRemoved:
		return diff.Finding{ID: RuleGroupRemoved, Level: diff.LevelBreaking, Message: "the group is gone from its workspace"}, true
	case diff.GroupAdded:
		return diff.Finding{ID: RuleGroupAdded, Level: diff.LevelInfo, Message: "a new group"}, true
	}
	return diff.Finding{}, false
}

// NarrowReport applies the filter and the ignore entries that have not
// expired on now's day. A finding the filter hides is counted in Hidden;
// one it shows and an entry accepts moves to Ignored (the first matching
// entry gives the reason). used counts, per entry, the findings it
// matched before any filter, which is what tells an unused entry.
func NarrowReport(c *diff.Changes, flt ReportFilter, ignores []IgnoreRule, now time.Time) (r *Report, used []int) {
	used = make([]int, len(ignores))
	out := *c
	out.Groups = nil
	r = &Report{Changes: &out}
	accept := func(key string, f diff.Finding) (IgnoreRule, bool) {
		var first *IgnoreRule
		for i := range ignores {
			if ignores[i].Expired(now) || !ignores[i].Matches(key, f) {
				continue
			}
			used[i]++
			if first == nil {
				first = &ignores[i]
			}
		}
		if first == nil {
			return IgnoreRule{}, false
		}
		return *first, true
	}
	for _, g := range c.Groups {
		if gf, ok := groupFinding(g); ok {
			entry, ignored := accept(g.Key, gf)
			switch {
			case !flt.keeps(g.Key, gf):
				r.Hidden++
			case ignored:
				r.Ignored = append(r.Ignored, IgnoredFinding{Key: g.Key, Finding: gf, Reason: entry.Reason, Entry: entry.Origin})
			default:
				out.Groups = append(out.Groups, g)
			}
			continue
		}
		if g.Change == diff.GroupStale && len(flt.Match) > 0 && !anyGlob(flt.Match, g.Key) {
			r.Hidden++
			continue
		}
		kept := g
		kept.Changes = nil
		for _, f := range g.Changes {
			entry, ignored := accept(g.Key, f)
			switch {
			case !flt.keeps(g.Key, f):
				r.Hidden++
			case ignored:
				r.Ignored = append(r.Ignored, IgnoredFinding{Key: g.Key, Finding: f, Reason: entry.Reason, Entry: entry.Origin})
			default:
				kept.Changes = append(kept.Changes, f)
			}
		}
		// A changed group whose every finding was left out is left out
		// too; one that had none (or could not be compared) stays.
		if len(kept.Changes) == 0 && len(g.Changes) > 0 && g.Error == "" {
			continue
		}
		out.Groups = append(out.Groups, kept)
	}
	out.Summary = diff.Summarize(out.Groups) // recounted as the diff counts a full report
	return r, used
}

// MatchGlob matches s against a glob where * is any run of characters
// (slashes included, so prod/* covers every group of source prod and
// "GET /books/*" every operation under /books) and ? is one character.
func MatchGlob(pattern, s string) bool {
	p, t := []rune(pattern), []rune(s)
	// Iterative matching with one backtrack point, linear in practice.
	pi, ti, star, mark := 0, 0, -1, 0
	for ti < len(t) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == t[ti]):
			pi++
			ti++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, ti
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			ti = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// filterRank orders levels from the most severe; an unknown level ranks
// with breaking, so a filter never hides what it does not understand.
func filterRank(l diff.Level) int {
	switch l {
	case diff.LevelWarning:
		return 1
	case diff.LevelInfo:
		return 2
	}
	return 0
}
