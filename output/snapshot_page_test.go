package output

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// writeSnapshotScript writes snapshot.js of p into dir, as a night does
// beside its pages.
func writeSnapshotScript(tb testing.TB, dir string, p SnapshotPage) {
	tb.Helper()
	var b bytes.Buffer
	if err := WriteSnapshotScript(&b, p); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, SnapshotScript), b.Bytes(), 0o644); err != nil {
		tb.Fatal(err)
	}
}

// TestSnapshotScriptRoundTripsAndCannotBeBroken: whatever an id holds,
// snapshot.js is one statement that cannot end the script element that
// loads it, and reads back as written.
func TestSnapshotScriptRoundTripsAndCannotBeBroken(t *testing.T) {
	for _, id := range []string{"20261127T020000Z", `x"></script><script>alert(1)</script>`, "a\u2028b\u2029c", `\";alert(1);//`} {
		p := SnapshotPage{Snapshot: id, Previous: id, Generated: time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC),
			Timeline: []TimelineEntry{{ID: id, Specs: 3, Compared: true}}}
		var b bytes.Buffer
		if err := WriteSnapshotScript(&b, p); err != nil {
			t.Fatal(err)
		}
		js := b.String()
		if strings.Contains(strings.ToLower(js), "</script") || strings.ContainsAny(js, "<>\u2028\u2029") || strings.Count(js, "\n") != 1 {
			t.Errorf("snapshot.js of %q can break out: %s", id, js)
		}
		back, err := ReadSnapshotScript(b.Bytes())
		if err != nil || !reflect.DeepEqual(back, p) {
			t.Errorf("snapshot.js of %q reads back as %+v (%v)", id, back, err)
		}
	}
}

// TestSnapshotPageOfKeepsTheWindow: the current snapshot first, then the
// earlier ones newest first, never one from its future, at most
// HistorySnapshots in all.
func TestSnapshotPageOfKeepsTheWindow(t *testing.T) {
	start := time.Date(2026, 10, 1, 2, 0, 0, 0, time.UTC)
	var earlier []TimelineEntry
	for d := 100; d >= 0; d-- {
		earlier = append(earlier, TimelineEntry{ID: start.AddDate(0, 0, d).Format(idLayout)})
	}
	m := &Manifest{ID: start.AddDate(0, 0, 80).Format(idLayout), Previous: start.AddDate(0, 0, 79).Format(idLayout), Started: start.AddDate(0, 0, 80)}
	p := SnapshotPageOf(m, nil, earlier)
	if len(p.Timeline) != HistorySnapshots || p.Timeline[0].ID != m.ID || p.Timeline[0].Compared {
		t.Fatalf("timeline of %d, first %+v", len(p.Timeline), p.Timeline[0])
	}
	for i := 1; i < len(p.Timeline); i++ {
		if p.Timeline[i].ID >= p.Timeline[i-1].ID {
			t.Fatalf("timeline not newest first at %d: %s after %s", i, p.Timeline[i].ID, p.Timeline[i-1].ID)
		}
	}
}

// TestHistoryPageIsTheSameWhenTheWindowSlidesOverUnchangedNights is the
// history page's part of the law of an unchanged night: its data names no
// column, so once the last change has left the window of the last
// HistorySnapshots, each further unchanged night gives the same bytes,
// although every window starts at another snapshot. Windows that see
// different changes give different pages.
func TestHistoryPageIsTheSameWhenTheWindowSlidesOverUnchangedNights(t *testing.T) {
	const groups, nights = 30, HistorySnapshots + 25
	full := syntheticHistory(groups, nights)
	// From night 20 on nothing changes: every group keeps its last state.
	for g := range full.Groups {
		for col := 20; col < nights; col++ {
			full.Groups[g].Cells[col] = full.Groups[g].Cells[19]
			full.Groups[g].Cells[col].Change, full.Groups[g].Cells[col].Breaking = "", 0
			full.Groups[g].Cells[col].Warning, full.Groups[g].Cells[col].Info = 0, 0
		}
	}
	window := func(end int) []byte {
		h := &History{Snapshots: full.Snapshots[end-HistorySnapshots : end]}
		for _, g := range full.Groups {
			h.Groups = append(h.Groups, HistoryGroup{Key: g.Key, SHA256: g.SHA256, Cells: g.Cells[end-HistorySnapshots : end]})
		}
		var b bytes.Buffer
		if err := WriteHistoryHTML(&b, h); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	// Windows ending after night 20+HistorySnapshots hold no change at all;
	// the ones before still see night 20 and earlier.
	for end := 21 + HistorySnapshots; end < nights; end++ {
		if !bytes.Equal(window(end), window(end+1)) {
			t.Fatalf("the page of the window ending at night %d differs from the one ending a night later, which changed nothing", end)
		}
	}
	if bytes.Equal(window(HistorySnapshots), window(HistorySnapshots+1)) {
		t.Error("two windows that see different changes give the same page")
	}
}
