package output

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/specharvest/specharvest/internal/s3test"
)

// newS3Store creates a store under a fresh prefix of a bucket on the
// shared SeaweedFS server.
func newS3Store(t *testing.T) *Store {
	t.Helper()
	srv := s3test.Shared(t)
	pathStyle := true
	ctx := context.Background()
	b, err := NewS3Backend(ctx, S3Config{Bucket: "stores", Prefix: "team/" + randomName(), Endpoint: srv.Endpoint,
		Region: "us-east-1", PathStyle: &pathStyle, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, CreateBucket: true})
	if err != nil {
		t.Fatal(err)
	}
	st, err := CreateBackend(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestRemoteStoreLifecycle(t *testing.T) {
	ctx := context.Background()
	st := newS3Store(t)
	if latest, err := st.Latest(ctx); latest != "" || err != nil {
		t.Fatalf("latest of a new store = %q, %v", latest, err)
	}
	again, err := CreateBackend(ctx, st.Backend())
	if err != nil {
		t.Fatalf("create on an existing store: %v", err)
	}
	first := commitSnapshot(t, st, t0, 1, "prod/a/w/g", "prod/b/w/g")
	second := commitSnapshot(t, again, t0.Add(24*time.Hour), 2, "prod/a/w/g", "prod/b/w/g")
	if latest, _ := st.Latest(ctx); latest != second.ID {
		t.Fatalf("latest = %s, want %s", latest, second.ID)
	}
	infos, err := st.Snapshots(ctx)
	if err != nil || len(infos) != 2 || infos[1].Previous != first.ID || !infos[1].Latest {
		t.Fatalf("snapshots = %+v, %v", infos, err)
	}
	if files, err := st.SnapshotFiles(ctx, second.ID); err != nil || strings.Join(files, ",") != "merged.json" {
		t.Fatalf("snapshot files = %v, %v", files, err)
	}
	if data, err := st.ReadSnapshotFile(ctx, second.ID, "merged.json"); err != nil || string(data) != `{"openapi":"3.0.0"}` {
		t.Fatalf("report = %q, %v", data, err)
	}
	doc, err := st.ReadBlob(ctx, second.Specs[0].SHA256)
	if err != nil || !bytes.Equal(doc, specDoc("prod/a/w/g", 2)) {
		t.Fatalf("blob = %q, %v", doc, err)
	}

	// A snapshot being built is invisible, and two in one second get
	// distinct IDs that sort in order.
	w1, err := st.NewSnapshot(ctx, t0.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	w2, err := st.NewSnapshot(ctx, t0.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if w1.ID() != second.ID+"-001" || w2.ID() != second.ID+"-002" {
		t.Fatalf("ids in one second: %s, %s", w1.ID(), w2.ID())
	}
	if err := w1.WriteFile(ctx, "CHANGES.md", []byte("# building\n")); err != nil {
		t.Fatal(err)
	}
	if infos, _ := st.Snapshots(ctx); len(infos) != 2 {
		t.Fatalf("a snapshot without manifest is listed: %+v", infos)
	}
	if rep := mustVerify(t, st); len(rep.Leftovers) != 2 {
		t.Errorf("builds in progress should be leftovers, got %v", rep.Leftovers)
	}
	w1.Abort()
	w2.Abort()
	// Four documents, one merged.json shared by both snapshots, and the
	// aborted build's report, which prune will collect.
	if rep := mustVerify(t, st); len(rep.Leftovers) != 0 || rep.Snapshots != 2 || rep.Blobs != 6 {
		t.Errorf("after abort: %+v", rep)
	}

	var buf bytes.Buffer
	if err := st.Export(ctx, second.ID, &buf); err != nil {
		t.Fatal(err)
	}
	names := tarNames(t, buf.Bytes())
	if want := "manifest.json,merged.json,specs/prod/a/w/g.json,specs/prod/b/w/g.json"; strings.Join(names, ",") != want {
		t.Errorf("export holds %v, want %s", names, want)
	}

	plan, err := st.PlanPrune(ctx, Policy{KeepLast: 1}, t0.Add(48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Remove) != 1 || plan.Remove[0].ID != first.ID || len(plan.Blobs) != 3 {
		t.Fatalf("plan = remove %+v, blobs %v", plan.Remove, plan.Blobs)
	}
	if err := st.Prune(ctx, plan); err != nil {
		t.Fatal(err)
	}
	if rep := mustVerify(t, st); rep.Snapshots != 1 || rep.Blobs != 3 {
		t.Errorf("after prune: %+v", rep)
	}
}

func tarNames(t *testing.T, data []byte) []string {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
	}
	sort.Strings(names)
	return names
}

// Two runs that began from the same latest: the first to commit wins,
// the second fails with ErrLatestMoved and publishes nothing.
func TestRemoteLatestAdvancesByCompareAndSwap(t *testing.T) {
	ctx := context.Background()
	st := newS3Store(t)
	base := commitSnapshot(t, st, t0, 1, "prod/a/w/g")
	build := func(gen int) (*SnapshotWriter, *Manifest) {
		w, err := st.NewSnapshot(ctx, t0.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		sha, size, err := st.PutBlobBytes(ctx, specDoc("prod/a/w/g", gen))
		if err != nil {
			t.Fatal(err)
		}
		return w, &Manifest{Previous: base.ID, Specs: []SpecEntry{{Key: "prod/a/w/g", Source: "prod", Status: StatusOK, SHA256: sha, Bytes: size, Valid: true}}}
	}
	wa, ma := build(2)
	wb, mb := build(3)
	if err := wa.Commit(ctx, ma); err != nil {
		t.Fatal(err)
	}
	err := wb.Commit(ctx, mb)
	if !errors.Is(err, ErrLatestMoved) {
		t.Fatalf("the second commit = %v, want ErrLatestMoved", err)
	}
	wb.Abort()
	if latest, _ := st.Latest(ctx); latest != wa.ID() {
		t.Fatalf("latest = %s, want the winner %s", latest, wa.ID())
	}
	if infos, _ := st.Snapshots(ctx); len(infos) != 2 {
		t.Fatalf("the loser's snapshot is listed: %+v", infos)
	}
	mustVerify(t, st)
}

func TestRemoteRunLock(t *testing.T) {
	ctx := context.Background()
	st := newS3Store(t)
	unlock, err := st.Lock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Lock(ctx); !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "s3://stores/") {
		t.Fatalf("second lock = %v, want ErrLocked naming the lease", err)
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	unlock, err = st.Lock(ctx)
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	unlock()
}

// Verify re-hashes remote blobs: one replaced behind the store's back is
// reported, with the snapshot that needs it.
func TestRemoteVerifyFindsCorruption(t *testing.T) {
	ctx := context.Background()
	st := newS3Store(t)
	m := commitSnapshot(t, st, t0, 1, "prod/a/w/g")
	b := st.Backend().(*S3Backend)
	bad := []byte("not the document")
	if _, err := b.client.PutObject(ctx, b.cfg.Bucket, b.object(blobKey(m.Specs[0].SHA256)), bytes.NewReader(bad), int64(len(bad)), minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	rep, err := st.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(rep.Problems, "\n")
	if !strings.Contains(text, "corrupt blob") || !strings.Contains(text, "blob "+blobKey(m.Specs[0].SHA256)+" is corrupt") {
		t.Fatalf("verify missed the corrupt blob: %v", rep.Problems)
	}
}

// TestPublishRemovesOnlyWhatItWroteBefore: publishing a later snapshot
// to the same prefix removes the files the earlier publish wrote that the
// later bundle no longer has (a group gone), keeps every file the later
// bundle has, and never touches an object it did not write.
func TestPublishRemovesOnlyWhatItWroteBefore(t *testing.T) {
	ctx := context.Background()
	st := newS3Store(t)
	srv := s3test.Shared(t)
	pathStyle := true
	site, err := NewS3Backend(ctx, S3Config{Bucket: "sites", Prefix: "catalog/" + randomName(), Endpoint: srv.Endpoint,
		Region: "us-east-1", PathStyle: &pathStyle, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, CreateBucket: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := site.Publish(ctx, "robots.txt", strings.NewReader("User-agent: *\n"), 14, "text/plain"); err != nil {
		t.Fatal(err)
	}
	first := commitSnapshot(t, st, t0, 1, "prod/a/w/g", "prod/b/w/g")
	second := commitSnapshot(t, st, t0.Add(24*time.Hour), 2, "prod/a/w/g", "prod/c/w/g")

	files := func() map[string]bool {
		out := map[string]bool{}
		if err := site.List(ctx, "", func(o ObjectInfo) error { out[o.Key] = true; return nil }); err != nil {
			t.Fatal(err)
		}
		return out
	}
	bundle := func(id string) map[string]bool {
		out := map[string]bool{}
		if err := st.ExportEach(ctx, id, func(name string, _ int64, body io.Reader) error {
			out[name] = true
			_, err := io.Copy(io.Discard, body)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	written, removed, err := PublishSnapshot(ctx, st, first.ID, site)
	if err != nil || removed != 0 || written != len(bundle(first.ID)) {
		t.Fatalf("first publish: %d written, %d removed, %v", written, removed, err)
	}
	if !files()["specs/prod/b/w/g.json"] {
		t.Fatalf("the first publish lacks the document of prod/b/w/g: %v", files())
	}
	written, removed, err = PublishSnapshot(ctx, st, second.ID, site)
	if err != nil {
		t.Fatal(err)
	}
	want := bundle(second.ID)
	stale := 0
	for name := range bundle(first.ID) {
		if !want[name] {
			stale++
		}
	}
	if written != len(want) || removed != stale || stale == 0 {
		t.Fatalf("second publish: %d written, %d removed; want %d and %d", written, removed, len(want), stale)
	}
	got := files()
	for name := range want {
		if !got[name] {
			t.Errorf("the second publish lacks %s", name)
		}
	}
	for name := range got {
		if !want[name] && name != "robots.txt" && name != PublishedListing {
			t.Errorf("%s is left over from the first publish", name)
		}
	}
	if !got["robots.txt"] {
		t.Error("publishing removed an object it never wrote")
	}
	// A listing that is not ours stops the publish before anything is removed.
	if err := site.Publish(ctx, PublishedListing, strings.NewReader("<html>"), 6, "text/html"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := PublishSnapshot(ctx, st, first.ID, site); err == nil || !strings.Contains(err.Error(), PublishedListing) {
		t.Fatalf("publish over a foreign listing: %v, want an error naming it", err)
	}
}

// TestRemoteValidationCache: a store in object storage keeps validation
// results like a folder store: a miss, then what was put, an entry
// replaced by a newer one, and the entry of a blob removed by prune
// removed with it.
func TestRemoteValidationCache(t *testing.T) {
	ctx := context.Background()
	st := newS3Store(t)
	first := commitSnapshot(t, st, t0, 1, "prod/a/w/g")
	sha := first.Specs[0].SHA256
	type facts struct{ Version, Operations int }
	var got facts
	if st.CachedValidation(ctx, sha, &got) {
		t.Fatalf("a new store has a cache entry: %+v", got)
	}
	if err := st.PutCachedValidation(ctx, sha, facts{Version: 1, Operations: 3}); err != nil {
		t.Fatal(err)
	}
	if !st.CachedValidation(ctx, sha, &got) || got != (facts{1, 3}) {
		t.Fatalf("after a put: %+v", got)
	}
	if err := st.PutCachedValidation(ctx, sha, facts{Version: 2, Operations: 4}); err != nil {
		t.Fatal(err)
	}
	if !st.CachedValidation(ctx, sha, &got) || got != (facts{2, 4}) {
		t.Fatalf("after a newer put: %+v", got)
	}
	if err := st.PutCachedValidation(ctx, "not-a-sha", facts{}); err == nil {
		t.Fatal("a cache entry for a bad blob id was accepted")
	}
	// The next two snapshots no longer hold the document: prune removes
	// its blob, and its cache entry with it.
	commitSnapshot(t, st, t0.Add(24*time.Hour), 2, "prod/b/w/g")
	commitSnapshot(t, st, t0.Add(48*time.Hour), 3, "prod/b/w/g")
	plan, err := st.PlanPrune(ctx, Policy{KeepLast: 1}, t0.Add(72*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Prune(ctx, plan); err != nil {
		t.Fatal(err)
	}
	if st.HasBlob(ctx, sha, first.Specs[0].Bytes) {
		t.Fatal("prune kept the blob no snapshot holds")
	}
	if st.CachedValidation(ctx, sha, &got) {
		t.Fatalf("prune kept the cache entry of a removed blob: %+v", got)
	}
	if rep, err := st.Verify(ctx); err != nil || !rep.OK() {
		t.Fatalf("verify after prune: %+v, %v", rep, err)
	}
}

// TestReadBlobRefusesDamagedBytes: on either kind of store, a blob whose
// bytes were changed in place (same size, other content) is refused on
// read with ErrDamagedBlob, never handed on as the document.
func TestReadBlobRefusesDamagedBytes(t *testing.T) {
	ctx := context.Background()
	doc := specDoc("prod/a/w/g", 1)
	damaged := bytes.Replace(doc, []byte(`"1"`), []byte(`"2"`), 1)
	if len(damaged) != len(doc) || bytes.Equal(damaged, doc) {
		t.Fatal("the damage must keep the size and change the bytes")
	}
	local, err := Create(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for name, st := range map[string]*Store{"folder": local, "bucket": newS3Store(t)} {
		t.Run(name, func(t *testing.T) {
			sha, _, err := st.PutBlobBytes(ctx, doc)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := st.ReadBlob(ctx, sha); err != nil || !bytes.Equal(got, doc) {
				t.Fatalf("an intact blob: %q, %v", got, err)
			}
			if st.remote != nil {
				if err := st.remote.Delete(ctx, blobKey(sha)); err != nil {
					t.Fatal(err)
				}
				if err := st.remote.PutIfAbsent(ctx, blobKey(sha), bytes.NewReader(damaged), int64(len(damaged))); err != nil {
					t.Fatal(err)
				}
			} else {
				path := st.blobPath(sha)
				_ = os.Chmod(path, 0o644)
				if err := os.WriteFile(path, damaged, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := st.ReadBlob(ctx, sha)
			if !errors.Is(err, ErrDamagedBlob) || got != nil {
				t.Fatalf("a damaged blob read as %q, %v; want ErrDamagedBlob", got, err)
			}
			if !strings.Contains(err.Error(), sha) || !strings.Contains(err.Error(), "verify") {
				t.Errorf("the error does not name the blob and the way out: %v", err)
			}
		})
	}
}
