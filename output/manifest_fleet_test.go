package output

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/specharvest/specharvest/merge/diff"
)

// TestManifestIsWhatTheFleetDiffCompares: two manifests go to DiffFleet as
// they are. Every kind of group change comes out, an unchanged blob is
// never read, and a document the manifest marks invalid is a breaking
// finding citing the manifest's problems.
func TestManifestIsWhatTheFleetDiffCompares(t *testing.T) {
	doc := func(paths ...string) []byte {
		var b strings.Builder
		b.WriteString(`{"openapi":"3.0.0","info":{"title":"t","version":"1"},"paths":{`)
		for i, p := range paths {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `%q:{"get":{"responses":{"200":{"description":"ok"}}}}`, p)
		}
		b.WriteString(`}}`)
		return []byte(b.String())
	}
	blobs := map[string][]byte{"same": doc("/a"), "old": doc("/a", "/b"), "new": doc("/a"), "ok": doc("/x"), "bad": doc("/x", "/y")}
	// DiffFleet reads blobs from several goroutines.
	var mu sync.Mutex
	reads := map[string]int{}
	load := func(_ context.Context, sha string) ([]byte, error) {
		mu.Lock()
		defer mu.Unlock()
		reads[sha]++
		return blobs[sha], nil
	}
	base := &Manifest{ID: "20261126T020000Z", Specs: []SpecEntry{
		{Key: "a/changed", Status: StatusOK, SHA256: "old", Valid: true},
		{Key: "a/gone", Status: StatusOK, SHA256: "same", Valid: true},
		{Key: "a/invalid", Status: StatusOK, SHA256: "ok", Valid: true},
		{Key: "a/same", Status: StatusOK, SHA256: "same", Valid: true},
		{Key: "a/stale", Status: StatusOK, SHA256: "same", Valid: true},
	}}
	revision := &Manifest{ID: "20261127T020000Z", Specs: []SpecEntry{
		{Key: "a/changed", Status: StatusOK, SHA256: "new", Valid: true},
		{Key: "a/invalid", Status: StatusOK, SHA256: "bad", Errors: 1, Problems: []string{"error /paths: the contract broke"}},
		{Key: "a/new", Status: StatusOK, SHA256: "same", Valid: true},
		{Key: "a/same", Status: StatusOK, SHA256: "same", Valid: true},
		{Key: "a/stale", Status: StatusStale, SHA256: "same", Valid: true},
	}}
	c, err := diff.DiffFleet(context.Background(), base, revision, load, diff.FleetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Base != base.ID || c.Revision != revision.ID {
		t.Errorf("changes from %s to %s", c.Base, c.Revision)
	}
	got := map[string]string{}
	for _, g := range c.Groups {
		got[g.Key] = g.Change
		if g.Key == "a/invalid" {
			found := false
			for _, f := range g.Changes {
				found = found || (f.ID == diff.RuleDocumentBecameInvalid && f.Level == diff.LevelBreaking && strings.Contains(f.Message, "the contract broke"))
			}
			if !found {
				t.Errorf("a document the manifest marks invalid: %+v", g.Changes)
			}
		}
	}
	want := map[string]string{"a/changed": diff.GroupChanged, "a/gone": diff.GroupRemoved, "a/invalid": diff.GroupChanged, "a/new": diff.GroupAdded, "a/stale": diff.GroupStale}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
	if _, ok := got["a/same"]; ok || reads["same"] != 0 {
		t.Errorf("an unchanged group was reported (%v) or its blob read %d times", got, reads["same"])
	}
}
