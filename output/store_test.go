package output

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// newTestStore creates a store in a fresh temp folder.
func newTestStore(t testing.TB) *Store {
	t.Helper()
	st, err := Create(context.Background(), filepath.Join(t.TempDir(), "store"))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// mustVerify fails the test unless the store verifies clean.
func mustVerify(t testing.TB, st *Store) *VerifyReport {
	t.Helper()
	rep, err := st.Verify(context.Background())
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if !rep.OK() {
		t.Fatalf("verify found problems:\n%s", strings.Join(rep.Problems, "\n"))
	}
	return rep
}

// specDoc is a small, distinct OpenAPI document per name and generation.
func specDoc(name string, gen int) []byte {
	return []byte(fmt.Sprintf(`{"openapi":"3.0.0","info":{"title":%q,"version":"%d"},"paths":{}}`, name, gen))
}

// commitSnapshot stores one document per key and commits a snapshot of
// them started at started.
func commitSnapshot(t testing.TB, st *Store, started time.Time, gen int, keys ...string) *Manifest {
	t.Helper()
	ctx := context.Background()
	prev, err := st.Latest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	w, err := st.NewSnapshot(ctx, started)
	if err != nil {
		t.Fatal(err)
	}
	m := &Manifest{Previous: prev, Finished: started.Add(time.Second), ToolVersion: "test"}
	for _, k := range keys {
		sha, size, err := st.PutBlobBytes(ctx, specDoc(k, gen))
		if err != nil {
			t.Fatal(err)
		}
		m.Specs = append(m.Specs, SpecEntry{Key: k, Source: strings.Split(k, "/")[0], Status: StatusOK,
			SHA256: sha, Bytes: size, OpenAPI: "3.0.0", Title: k, Operations: 2, Valid: true})
	}
	if err := w.WriteFile(ctx, "merged.json", []byte(`{"openapi":"3.0.0"}`)); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(ctx, m); err != nil {
		t.Fatal(err)
	}
	return m
}

var t0 = time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC)

func TestCreateOpen(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "store")
	if _, err := Open(ctx, dir); !errors.Is(err, ErrNotStore) {
		t.Fatalf("Open of a missing store: err = %v, want ErrNotStore", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Open created %s", dir)
	}
	if _, err := Create(ctx, dir); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "store.json"))
	if err != nil || strings.TrimSpace(string(data)) != `{"format":1}` {
		t.Fatalf("store.json = %q, %v", data, err)
	}
	if _, err := Open(ctx, dir); err != nil {
		t.Fatal(err)
	}
	if _, err := Create(ctx, dir); err != nil {
		t.Fatalf("Create of an existing store: %v", err)
	}

	os.WriteFile(filepath.Join(dir, "store.json"), []byte(`{"format":2}`), 0o644)
	if _, err := Open(ctx, dir); err == nil || !strings.Contains(err.Error(), "format 2") {
		t.Fatalf("Open of format 2: err = %v", err)
	}

	other := t.TempDir()
	os.WriteFile(filepath.Join(other, "notes.txt"), []byte("mine"), 0o644)
	if _, err := Create(ctx, other); err == nil {
		t.Fatal("Create in a non-empty folder that is not a store succeeded")
	}
}

