package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/specharvest/specharvest/harvest"
	"github.com/specharvest/specharvest/output"
)

// A nightly run never lies. This stage sits between the carry-forward and
// the reports and decides what the night may claim:
//
//   - a removal needs positive evidence: a night that would remove more
//     than the removal guard allows of a source's groups holds them back
//     as stale, flagged suspect-removal, until `run --accept-removals`;
//   - every stale group carries its age (nights in a row, and when it was
//     last fetched), and one stale past stale_max_age fails the run;
//   - a source that failed (a listing, its filters) is a failure even when
//     it had no groups to carry forward.

// ageStale dates every stale entry: the night it was last fetched, and
// how many runs in a row it has been stale. An entry stale already in the
// previous snapshot keeps its date; one that was ok there was last
// fetched when that snapshot started.
func ageStale(specs []output.SpecEntry, prev *output.Manifest) {
	if prev == nil {
		return
	}
	for i := range specs {
		e := &specs[i]
		if e.Status != output.StatusStale {
			e.LastFetched, e.StaleNights, e.Flags = time.Time{}, 0, nil
			continue
		}
		p := prev.Spec(e.Key)
		switch {
		case p == nil:
			e.LastFetched, e.StaleNights = prev.Started, 1
		case p.Status == output.StatusStale:
			e.StaleNights = p.StaleNights + 1
			e.LastFetched = p.LastFetched
			if e.LastFetched.IsZero() {
				e.LastFetched = prev.Started
			}
		default:
			e.LastFetched, e.StaleNights = prev.Started, 1
		}
		e.Flags = nil
	}
}

// removalGuard holds back the groups a night would remove when, for one
// source, they are more than share of its groups in the previous snapshot
// and at least atLeast of them: such a night is far likelier a broken
// listing (an empty answer, a wrong filter, a permission change) than a
// real clean-up. The held-back groups are carried forward as stale and
// flagged; it returns how many were held back, per source.
func removalGuard(specs []output.SpecEntry, prev *output.Manifest, share float64, atLeast int, accept bool) ([]output.SpecEntry, map[string]int) {
	if prev == nil || accept {
		return specs, nil
	}
	present := make(map[string]bool, len(specs))
	for _, e := range specs {
		present[e.Key] = true
	}
	total := map[string]int{}
	gone := map[string][]output.SpecEntry{}
	for _, p := range prev.Specs {
		if !p.HasBlob() {
			continue
		}
		total[p.Source]++
		if !present[p.Key] {
			gone[p.Source] = append(gone[p.Source], p)
		}
	}
	held := map[string]int{}
	for _, src := range sortedKeys(gone) {
		removed := gone[src]
		if len(removed) < atLeast || float64(len(removed)) <= share*float64(total[src]) {
			continue
		}
		held[src] = len(removed)
		for _, p := range removed {
			stale := p
			stale.Status = output.StatusStale
			stale.Flags = []string{output.FlagSuspectRemoval}
			stale.Error = fmt.Sprintf("held back: this run would remove %d of the %d groups of source %q, more than removal_guard allows; "+
				"if they are really gone, `specharvest run --accept-removals` confirms it", len(removed), total[src], src)
			specs = append(specs, stale)
		}
	}
	return specs, held
}

// markSuspect flags held-back entries after ageStale (which clears flags).
func markSuspect(specs []output.SpecEntry, held map[string]int) {
	if len(held) == 0 {
		return
	}
	for i := range specs {
		e := &specs[i]
		if e.Status == output.StatusStale && held[e.Source] > 0 && strings.HasPrefix(e.Error, "held back:") {
			e.Flags = []string{output.FlagSuspectRemoval}
		}
	}
}

// tooStale lists the stale groups last fetched longer than limit ago.
func tooStale(specs []output.SpecEntry, now time.Time, limit time.Duration) []string {
	var keys []string
	for _, e := range specs {
		if e.Status == output.StatusStale && !e.LastFetched.IsZero() && now.Sub(e.LastFetched) > limit {
			keys = append(keys, e.Key)
		}
	}
	return keys
}

// sourceHealth is one source's outcome: up when nothing made it yield less
// than it should (no failed listing, no filter mistake).
type sourceHealth struct {
	Name  string
	Up    bool
	Error string
}

func sourcesHealth(report *harvest.CrawlReport) []sourceHealth {
	if report == nil {
		return nil
	}
	out := make([]sourceHealth, 0, len(report.Sources))
	for _, s := range report.Sources {
		h := sourceHealth{Name: s.Name, Up: true}
		for _, f := range s.Failed {
			h.Up = false
			if h.Error == "" {
				h.Error = fmt.Sprintf("%s: %v", f.Prefix, f.Err)
			}
		}
		if s.Fetched == 0 && s.Errors > 0 {
			h.Up = false
			if h.Error == "" {
				h.Error = fmt.Sprintf("%d groups, none could be fetched", s.Errors)
			}
		}
		out = append(out, h)
	}
	return out
}
