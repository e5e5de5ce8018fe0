package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/specharvest/specharvest/internal/browsertest"
	"github.com/specharvest/specharvest/merge/diff"
)

// TestDemoCatalogPageInBrowser runs the demo, then opens the index.html it
// points at in headless Chromium, served with the rest of the store over
// loopback, and checks what a reader relies on: the page runs without a
// console error, typing filters the groups, every breaking change of
// changes.json is on the page, and a group's document link works. The
// screenshot is left in $SPECHARVEST_ARTIFACTS (or a temp folder).
func TestDemoCatalogPageInBrowser(t *testing.T) {
	browsertest.Find(t) // before the demo runs: no browser, no point

	store := filepath.Join(t.TempDir(), "demo")
	var stdout, stderr bytes.Buffer
	e := &env{stdout: &stdout, stderr: &stderr, getenv: fakeEnv(nil), now: time.Now}
	if code := runWith(context.Background(), e, []string{"specharvest", "demo", "--store", store}); code != exitOK {
		t.Fatalf("demo: exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
	m := regexp.MustCompile(`(?m)^\s*(\S+index\.html)\s+the catalog page`).FindStringSubmatch(stdout.String())
	if m == nil {
		t.Fatalf("the demo does not print the path of index.html:\n%s", stdout.String())
	}
	page := m[1]
	rel, err := filepath.Rel(store, page)
	if err != nil || strings.HasPrefix(rel, "..") {
		t.Fatalf("index.html %s is not inside the store %s", page, store)
	}
	changesData, err := os.ReadFile(filepath.Join(filepath.Dir(page), "changes.json"))
	if err != nil {
		t.Fatal(err)
	}
	var changes diff.Changes
	if err := json.Unmarshal(changesData, &changes); err != nil {
		t.Fatal(err)
	}
	if changes.Summary.Breaking == 0 {
		t.Fatal("the demo's second night has no breaking change; the page check would prove nothing")
	}

	srv := httptest.NewServer(http.FileServer(http.Dir(store)))
	defer srv.Close()

	browser := browsertest.Open(t, 90*time.Second)
	tab := browser.Ctx

	if err := chromedp.Do(tab, chromedp.Navigate(srv.URL+"/"+filepath.ToSlash(rel))); err != nil {
		t.Fatalf("navigate: %v", err)
	}
	if _, err := chromedp.Run(tab, chromedp.Poll[bool](`document.body.dataset.ready === "true"`, chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		t.Fatalf("the page never finished rendering: %v", err)
	}
	const countVisible = `document.querySelectorAll('#tree .group:not([hidden])').length`
	all, err := chromedp.Run(tab, chromedp.Evaluate[int](countVisible))
	if err != nil {
		t.Fatal(err)
	}
	manifest := readManifest(t, store, filepath.Base(filepath.Dir(page)))
	if all != len(manifest.Specs) {
		t.Errorf("the page lists %d groups, the snapshot has %d", all, len(manifest.Specs))
	}

	// Typing a group's name leaves only the groups whose key holds it.
	target := manifest.Specs[len(manifest.Specs)/2].Group
	want := 0
	for _, s := range manifest.Specs {
		if strings.Contains(s.Key, target) || strings.Contains(strings.ToLower(s.Title), target) {
			want++
		}
	}
	if err := chromedp.Do(tab, chromedp.SendKeys(chromedp.ID("search"), target)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(tab, chromedp.Poll[bool](countVisible+` < `+strconv.Itoa(all), chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("typing %q did not filter the list", target)
	}
	shown, err := chromedp.Run(tab, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('#tree .group:not([hidden])')).map(g => g.id.slice(2))`))
	if err != nil {
		t.Fatal(err)
	}
	if len(shown) < want || len(shown) == 0 {
		t.Errorf("typing %q shows %v; want the %d groups it names", target, shown, want)
	}

	// Every breaking finding is on the page.
	text, err := chromedp.Run(tab, chromedp.TextContent(chromedp.CSS("#changes")))
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range changes.Groups {
		for _, f := range g.Changes {
			if f.Level == diff.LevelBreaking && !strings.Contains(text, f.Message) {
				t.Errorf("breaking change of %s not on the page: %s", g.Key, f.Message)
			}
		}
	}

	// A document link leads to the stored document.
	href, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.querySelector('#tree .group:not([hidden]) a.doc').href`))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(href)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("document link %s: %s", href, resp.Status)
	}

	// Clearing the box brings every group back.
	if _, err := chromedp.Run(tab, chromedp.Evaluate[bool](`(document.getElementById('search').value = '', document.getElementById('search').dispatchEvent(new Event('input')), true)`)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(tab, chromedp.Poll[bool](countVisible+` === `+strconv.Itoa(all), chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Errorf("clearing the search box did not bring every group back")
	}
	browser.Screenshot(t, "demo-index.png", true)

	for _, p := range browser.Problems() {
		t.Errorf("console: %s", p)
	}
}