func TestPutBlob(t *testing.T) {
	ctx := context.Background()
	st := newTestStore(t)
	body := bytes.Repeat([]byte("openapi "), 10000)
	sum := sha256.Sum256(body)
	want := hex.EncodeToString(sum[:])

	sha, size, err := st.PutBlob(ctx, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if sha != want || size != int64(len(body)) {
		t.Fatalf("PutBlob = %s, %d; want %s, %d", sha, size, want, len(body))
	}
	path := filepath.Join(st.Dir(), "blobs", "sha256", want[:2], want)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := st.ReadBlob(ctx, sha)
	if err != nil || !bytes.Equal(got, body) {
		t.Fatalf("ReadBlob: %v, equal=%v", err, bytes.Equal(got, body))
	}

	// Written once: storing the same content again must not touch the file.
	past := time.Now().Add(-time.Hour).Truncate(time.Second)
	os.Chtimes(path, past, past)
	for _, put := range []func() (string, int64, error){
		func() (string, int64, error) { return st.PutBlob(ctx, bytes.NewReader(body)) },
		func() (string, int64, error) { return st.PutBlobBytes(ctx, body) },
	} {
		if sha2, _, err := put(); err != nil || sha2 != want {
			t.Fatalf("second put = %s, %v", sha2, err)
		}
	}
	fi2, _ := os.Stat(path)
	if !fi2.ModTime().Equal(past) || fi2.Size() != fi.Size() {
		t.Fatalf("existing blob was rewritten (mtime %v, want %v)", fi2.ModTime(), past)
	}
	assertNoTemp(t, st.Dir())

	if _, err := st.ReadBlob(ctx, strings.Repeat("0", 64)); !errors.Is(err, ErrNoBlob) {
		t.Fatalf("ReadBlob of a missing blob: %v", err)
	}
	if _, err := st.ReadBlob(ctx, "../../store.json"); err == nil {
		t.Fatal("ReadBlob accepted a path as blob id")
	}
}

// assertNoTemp fails when any temp file or folder is left in dir.
func assertNoTemp(t testing.TB, dir string) {
	t.Helper()
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(d.Name(), tmpPrefix) {
			t.Errorf("temporary left behind: %s", path)
		}
		return nil
	})
}

type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("connection reset")
	}
	f.n--
	return copy(p, "partial "), nil
}

func TestWriteFailuresLeaveNothing(t *testing.T) {
	ctx := context.Background()
	st := newTestStore(t)

	if _, _, err := st.PutBlob(ctx, &failingReader{n: 3}); err == nil || !strings.Contains(err.Error(), "connection reset") {
		t.Fatalf("PutBlob of a failing reader: err = %v", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := st.PutBlob(cancelled, strings.NewReader("body")); !errors.Is(err, context.Canceled) {
		t.Fatalf("PutBlob with a cancelled context: err = %v", err)
	}

	// A rename onto a non-empty folder fails on every system, root or not.
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "target", "child"), 0o755)
	err := writeFileAtomic(ctx, dir, "target", []byte("x"))
	if err == nil || !strings.Contains(err.Error(), "rename") {
		t.Fatalf("writeFileAtomic onto a folder: err = %v", err)
	}
	assertNoTemp(t, dir)
	assertNoTemp(t, st.Dir())
	entries, _ := os.ReadDir(filepath.Join(st.Dir(), "blobs", "sha256"))
	if len(entries) != 0 {
		t.Fatalf("failed puts left %d entries in blobs/sha256", len(entries))
	}
	mustVerify(t, st)
}

func TestReadOnlyFolder(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("permissions do not bind root")
	}
	ctx := context.Background()
	st := newTestStore(t)
	m := commitSnapshot(t, st, t0, 1, "prod/a/b/c")
	blobs := filepath.Join(st.Dir(), "blobs", "sha256")
	snaps := filepath.Join(st.Dir(), "snapshots")
	os.Chmod(blobs, 0o555)
	os.Chmod(snaps, 0o555)
	defer os.Chmod(blobs, 0o755)
	defer os.Chmod(snaps, 0o755)

	if _, _, err := st.PutBlobBytes(ctx, []byte("new")); err == nil || !strings.Contains(err.Error(), "permission denied") {
		t.Fatalf("PutBlob into a read-only folder: err = %v", err)
	}
	if _, err := st.NewSnapshot(ctx, t0.Add(time.Hour)); err == nil || !strings.Contains(err.Error(), "permission denied") {
		t.Fatalf("NewSnapshot in a read-only folder: err = %v", err)
	}
	os.Chmod(blobs, 0o755)
	os.Chmod(snaps, 0o755)
	assertNoTemp(t, st.Dir())
	if latest, _ := st.Latest(ctx); latest != m.ID {
		t.Fatalf("latest = %q, want %q", latest, m.ID)
	}
	mustVerify(t, st)
}

