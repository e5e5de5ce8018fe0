package output

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/specharvest/specharvest/internal/browsertest"
)

// TestCatalogPageInBrowser loads index.html of a 2,000-group catalog in
// headless Chromium, served over loopback from a store-like folder, and
// uses it the way a person would: filter by name, filter by operation,
// open a group, read the breaking changes.
func TestCatalogPageInBrowser(t *testing.T) {
	const groups = 2000
	in := catalogFixtureInput(groups)
	c := BuildCatalog(in)

	root := t.TempDir()
	snapDir := filepath.Join(root, "snapshots", fixtureSnapshot)
	if err := os.MkdirAll(snapDir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeSnapshotScript(t, snapDir, catalogFixtureSnapshot(groups))
	f, err := os.Create(filepath.Join(snapDir, CatalogHTML))
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteCatalogHTML(f, c); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(root)))
	defer srv.Close()
	pageURL := srv.URL + "/snapshots/" + fixtureSnapshot + "/" + CatalogHTML

	browser := browsertest.Open(t, 90*time.Second)
	tab := browser.Ctx
	start := time.Now()
	if err := chromedp.Do(tab, chromedp.Navigate(pageURL)); err != nil {
		t.Fatalf("navigate: %v", err)
	}
	if _, err := chromedp.Run(tab, chromedp.Poll[bool](`document.body.dataset.ready === "true"`, chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		t.Fatalf("the page never finished rendering: %v", err)
	}
	renderMS, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.body.dataset.renderMs`))
	t.Logf("%d groups loaded in %v, of which the page script took %s ms", groups, time.Since(start).Round(time.Millisecond), renderMS)

	visible := func() int {
		t.Helper()
		n, err := chromedp.Run(tab, chromedp.Evaluate[int](`document.querySelectorAll('#tree .group:not([hidden])').length`))
		if err != nil {
			t.Fatalf("count visible groups: %v", err)
		}
		return n
	}
	waitVisible := func(want int) {
		t.Helper()
		_, err := chromedp.Run(tab, chromedp.Poll[bool](
			`document.querySelectorAll('#tree .group:not([hidden])').length === `+strconv.Itoa(want),
			chromedp.WithPollingTimeout(10*time.Second)))
		if err != nil {
			t.Fatalf("visible groups: want %d, have %d", want, visible())
		}
	}
	typeQuery := func(q string) {
		t.Helper()
		if _, err := chromedp.Run(tab, chromedp.Evaluate[bool](`(document.getElementById('search').value = '', true)`)); err != nil {
			t.Fatalf("clear the search box: %v", err)
		}
		if err := chromedp.Do(tab, chromedp.SendKeys(chromedp.ID("search"), q)); err != nil {
			t.Fatalf("type %q: %v", q, err)
		}
	}

	if n := visible(); n != groups {
		t.Fatalf("before filtering %d groups are visible, want all %d", n, groups)
	}

	// By name: one group.
	typeQuery("group-0042")
	waitVisible(1)
	text, err := chromedp.Run(tab, chromedp.Text(chromedp.CSS("#result-count")))
	if err != nil || !strings.Contains(text, "1 of 2000") {
		t.Errorf("result count reads %q (%v), want it to say 1 of 2000", text, err)
	}

	// By operation: every group with a matching path, and only those.
	const opQuery = "/invoices/7/"
	want := 0
	for _, g := range c.Groups {
		for _, op := range g.Endpoints {
			if strings.Contains(strings.ToLower(op.Path), opQuery) {
				want++
				break
			}
		}
	}
	if want == 0 || want == groups {
		t.Fatalf("fixture: %d groups have an operation under %s; the filter would prove nothing", want, opQuery)
	}
	filterStart := time.Now()
	typeQuery(opQuery)
	waitVisible(want)
	t.Logf("filtering by operation showed %d of %d groups in %v", want, groups, time.Since(filterStart).Round(time.Millisecond))

	// Opening a filtered group lists only its matching operations.
	// Centre the row first: at the top of the viewport the sticky search
	// bar would take the click.
	if _, err := chromedp.Run(tab, chromedp.Evaluate[bool](`(document.querySelector('#tree .group:not([hidden]) .row').scrollIntoView({block: 'center'}), true)`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS("#tree .group:not([hidden]) .row .name"))); err != nil {
		t.Fatalf("open a group: %v", err)
	}
	rows, err := chromedp.Run(tab, chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll('#tree .group.open tr.op td.mono')).map(td => td.textContent)`))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		t.Fatal("the opened group lists no operations")
	}
	for _, p := range rows {
		if !strings.Contains(p, opQuery) {
			t.Errorf("the opened group lists %s, which does not match %q", p, opQuery)
		}
	}

	// Clearing the filter brings every group back.
	typeQuery(" ")
	waitVisible(groups)

	// The breaking changes are on the page, breaking first. (Text is read
	// as textContent: the browser does not lay out what is off screen, so
	// innerText of it may be empty.)
	changes, err := chromedp.Run(tab, chromedp.TextContent(chromedp.CSS("#changes")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(changes, strconv.Itoa(c.Changes.Summary.Breaking)+" breaking changes") {
		t.Errorf("the changes section does not give the number of breaking changes (%d)", c.Changes.Summary.Breaking)
	}
	for _, msg := range []string{"the path /legacy/group-0002 was removed", "the group was removed"} {
		if !strings.Contains(changes, msg) {
			t.Errorf("the changes section does not show the breaking finding %q", msg)
		}
	}
	firstBreaking, err := chromedp.Run(tab, chromedp.Evaluate[bool](`document.querySelector('#changes-body .change').classList.contains('has-breaking')`))
	if err != nil || !firstBreaking {
		t.Errorf("the first changed group listed has no breaking change (%v); breaking changes must come first", err)
	}

	// The hostile title is shown as text and ran nothing.
	pwned, err := chromedp.Run(tab, chromedp.Evaluate[bool](`window.__pwned !== undefined`))
	if err != nil || pwned {
		t.Errorf("a group title ran script in the page (pwned=%v, err=%v)", pwned, err)
	}
	typeQuery("hostile")
	waitVisible(1)
	title, err := chromedp.Run(tab, chromedp.TextContent(chromedp.CSS("#tree .group:not([hidden]) .title")))
	if err != nil || title != hostileName {
		t.Errorf("the hostile title reads %q (%v), want it verbatim as text", title, err)
	}
	typeQuery(" ")
	waitVisible(groups)

	if _, err := chromedp.Run(tab, chromedp.Evaluate[bool](`(window.scrollTo(0, 0), true)`)); err != nil {
		t.Fatal(err)
	}
	browser.Screenshot(t, "catalog-index.png", false)

	for _, p := range browser.Problems() {
		t.Errorf("console: %s", p)
	}
}
