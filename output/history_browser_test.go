package output

import (
	"bytes"
	"fmt"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/specharvest/specharvest/internal/browsertest"
)

// syntheticHistory is a fleet of groups over snapshots that changes the
// way fleets do: most groups most nights not at all, some info or warning
// changes, a few breaking ones, an instance down now and then.
func syntheticHistory(groups, snapshots int) *History {
	rng := rand.New(rand.NewSource(1))
	b := newHistoryBuilder(snapshots)
	start := time.Date(2026, 10, 1, 2, 0, 0, 0, time.UTC)
	for col := 0; col < snapshots; col++ {
		m := &Manifest{ID: start.AddDate(0, 0, col).Format(idLayout), Started: start.AddDate(0, 0, col)}
		hc := &historyChanges{}
		down := rng.Intn(10) == 0
		for g := 0; g < groups; g++ {
			key := fmt.Sprintf("prod/instance-%d/workspace-%d/group-%04d", g/200, g/20%10, g)
			e := SpecEntry{Key: key, Status: StatusOK, Operations: 10 + g%50, SHA256: fmt.Sprintf("%064x", g)}
			if down && g/200 == 3 {
				e.Status = StatusStale
			}
			m.Specs = append(m.Specs, e)
			if col == 0 || e.Status != StatusOK {
				continue
			}
			switch r := rng.Intn(100); {
			case r < 2:
				hc.Groups = append(hc.Groups, historyGroupChange{Key: key, Change: "changed", Changes: []historyFinding{{Level: "breaking"}, {Level: "info"}}})
			case r < 5:
				hc.Groups = append(hc.Groups, historyGroupChange{Key: key, Change: "changed", Changes: []historyFinding{{Level: "warning"}}})
			case r < 9:
				hc.Groups = append(hc.Groups, historyGroupChange{Key: key, Change: "changed", Changes: []historyFinding{{Level: "info"}, {Level: "info"}}})
			}
		}
		if col == 0 {
			hc = nil
		}
		b.add(col, m, hc)
	}
	return b.done()
}

// snapshotPageOfHistory is the snapshot.js a night of h writes: its
// columns, newest first.
func snapshotPageOfHistory(h *History) SnapshotPage {
	var p SnapshotPage
	for _, s := range h.Snapshots {
		p.Timeline = append([]TimelineEntry{{ID: s.ID, Started: s.Started, Compared: s.Compared}}, p.Timeline...)
	}
	if len(p.Timeline) > 0 {
		p.Snapshot, p.Generated = p.Timeline[0].ID, p.Timeline[0].Started
	}
	return p
}

// TestHistoryPageAtScale renders history.html of 2,000 groups over 60
// snapshots, opens it in headless Chromium and logs its size and how long
// the browser took to first paint it and to finish loading it (the
// figures in the README). It checks the page is whole: one timeline row
// per group and one chart per group.
func TestHistoryPageAtScale(t *testing.T) {
	browsertest.Find(t)
	const groups, snapshots = 2000, 60
	h := syntheticHistory(groups, snapshots)
	var page bytes.Buffer
	started := time.Now()
	if err := WriteHistoryHTML(&page, h); err != nil {
		t.Fatal(err)
	}
	renderGo := time.Since(started)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, HistoryFile), page.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	writeSnapshotScript(t, dir, snapshotPageOfHistory(h))
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer srv.Close()

	browser := browsertest.Open(t, 120*time.Second)
	tab := browser.Ctx
	if err := chromedp.Do(tab, chromedp.Navigate(srv.URL+"/"+HistoryFile)); err != nil {
		t.Fatal(err)
	}
	timing, err := chromedp.Run(tab, chromedp.Poll[[]float64](`(() => {
		const nav = performance.getEntriesByType('navigation')[0];
		const fcp = performance.getEntriesByType('paint').find(e => e.name === 'first-contentful-paint');
		return nav && nav.loadEventEnd > 0 && fcp ? [fcp.startTime, nav.loadEventEnd] : null;
	})()`, chromedp.WithPollingTimeout(60*time.Second)))
	if err != nil {
		t.Fatalf("the page never finished loading: %v", err)
	}
	rows, err := chromedp.Run(tab, chromedp.Evaluate[int](`new Set(Array.from(document.querySelectorAll('svg.fleet-timeline g[data-key]')).map(r => r.dataset.key)).size`))
	if err != nil || rows != groups {
		t.Errorf("the fleet timeline has rows for %d groups (%v), want %d", rows, err, groups)
	}
	charts, err := chromedp.Run(tab, chromedp.Evaluate[int](`document.querySelectorAll('svg.group-chart').length`))
	if err != nil || charts != groups {
		t.Errorf("the page has %d group charts (%v), want %d", charts, err, groups)
	}
	browser.Screenshot(t, "history-2000x60.png", false)
	t.Logf("history.html of %d groups × %d snapshots: %d KB, written by Go in %v; first contentful paint %.0f ms, load %.0f ms",
		groups, snapshots, page.Len()>>10, renderGo.Round(time.Millisecond), timing[0], timing[1])
	for _, p := range browser.Problems() {
		t.Errorf("console: %s", p)
	}
}
