package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/specharvest/specharvest/output"
)

// storeCmd runs one specharvest command with buffers and a fixed clock.
func storeCmd(t *testing.T, now time.Time, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdout: &out, stderr: &errb, getenv: fakeEnv(nil), now: func() time.Time { return now }}
	code = runWith(context.Background(), e, append([]string{"specharvest"}, args...))
	return code, out.String(), errb.String()
}

var storeT0 = time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC)

// seedSnapshots commits n nightly snapshots, one day apart, of a fleet
// where one group changes every night and another is down.
func seedSnapshots(t *testing.T, dir string, n int) []string {
	t.Helper()
	ctx := context.Background()
	st, err := output.Create(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := 0; i < n; i++ {
		started := storeT0.Add(time.Duration(i) * 24 * time.Hour)
		prev, _ := st.Latest(ctx)
		w, err := st.NewSnapshot(ctx, started)
		if err != nil {
			t.Fatal(err)
		}
		m := &output.Manifest{Previous: prev, Finished: started.Add(time.Minute), ToolVersion: "test"}
		for key, doc := range map[string]string{
			"prod/main/books/public-api": `{"openapi":"3.0.0","info":{"title":"books","version":"1"},"paths":{}}`,
			"prod/main/books/admin":      fmt.Sprintf(`{"openapi":"3.0.0","info":{"title":"admin","version":"%d"},"paths":{}}`, i),
		} {
			sha, size, err := st.PutBlobBytes(ctx, []byte(doc))
			if err != nil {
				t.Fatal(err)
			}
			m.Specs = append(m.Specs, output.SpecEntry{Key: key, Source: "prod", Instance: "main", Workspace: "books",
				Status: output.StatusOK, SHA256: sha, Bytes: size, OpenAPI: "3.0.0", Operations: 3, Valid: key != "prod/main/books/admin",
				Problems: []string{"error /paths: something"}})
		}
		m.Specs = append(m.Specs, output.SpecEntry{Key: "prod/down/ws/group", Source: "prod", Status: output.StatusFailed, Error: "fetch: 503"})
		if err := w.WriteFile(ctx, "CHANGES.md", []byte("# Changes\n")); err != nil {
			t.Fatal(err)
		}
		if err := w.Commit(ctx, m); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, w.ID())
	}
	return ids
}

