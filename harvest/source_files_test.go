package harvest

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// collect is an emit that keeps every spec, for tests.
type collect struct {
	mu    sync.Mutex
	specs map[string]Spec
	dup   []string
}

func newCollect() *collect { return &collect{specs: map[string]Spec{}} }

func (c *collect) emit(ctx context.Context, s Spec) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.specs[s.Key]; ok {
		c.dup = append(c.dup, s.Key)
	}
	c.specs[s.Key] = s
	return nil
}

func (c *collect) keys() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var ks []string
	for k := range c.specs {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func TestFilesSource(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"specs/top.yaml":              "openapi: 3.0.0",
		"specs/billing/v2/api.yaml":   "openapi: 3.0.1",
		"specs/billing/v2/api.json":   `{"openapi":"3.0.1"}`,
		"specs/billing/v2/notes.txt":  "not a spec",
		"specs/Orders API/orders.yml": "openapi: 3.1.0",
		"specs/internal/secret.yaml":  "openapi: 3.0.0",
		"elsewhere/other.yaml":        "openapi: 3.0.0",
	})
	src := Source{Name: "local", Type: SourceFiles, Exclude: []string{"*/internal"},
		Paths: []string{
			filepath.Join(root, "specs", "**", "*.yaml"),
			filepath.Join(root, "specs", "**", "*.json"),
			filepath.Join(root, "specs", "*", "*.yml"),
			filepath.Join(root, "specs", "top.yaml"), // matched twice: read once
		}}
	col := newCollect()
	report, err := (&Crawler{}).Crawl(context.Background(), []Source{src}, col.emit)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"local/-/-/top", "local/-/billing-v2/api-json", "local/-/billing-v2/api-yaml", "local/-/orders-api/orders"}
	sort.Strings(want)
	if got := col.keys(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("keys %v, want %v", got, want)
	}
	if len(col.dup) != 0 || report.Groups != len(want) {
		t.Fatalf("duplicates %v, groups %d", col.dup, report.Groups)
	}
	s := col.specs["local/-/billing-v2/api-json"]
	if string(s.Body) != `{"openapi":"3.0.1"}` || s.Workspace != "billing/v2" || s.Group != "api.json" || s.Err != nil {
		t.Fatalf("spec %+v", s)
	}
}

func TestFilesSourceMissingDirectoryIsFailedScope(t *testing.T) {
	src := Source{Name: "local", Type: SourceFiles, Paths: []string{filepath.Join(t.TempDir(), "gone", "**", "*.json")}}
	report, err := (&Crawler{}).Crawl(context.Background(), []Source{src}, newCollect().emit)
	if err != nil {
		t.Fatal(err)
	}
	if len(report.Failed) != 1 || report.Failed[0].Prefix != "local" {
		t.Fatalf("want one failed scope for the source, got %+v", report.Failed)
	}
}

func TestFilesSourceOversizedFile(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"big.json": strings.Repeat(" ", 200), "ok.json": "{}"})
	src := Source{Name: "local", Type: SourceFiles, Paths: []string{filepath.Join(root, "*.json")}}
	col := newCollect()
	if _, err := (&Crawler{Options: Options{MaxSpecBytes: 100}}).Crawl(context.Background(), []Source{src}, col.emit); err != nil {
		t.Fatal(err)
	}
	if s := col.specs["local/-/-/big"]; s.Err == nil || s.Body != nil {
		t.Fatalf("an oversized file must come back with its error: %+v", s)
	}
	if s := col.specs["local/-/-/ok"]; s.Err != nil || string(s.Body) != "{}" {
		t.Fatalf("ok.json: %+v", s)
	}
}

func TestMatchSegments(t *testing.T) {
	cases := []struct {
		pattern, name string
		want          bool
	}{
		{"**/*.yaml", "a.yaml", true},
		{"**/*.yaml", "x/y/a.yaml", true},
		{"*/*.yaml", "a.yaml", false},
		{"a/**/b/*.json", "a/b/c.json", true},
		{"a/**/b/*.json", "a/x/y/b/c.json", true},
		{"a/**/b/*.json", "a/x/y/c.json", false},
	}
	for _, c := range cases {
		if got := matchSegments(strings.Split(c.pattern, "/"), strings.Split(c.name, "/")); got != c.want {
			t.Errorf("%s ~ %s = %v, want %v", c.pattern, c.name, got, c.want)
		}
	}
}
