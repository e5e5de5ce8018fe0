//go:build unix

package output

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fleetDoc is a deterministic OpenAPI document of roughly size bytes,
// shaped like a Xano group's: many similar paths.
func fleetDoc(group, size int) []byte {
	head := fmt.Sprintf(`{"openapi":"3.0.0","info":{"title":"group %d","version":"1"},"paths":{`, group)
	path := fmt.Sprintf(`"/group_%d/records/{id}":{"get":{"summary":"Get a record of group %d","parameters":[{"name":"id","in":"path","required":true,"schema":{"type":"integer"}}],"responses":{"200":{"description":"OK"}}}}`, group, group)
	var b strings.Builder
	b.Grow(size + len(path) + 8)
	b.WriteString(head)
	for i := 0; b.Len() < size; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		// A distinct path per entry, cheaply: the index prefixes the shared shape.
		b.WriteString(`"/v`)
		b.WriteString(strconv.Itoa(i))
		b.WriteString(path[1:])
	}
	b.WriteString("}}")
	return []byte(b.String())
}

// fleet is a fleet of n groups with realistic sizes (20–200 KB, as real
// Xano documents are) and realistic manifest entries: a share of them
// dirty enough to fill the capped problem list.
type fleet struct {
	docs    [][]byte
	entries []SpecEntry
}

func newFleet(n int) *fleet {
	rnd := rand.New(rand.NewSource(1))
	f := &fleet{}
	for g := 0; g < n; g++ {
		f.docs = append(f.docs, fleetDoc(g, 20<<10+rnd.Intn(180<<10)))
		inst, ws := g/100, g/10%10
		e := SpecEntry{
			Key:    fmt.Sprintf("prod/instance-%d/workspace-%d/group-%d", inst, ws, g),
			Source: "prod", Instance: fmt.Sprintf("Instance %d", inst), Workspace: fmt.Sprintf("Workspace %d", ws),
			Group:   fmt.Sprintf("Group %d", g),
			URL:     fmt.Sprintf("https://x%d.n7.xano.io/apispec:Grp%05d?type=json", inst, g),
			Status:  StatusOK,
			OpenAPI: "3.0.0", Title: fmt.Sprintf("Group %d", g), Operations: 10 + rnd.Intn(60), Valid: true,
			ETag: fmt.Sprintf(`"%x"`, rnd.Int63()),
		}
		if g%5 == 0 { // one group in five is dirty, as real exports are
			for p := 0; p < 14; p++ {
				e.Problems = append(e.Problems, fmt.Sprintf(`warning /components/schemas/record_%d/properties/created_at/format: unknown format "timestamptz"`, p))
			}
			e.Warnings = 14
		}
		f.entries = append(f.entries, e)
	}
	return f
}

// snapshot runs one night over the unchanged fleet: every document is
// stored (a no-op when present), the reports are written, the manifest
// committed.
func (f *fleet) snapshot(tb testing.TB, st *Store, started time.Time, merged []byte) {
	tb.Helper()
	ctx := context.Background()
	prev, _ := st.Latest(ctx)
	w, err := st.NewSnapshot(ctx, started)
	if err != nil {
		tb.Fatal(err)
	}
	m := &Manifest{Previous: prev, Finished: started.Add(2 * time.Minute), ToolVersion: "v1.0.0"}
	for i, doc := range f.docs {
		sha, size, err := st.PutBlobBytes(ctx, doc)
		if err != nil {
			tb.Fatal(err)
		}
		e := f.entries[i]
		e.SHA256, e.Bytes = sha, size
		e.Problems = append([]string(nil), e.Problems...)
		if e.ChangedIn == "" {
			e.ChangedIn = w.ID()
			f.entries[i].ChangedIn = w.ID()
		}
		m.Specs = append(m.Specs, e)
	}
	// The merged document is byte-identical for identical input; the
	// change report names the two snapshots.
	if err := w.WriteFile(ctx, "merged.json", merged); err != nil {
		tb.Fatal(err)
	}
	changes := fmt.Sprintf(`{"base":%q,"revision":%q,"summary":{},"groups":[]}`, prev, w.ID())
	if err := w.WriteFile(ctx, "changes.json", []byte(changes)); err != nil {
		tb.Fatal(err)
	}
	if err := w.Commit(ctx, m); err != nil {
		tb.Fatal(err)
	}
}

