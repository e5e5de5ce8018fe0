package diff

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/specharvest/specharvest/harvest/validate"
)

// testFleet is a snapshot as the tests write one down; the store's
// manifest plays this part in a run.
type testFleet struct {
	ID     string
	Groups []testGroup
}

type testGroup struct {
	Key, Status, SHA256 string
	Invalid             bool
	Problems            []string
}

var _ Fleet = testFleet{}

func (f testFleet) FleetID() string { return f.ID }

func (f testFleet) EachGroup(fn func(key, status, sha string, invalid bool, problems []string)) {
	for _, g := range f.Groups {
		fn(g.Key, g.Status, g.SHA256, g.Invalid, g.Problems)
	}
}

// countingBlobs is a blob store in memory that counts reads per sha.
type countingBlobs struct {
	mu    sync.Mutex
	blobs map[string][]byte
	reads map[string]int
}

func newCountingBlobs() *countingBlobs {
	return &countingBlobs{blobs: make(map[string][]byte), reads: make(map[string]int)}
}

func (c *countingBlobs) load(ctx context.Context, sha string) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reads[sha]++
	b, ok := c.blobs[sha]
	if !ok {
		return nil, fmt.Errorf("blob %s not found", sha)
	}
	return b, nil
}

// repaired wraps a loader of documents as fetched so that the diff reads
// them as a run gives them: repaired by harvest/validate.
func repaired(load LoadBlob) LoadBlob {
	return func(ctx context.Context, sha string) ([]byte, error) {
		raw, err := load(ctx, sha)
		if err != nil {
			return nil, err
		}
		res := validate.Load(ctx, raw, validate.Options{})
		if res.Repaired == nil {
			return nil, fmt.Errorf("not a readable OpenAPI document: %v", res.Problems)
		}
		return res.Repaired, nil
	}
}

