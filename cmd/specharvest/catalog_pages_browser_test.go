package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/specharvest/specharvest/harvest/xanotest"
	"github.com/specharvest/specharvest/internal/browsertest"
	"github.com/specharvest/specharvest/merge/diff"
	"github.com/specharvest/specharvest/output"
)

// pagesNights is how many nights the browser tests' store holds; the
// simulated account changes between every two of them.
const pagesNights = 6

// pagesStore is a store of pagesNights nights made by the real binary
// from a simulated account that changes every night, with one instance
// down on the fourth night so the history has stale groups.
type pagesStore struct {
	dir   string
	ids   []string // snapshot ids, oldest first
	srv   *xanotest.Server
	edits [][]xanotest.Edit // edits[n]: what changed before night n (n ≥ 1)
	down  string            // the instance that was down on night 3 (0-based)
}

func buildPagesStore(t *testing.T) *pagesStore {
	t.Helper()
	dir := t.TempDir()
	srv, err := xanotest.Start(context.Background(), xanotest.Options{Fleet: xanotest.Generate(demoFleet)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	cfgPath, env := writeXanoConfig(t, dir, srv.Master(), srv.APIKey(), "")
	ps := &pagesStore{dir: filepath.Join(dir, "store"), srv: srv, edits: make([][]xanotest.Edit, pagesNights)}
	ps.down = srv.Fleet().Instances[1].Name
	for night := 0; night < pagesNights; night++ {
		if night > 0 {
			srv.SetGeneration(night + 1)
			ps.edits[night] = srv.Edits(night, night+1)
		}
		if err := srv.SetInstanceDown(ps.down, night == 3); err != nil {
			t.Fatal(err)
		}
		res := runBinary(t, env, "run", "--config", cfgPath)
		if res.code != exitOK && res.code != exitPartial {
			t.Fatalf("night %d exited %d: %s%s", night+1, res.code, res.stdout, res.stderr)
		}
	}
	st, err := output.Open(context.Background(), ps.dir)
	if err != nil {
		t.Fatal(err)
	}
	infos, err := st.Snapshots(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, info := range infos {
		ps.ids = append(ps.ids, info.ID)
	}
	if len(ps.ids) != pagesNights {
		t.Fatalf("the store holds %d snapshots, want %d", len(ps.ids), pagesNights)
	}
	if res := runBinary(t, nil, "verify", "--store", ps.dir); res.code != exitOK {
		t.Fatalf("verify: %s%s", res.stdout, res.stderr)
	}
	return ps
}

func (ps *pagesStore) changes(t *testing.T, night int) *diff.Changes {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(ps.dir, "snapshots", ps.ids[night], output.ChangesFile))
	if err != nil {
		t.Fatal(err)
	}
	var c diff.Changes
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	return &c
}

// requestLog records every URL a tab asks for, to prove a page fetched
// nothing from outside the store.
type requestLog struct {
	mu   sync.Mutex
	urls []string
}

func recordRequests(t *testing.T, tab context.Context) *requestLog {
	t.Helper()
	log := &requestLog{}
	// The tab enables the network domain itself; listening is enough.
	err := chromedp.Listen(tab, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			log.mu.Lock()
			log.urls = append(log.urls, e.Request.URL)
			log.mu.Unlock()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return log
}

// outside lists the requests that left origin (data: URLs are inline).
func (l *requestLog) outside(origin string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, u := range l.urls {
		if strings.HasPrefix(u, origin+"/") || strings.HasPrefix(u, "data:") || strings.HasPrefix(u, "blob:") {
			continue
		}
		out = append(out, u)
	}
	return out
}

func (l *requestLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.urls...)
}

func waitReady(t *testing.T, tab context.Context, want string) {
	t.Helper()
	if _, err := chromedp.Run(tab, chromedp.Poll[bool](`document.body && document.body.dataset.ready !== undefined`, chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		t.Fatalf("the page never finished rendering: %v", err)
	}
	got, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.body.dataset.ready`))
	if err != nil || got != want {
		msg, _ := chromedp.Run(tab, chromedp.Evaluate[string](`(document.getElementById('ref-error') || {}).textContent || ''`))
		t.Fatalf("the page finished as %q, want %q (%v) %s", got, want, err, msg)
	}
}

// TestCatalogPagesInBrowser opens the pages of a six-night store in
// headless Chromium, served over loopback as static files, and uses them
// as a reader would.
func TestCatalogPagesInBrowser(t *testing.T) {
	browsertest.Find(t)
	if testing.Short() {
		t.Skip("six nights through the real binary and a browser: not under -short")
	}
	ps := buildPagesStore(t)
	srv := httptest.NewServer(http.FileServer(http.Dir(ps.dir)))
	t.Cleanup(srv.Close)
	last := ps.ids[len(ps.ids)-1]
	snapURL := srv.URL + "/snapshots/" + last + "/"

	t.Run("reference", func(t *testing.T) {
		m := readManifest(t, ps.dir, last)
		var entry output.SpecEntry
		for _, s := range m.Specs {
			if s.Status == output.StatusOK && s.Valid && s.Operations >= 3 {
				entry = s
				break
			}
		}
		if entry.Key == "" {
			t.Fatal("no valid group with operations in the last snapshot")
		}
		browser := browsertest.Open(t, 90*time.Second)
		tab := browser.Ctx
		reqs := recordRequests(t, tab)
		if err := chromedp.Do(tab, chromedp.Navigate(snapURL+output.ReferenceLink(entry.SHA256, entry.Key))); err != nil {
			t.Fatal(err)
		}
		waitReady(t, tab, "true")
		ops, err := chromedp.Run(tab, chromedp.Evaluate[[]string](
			`Array.from(document.querySelectorAll('#redoc [data-section-id*="operation/"]')).map(e => e.getAttribute('data-section-id'))`))
		if err != nil {
			t.Fatal(err)
		}
		if len(ops) < entry.Operations {
			t.Errorf("the reference shows %d operations (%v), the document has %d", len(ops), ops, entry.Operations)
		}
		ms, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.body.dataset.renderMs`))
		t.Logf("the reference of %s (%d operations) rendered in %s ms", entry.Key, entry.Operations, ms)
		browser.Screenshot(t, "reference.png", false)

		// Xano's documents are often invalid ("maxItems": "2", "required":
		// true on properties); the reference still renders them.
		for _, s := range m.Specs {
			if s.Valid || !s.HasBlob() || s.Operations == 0 {
				continue
			}
			if err := chromedp.Do(tab, chromedp.Navigate(snapURL+output.ReferenceLink(s.SHA256, s.Key))); err != nil {
				t.Fatal(err)
			}
			if err := chromedp.Do(tab, chromedp.Reload()); err != nil {
				t.Fatal(err)
			}
			waitReady(t, tab, "true")
			n, err := chromedp.Run(tab, chromedp.Evaluate[int](`document.querySelectorAll('#redoc [data-section-id*="operation/"]').length`))
			if err != nil || n == 0 {
				t.Errorf("the reference of the invalid document of %s shows %d operations (%v)", s.Key, n, err)
			}
			break
		}

		// The same page opens the merged document of the snapshot, every
		// group's operations in one reference.
		if err := chromedp.Do(tab, chromedp.Navigate(snapURL+output.MergedReferenceLink)); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(tab, chromedp.Reload()); err != nil {
			t.Fatal(err)
		}
		waitReady(t, tab, "true")
		merged, err := chromedp.Run(tab, chromedp.Evaluate[int](`document.querySelectorAll('#redoc [data-section-id*="operation/"]').length`))
		if err != nil {
			t.Fatal(err)
		}
		if merged < m.Summary.Operations {
			t.Errorf("the merged reference shows %d operations, the snapshot has %d", merged, m.Summary.Operations)
		}
		browser.Screenshot(t, "reference-merged.png", false)
		if out := reqs.outside(srv.URL); len(out) > 0 {
			t.Errorf("the reference page asked for %v, outside the store", out)
		}
		for _, p := range browser.Problems() {
			t.Errorf("console: %s", p)
		}
	})

	t.Run("history", func(t *testing.T) {
		// The ground truth is the simulator's: before night 2 one group
		// had a query parameter made required, a breaking change; on
		// night 4 one instance was down, so its groups were stale.
		const breakingNight, staleNight = 1, 3
		var edit xanotest.Edit
		for _, e := range ps.edits[breakingNight] {
			if e.Kind == xanotest.EditParameterBecameRequired {
				edit = e
			}
		}
		if edit.Group == "" {
			t.Fatalf("no parameter-became-required edit before night %d: %v", breakingNight+1, ps.edits[breakingNight])
		}
		breakingKey := ""
		for _, s := range readManifest(t, ps.dir, ps.ids[breakingNight]).Specs {
			// The manifest names the instance by its display name; its key
			// by the name the simulator's edits use.
			if strings.Split(s.Key, "/")[1] == edit.Instance && s.Workspace == edit.Workspace && s.Group == edit.Group {
				breakingKey = s.Key
			}
		}
		staleKey := ""
		for _, s := range readManifest(t, ps.dir, ps.ids[staleNight]).Specs {
			if s.Status == output.StatusStale && s.Key != breakingKey {
				staleKey = s.Key
			}
		}
		if breakingKey == "" || staleKey == "" {
			t.Fatalf("no group for the edit %+v (%q) or no stale group on night %d (%q)", edit, breakingKey, staleNight+1, staleKey)
		}

		browser := browsertest.Open(t, 90*time.Second)
		tab := browser.Ctx
		reqs := recordRequests(t, tab)
		if err := chromedp.Do(tab, chromedp.Navigate(snapURL+output.HistoryFile)); err != nil {
			t.Fatal(err)
		}
		cell := func(key string, col int) (class, fill string) {
			t.Helper()
			got, err := chromedp.Run(tab, chromedp.Evaluate[[]string](`(() => {
				const row = Array.from(document.querySelectorAll('svg.fleet-timeline g[data-key]')).find(g => g.dataset.key === `+jsString(key)+`);
				const r = row && Array.from(row.querySelectorAll('rect')).find(r => +r.dataset.from <= `+itoa(col)+` && `+itoa(col)+` <= +r.dataset.to);
				return r ? [r.dataset.class, getComputedStyle(r).fill] : ['', ''];
			})()`))
			if err != nil {
				t.Fatal(err)
			}
			return got[0], got[1]
		}
		if class, fill := cell(breakingKey, breakingNight); class != "breaking" || fill != "rgb(207, 34, 46)" {
			t.Errorf("%s on night %d is drawn %q in %s, want breaking in red", breakingKey, breakingNight+1, class, fill)
		}
		if class, _ := cell(breakingKey, 0); class != "same" {
			t.Errorf("%s on the first night is drawn %q, want same", breakingKey, class)
		}
		if class, fill := cell(staleKey, staleNight); class != "stale" || !strings.Contains(fill, "#stale") {
			t.Errorf("%s on night %d is drawn %q in %s, want stale stripes", staleKey, staleNight+1, class, fill)
		}
		charts, err := chromedp.Run(tab, chromedp.Evaluate[int](`document.querySelectorAll('svg.group-chart').length`))
		if err != nil || charts == 0 {
			t.Errorf("the history page has %d group charts (%v)", charts, err)
		}
		browser.Screenshot(t, "history-fleet.png", false)
		if err := chromedp.Do(tab, chromedp.Navigate(snapURL+output.HistoryFile+"#"+breakingKey)); err != nil {
			t.Fatal(err)
		}
		bars, err := chromedp.Run(tab, chromedp.Evaluate[int](`document.querySelector('svg.group-chart[data-key=' + JSON.stringify(`+jsString(breakingKey)+`) + '] rect[data-class="breaking"][data-col="`+itoa(breakingNight)+`"]') ? 1 : 0`))
		if err != nil || bars != 1 {
			t.Errorf("the chart of %s has no breaking bar on night %d (%v)", breakingKey, breakingNight+1, err)
		}
		browser.Screenshot(t, "history-group.png", false)
		if out := reqs.outside(srv.URL); len(out) > 0 {
			t.Errorf("the history page asked for %v, outside the store", out)
		}
		for _, p := range browser.Problems() {
			t.Errorf("console: %s", p)
		}
	})

	t.Run("explorer", func(t *testing.T) {
		// Before the last night one group's response property changed
		// from integer to string: the explorer must show the integer
		// before and the string after, both highlighted.
		night := len(ps.ids) - 1
		var edit xanotest.Edit
		for _, e := range ps.edits[night] {
			if e.Kind == xanotest.EditResponseTypeChanged {
				edit = e
			}
		}
		key := ""
		for _, s := range readManifest(t, ps.dir, ps.ids[night]).Specs {
			if strings.Split(s.Key, "/")[1] == edit.Instance && s.Workspace == edit.Workspace && s.Group == edit.Group {
				key = s.Key
			}
		}
		if key == "" {
			t.Fatalf("no group for the edit %+v", edit)
		}
		browser := browsertest.Open(t, 90*time.Second)
		tab := browser.Ctx
		reqs := recordRequests(t, tab)
		if err := chromedp.Do(tab, chromedp.Navigate(snapURL+output.ChangesHTML+"#"+url.PathEscape(key))); err != nil {
			t.Fatal(err)
		}
		sides, err := chromedp.Run(tab, chromedp.Evaluate[[]string](`(() => {
			const g = document.getElementById(`+jsString(key)+`);
			const f = g && g.querySelector('article[data-rule="response-property-type-changed"]');
			if (!f) { return ['', '']; }
			const text = sel => Array.from(f.querySelectorAll(sel)).map(td => td.textContent).join('\n');
			return [text('td.before.changed'), text('td.after.changed')];
		})()`))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(sides[0], `"integer"`) || !strings.Contains(sides[1], `"string"`) {
			t.Errorf("the explorer shows, highlighted, before %q and after %q; want the integer before and the string after", sides[0], sides[1])
		}
		browser.Screenshot(t, "explorer.png", false)

		// Every breaking finding of the night at a place in the document
		// shows a highlighted change; one about the whole document (it
		// became invalid) has no fragment, and is told by its message.
		want, whole := 0, 0
		for _, g := range ps.changes(t, night).Groups {
			for _, f := range g.Changes {
				switch {
				case f.Level != diff.LevelBreaking:
				case f.Location == "document":
					whole++
				default:
					want++
				}
			}
		}
		shown, err := chromedp.Run(tab, chromedp.Evaluate[int](`Array.from(document.querySelectorAll('article[data-level="breaking"]')).filter(a => a.querySelector('td.changed')).length`))
		if err != nil {
			t.Fatal(err)
		}
		told, err := chromedp.Run(tab, chromedp.Evaluate[int](`Array.from(document.querySelectorAll('article[data-level="breaking"]')).filter(a => !a.querySelector('td.changed') && a.textContent.includes("see the finding's message")).length`))
		if err != nil {
			t.Fatal(err)
		}
		if told != whole {
			t.Errorf("%d of the night's %d whole-document breaking findings are shown with their message alone", told, whole)
		}
		if want == 0 || shown != want {
			t.Errorf("%d of the night's %d breaking findings show a highlighted before and after", shown, want)
		}
		if out := reqs.outside(srv.URL); len(out) > 0 {
			t.Errorf("the explorer asked for %v, outside the store", out)
		}
		for _, p := range browser.Problems() {
			t.Errorf("console: %s", p)
		}
	})

	t.Run("stored once", func(t *testing.T) {
		// The renderer is the same file in every snapshot: one copy in
		// the store however many nights share it.
		first, err := os.Stat(filepath.Join(ps.dir, "snapshots", ps.ids[0], output.RendererFile))
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ps.ids[1:] {
			fi, err := os.Stat(filepath.Join(ps.dir, "snapshots", id, output.RendererFile))
			if err != nil {
				t.Fatal(err)
			}
			if !os.SameFile(first, fi) {
				t.Errorf("snapshot %s holds its own copy of %s", id, output.RendererFile)
			}
		}
	})

	t.Run("index", func(t *testing.T) {
		night := len(ps.ids) - 1
		changes := ps.changes(t, night)
		browser := browsertest.Open(t, 90*time.Second)
		tab := browser.Ctx
		reqs := recordRequests(t, tab)
		if err := chromedp.Do(tab, chromedp.Navigate(snapURL+output.CatalogHTML)); err != nil {
			t.Fatal(err)
		}
		waitReady(t, tab, "true")
		// The cards count what the changes section counts.
		cards, err := chromedp.Run(tab, chromedp.Evaluate[map[string]string](`Object.fromEntries(Array.from(document.querySelectorAll('#totals .card')).map(c => [c.dataset.card, c.querySelector('b').textContent]))`))
		if err != nil {
			t.Fatal(err)
		}
		if cards["changed"] != itoa(changes.Summary.GroupsChanged) {
			t.Errorf("the changed card says %s, changes.json says %d changed groups", cards["changed"], changes.Summary.GroupsChanged)
		}
		if changes.Summary.GroupsAdded > 0 && cards["added"] != itoa(changes.Summary.GroupsAdded) {
			t.Errorf("the added card says %q, changes.json says %d added groups", cards["added"], changes.Summary.GroupsAdded)
		}

		// Typing a changed group's name filters both lists to it.
		var target diff.GroupChanges
		for _, g := range changes.Groups {
			if g.Change == "changed" && len(g.Changes) > 0 {
				target = g
				break
			}
		}
		if target.Key == "" {
			t.Fatal("the last night changed no group with findings")
		}
		query := target.Key[strings.LastIndex(target.Key, "/")+1:]
		wantChanges := 0
		for _, g := range changes.Groups {
			if strings.Contains(g.Key, query) {
				wantChanges++
				continue
			}
			for _, f := range g.Changes {
				text := strings.ToLower(strings.Join(append([]string{f.ID, string(f.Level), f.Operation, f.Location, f.Message}, f.Operations...), " "))
				if strings.Contains(text, query) {
					wantChanges++
					break
				}
			}
		}
		total, err := chromedp.Run(tab, chromedp.Evaluate[int](`document.querySelectorAll('#changes-body .change').length`))
		if err != nil {
			t.Fatal(err)
		}
		if total != len(changes.Groups) || wantChanges >= total {
			t.Fatalf("%d changed groups listed (changes.json has %d), %d match %q: the filter would prove nothing", total, len(changes.Groups), wantChanges, query)
		}
		if err := chromedp.Do(tab, chromedp.SendKeys(chromedp.ID("search"), query)); err != nil {
			t.Fatal(err)
		}
		const visibleChanges = `document.querySelectorAll('#changes-body .change:not([hidden])').length`
		if _, err := chromedp.Run(tab, chromedp.Poll[bool](visibleChanges+` === `+itoa(wantChanges), chromedp.WithPollingTimeout(10*time.Second))); err != nil {
			n, _ := chromedp.Run(tab, chromedp.Evaluate[int](visibleChanges))
			t.Errorf("typing %q leaves %d changed groups listed, want %d", query, n, wantChanges)
		}
		shown, err := chromedp.Run(tab, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('#tree .group:not([hidden])')).map(g => g.id.slice(2))`))
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range shown {
			if !strings.Contains(k, query) {
				t.Errorf("typing %q still shows the group %s", query, k)
			}
		}
		if len(shown) == 0 {
			t.Errorf("typing %q hides every group", query)
		}
		if _, err := chromedp.Run(tab, chromedp.Evaluate[bool](`(window.scrollTo(0, 0), true)`)); err != nil {
			t.Fatal(err)
		}
		browser.Screenshot(t, "index-filtered.png", false)
		if out := reqs.outside(srv.URL); len(out) > 0 {
			t.Errorf("the catalog page asked for %v, outside the store", out)
		}
		for _, p := range browser.Problems() {
			t.Errorf("console: %s", p)
		}
	})
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func itoa(n int) string { return strconv.Itoa(n) }