func TestSnapshotCommit(t *testing.T) {
	ctx := context.Background()
	st := newTestStore(t)
	if latest, err := st.Latest(ctx); latest != "" || err != nil {
		t.Fatalf("Latest of an empty store = %q, %v", latest, err)
	}

	w, err := st.NewSnapshot(ctx, t0)
	if err != nil {
		t.Fatal(err)
	}
	if w.ID() != "20261127T020000Z" {
		t.Fatalf("ID = %s", w.ID())
	}
	if err := w.WriteFile(ctx, "CHANGES.md", []byte("# none\n")); err != nil {
		t.Fatal(err)
	}
	// Nothing is visible before Commit.
	if infos, _ := st.Snapshots(ctx); len(infos) != 0 {
		t.Fatalf("uncommitted snapshot listed: %+v", infos)
	}
	sha, size, _ := st.PutBlobBytes(ctx, specDoc("x", 1))
	problems := make([]string, 25)
	for i := range problems {
		problems[i] = fmt.Sprintf("error /paths/x%d: broken", i)
	}
	m := &Manifest{Finished: t0.Add(time.Minute), ToolVersion: "v1", Specs: []SpecEntry{
		{Key: "prod/z/w/g", Source: "prod", Status: StatusFailed, Error: "fetch: 503"},
		{Key: "prod/a/w/g", Source: "prod", Status: StatusOK, SHA256: sha, Bytes: size, Operations: 3, Valid: false, Problems: problems},
		{Key: "prod/m/w/g", Source: "prod", Status: StatusStale, SHA256: sha, Bytes: size, Operations: 4, Valid: true, Error: "fetch: timeout"},
	}, FailedScopes: []FailedScope{{Prefix: "prod/m", Error: "instance down"}}}
	if err := w.Commit(ctx, m); err != nil {
		t.Fatal(err)
	}
	if latest, _ := st.Latest(ctx); latest != w.ID() {
		t.Fatalf("latest = %q", latest)
	}
	got, err := st.Manifest(ctx, w.ID())
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{got.Specs[0].Key, got.Specs[1].Key, got.Specs[2].Key}
	if !sort.StringsAreSorted(keys) {
		t.Fatalf("specs not sorted by key: %v", keys)
	}
	wantSummary := Summary{Specs: 3, OK: 1, Failed: 1, Stale: 1, Invalid: 1, Operations: 7}
	if got.Summary != wantSummary {
		t.Fatalf("summary = %+v, want %+v", got.Summary, wantSummary)
	}
	a := got.Spec("prod/a/w/g")
	if a == nil || len(a.Problems) != MaxManifestProblems || a.ProblemsTotal != 25 || a.Problems[0] != problems[0] {
		t.Fatalf("problems not capped: %+v", a)
	}
	if got.Format != 1 || got.ID != w.ID() || !got.Started.Equal(t0) || got.ToolVersion != "v1" || len(got.FailedScopes) != 1 {
		t.Fatalf("manifest header = %+v", got)
	}
	if got.Spec("prod/nope") != nil {
		t.Fatal("Spec found a key that is not there")
	}
	data, err := st.ReadSnapshotFile(ctx, w.ID(), "CHANGES.md")
	if err != nil || string(data) != "# none\n" {
		t.Fatalf("report = %q, %v", data, err)
	}
	// The exact field names of the manifest are a contract.
	raw, _ := st.ReadSnapshotFile(ctx, w.ID(), "manifest.json")
	for _, field := range []string{`"format"`, `"id"`, `"previous"`, `"started"`, `"finished"`, `"tool_version"`,
		`"summary"`, `"specs"`, `"ok"`, `"failed"`, `"stale"`, `"invalid"`, `"operations"`, `"key"`, `"source"`,
		`"status"`, `"sha256"`, `"bytes"`, `"valid"`, `"problems"`, `"problems_total"`, `"error"`, `"failed_scopes"`, `"prefix"`} {
		if !bytes.Contains(raw, []byte(field)) {
			t.Errorf("manifest.json lacks field %s", field)
		}
	}
	if err := w.WriteFile(ctx, "late.json", nil); err == nil {
		t.Fatal("WriteFile after Commit succeeded")
	}
	assertNoTemp(t, st.Dir())
	mustVerify(t, st)
}

