package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/specharvest/specharvest/output"
)

func TestVerifyCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	seedSnapshots(t, dir, 3)
	code, out, errs := storeCmd(t, storeT0, "verify", "--store", dir)
	// 3 snapshots: one unchanging document, three versions of another,
	// and one CHANGES.md that every snapshot shares.
	if code != exitOK || strings.TrimSpace(out) != "ok: 3 snapshots, 5 blobs" {
		t.Fatalf("verify: exit %d, %q %q", code, out, errs)
	}

	st, _ := output.Open(context.Background(), dir)
	latest, _ := st.Latest(context.Background())
	m, _ := st.Manifest(context.Background(), latest)
	blob, _ := st.BlobPath(m.Spec("prod/main/books/admin").SHA256)
	data, _ := os.ReadFile(blob)
	data[5] ^= 0x20
	os.WriteFile(blob, data, 0o644)
	os.Remove(filepath.Join(dir, "snapshots", m.Previous, "manifest.json"))
	os.WriteFile(filepath.Join(dir, "latest"), []byte("20991231T000000Z\n"), 0o644)

	code, out, errs = storeCmd(t, storeT0, "verify", "--store", dir)
	if code != exitFailure {
		t.Fatalf("verify of a damaged store: exit %d", code)
	}
	for _, want := range []string{
		"problem: " + filepath.ToSlash(strings.TrimPrefix(blob, dir+string(filepath.Separator))) + ": content does not match",
		"problem: snapshots/" + latest + "/manifest.json: spec \"prod/main/books/admin\"",
		"problem: latest: names snapshot 20991231T000000Z",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("verify output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errs, "problems in "+dir) {
		t.Errorf("stderr = %q", errs)
	}
}
