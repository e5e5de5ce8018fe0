package output

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Policy says which snapshots to keep, in the manner of restic's forget.
// All zero keeps everything.
type Policy struct {
	// KeepLast keeps the newest N snapshots.
	KeepLast int
	// KeepDaily, KeepWeekly and KeepMonthly keep the newest snapshot of
	// each of the last N days, ISO weeks and months (UTC) that have one.
	KeepDaily   int
	KeepWeekly  int
	KeepMonthly int
	// KeepWithin keeps every snapshot started less than this long before
	// now.
	KeepWithin time.Duration
}

// Empty is true when the policy keeps everything.
func (p Policy) Empty() bool {
	return p.KeepLast <= 0 && p.KeepDaily <= 0 && p.KeepWeekly <= 0 && p.KeepMonthly <= 0 && p.KeepWithin <= 0
}

// String is the policy as a person would say it.
func (p Policy) String() string {
	if p.Empty() {
		return "keep everything"
	}
	var parts []string
	for _, r := range []struct {
		n    int
		what string
	}{{p.KeepLast, "last"}, {p.KeepDaily, "daily"}, {p.KeepWeekly, "weekly"}, {p.KeepMonthly, "monthly"}} {
		if r.n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", r.what, r.n))
		}
	}
	if p.KeepWithin > 0 {
		parts = append(parts, "everything within "+p.KeepWithin.String())
	}
	return "keep " + strings.Join(parts, ", ")
}

// Reasons a snapshot is kept, as ApplyPolicy records them.
const (
	ReasonLatest   = "latest"
	ReasonNoPolicy = "no retention policy"
	ReasonLast     = "last snapshot"
	ReasonDaily    = "daily snapshot"
	ReasonWeekly   = "weekly snapshot"
	ReasonMonthly  = "monthly snapshot"
	ReasonWithin   = "within"
)

// ApplyPolicy splits snapshots into those to keep and those to remove,
// with the reasons each kept one is kept, keyed by ID. It is a pure
// function of its arguments. The snapshot marked Latest is always kept.
// Both results are sorted oldest first.
func ApplyPolicy(snapshots []SnapshotInfo, policy Policy, now time.Time) (keep, remove []SnapshotInfo, reasons map[string][]string) {
	sorted := append([]SnapshotInfo(nil), snapshots...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].ID < sorted[j].ID })
	reasons = map[string][]string{}

	type bucket struct {
		count  int
		reason string
		of     func(time.Time) string
		last   string
	}
	buckets := []*bucket{
		{count: policy.KeepLast, reason: ReasonLast, of: nil},
		{count: policy.KeepDaily, reason: ReasonDaily, of: func(t time.Time) string { return t.Format("2006-01-02") }},
		{count: policy.KeepWeekly, reason: ReasonWeekly, of: func(t time.Time) string {
			y, w := t.ISOWeek()
			return fmt.Sprintf("%d-W%02d", y, w)
		}},
		{count: policy.KeepMonthly, reason: ReasonMonthly, of: func(t time.Time) string { return t.Format("2006-01") }},
	}

	kept := make([]bool, len(sorted))
	// Newest first: each bucket keeps the newest snapshot of each period.
	for i := len(sorted) - 1; i >= 0; i-- {
		s := sorted[i]
		t := s.Started.UTC()
		if t.IsZero() {
			t, _ = IDTime(s.ID)
		}
		var why []string
		if s.Latest {
			why = append(why, ReasonLatest)
		}
		if policy.Empty() {
			why = append(why, ReasonNoPolicy)
		}
		for _, b := range buckets {
			if b.count <= 0 {
				continue
			}
			period := s.ID // keep-last: every snapshot is its own period
			if b.of != nil {
				period = b.of(t)
			}
			if period != b.last {
				b.last = period
				b.count--
				why = append(why, b.reason)
			}
		}
		if policy.KeepWithin > 0 && now.Sub(t) < policy.KeepWithin {
			why = append(why, ReasonWithin+" "+policy.KeepWithin.String())
		}
		if len(why) > 0 {
			kept[i] = true
			reasons[s.ID] = why
		}
	}
	for i, s := range sorted {
		if kept[i] {
			keep = append(keep, s)
		} else {
			remove = append(remove, s)
		}
	}
	return keep, remove, reasons
}