func TestCommitRefuses(t *testing.T) {
	ctx := context.Background()
	st := newTestStore(t)
	good := commitSnapshot(t, st, t0, 1, "prod/a/b/c")
	sha, size, _ := st.PutBlobBytes(ctx, specDoc("y", 1))
	for name, m := range map[string]*Manifest{
		"missing blob":  {Specs: []SpecEntry{{Key: "k/a", Status: StatusOK, SHA256: strings.Repeat("a", 64), Bytes: 1}}},
		"wrong size":    {Specs: []SpecEntry{{Key: "k/a", Status: StatusOK, SHA256: sha, Bytes: size + 1}}},
		"duplicate key": {Specs: []SpecEntry{{Key: "k/a", Status: StatusFailed}, {Key: "k/a", Status: StatusFailed}}},
		"dotdot key":    {Specs: []SpecEntry{{Key: "k/../../etc", Status: StatusFailed}}},
		"bad status":    {Specs: []SpecEntry{{Key: "k/a", Status: "gone"}}},
		"ok sans sha":   {Specs: []SpecEntry{{Key: "k/a", Status: StatusOK}}},
		"bad previous":  {Previous: "../x"},
		"newer prev":    {Previous: "20991231T000000Z"},
		"foreign id":    {ID: "20200101T000000Z"},
	} {
		w, err := st.NewSnapshot(ctx, t0.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Commit(ctx, m); err == nil {
			t.Errorf("%s: Commit succeeded", name)
		}
		if err := w.Abort(); err != nil {
			t.Fatal(err)
		}
	}
	if latest, _ := st.Latest(ctx); latest != good.ID {
		t.Fatalf("latest moved to %q after refused commits", latest)
	}
	infos, _ := st.Snapshots(ctx)
	if len(infos) != 1 {
		t.Fatalf("%d snapshots after refused commits, want 1", len(infos))
	}
	assertNoTemp(t, st.Dir())
	mustVerify(t, st)
}

func TestIDsUniqueAndSortedWithinOneSecond(t *testing.T) {
	ctx := context.Background()
	st := newTestStore(t)
	var ids []string
	for i := 0; i < 40; i++ {
		// Every run starts within the same second, as a clock that
		// barely moves would report.
		m := commitSnapshot(t, st, t0.Add(time.Duration(i)*time.Millisecond), 1, "prod/a/b/c")
		ids = append(ids, m.ID)
	}
	later := commitSnapshot(t, st, t0.Add(time.Second), 1, "prod/a/b/c")
	ids = append(ids, later.ID)

	seen := map[string]bool{}
	for i, id := range ids {
		if seen[id] {
			t.Fatalf("id %s reused", id)
		}
		seen[id] = true
		if i > 0 && ids[i-1] >= id {
			t.Fatalf("ids out of order: %s then %s", ids[i-1], id)
		}
		if err := ValidateID(id); err != nil {
			t.Fatal(err)
		}
	}
	if ids[0] != "20261127T020000Z" || ids[1] != "20261127T020000Z-001" || later.ID != "20261127T020001Z" {
		t.Fatalf("unexpected ids: %s %s … %s", ids[0], ids[1], later.ID)
	}
	infos, _ := st.Snapshots(ctx)
	if len(infos) != len(ids) || !infos[len(infos)-1].Latest || infos[len(infos)-1].ID != later.ID {
		t.Fatalf("Snapshots does not list them in order with the last as latest")
	}
	// Each manifest names its predecessor.
	for i := 1; i < len(infos); i++ {
		if infos[i].Previous != infos[i-1].ID {
			t.Fatalf("%s: previous = %s, want %s", infos[i].ID, infos[i].Previous, infos[i-1].ID)
		}
	}
	mustVerify(t, st)
}

func TestConcurrentReservations(t *testing.T) {
	ctx := context.Background()
	st := newTestStore(t)
	const n = 20
	ids := make(chan string, n)
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func() {
			w, err := st.NewSnapshot(ctx, t0)
			if err != nil {
				errs <- err
				return
			}
			ids <- w.ID()
		}()
	}
	seen := map[string]bool{}
	for i := 0; i < n; i++ {
		select {
		case err := <-errs:
			t.Fatal(err)
		case id := <-ids:
			if seen[id] {
				t.Fatalf("id %s handed out twice", id)
			}
			seen[id] = true
		}
	}
}

