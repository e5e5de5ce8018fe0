package output

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

// snaps makes snapshot infos at the given times (oldest first) with the
// last one marked latest.
func snaps(times ...time.Time) []SnapshotInfo {
	var out []SnapshotInfo
	for i, tm := range times {
		out = append(out, SnapshotInfo{ID: tm.UTC().Format(idLayout), Started: tm, Latest: i == len(times)-1})
	}
	return out
}

func ids(infos []SnapshotInfo) []string {
	out := []string{}
	for _, s := range infos {
		out = append(out, s.ID[:11]) // date and hour: enough to read the tables
	}
	return out
}

func TestApplyPolicy(t *testing.T) {
	day := func(d, h int) time.Time { return time.Date(2026, 11, d, h, 0, 0, 0, time.UTC) }
	// Two runs a day, 1–10 November 2026 (10 Nov is a Tuesday).
	var twiceDaily []time.Time
	for d := 1; d <= 10; d++ {
		twiceDaily = append(twiceDaily, day(d, 2), day(d, 14))
	}
	// One run on the 1st and 15th of each month, Jan–Jun 2026.
	var monthly []time.Time
	for m := time.January; m <= time.June; m++ {
		monthly = append(monthly, time.Date(2026, m, 1, 2, 0, 0, 0, time.UTC), time.Date(2026, m, 15, 2, 0, 0, 0, time.UTC))
	}
	now := day(10, 15)

	cases := []struct {
		name   string
		input  []SnapshotInfo
		policy Policy
		keep   []string
	}{
		{name: "empty policy keeps all", input: snaps(day(1, 2), day(2, 2), day(3, 2)), policy: Policy{},
			keep: []string{"20261101T02", "20261102T02", "20261103T02"}},
		{name: "keep last 3", input: snaps(twiceDaily...), policy: Policy{KeepLast: 3},
			keep: []string{"20261109T14", "20261110T02", "20261110T14"}},
		{name: "keep last more than there are", input: snaps(day(1, 2), day(2, 2)), policy: Policy{KeepLast: 30},
			keep: []string{"20261101T02", "20261102T02"}},
		{name: "keep daily 3 keeps the newest of each day", input: snaps(twiceDaily...), policy: Policy{KeepDaily: 3},
			keep: []string{"20261108T14", "20261109T14", "20261110T14"}},
		{name: "keep weekly 2 (ISO weeks start Monday)", input: snaps(twiceDaily...), policy: Policy{KeepWeekly: 2},
			// 8 Nov is a Sunday: the newest of week 45; week 46 so far is 9–10 Nov.
			keep: []string{"20261108T14", "20261110T14"}},
		{name: "keep monthly 3", input: snaps(monthly...), policy: Policy{KeepMonthly: 3},
			keep: []string{"20260415T02", "20260515T02", "20260615T02"}},
		{name: "last and daily overlap", input: snaps(twiceDaily...), policy: Policy{KeepLast: 2, KeepDaily: 2},
			keep: []string{"20261109T14", "20261110T02", "20261110T14"}},
		{name: "keep within 24h", input: snaps(twiceDaily...), policy: Policy{KeepWithin: 24 * time.Hour},
			keep: []string{"20261110T02", "20261110T14"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			keep, remove, reasons := ApplyPolicy(c.input, c.policy, now)
			if got := ids(keep); !reflect.DeepEqual(got, c.keep) {
				t.Fatalf("keep = %v, want %v", got, c.keep)
			}
			if len(keep)+len(remove) != len(c.input) {
				t.Fatalf("%d kept + %d removed != %d snapshots", len(keep), len(remove), len(c.input))
			}
			for _, k := range keep {
				if len(reasons[k.ID]) == 0 {
					t.Errorf("%s kept without a reason", k.ID)
				}
			}
			for _, r := range remove {
				if r.Latest {
					t.Errorf("latest %s removed", r.ID)
				}
				if len(reasons[r.ID]) != 0 {
					t.Errorf("%s removed but has reasons %v", r.ID, reasons[r.ID])
				}
			}
			if !sort.SliceIsSorted(keep, func(i, j int) bool { return keep[i].ID < keep[j].ID }) {
				t.Error("keep is not sorted oldest first")
			}
		})
	}
}

