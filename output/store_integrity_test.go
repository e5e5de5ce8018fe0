package output

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDamagedBlobIsNeverTakenForIntact: a blob with one byte flipped
// (same size) is not "present"; storing the good bytes again rewrites it
// and reports the repair.
func TestDamagedBlobIsNeverTakenForIntact(t *testing.T) {
	ctx := context.Background()
	st := newTestStore(t)
	body := []byte(`{"openapi":"3.0.0","info":{"title":"t","version":"1"},"paths":{}}`)
	sha, size, err := st.PutBlobBytes(ctx, body)
	if err != nil {
		t.Fatal(err)
	}
	path := st.blobPath(sha)
	bad := append([]byte(nil), body...)
	bad[10] ^= 0x20
	os.Chmod(path, 0o644)
	if err := os.WriteFile(path, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	fresh, _ := Open(ctx, st.Dir()) // a new run: nothing remembered
	if fresh.HasBlob(ctx, sha, size) {
		t.Fatal("a damaged blob of the right size counts as present")
	}
	if _, _, err := fresh.PutBlobBytes(ctx, body); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	if string(got) != string(body) {
		t.Fatal("the damaged blob was not rewritten from the good bytes")
	}
	if r := fresh.RepairedBlobs(); len(r) != 1 || r[0] != sha {
		t.Fatalf("repairs reported: %v", r)
	}
	assertNoTemp(t, st.Dir())
}

// TestLatestCompleteFallsBack: a dangling or garbled latest gives the
// newest complete snapshot, with a warning.
func TestLatestCompleteFallsBack(t *testing.T) {
	ctx := context.Background()
	st := newTestStore(t)
	var ids []string
	for i := 0; i < 2; i++ {
		w, err := st.NewSnapshot(ctx, time.Date(2026, 11, 27+i, 2, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Commit(ctx, &Manifest{}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, w.ID())
	}
	if id, warn, err := st.LatestComplete(ctx); err != nil || id != ids[1] || warn != "" {
		t.Fatalf("healthy store: %q %q %v", id, warn, err)
	}
	for name, content := range map[string]string{
		"dangling": "20261201T020000Z\n", "garbled": "../../etc\n", "empty": "",
	} {
		os.WriteFile(filepath.Join(st.Dir(), latestName), []byte(content), 0o644)
		id, warn, err := st.LatestComplete(ctx)
		if err != nil || id != ids[1] || !strings.Contains(warn, ids[1]) {
			t.Errorf("%s latest: %q %q %v", name, id, warn, err)
		}
	}
	os.Remove(filepath.Join(st.Dir(), latestName))
	if id, warn, err := st.LatestComplete(ctx); err != nil || id != ids[1] || warn == "" {
		t.Errorf("missing latest: %q %q %v", id, warn, err)
	}
	// The manifest latest names is damaged: the one before is used.
	os.WriteFile(filepath.Join(st.Dir(), latestName), []byte(ids[1]+"\n"), 0o644)
	os.WriteFile(filepath.Join(st.Dir(), snapshotsDir, ids[1], manifestName), []byte("{garbage"), 0o644)
	if id, warn, err := st.LatestComplete(ctx); err != nil || id != ids[0] || warn == "" {
		t.Errorf("damaged manifest: %q %q %v", id, warn, err)
	}
}