func TestHostileNames(t *testing.T) {
	ctx := context.Background()
	st := newTestStore(t)
	m := commitSnapshot(t, st, t0, 1, "prod/a/b/c")
	for _, id := range []string{"../../etc", "..", "", "/etc/passwd", "20261127T020000Z/../x", "20261127T020000Z\x00", "latest"} {
		if _, err := st.Manifest(ctx, id); err == nil {
			t.Errorf("Manifest(%q) succeeded", id)
		}
		var inv *InvalidNameError
		if _, err := st.ReadSnapshotFile(ctx, id, "merged.json"); !errors.As(err, &inv) {
			t.Errorf("ReadSnapshotFile(%q): err = %v, want *InvalidNameError", id, err)
		}
	}
	for _, name := range []string{"../store.json", "a/b", `..\x`, ".hidden", "", "..", "a\x00b"} {
		if _, err := st.ReadSnapshotFile(ctx, m.ID, name); err == nil {
			t.Errorf("ReadSnapshotFile(_, %q) succeeded", name)
		}
	}
	w, _ := st.NewSnapshot(ctx, t0.Add(time.Hour))
	defer w.Abort()
	for _, name := range []string{"../escape.json", "manifest.json", "sub/x.json", `a\b`, ".tmp-x"} {
		if err := w.WriteFile(ctx, name, []byte("x")); err == nil {
			t.Errorf("WriteFile(%q) succeeded", name)
		}
	}
	if _, err := os.Stat(filepath.Join(st.Dir(), "snapshots", "escape.json")); err == nil {
		t.Fatal("a report escaped its snapshot")
	}
	for _, key := range []string{"", "/abs/key", "a//b", "a/./b", "a/../b", "..", `a\b`, "a/b/", "a\x00b", "c:/x"} {
		if ValidateKey(key) == nil {
			t.Errorf("ValidateKey(%q) accepted it", key)
		}
	}
	for _, key := range []string{"prod/main/books/public-api", "local/specs", "x"} {
		if err := ValidateKey(key); err != nil {
			t.Errorf("ValidateKey(%q): %v", key, err)
		}
	}
}

func TestValidationCache(t *testing.T) {
	ctx := context.Background()
	st := newTestStore(t)
	sha, _, _ := st.PutBlobBytes(ctx, specDoc("x", 1))
	type result struct {
		Valid    bool     `json:"valid"`
		Problems []string `json:"problems"`
	}
	var got result
	if st.CachedValidation(ctx, sha, &got) {
		t.Fatal("hit on an empty cache")
	}
	want := result{Valid: false, Problems: []string{"error /x: y"}}
	if err := st.PutCachedValidation(ctx, sha, want); err != nil {
		t.Fatal(err)
	}
	if !st.CachedValidation(ctx, sha, &got) || got.Valid != want.Valid || len(got.Problems) != 1 || got.Problems[0] != want.Problems[0] {
		t.Fatalf("cache returned %+v", got)
	}
	os.WriteFile(filepath.Join(st.Dir(), "cache", "validate", sha+".json"), []byte("{corrupt"), 0o644)
	if st.CachedValidation(ctx, sha, &got) {
		t.Fatal("a corrupt cache entry counted as a hit")
	}
	if err := st.PutCachedValidation(ctx, "../../x", want); err == nil {
		t.Fatal("PutCachedValidation accepted a path")
	}
}

