package output

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/specharvest/specharvest/internal/browsertest"
)

// TestReferenceOpenedAsAFileSaysHowToServeIt: a reference page opened
// from disk (file://), where browsers refuse it the document next to it,
// ends with a message that says why and how to serve the folder, and
// keeps the link to the document itself; it never spins for ever.
func TestReferenceOpenedAsAFileSaysHowToServeIt(t *testing.T) {
	browsertest.Find(t)
	dir := t.TempDir()
	shared, err := SharedFiles()
	if err != nil {
		t.Fatal(err)
	}
	snap := filepath.Join(dir, "snapshots", "20261201T000000Z")
	if err := os.MkdirAll(snap, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range shared {
		if err := os.WriteFile(filepath.Join(snap, f.Name), f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	doc := []byte(`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{}}`)
	sum := sha256.Sum256(doc)
	sha := hex.EncodeToString(sum[:])
	blob := filepath.Join(dir, "blobs", "sha256", sha[:2], sha)
	if err := os.MkdirAll(filepath.Dir(blob), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(blob, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	browser := browsertest.Open(t, 60*time.Second)
	if err := chromedp.Do(browser.Ctx, chromedp.Navigate("file://"+filepath.Join(snap, ReferenceLink(sha, "prod/main/books")))); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(browser.Ctx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.body && document.body.dataset.ready !== undefined`)); err != nil {
		t.Fatalf("the page never finished: %v", err)
	}
	state, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.dataset.ready`))
	msg, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('ref-error').textContent`))
	raw, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`!document.getElementById('raw').hidden && document.getElementById('raw').href.indexOf('`+sha+`') >= 0`))
	if state != "error" || !strings.Contains(msg, "opened as a file") || !strings.Contains(msg, "http.server") {
		t.Errorf("opened as a file, the page finished as %q saying %q; want an error that says how to serve it", state, msg)
	}
	if !raw {
		t.Error("the link to the document itself is not shown")
	}
	browser.Screenshot(t, "reference-as-file.png", false)
}
