package harvest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestRedirectNeverSendsReferer: a token-bearing URL redirected to
// another host (or the same one) must not travel on as a Referer.
func TestRedirectNeverSendsReferer(t *testing.T) {
	var mu sync.Mutex
	var referers []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		referers = append(referers, r.Header.Get("Referer"))
		mu.Unlock()
		w.Write([]byte(`{}`))
	}))
	defer other.Close()
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		referers = append(referers, r.Header.Get("Referer"))
		mu.Unlock()
		switch r.URL.Path {
		case "/first":
			http.Redirect(w, r, "/second?token=hop-secret-2", http.StatusFound)
		case "/second":
			http.Redirect(w, r, other.URL+"/landed", http.StatusFound)
		default:
			w.Write([]byte(`{}`))
		}
	}))
	defer origin.Close()
	h := newHTTPFetcher(nil, 5*time.Second, 1<<20)
	if _, err := h.fetch(context.Background(), &request{URL: origin.URL + "/first?token=first-secret-1"}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(referers) != 3 {
		t.Fatalf("want 3 requests, got %d", len(referers))
	}
	for i, r := range referers {
		if r != "" {
			t.Errorf("request %d carried Referer %q", i, r)
		}
	}
}

// TestMalformedLocationIsRedacted: Go quotes a Location it cannot parse
// in its error; the token in it must not survive into the error text.
func TestMalformedLocationIsRedacted(t *testing.T) {
	const secret = "location-secret-77"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Location"] = []string{"http://[::1%zz/doc?token=" + secret + "&x=1"}
		w.WriteHeader(http.StatusFound)
	}))
	defer srv.Close()
	col := newCollect()
	src := Source{Name: "p", Type: SourceURL, URLs: []string{srv.URL + "/doc.json?token=" + secret}}
	if _, err := (&Crawler{Options: Options{Retries: 0}}).Crawl(context.Background(), []Source{src}, col.emit); err != nil {
		t.Fatal(err)
	}
	for _, s := range col.specs {
		if s.Err == nil {
			t.Fatalf("%s: want an error", s.Key)
		}
		if strings.Contains(s.Err.Error(), secret) || strings.Contains(s.URL, secret) {
			t.Fatalf("the secret survives: %v (%s)", s.Err, s.URL)
		}
	}
	if len(col.specs) != 1 {
		t.Fatalf("want one spec, got %d", len(col.specs))
	}
}

// TestFilesSourceStaysInsideItsRoot: links out of the tree, to /proc, to
// a FIFO or a device are never read; links inside the tree are.
func TestFilesSourceStaysInsideItsRoot(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	writeFiles(t, root, map[string]string{"specs/ok.json": `{"openapi":"3.0.0"}`})
	writeFiles(t, outside, map[string]string{"private.json": `{"secret":"outside-secret-42"}`})
	specs := filepath.Join(root, "specs")
	links := map[string]string{
		"out.json":     filepath.Join(outside, "private.json"),
		"environ.json": "/proc/self/environ",
		"null.json":    "/dev/null",
		"inside.json":  filepath.Join(specs, "ok.json"),
		"dir.json":     outside,
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(specs, name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(specs, "fifo.json"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, pattern := range []string{filepath.Join(specs, "*.json"), filepath.Join(specs, "out.json"), filepath.Join(specs, "environ.json")} {
		col := newCollect()
		src := Source{Name: "local", Type: SourceFiles, Paths: []string{pattern}}
		done := make(chan struct{})
		go func() {
			defer close(done)
			if _, err := (&Crawler{}).Crawl(context.Background(), []Source{src}, col.emit); err != nil {
				t.Error(err)
			}
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: the crawl blocked (a FIFO was opened?)", pattern)
		}
		for key, s := range col.specs {
			if strings.Contains(string(s.Body), "outside-secret-42") || strings.Contains(string(s.Body), "PATH=") {
				t.Fatalf("%s: %s read a file outside its root", pattern, key)
			}
		}
		if strings.HasSuffix(pattern, "*.json") {
			got := strings.Join(col.keys(), " ")
			if got != "local/-/-/inside local/-/-/ok" {
				t.Fatalf("keys %q, want only the two files inside the tree", got)
			}
		} else if len(col.specs) != 0 {
			t.Fatalf("%s: read %v", pattern, col.keys())
		}
	}
}