func TestDiffFleet(t *testing.T) {
	blobs := newCountingBlobs()
	pair := filepath.Join("testdata", "diff", RuleRequestParameterRemoved)
	blobs.blobs["base"] = readTestdata(t, filepath.Join(pair, "base.yaml"))
	blobs.blobs["revision"] = readTestdata(t, filepath.Join(pair, "revision.yaml"))
	blobs.blobs["unchanged"] = blobs.blobs["base"]
	blobs.blobs["garbage"] = []byte("{ this is not: [ a document")

	base := testFleet{ID: "20261126T020000Z", Groups: []testGroup{
		{Key: "prod/a/unchanged", Status: StatusOK, SHA256: "unchanged"},
		{Key: "prod/a/changed", Status: StatusOK, SHA256: "base"},
		{Key: "prod/a/stale", Status: StatusOK, SHA256: "base"},
		{Key: "prod/a/removed", Status: StatusOK, SHA256: "base"},
		{Key: "prod/a/broken", Status: StatusOK, SHA256: "base"},
	}}
	revision := testFleet{ID: "20261127T020000Z", Groups: []testGroup{
		{Key: "prod/a/unchanged", Status: StatusOK, SHA256: "unchanged"},
		{Key: "prod/a/changed", Status: StatusOK, SHA256: "revision"},
		{Key: "prod/a/stale", Status: StatusStale, SHA256: "base"},
		{Key: "prod/a/added", Status: StatusOK, SHA256: "revision"},
		{Key: "prod/a/broken", Status: StatusOK, SHA256: "garbage"},
		{Key: "prod/a/new-but-down", Status: StatusFailed},
	}}
	c, err := DiffFleet(context.Background(), base, revision, blobs.load, FleetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if blobs.reads["unchanged"] != 0 {
		t.Errorf("an unchanged blob was read %d times", blobs.reads["unchanged"])
	}
	for sha, n := range blobs.reads {
		if n > 1 {
			t.Errorf("blob %s read %d times, want at most once", sha, n)
		}
	}
	want := map[string]string{
		"prod/a/added":        GroupAdded,
		"prod/a/broken":       GroupChanged,
		"prod/a/changed":      GroupChanged,
		"prod/a/new-but-down": GroupAdded,
		"prod/a/removed":      GroupRemoved,
		"prod/a/stale":        GroupStale,
	}
	if len(c.Groups) != len(want) {
		t.Fatalf("got %d groups, want %d: %+v", len(c.Groups), len(want), c.Groups)
	}
	for i, g := range c.Groups {
		if i > 0 && c.Groups[i-1].Key >= g.Key {
			t.Errorf("groups not sorted by key: %s before %s", c.Groups[i-1].Key, g.Key)
		}
		if want[g.Key] != g.Change {
			t.Errorf("group %s: change %q, want %q", g.Key, g.Change, want[g.Key])
		}
		switch g.Key {
		case "prod/a/broken":
			if g.Error == "" {
				t.Errorf("the unreadable group carries no error")
			}
		case "prod/a/new-but-down":
			if g.Error == "" {
				t.Errorf("a new group without a document carries no error")
			}
		case "prod/a/changed":
			if g.Error != "" || !hasFinding(g.Changes, RuleRequestParameterRemoved, LevelBreaking) {
				t.Errorf("changed group: error %q, findings %+v", g.Error, g.Changes)
			}
		}
	}
	s := c.Summary
	if s.GroupsAdded != 2 || s.GroupsRemoved != 1 || s.GroupsChanged != 2 || s.GroupsStale != 1 {
		t.Errorf("summary counts groups wrongly: %+v", s)
	}
	if s.Breaking == 0 || !c.HasBreaking() || !c.HasChanges() {
		t.Errorf("summary misses the breaking finding: %+v", s)
	}
	if c.Base != base.ID || c.Revision != revision.ID {
		t.Errorf("ids: %s..%s", c.Base, c.Revision)
	}
}

func TestDiffFleetNothingChanged(t *testing.T) {
	blobs := newCountingBlobs()
	side := testFleet{ID: "a", Groups: []testGroup{{Key: "k", Status: StatusOK, SHA256: "x"}}}
	c, err := DiffFleet(context.Background(), side, side, blobs.load, FleetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Groups) != 0 || c.HasChanges() || c.HasBreaking() || len(blobs.reads) != 0 {
		t.Errorf("identical snapshots: %+v, reads %v", c, blobs.reads)
	}
}

func TestDiffFleetCancelled(t *testing.T) {
	blobs := newCountingBlobs()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	base := testFleet{Groups: []testGroup{{Key: "k", Status: StatusOK, SHA256: "x"}}}
	revision := testFleet{Groups: []testGroup{{Key: "k", Status: StatusOK, SHA256: "y"}}}
	if _, err := DiffFleet(ctx, base, revision, blobs.load, FleetOptions{}); err == nil {
		t.Error("a cancelled fleet diff succeeded")
	}
}

func hasFinding(fs []Finding, id string, level Level) bool {
	for _, f := range fs {
		if f.ID == id && f.Level == level {
			return true
		}
	}
	return false
}

// BenchmarkDiffFleet diffs a 2,000-group fleet in which 1% (then 2%) of
// the groups changed; ns/changed-group stays flat when the cost follows
// the changed groups only.
func BenchmarkDiffFleet(b *testing.B) {
	const groups = 2000
	pair := filepath.Join("testdata", "diff", RuleResponsePropertyTypeChanged)
	baseDoc := readTestdata(b, filepath.Join(pair, "base.yaml"))
	revisionDoc := readTestdata(b, filepath.Join(pair, "revision.yaml"))
	for _, changed := range []int{groups / 100, groups / 50} {
		b.Run(fmt.Sprintf("changed=%d", changed), func(b *testing.B) {
			blobs := newCountingBlobs()
			var base, revision testFleet
			for i := range groups {
				key := fmt.Sprintf("prod/i%d/w/g%04d", i%7, i)
				baseSHA := fmt.Sprintf("b%04d", i)
				blobs.blobs[baseSHA] = baseDoc
				base.Groups = append(base.Groups, testGroup{Key: key, Status: StatusOK, SHA256: baseSHA})
				revisionSHA := baseSHA
				if i%(groups/changed) == 0 {
					revisionSHA = fmt.Sprintf("r%04d", i)
					blobs.blobs[revisionSHA] = revisionDoc
				}
				revision.Groups = append(revision.Groups, testGroup{Key: key, Status: StatusOK, SHA256: revisionSHA})
			}
			b.ResetTimer()
			for b.Loop() {
				c, err := DiffFleet(context.Background(), base, revision, blobs.load, FleetOptions{})
				if err != nil {
					b.Fatal(err)
				}
				if c.Summary.GroupsChanged != changed {
					b.Fatalf("%d groups changed, want %d", c.Summary.GroupsChanged, changed)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(changed), "ns/changed-group")
		})
	}
}
