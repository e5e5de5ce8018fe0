package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestWebhookLinksThePage: with catalog_url the webhook's text links the
// night's page by an absolute URL under it; without, it gives the local
// path and says that catalog_url would make it a link.
func TestWebhookLinksThePage(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "specs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "specs", "books.yaml"), []byte(reportBaseDoc), 0o644); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var texts []string
	var ids []string
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Text    string `json:"text"`
			Summary struct {
				Snapshot string `json:"snapshot"`
			} `json:"summary"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			t.Errorf("webhook body: %v", err)
		}
		mu.Lock()
		texts, ids = append(texts, body.Text), append(ids, body.Summary.Snapshot)
		mu.Unlock()
	}))
	defer receiver.Close()
	config := func(extra string) {
		body := "store: " + filepath.Join(dir, "store") + "\nsources:\n  - name: local\n    type: files\n    paths: [\"" + filepath.Join(dir, "specs", "*.yaml") + "\"]\n" +
			"notify:\n  - url: " + receiver.URL + "\n    on: [always]\n" + extra
		if err := os.WriteFile(filepath.Join(dir, "specharvest.yaml"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	config("")
	if res := runBinaryIn(t, dir, nil, "run"); res.code != exitOK {
		t.Fatalf("run: %d %s", res.code, res.stderr)
	}
	config("catalog_url: https://apis.example.com/catalog/\n")
	if res := runBinaryIn(t, dir, nil, "run"); res.code != exitOK {
		t.Fatalf("run with catalog_url: %d %s", res.code, res.stderr)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(texts) != 2 {
		t.Fatalf("%d webhook calls, want 2", len(texts))
	}
	if want := filepath.Join(dir, "store", "snapshots", ids[0], "index.html"); !strings.Contains(texts[0], "set catalog_url: in the config to link it): "+want) {
		t.Errorf("without catalog_url the text should give the path and say so:\n%s", texts[0])
	}
	if want := "Report: https://apis.example.com/catalog/snapshots/" + ids[1] + "/index.html"; !strings.Contains(texts[1], want) {
		t.Errorf("with catalog_url the text should link %s:\n%s", want, texts[1])
	}
	config("catalog_url: ftp://x\n")
	if res := runBinaryIn(t, dir, nil, "run"); res.code != exitUsage || !strings.Contains(res.stderr, "catalog_url") {
		t.Errorf("a catalog_url that is not http(s): exit %d %s", res.code, res.stderr)
	}
}