func TestUnchangedReportsAreShared(t *testing.T) {
	ctx := context.Background()
	st := newTestStore(t)
	write := func(started time.Time, merged, changes string) *SnapshotWriter {
		w, err := st.NewSnapshot(ctx, started)
		if err != nil {
			t.Fatal(err)
		}
		w.WriteFile(ctx, "merged.json", []byte(merged))
		w.WriteFile(ctx, "changes.json", []byte(changes))
		if err := w.Commit(ctx, &Manifest{}); err != nil {
			t.Fatal(err)
		}
		return w
	}
	a := write(t0, `{"merged":1}`, `{"revision":"a"}`)
	b := write(t0.Add(time.Hour), `{"merged":1}`, `{"revision":"b"}`)
	stat := func(id, name string) os.FileInfo {
		fi, err := os.Stat(filepath.Join(st.Dir(), "snapshots", id, name))
		if err != nil {
			t.Fatal(err)
		}
		return fi
	}
	if !os.SameFile(stat(a.ID(), "merged.json"), stat(b.ID(), "merged.json")) {
		t.Error("an identical report was stored twice")
	}
	if os.SameFile(stat(a.ID(), "changes.json"), stat(b.ID(), "changes.json")) {
		t.Error("different reports share one file")
	}
	// Pruning the first snapshot leaves the second's copy whole.
	plan, _ := st.PlanPrune(ctx, Policy{KeepLast: 1}, time.Now())
	if err := st.Prune(ctx, plan); err != nil {
		t.Fatal(err)
	}
	if data, err := st.ReadSnapshotFile(ctx, b.ID(), "merged.json"); err != nil || string(data) != `{"merged":1}` {
		t.Fatalf("shared report after prune: %q, %v", data, err)
	}
	assertNoTemp(t, st.Dir())
	mustVerify(t, st)
}

func TestClockGoingBackwards(t *testing.T) {
	ctx := context.Background()
	st := newTestStore(t)
	first := commitSnapshot(t, st, t0.Add(time.Hour), 1, "prod/a/b/c")
	// NTP stepped the clock back an hour.
	second := commitSnapshot(t, st, t0, 2, "prod/a/b/c")
	if second.ID <= first.ID || second.Previous != first.ID {
		t.Fatalf("second snapshot %s (previous %s) does not sort after %s", second.ID, second.Previous, first.ID)
	}
	if !second.Started.Equal(t0) {
		t.Fatalf("started = %v, want the true start %v", second.Started, t0)
	}
	if latest, _ := st.Latest(ctx); latest != second.ID {
		t.Fatalf("latest = %s", latest)
	}
	mustVerify(t, st)
}

func TestCreateAfterACrashMidCreate(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "store")
	// The layout exists and store.json was still a temp file.
	os.MkdirAll(filepath.Join(dir, "blobs", "sha256"), 0o755)
	os.MkdirAll(filepath.Join(dir, "snapshots"), 0o755)
	os.WriteFile(filepath.Join(dir, ".tmp-1234"), []byte(`{"for`), 0o644)
	if _, err := Open(ctx, dir); !errors.Is(err, ErrNotStore) {
		t.Fatalf("Open of a half-created store: %v", err)
	}
	st, err := Create(ctx, dir)
	if err != nil {
		t.Fatalf("Create after a crash mid-create: %v", err)
	}
	commitSnapshot(t, st, t0, 1, "prod/a/b/c")
	mustVerify(t, st)
}

func TestStoreFilesAreWorldReadable(t *testing.T) {
	ctx := context.Background()
	st, err := Create(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	sha, _, err := st.PutBlobBytes(ctx, []byte(`{"openapi":"3.0.0"}`))
	if err != nil {
		t.Fatal(err)
	}
	path, err := st.BlobPath(sha)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != storeFileMode {
		t.Fatalf("blob mode %v, want %v so the catalog can be served as static files", info.Mode().Perm(), os.FileMode(storeFileMode))
	}
}
