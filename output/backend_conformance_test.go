package output

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/specharvest/specharvest/internal/s3test"
)

// conformancePartSize is the smallest part S3 allows, so the multipart
// path is exercised by objects of a few MiB.
const conformancePartSize = 5 << 20

// backendKind is one Backend implementation under the conformance suite.
type backendKind struct {
	name string
	// open returns a fresh, empty backend for one test.
	open func(t *testing.T) Backend
	// leftovers lists what failed writes left behind that is not an
	// object: temp files in a folder, unfinished multipart uploads.
	leftovers func(t *testing.T, b Backend) []string
	// expiring is true where a lease that is not renewed expires; the
	// local lock is judged by its holder's pid instead (lock_test.go).
	expiring bool
}

func localKind() backendKind {
	return backendKind{
		name: "local",
		open: func(t *testing.T) Backend { return NewLocalBackend(t.TempDir()) },
		leftovers: func(t *testing.T, b Backend) []string {
			var found []string
			root := b.(*LocalBackend).dir
			filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
				if err == nil && strings.HasPrefix(d.Name(), tmpPrefix) {
					found = append(found, p)
				}
				return nil
			})
			return found
		},
	}
}

// s3Kind starts one real SeaweedFS server for the whole suite and gives
// every test its own prefix in one bucket, as teams share a bucket.
func s3Kind(t *testing.T) backendKind {
	srv := s3test.Shared(t)
	pathStyle := true
	return backendKind{
		name: "s3",
		open: func(t *testing.T) Backend {
			ctx := s3test.WaitContext(t, time.Minute)
			b, err := NewS3Backend(ctx, S3Config{
				Bucket: "conformance", Prefix: "t/" + randomName(), Endpoint: srv.Endpoint, Region: "us-east-1",
				PathStyle: &pathStyle, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey,
				PartSize: conformancePartSize, CreateBucket: true,
			})
			if err != nil {
				t.Fatalf("%v\n%s", err, srv.Log())
			}
			return b
		},
		leftovers: func(t *testing.T, b Backend) []string {
			s := b.(*S3Backend)
			var found []string
			for up := range s.client.ListIncompleteUploads(context.Background(), s.cfg.Bucket, s.cfg.Prefix+"/", true) {
				if up.Err != nil {
					t.Fatal(up.Err)
				}
				found = append(found, up.Key+" (upload "+up.UploadID+")")
			}
			return found
		},
		expiring: true,
	}
}

func randomName() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func TestMain(m *testing.M) {
	code := m.Run()
	s3test.StopShared()
	os.Exit(code)
}

func TestBackendConformance(t *testing.T) {
	t.Run("local", func(t *testing.T) { runConformance(t, localKind()) })
	t.Run("s3", func(t *testing.T) { runConformance(t, s3Kind(t)) })
}