func TestApplyPolicyAlwaysKeepsLatest(t *testing.T) {
	in := snaps(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 1, 3, 0, 0, 0, 0, time.UTC))
	// latest names the oldest: a clock that went backwards, say.
	in[2].Latest, in[0].Latest = false, true
	keep, _, reasons := ApplyPolicy(in, Policy{KeepLast: 1}, time.Now())
	if len(keep) != 2 || keep[0].ID != in[0].ID || keep[1].ID != in[2].ID {
		t.Fatalf("keep = %v", ids(keep))
	}
	if !reflect.DeepEqual(reasons[in[0].ID], []string{ReasonLatest}) {
		t.Fatalf("reasons of latest = %v", reasons[in[0].ID])
	}
	// Pure: the input is not reordered or changed.
	if !in[0].Latest || in[1].ID >= in[2].ID {
		t.Fatal("ApplyPolicy changed its input")
	}
}

func TestPrune(t *testing.T) {
	ctx := context.Background()
	st := newTestStore(t)
	var ms []*Manifest
	for i := 0; i < 5; i++ {
		// "shared" never changes; "moving" changes every run.
		ms = append(ms, commitSnapshotDocs(t, st, t0.Add(time.Duration(i)*24*time.Hour), map[string][]byte{
			"prod/a/w/shared": specDoc("shared", 0),
			"prod/a/w/moving": specDoc("moving", i),
		}))
	}
	for _, m := range ms {
		st.PutCachedValidation(ctx, m.Spec("prod/a/w/moving").SHA256, map[string]bool{"valid": true})
	}
	realNow := time.Now()
	oldTemp := filepath.Join(st.Dir(), "blobs", "sha256", ".tmp-old")
	youngTemp := filepath.Join(st.Dir(), "snapshots", ".tmp-20261201T000000Z")
	os.WriteFile(oldTemp, []byte("x"), 0o644)
	os.Chtimes(oldTemp, realNow.Add(-2*LeftoverGrace), realNow.Add(-2*LeftoverGrace))
	os.Mkdir(youngTemp, 0o755)
	halfPruned := filepath.Join(st.Dir(), "snapshots", "20261101T000000Z")
	os.Mkdir(halfPruned, 0o755)

	before := dirSize(t, st.Dir())
	plan, err := st.PlanPrune(ctx, Policy{KeepLast: 2}, realNow)
	if err != nil {
		t.Fatal(err)
	}
	if dirSize(t, st.Dir()) != before {
		t.Fatal("PlanPrune changed the store")
	}
	if len(plan.Remove) != 3 || len(plan.Keep) != 2 || plan.Keep[1].ID != ms[4].ID {
		t.Fatalf("plan keeps %v, removes %v", ids(plan.Keep), ids(plan.Remove))
	}
	if len(plan.Blobs) != 3 || plan.BlobBytes <= 0 {
		t.Fatalf("plan removes blobs %v (%d bytes), want the 3 old versions of moving", plan.Blobs, plan.BlobBytes)
	}
	wantLeft := []string{"blobs/sha256/.tmp-old", "snapshots/20261101T000000Z"}
	if !reflect.DeepEqual(plan.Leftovers, wantLeft) {
		t.Fatalf("leftovers = %v, want %v (a young temp folder is not one yet)", plan.Leftovers, wantLeft)
	}

	if err := st.Prune(ctx, plan); err != nil {
		t.Fatal(err)
	}
	infos, _ := st.Snapshots(ctx)
	if len(infos) != 2 || infos[0].ID != ms[3].ID || !infos[1].Latest {
		t.Fatalf("after prune: %v", ids(infos))
	}
	for i, m := range ms {
		sha := m.Spec("prod/a/w/moving").SHA256
		_, err := st.ReadBlob(ctx, sha)
		cached := st.CachedValidation(ctx, sha, &map[string]bool{})
		if gone := i < 3; gone != (err != nil) || gone == cached {
			t.Errorf("snapshot %d's blob: read err %v, cached %v; want gone=%v", i, err, cached, gone)
		}
	}
	if _, err := st.ReadBlob(ctx, ms[0].Spec("prod/a/w/shared").SHA256); err != nil {
		t.Fatalf("shared blob removed: %v", err)
	}
	for _, p := range []string{oldTemp, halfPruned} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s survived prune", p)
		}
	}
	if _, err := os.Stat(youngTemp); err != nil {
		t.Errorf("young temp folder removed: %v", err)
	}
	rep := mustVerify(t, st)
	if rep.Blobs != 3 {
		t.Fatalf("%d blobs after prune, want 3", rep.Blobs)
	}
	// The survivor still names its pruned predecessor; that is fine.
	if infos[0].Previous != ms[2].ID {
		t.Fatalf("previous = %s", infos[0].Previous)
	}
}

