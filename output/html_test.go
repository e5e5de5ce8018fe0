package output

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"html"
	"regexp"
	"strings"
	"testing"
)

func between(t *testing.T, s, open, close string) string {
	t.Helper()
	i := strings.Index(s, open)
	if i < 0 {
		t.Fatalf("page has no %q", open)
	}
	rest := s[i+len(open):]
	j := strings.Index(rest, close)
	if j < 0 {
		t.Fatalf("page has no %q after %q", close, open)
	}
	return rest[:j]
}

// TestCatalogPageIsSelfContainedAndEscaped checks the page as bytes: a
// hostile name cannot end the data block or add markup, nothing is
// loaded from elsewhere but snapshot.js beside it, the policy's hashes
// match the inline script and style (or the browser would refuse to run
// them), and the embedded data is the catalog.
func TestCatalogPageIsSelfContainedAndEscaped(t *testing.T) {
	in := catalogFixtureInput(40)
	c := BuildCatalog(in)
	var buf bytes.Buffer
	if err := WriteCatalogHTML(&buf, c); err != nil {
		t.Fatal(err)
	}
	page := buf.String()

	if strings.Contains(page, hostileName) || strings.Contains(page, "<img") || strings.Contains(page, "alert(1)</script>") {
		t.Error("a hostile name reached the page unescaped")
	}
	if n := strings.Count(strings.ToLower(page), "<script"); n != 3 {
		t.Errorf("the page has %d script elements, want 3 (data, snapshot.js and code)", n)
	}
	if n := strings.Count(strings.ToLower(page), "</script"); n != 3 {
		t.Errorf("the page closes %d script elements, want 3", n)
	}
	if srcs := regexp.MustCompile(`(?i)\ssrc\s*=\s*"([^"]*)"`).FindAllStringSubmatch(page, -1); len(srcs) != 1 || srcs[0][1] != SnapshotScript {
		t.Errorf("the page loads %v, want only %s", srcs, SnapshotScript)
	}
	if regexp.MustCompile(`(?i)\s(src|href)\s*=\s*["']?(https?:)?//`).MatchString(page) {
		t.Error("the page refers to another origin")
	}
	if regexp.MustCompile(`(?i)@import|url\(\s*["']?(https?:)?//`).MatchString(page) {
		t.Error("the style loads something from elsewhere")
	}

	policy := between(t, page, `http-equiv="Content-Security-Policy" content="`, `"`)
	policy = html.UnescapeString(policy)
	script := between(t, page, "<script>", "</script>")
	style := between(t, page, "<style>", "</style>")
	for name, body := range map[string]string{"script-src": script, "style-src": style} {
		sum := sha256.Sum256([]byte(body))
		want := " 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
		if !regexp.MustCompile(name + `( '[^;]*)?` + regexp.QuoteMeta(want)).MatchString(policy) {
			t.Errorf("policy %q lacks %q: the browser would block the inline %s", policy, want, name)
		}
	}
	if !strings.Contains(policy, "default-src 'none'") {
		t.Errorf("policy %q does not deny by default", policy)
	}

	data := between(t, page, `<script type="application/json" id="catalog-data">`, "</script>")
	var embedded struct {
		Groups []struct {
			Key   string  `json:"key"`
			Title string  `json:"title"`
			Ops   [][]any `json:"ops"`
		} `json:"groups"`
		Changes *CatalogChanges `json:"changes"`
	}
	if err := json.Unmarshal([]byte(data), &embedded); err != nil {
		t.Fatalf("embedded data does not parse: %v", err)
	}
	if len(embedded.Groups) != len(c.Groups) {
		t.Fatalf("embedded data: %d groups; want %d", len(embedded.Groups), len(c.Groups))
	}

	for i, g := range embedded.Groups {
		if g.Key != c.Groups[i].Key || g.Title != c.Groups[i].Title || len(g.Ops) != len(c.Groups[i].Endpoints) {
			t.Errorf("embedded group %d differs from the catalog: %s %q %d ops", i, g.Key, g.Title, len(g.Ops))
		}
	}
	if embedded.Changes == nil || embedded.Changes.Summary.Breaking != c.Changes.Summary.Breaking {
		t.Error("the embedded data lost the changes")
	}
}

func TestCatalogPageOfAnEmptyFirstSnapshot(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteCatalogHTML(&buf, BuildCatalog(CatalogInput{Manifest: &Manifest{ID: "20261127T020000Z"}})); err != nil {
		t.Fatal(err)
	}
	data := between(t, buf.String(), `id="catalog-data">`, "</script>")
	var v map[string]any
	if err := json.Unmarshal([]byte(data), &v); err != nil {
		t.Fatal(err)
	}
	if v["changes"] != nil {
		t.Error("a first snapshot embeds changes")
	}
	for _, k := range []string{"groups", "instances"} {
		if _, ok := v[k].([]any); !ok {
			t.Errorf("%s must be an empty list, not %v, so the script can iterate it", k, v[k])
		}
	}
}