func TestSnapshotsListAndShow(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	ids := seedSnapshots(t, dir, 3)

	code, out, errs := storeCmd(t, storeT0, "snapshots", "list", "--store", dir)
	if code != exitOK {
		t.Fatalf("list: exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "ID") {
		t.Fatalf("list output:\n%s", out)
	}
	for i, id := range ids {
		row := strings.Fields(lines[i+1])
		if row[0] != id || row[2] != "3" || row[3] != "2" || row[4] != "1" || row[6] != "1" || row[7] != "6" {
			t.Errorf("row %d = %v, want %s with 3 specs, 2 ok, 1 failed, 1 invalid, 6 operations", i, row, id)
		}
		if latest := strings.HasSuffix(lines[i+1], "latest"); latest != (i == len(ids)-1) {
			t.Errorf("row %d latest mark = %v", i, latest)
		}
	}

	code, out, _ = storeCmd(t, storeT0, "snapshots", "list", "--store", dir, "--format", "json")
	var listed struct {
		Latest    string                `json:"latest"`
		Snapshots []output.SnapshotInfo `json:"snapshots"`
	}
	if err := json.Unmarshal([]byte(out), &listed); err != nil || code != exitOK {
		t.Fatalf("list json: exit %d, %v\n%s", code, err, out)
	}
	if listed.Latest != ids[2] || len(listed.Snapshots) != 3 || listed.Snapshots[1].Summary.Operations != 6 {
		t.Fatalf("list json = %+v", listed)
	}

	// Flags may come after the ID, and "latest" names the newest.
	code, out, errs = storeCmd(t, storeT0, "snapshots", "show", "latest", "--store", dir)
	if code != exitOK {
		t.Fatalf("show: exit %d: %s", code, errs)
	}
	for _, want := range []string{ids[2] + " (latest)", "previous  " + ids[1], "3: 2 ok, 1 failed, 0 stale, 1 invalid; 6 operations",
		"prod/down/ws/group", "fetch: 503", "prod/main/books/admin"} {
		if !strings.Contains(out, want) {
			t.Errorf("show output lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = storeCmd(t, storeT0, "snapshots", "show", ids[0], "--store", dir, "--format", "json")
	var m output.Manifest
	if err := json.Unmarshal([]byte(out), &m); err != nil || code != exitOK || m.ID != ids[0] || len(m.Specs) != 3 {
		t.Fatalf("show json: exit %d, %v, id %s", code, err, m.ID)
	}
}

func TestSnapshotsRefuseHostileIDs(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	seedSnapshots(t, dir, 1)
	outside := filepath.Join(filepath.Dir(dir), "outside.tar.gz")
	for _, id := range []string{"../../etc", "..", "/etc/passwd", "20261101T020000Z/../../x", "20261101T020000Z\x00"} {
		for _, args := range [][]string{{"snapshots", "show", id}, {"snapshots", "export", id, "-o", outside}} {
			code, _, errs := storeCmd(t, storeT0, append(args, "--store", dir)...)
			if code != exitUsage || !strings.Contains(errs, "invalid snapshot id") {
				t.Errorf("%v: exit %d, stderr %q", args, code, errs)
			}
		}
	}
	if _, err := os.Stat(outside); err == nil {
		t.Fatal("an export was written for a hostile id")
	}
	code, _, errs := storeCmd(t, storeT0, "snapshots", "show", "20200101T000000Z", "--store", dir)
	if code != exitFailure || !strings.Contains(errs, "no such snapshot") {
		t.Fatalf("show of a missing snapshot: exit %d, %q", code, errs)
	}
}

func TestStoreCommandsNeedAStore(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nothing-here")
	for _, args := range [][]string{
		{"snapshots", "list"}, {"snapshots", "show", "latest"}, {"snapshots", "prune", "--keep-last", "1"},
		{"snapshots", "export", "latest", "-o", filepath.Join(t.TempDir(), "x.tar.gz")}, {"verify"},
	} {
		code, _, errs := storeCmd(t, storeT0, append(args, "--store", dir)...)
		if code != exitFailure || !strings.Contains(errs, "no store at") {
			t.Errorf("%v: exit %d, stderr %q", args, code, errs)
		}
	}
	if _, err := os.Stat(dir); err == nil {
		t.Fatal("a command created the missing store")
	}
	for _, args := range [][]string{{"snapshots"}, {"snapshots", "frobnicate"}, {"snapshots", "list", "extra"},
		{"snapshots", "show"}, {"snapshots", "export", "latest"}, {"snapshots", "list", "--format", "xml"},
		{"snapshots", "prune", "--keep-last", "-1"}} {
		if code, _, _ := storeCmd(t, storeT0, args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
}

func TestSnapshotsPrune(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	ids := seedSnapshots(t, dir, 5)
	now := storeT0.Add(10 * 24 * time.Hour)
	countSnapshots := func() int {
		st, _ := output.Open(context.Background(), dir)
		infos, _ := st.Snapshots(context.Background())
		return len(infos)
	}

	code, out, errs := storeCmd(t, now, "snapshots", "prune", "--store", dir, "--keep-last", "2", "--dry-run")
	if code != exitOK {
		t.Fatalf("dry run: exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "dry run: would remove 3 snapshots, 3 blobs") || !strings.Contains(out, "remove  "+ids[0]) ||
		!strings.Contains(out, "keep    "+ids[4]+"  latest, last snapshot") {
		t.Fatalf("dry run output:\n%s", out)
	}
	if countSnapshots() != 5 {
		t.Fatal("dry run removed snapshots")
	}

	// The config's retention applies, and its store is used when --store
	// is not given.
	cfg := filepath.Join(t.TempDir(), "specharvest.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("store: %s\nsources:\n  - name: local\n    type: files\n    paths: [\"x.yaml\"]\nretention: {keep_last: 4}\n", dir)), 0o644)
	code, out, errs = storeCmd(t, now, "snapshots", "prune", "--config", cfg)
	if code != exitOK || !strings.Contains(out, "removed 1 snapshots") || countSnapshots() != 4 {
		t.Fatalf("prune by config: exit %d, %d left\n%s%s", code, countSnapshots(), out, errs)
	}
	// A flag overrides the config.
	code, out, errs = storeCmd(t, now, "snapshots", "prune", "--config", cfg, "--keep-last", "2")
	if code != exitOK || countSnapshots() != 2 {
		t.Fatalf("prune with override: exit %d, %d left\n%s%s", code, countSnapshots(), out, errs)
	}
	code, out, _ = storeCmd(t, now, "verify", "--store", dir)
	// Three documents, and the CHANGES.md both snapshots share.
	if code != exitOK || strings.TrimSpace(out) != "ok: 2 snapshots, 4 blobs" {
		t.Fatalf("verify after prune: exit %d, %q", code, out)
	}
	code, _, errs = storeCmd(t, now, "snapshots", "prune", "--config", filepath.Join(t.TempDir(), "missing.yaml"))
	if code != exitUsage {
		t.Fatalf("missing config: exit %d, %s", code, errs)
	}
}

func TestSnapshotsPruneWhileLocked(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	seedSnapshots(t, dir, 3)
	st, _ := output.Open(context.Background(), dir)
	unlock, err := st.Lock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	code, _, errs := storeCmd(t, storeT0, "snapshots", "prune", "--store", dir, "--keep-last", "1")
	if code != exitLocked || !strings.Contains(errs, "locked by pid") {
		t.Fatalf("prune of a locked store: exit %d, %q", code, errs)
	}
	if infos, _ := st.Snapshots(context.Background()); len(infos) != 3 {
		t.Fatalf("a locked prune removed snapshots: %d left", len(infos))
	}
}

func TestSnapshotsExport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	ids := seedSnapshots(t, dir, 2)
	out := filepath.Join(t.TempDir(), "bundle.tar.gz")
	code, stdout, errs := storeCmd(t, storeT0, "snapshots", "export", "latest", "-o", out, "--store", dir)
	if code != exitOK || !strings.Contains(stdout, ids[1]) {
		t.Fatalf("export: exit %d: %s%s", code, stdout, errs)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	got := map[string]string{}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(tr)
		got[hdr.Name] = string(data)
	}
	var m output.Manifest
	if err := json.Unmarshal([]byte(got["manifest.json"]), &m); err != nil || m.ID != ids[1] {
		t.Fatalf("bundle manifest: %v, id %q", err, m.ID)
	}
	if !strings.Contains(got["specs/prod/main/books/admin.json"], `"version":"1"`) || got["CHANGES.md"] != "# Changes\n" {
		t.Fatalf("bundle entries: %v", mapKeys(got))
	}
	if len(got) != 4 {
		t.Fatalf("bundle has %d entries (%v), want manifest, 2 specs, 1 report", len(got), mapKeys(got))
	}
}

func mapKeys(m map[string]string) []string { return sortedKeys(m) }