func TestPruneHoldsBlobsWhenAManifestIsUnreadable(t *testing.T) {
	ctx := context.Background()
	st := newTestStore(t)
	a := commitSnapshot(t, st, t0, 1, "prod/a/b/c")
	commitSnapshot(t, st, t0.Add(time.Hour), 2, "prod/a/b/c")
	os.WriteFile(filepath.Join(st.Dir(), "snapshots", a.ID, "manifest.json"), []byte("{broken"), 0o644)
	orphanSHA, _, _ := st.PutBlobBytes(ctx, []byte("orphan"))

	plan, err := st.PlanPrune(ctx, Policy{KeepLast: 1}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if plan.BlobsHeld == "" || len(plan.Blobs) != 0 || !strings.Contains(plan.BlobsHeld, a.ID) {
		t.Fatalf("plan = %+v; want blobs held because of %s", plan, a.ID)
	}
	if err := st.Prune(ctx, plan); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ReadBlob(ctx, a.Spec("prod/a/b/c").SHA256); err != nil {
		t.Fatalf("blob of the unreadable snapshot removed: %v", err)
	}
	if _, err := st.ReadBlob(ctx, orphanSHA); err != nil {
		t.Fatalf("blob removed while references were unknown: %v", err)
	}
}

func TestPruneNeverRemovesLatest(t *testing.T) {
	ctx := context.Background()
	st := newTestStore(t)
	a := commitSnapshot(t, st, t0, 1, "prod/a/b/c")
	commitSnapshot(t, st, t0.Add(time.Hour), 2, "prod/a/b/c")
	plan, _ := st.PlanPrune(ctx, Policy{KeepLast: 1}, time.Now())
	// Pretend the plan is stale: latest now names the snapshot it removes.
	os.WriteFile(filepath.Join(st.Dir(), "latest"), []byte(a.ID+"\n"), 0o644)
	if err := st.Prune(ctx, plan); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Manifest(ctx, a.ID); err != nil {
		t.Fatalf("latest pruned: %v", err)
	}
	mustVerify(t, st)
}

// commitSnapshotDocs commits a snapshot with the given documents by key.
func commitSnapshotDocs(t testing.TB, st *Store, started time.Time, docs map[string][]byte) *Manifest {
	t.Helper()
	ctx := context.Background()
	prev, _ := st.Latest(ctx)
	w, err := st.NewSnapshot(ctx, started)
	if err != nil {
		t.Fatal(err)
	}
	m := &Manifest{Previous: prev, Finished: started.Add(time.Minute), ToolVersion: "test"}
	for key, doc := range docs {
		sha, size, err := st.PutBlobBytes(ctx, doc)
		if err != nil {
			t.Fatal(err)
		}
		m.Specs = append(m.Specs, SpecEntry{Key: key, Source: "prod", Status: StatusOK, SHA256: sha, Bytes: size, Valid: true, Operations: 1})
	}
	if err := w.Commit(ctx, m); err != nil {
		t.Fatal(err)
	}
	return m
}

// dirSize is the total size of the files under dir, plus one per entry so
// that added or removed empty files count too.
func dirSize(t testing.TB, dir string) int64 {
	t.Helper()
	var total int64
	filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil {
			total++
			if fi.Mode().IsRegular() {
				total += fi.Size()
			}
		}
		return nil
	})
	return total
}