// diskUsage is the bytes of the files under dir, counting a file linked
// into several snapshots once, as the disk does.
func diskUsage(tb testing.TB, dir string) (total int64, manifests int64) {
	tb.Helper()
	seen := map[uint64]bool{}
	err := filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
		if err != nil || !fi.Mode().IsRegular() {
			return err
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			if seen[st.Ino] {
				return nil
			}
			seen[st.Ino] = true
		}
		total += fi.Size()
		if fi.Name() == manifestName {
			manifests += fi.Size()
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return total, manifests
}

// TestStoreSizeUnchangedFleet is the nightly cost of an unchanged fleet:
// thirty runs should take little more room than one. Blobs, manifests and
// the merged document all grow linearly with the fleet, so the ratio of a
// 50-group fleet is that of a 500-group one (BenchmarkUnchangedNight
// measures 500) at a tenth of the test's time.
func TestStoreSizeUnchangedFleet(t *testing.T) {
	if testing.Short() {
		t.Skip("writes about 6 MB")
	}
	st := newTestStore(t)
	f := newFleet(50)
	merged := fleetDoc(-1, len(f.docs)*4<<10)
	f.snapshot(t, st, t0, merged)
	one, oneManifest := diskUsage(t, st.Dir())
	for night := 1; night < 30; night++ {
		f.snapshot(t, st, t0.Add(time.Duration(night)*24*time.Hour), merged)
	}
	thirty, manifests := diskUsage(t, st.Dir())
	ratio := float64(thirty) / float64(one)
	t.Logf("store after 1 run: %.1f MB (manifest %.0f KB); after 30 runs: %.1f MB (manifests %.0f KB); ratio %.3f",
		float64(one)/1e6, float64(oneManifest)/1e3, float64(thirty)/1e6, float64(manifests)/1e3, ratio)
	// Each manifest costs about 0.5% of the blobs it points at (about 400
	// bytes per clean group, 1.4 KB per group with a full problem list), so
	// thirty come to some 13%; the guard is against that growing.
	if ratio > 1.20 {
		t.Fatalf("30 unchanged runs take %.3f× the room of one", ratio)
	}
	// Reports are blobs too: the merged document is shared by all thirty
	// nights, while each change report names its own two snapshots.
	rep := mustVerify(t, st)
	if want := len(f.docs) + 1 + 30; rep.Snapshots != 30 || rep.Blobs != want {
		t.Fatalf("verify: %d snapshots, %d blobs, want 30 and %d", rep.Snapshots, rep.Blobs, want)
	}
}

// BenchmarkUnchangedNight measures one more night over an unchanged
// 500-group fleet, and reports what the thirty nights cost in room.
func BenchmarkUnchangedNight(b *testing.B) {
	st := newTestStore(b)
	f := newFleet(500)
	merged := fleetDoc(-1, len(f.docs)*4<<10)
	f.snapshot(b, st, t0, merged)
	one, _ := diskUsage(b, st.Dir())
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f.snapshot(b, st, t0.Add(time.Duration(i+1)*time.Hour), merged)
	}
	b.StopTimer()
	for n := b.N + 1; n < 30; n++ {
		f.snapshot(b, st, t0.Add(time.Duration(n)*time.Hour), merged)
	}
	all, manifests := diskUsage(b, st.Dir())
	b.ReportMetric(float64(one)/1e6, "MB/1-run")
	b.ReportMetric(float64(all)/float64(one), "size-ratio")
	b.ReportMetric(float64(manifests)/float64(max(30, b.N+1))/1e3, "KB/manifest")
}