func runConformance(t *testing.T, k backendKind) {
	ctx := context.Background()
	put := func(t *testing.T, b Backend, key string, data []byte) {
		t.Helper()
		if err := b.PutIfAbsent(ctx, key, bytes.NewReader(data), int64(len(data))); err != nil {
			t.Fatalf("put %s: %v", key, err)
		}
	}
	get := func(t *testing.T, b Backend, key string) []byte {
		t.Helper()
		rc, err := b.Get(ctx, key)
		if err != nil {
			t.Fatalf("get %s: %v", key, err)
		}
		defer rc.Close()
		data, err := io.ReadAll(rc)
		if err != nil {
			t.Fatalf("read %s: %v", key, err)
		}
		return data
	}
	noLeftovers := func(t *testing.T, b Backend) {
		t.Helper()
		if l := k.leftovers(t, b); len(l) > 0 {
			t.Errorf("a failed write left %v", l)
		}
	}

	t.Run("put-get-stat", func(t *testing.T) {
		b := k.open(t)
		cases := map[string][]byte{
			"blobs/sha256/ab/known":   []byte(`{"openapi":"3.0.0"}`),
			"blobs/sha256/ab/empty":   {},
			"snapshots/x/report.json": bytes.Repeat([]byte("r"), 70000),
		}
		for key, data := range cases {
			put(t, b, key, data)
			if got := get(t, b, key); !bytes.Equal(got, data) {
				t.Errorf("%s: read %d bytes back, want %d", key, len(got), len(data))
			}
			info, err := b.Stat(ctx, key)
			if err != nil || info.Key != key || info.Size != int64(len(data)) {
				t.Errorf("stat %s = %+v, %v; want size %d", key, info, err, len(data))
			}
		}
		// Unknown size streams just the same.
		if err := b.PutIfAbsent(ctx, "streamed", io.MultiReader(strings.NewReader("a"), strings.NewReader("b")), -1); err != nil {
			t.Fatal(err)
		}
		if got := get(t, b, "streamed"); string(got) != "ab" {
			t.Errorf("streamed = %q", got)
		}
	})

	t.Run("written-once", func(t *testing.T) {
		b := k.open(t)
		put(t, b, "k", []byte("first"))
		err := b.PutIfAbsent(ctx, "k", strings.NewReader("second"), 6)
		if !errors.Is(err, ErrExists) {
			t.Fatalf("second put = %v, want ErrExists", err)
		}
		if got := get(t, b, "k"); string(got) != "first" {
			t.Errorf("object overwritten: %q", got)
		}
	})

	t.Run("racing-puts-one-wins", func(t *testing.T) {
		b := k.open(t)
		const n = 6
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				body := fmt.Sprintf("writer %d %s", i, strings.Repeat("x", 1000*i))
				errs[i] = b.PutIfAbsent(ctx, "race", strings.NewReader(body), int64(len(body)))
			}()
		}
		wg.Wait()
		winners := 0
		var winner int
		for i, err := range errs {
			switch {
			case err == nil:
				winners++
				winner = i
			case !errors.Is(err, ErrExists):
				t.Errorf("writer %d: %v", i, err)
			}
		}
		if winners != 1 {
			t.Fatalf("%d writers won, want exactly 1: %v", winners, errs)
		}
		want := fmt.Sprintf("writer %d %s", winner, strings.Repeat("x", 1000*winner))
		if got := get(t, b, "race"); string(got) != want {
			t.Errorf("content is not the winner's: %.40q", got)
		}
		noLeftovers(t, b)
	})

	t.Run("multipart-written-once", func(t *testing.T) {
		// Larger than two parts: the condition must hold on the request
		// that completes a multipart upload, not only on a single PUT.
		b := k.open(t)
		big := func(c byte) []byte { return bytes.Repeat([]byte{c}, 2*conformancePartSize+12345) }
		if err := b.PutIfAbsent(ctx, "big", bytes.NewReader(big('a')), -1); err != nil {
			t.Fatal(err)
		}
		if err := b.PutIfAbsent(ctx, "big", bytes.NewReader(big('b')), -1); !errors.Is(err, ErrExists) {
			t.Fatalf("second multipart put = %v, want ErrExists", err)
		}
		if got := get(t, b, "big"); !bytes.Equal(got, big('a')) {
			t.Errorf("large object changed or truncated (%d bytes)", len(got))
		}
		// Two large uploads racing: exactly one completes.
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = b.PutIfAbsent(ctx, "big-race", bytes.NewReader(big(byte('c'+i))), -1)
			}()
		}
		wg.Wait()
		if (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("racing multipart puts: %v / %v, want exactly one to win", errs[0], errs[1])
		}
		got := get(t, b, "big-race")
		if !bytes.Equal(got, big('c')) && !bytes.Equal(got, big('d')) {
			t.Errorf("racing multipart puts mixed their parts")
		}
		noLeftovers(t, b)
	})

	t.Run("failed-put-leaves-nothing", func(t *testing.T) {
		b := k.open(t)
		for _, n := range []int{100, conformancePartSize + 100} {
			r := io.MultiReader(bytes.NewReader(make([]byte, n)), brokenReader{})
			err := b.PutIfAbsent(ctx, "broken", r, -1)
			if err == nil || !errors.Is(err, errBroken) {
				t.Fatalf("put of a reader failing after %d bytes = %v, want its error", n, err)
			}
			if _, err := b.Stat(ctx, "broken"); !errors.Is(err, ErrObjectNotFound) {
				t.Errorf("after a failed put of %d bytes, stat = %v, want ErrObjectNotFound", n, err)
			}
		}
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := b.PutIfAbsent(cctx, "cancelled", strings.NewReader("x"), 1); err == nil {
			t.Error("put with a cancelled context succeeded")
		}
		if _, err := b.Stat(ctx, "cancelled"); !errors.Is(err, ErrObjectNotFound) {
			t.Errorf("cancelled put left an object: %v", err)
		}
		n := 0
		b.List(ctx, "", func(ObjectInfo) error { n++; return nil })
		if n != 0 {
			t.Errorf("failed puts left %d listed objects", n)
		}
		noLeftovers(t, b)
	})

	t.Run("absent", func(t *testing.T) {
		b := k.open(t)
		if _, err := b.Get(ctx, "nope"); !errors.Is(err, ErrObjectNotFound) {
			t.Errorf("get = %v", err)
		}
		if _, err := b.Stat(ctx, "nope"); !errors.Is(err, ErrObjectNotFound) {
			t.Errorf("stat = %v", err)
		}
		if _, _, err := b.Load(ctx, "nope"); !errors.Is(err, ErrObjectNotFound) {
			t.Errorf("load = %v", err)
		}
		if err := b.Delete(ctx, "nope"); err != nil {
			t.Errorf("delete of an absent object = %v", err)
		}
		if err := b.List(ctx, "nothing/", func(o ObjectInfo) error { t.Errorf("listed %s", o.Key); return nil }); err != nil {
			t.Errorf("list of an empty prefix = %v", err)
		}
	})

	t.Run("list-by-prefix", func(t *testing.T) {
		b := k.open(t)
		keys := []string{"a/b/1", "a/b/2", "a/c", "ab", "b", "a.b", "blobs/sha256/ab/ab12", "blobs/sha256/ac/ac34"}
		for _, key := range keys {
			put(t, b, key, []byte(key))
		}
		list := func(prefix string) []string {
			var got []string
			if err := b.List(ctx, prefix, func(o ObjectInfo) error {
				if o.Size != int64(len(o.Key)) {
					t.Errorf("%s: listed size %d, want %d", o.Key, o.Size, len(o.Key))
				}
				got = append(got, o.Key)
				return nil
			}); err != nil {
				t.Fatalf("list %q: %v", prefix, err)
			}
			return got
		}
		for prefix, want := range map[string]string{
			"":                "a.b a/b/1 a/b/2 a/c ab b blobs/sha256/ab/ab12 blobs/sha256/ac/ac34",
			"a/":              "a/b/1 a/b/2 a/c",
			"a":               "a.b a/b/1 a/b/2 a/c ab",
			"a/b/1":           "a/b/1",
			"blobs/sha256/ab": "blobs/sha256/ab/ab12",
			"blobs/sha256/a":  "blobs/sha256/ab/ab12 blobs/sha256/ac/ac34",
			"c":               "",
		} {
			if got := strings.Join(list(prefix), " "); got != want {
				t.Errorf("list %q = %q, want %q", prefix, got, want)
			}
		}
		stop := errors.New("stop")
		seen := 0
		if err := b.List(ctx, "", func(ObjectInfo) error { seen++; return stop }); !errors.Is(err, stop) || seen != 1 {
			t.Errorf("a listing stopped by its callback returned %v after %d objects", err, seen)
		}
		if err := b.Delete(ctx, "a/c"); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(list("a/"), " "); got != "a/b/1 a/b/2" {
			t.Errorf("after delete, list = %q", got)
		}
		if _, err := b.Stat(ctx, "a/c"); !errors.Is(err, ErrObjectNotFound) {
			t.Errorf("deleted object: stat = %v", err)
		}
	})

	t.Run("swap", func(t *testing.T) {
		b := k.open(t)
		v1, err := b.Swap(ctx, "latest", []byte("one"), "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.Swap(ctx, "latest", []byte("other"), ""); !errors.Is(err, ErrConflict) {
			t.Fatalf("create over an existing object = %v, want ErrConflict", err)
		}
		data, v, err := b.Load(ctx, "latest")
		if err != nil || string(data) != "one" || v != v1 {
			t.Fatalf("load = %q, %q, %v; want one, %q", data, v, err, v1)
		}
		v2, err := b.Swap(ctx, "latest", []byte("two"), v1)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.Swap(ctx, "latest", []byte("stale"), v1); !errors.Is(err, ErrConflict) {
			t.Fatalf("swap from a stale version = %v, want ErrConflict", err)
		}
		if data, _, _ := b.Load(ctx, "latest"); string(data) != "two" {
			t.Fatalf("after a refused swap, latest = %q", data)
		}
		// Racing swappers that read the same version: exactly one wins.
		const n = 5
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = b.Swap(ctx, "latest", []byte(fmt.Sprintf("racer %d", i)), v2)
			}()
		}
		wg.Wait()
		winners := 0
		for i, err := range errs {
			if err == nil {
				winners++
				if data, _, _ := b.Load(ctx, "latest"); string(data) != fmt.Sprintf("racer %d", i) {
					t.Errorf("winner %d, but latest = %q", i, data)
				}
			} else if !errors.Is(err, ErrConflict) {
				t.Errorf("racer %d: %v", i, err)
			}
		}
		if winners != 1 {
			t.Fatalf("%d racing swaps won, want 1", winners)
		}
		_, v3, _ := b.Load(ctx, "latest")
		if err := b.Delete(ctx, "latest"); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Swap(ctx, "latest", []byte("back"), v3); !errors.Is(err, ErrConflict) {
			t.Errorf("swap of a deleted object = %v, want ErrConflict", err)
		}
	})

	t.Run("keys-are-checked", func(t *testing.T) {
		b := k.open(t)
		for _, key := range []string{"", "/a", "a/", "a//b", "a/../b", "..", ".", "./a", ".tmp-x", "a/.tmp-x", "a\\b", "a\x00b", "a\nb"} {
			if err := b.PutIfAbsent(ctx, key, strings.NewReader("x"), 1); err == nil {
				t.Errorf("put %q accepted", key)
			}
			if _, err := b.Get(ctx, key); err == nil || errors.Is(err, ErrObjectNotFound) {
				t.Errorf("get %q = %v, want a key error", key, err)
			}
			if _, err := b.Swap(ctx, key, []byte("x"), ""); err == nil {
				t.Errorf("swap %q accepted", key)
			}
			if err := b.Delete(ctx, key); err == nil {
				t.Errorf("delete %q accepted", key)
			}
		}
		if err := b.List(ctx, "../", func(ObjectInfo) error { return nil }); err == nil {
			t.Error("list of ../ accepted")
		}
		n := 0
		b.List(ctx, "", func(ObjectInfo) error { n++; return nil })
		if n != 0 {
			t.Errorf("refused keys left %d objects", n)
		}
	})

	t.Run("lock", func(t *testing.T) {
		b := k.open(t)
		owner := LockInfo{Time: time.Now().UTC(), Hostname: "runner-a", PID: os.Getpid()}
		lease, err := b.Lock(ctx, owner, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		_, err = b.Lock(ctx, LockInfo{Time: time.Now().UTC(), Hostname: "runner-b", PID: 2}, time.Minute)
		var locked *LockedError
		if !errors.Is(err, ErrLocked) || !errors.As(err, &locked) || locked.Holder.Hostname == "" {
			t.Fatalf("second lock = %v, want a *LockedError naming the holder", err)
		}
		if err := lease.Renew(ctx); err != nil {
			t.Fatalf("renew of a held lock = %v", err)
		}
		if err := lease.Release(ctx); err != nil {
			t.Fatal(err)
		}
		again, err := b.Lock(ctx, owner, time.Minute)
		if err != nil {
			t.Fatalf("lock after release = %v", err)
		}
		again.Release(ctx)
	})

	t.Run("lease-expires", func(t *testing.T) {
		if !k.expiring {
			t.Skip("a local lock is held while its pid lives and needs no lease; its takeover is tested in lock_test.go")
		}
		b := k.open(t)
		ttl := 1500 * time.Millisecond
		crashed, err := b.Lock(ctx, LockInfo{Time: time.Now().UTC(), Hostname: "crashed", PID: 1}, ttl)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.Lock(ctx, LockInfo{Time: time.Now().UTC(), Hostname: "early", PID: 2}, ttl); !errors.Is(err, ErrLocked) {
			t.Fatalf("lock before expiry = %v, want ErrLocked", err)
		}
		time.Sleep(ttl + 300*time.Millisecond)
		// Several contenders for the expired lease: exactly one wins.
		const n = 4
		leases := make([]Lease, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				leases[i], errs[i] = b.Lock(ctx, LockInfo{Time: time.Now().UTC(), Hostname: fmt.Sprintf("next-%d", i), PID: 10 + i}, time.Minute)
			}()
		}
		wg.Wait()
		var winner Lease
		for i, err := range errs {
			if err == nil {
				if winner != nil {
					t.Fatal("two contenders took over one expired lease")
				}
				winner = leases[i]
			} else if !errors.Is(err, ErrLocked) {
				t.Errorf("contender %d: %v", i, err)
			}
		}
		if winner == nil {
			t.Fatalf("nobody took over the expired lease: %v", errs)
		}
		if err := crashed.Renew(ctx); !errors.Is(err, ErrLeaseLost) {
			t.Errorf("renew of a lease taken over = %v, want ErrLeaseLost", err)
		}
		if err := crashed.Release(ctx); !errors.Is(err, ErrLeaseLost) {
			t.Errorf("release of a lease taken over = %v, want ErrLeaseLost", err)
		}
		if err := winner.Renew(ctx); err != nil {
			t.Errorf("the new holder's lease was disturbed: %v", err)
		}
		// A live run renews its lease and so keeps it past the first ttl.
		if err := winner.Release(ctx); err != nil {
			t.Fatal(err)
		}
		live, err := b.Lock(ctx, LockInfo{Time: time.Now().UTC(), Hostname: "live", PID: 3}, ttl)
		if err != nil {
			t.Fatal(err)
		}
		for range 4 {
			time.Sleep(ttl / 2)
			if err := live.Renew(ctx); err != nil {
				t.Fatalf("renew = %v", err)
			}
		}
		if _, err := b.Lock(ctx, LockInfo{Time: time.Now().UTC(), Hostname: "late", PID: 4}, ttl); !errors.Is(err, ErrLocked) {
			t.Errorf("a renewed lease was taken: %v", err)
		}
		live.Release(ctx)
	})
}

var errBroken = errors.New("reader broke")

type brokenReader struct{}

func (brokenReader) Read([]byte) (int, error) { return 0, errBroken }
