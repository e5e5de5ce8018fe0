package output

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// problemsMention fails unless some problem contains every fragment.
func problemsMention(t *testing.T, rep *VerifyReport, fragments ...string) {
	t.Helper()
	for _, p := range rep.Problems {
		all := true
		for _, f := range fragments {
			all = all && strings.Contains(p, f)
		}
		if all {
			return
		}
	}
	t.Errorf("no problem mentions %q; problems:\n%s", fragments, strings.Join(rep.Problems, "\n"))
}

func verifyOf(t *testing.T, st *Store) *VerifyReport {
	t.Helper()
	rep, err := st.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestVerifyClean(t *testing.T) {
	st := newTestStore(t)
	rep := mustVerify(t, st)
	if rep.Snapshots != 0 || rep.Blobs != 0 {
		t.Fatalf("empty store: %+v", rep)
	}
	commitSnapshot(t, st, t0, 1, "prod/a/b/c", "prod/a/b/d")
	commitSnapshot(t, st, t0.Add(24*time.Hour), 2, "prod/a/b/c", "prod/a/b/d")
	rep = mustVerify(t, st)
	// Four documents and one merged.json, shared by both snapshots.
	if rep.Snapshots != 2 || rep.Blobs != 5 {
		t.Fatalf("report = %+v, want 2 snapshots and 5 blobs", rep)
	}
}

func TestVerifyDetects(t *testing.T) {
	cases := map[string]struct {
		damage func(t *testing.T, st *Store, m *Manifest)
		want   []string
	}{
		"flipped byte in a blob": {
			damage: func(t *testing.T, st *Store, m *Manifest) {
				p, _ := st.BlobPath(m.Specs[0].SHA256)
				data, _ := os.ReadFile(p)
				data[len(data)/2] ^= 0x01
				os.WriteFile(p, data, 0o644)
			},
			want: []string{"blobs/sha256/", "corrupt"},
		},
		"flipped byte in a report": {
			damage: func(t *testing.T, st *Store, m *Manifest) {
				// The report in the folder is its blob (a hard link):
				// changing one changes the other, and the re-hash sees it.
				p := filepath.Join(st.Dir(), "snapshots", m.ID, "merged.json")
				data, _ := os.ReadFile(p)
				data[len(data)/2] ^= 0x01
				os.WriteFile(p, data, 0o644)
			},
			want: []string{"manifest.json", `report "merged.json"`, "corrupt"},
		},
		"report replaced by a changed copy": {
			damage: func(t *testing.T, st *Store, m *Manifest) {
				p := filepath.Join(st.Dir(), "snapshots", m.ID, "merged.json")
				data, _ := os.ReadFile(p)
				data[len(data)/2] ^= 0x01
				os.Remove(p)
				os.WriteFile(p, data, 0o644)
			},
			want: []string{"snapshots/20261128T020000Z/merged.json", "does not match its blob"},
		},
		"missing report": {
			damage: func(t *testing.T, st *Store, m *Manifest) {
				os.Remove(filepath.Join(st.Dir(), "snapshots", m.ID, "merged.json"))
			},
			want: []string{"snapshots/20261128T020000Z/merged.json", "missing"},
		},
		"missing blob": {
			damage: func(t *testing.T, st *Store, m *Manifest) {
				p, _ := st.BlobPath(m.Spec(m1Key(1)).SHA256)
				os.Remove(p)
			},
			want: []string{"manifest.json", m1Key(1), "missing"},
		},
		"truncated blob": {
			damage: func(t *testing.T, st *Store, m *Manifest) {
				p, _ := st.BlobPath(m.Specs[0].SHA256)
				os.Truncate(p, 3)
			},
			want: []string{"manifest.json", "corrupt"},
		},
		"broken manifest": {
			damage: func(t *testing.T, st *Store, m *Manifest) {
				p := filepath.Join(st.Dir(), "snapshots", m.ID, "manifest.json")
				data, _ := os.ReadFile(p)
				os.WriteFile(p, data[:len(data)/2], 0o644)
			},
			want: []string{"snapshots/20261128T020000Z/manifest.json", "parse manifest"},
		},
		"latest pointing nowhere": {
			damage: func(t *testing.T, st *Store, m *Manifest) {
				os.WriteFile(filepath.Join(st.Dir(), "latest"), []byte("20300101T000000Z\n"), 0o644)
			},
			want: []string{"latest", "20300101T000000Z", "not a complete snapshot"},
		},
		"latest garbage": {
			damage: func(t *testing.T, st *Store, m *Manifest) {
				os.WriteFile(filepath.Join(st.Dir(), "latest"), []byte("../../etc\n"), 0o644)
			},
			want: []string{"latest", "invalid snapshot id"},
		},
		"hostile key in a manifest": {
			damage: func(t *testing.T, st *Store, m *Manifest) {
				rewriteManifest(t, st, m.ID, func(s string) string { return strings.Replace(s, m1Key(0), "prod/../../etc", 1) })
			},
			want: []string{"manifest.json", "invalid key", ".."},
		},
		"summary out of step": {
			damage: func(t *testing.T, st *Store, m *Manifest) {
				rewriteManifest(t, st, m.ID, func(s string) string { return strings.Replace(s, `"operations":4`, `"operations":5`, 1) })
			},
			want: []string{"manifest.json", "summary"},
		},
		"stray file among blobs": {
			damage: func(t *testing.T, st *Store, m *Manifest) {
				os.WriteFile(filepath.Join(st.Dir(), "blobs", "sha256", "ab", "notes.txt"), []byte("x"), 0o644)
				os.MkdirAll(filepath.Join(st.Dir(), "blobs", "sha256", "zz"), 0o755)
			},
			want: []string{"blobs/sha256/zz", "unexpected"},
		},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			st := newTestStore(t)
			commitSnapshot(t, st, t0, 1, m1Key(0), m1Key(1))
			m := commitSnapshot(t, st, t0.Add(24*time.Hour), 2, m1Key(0), m1Key(1))
			os.MkdirAll(filepath.Join(st.Dir(), "blobs", "sha256", "ab"), 0o755)
			c.damage(t, st, m)
			rep := verifyOf(t, st)
			if rep.OK() {
				t.Fatal("verify found nothing wrong")
			}
			problemsMention(t, rep, c.want...)
		})
	}
}

func m1Key(i int) string { return []string{"prod/main/books/public-api", "prod/main/books/admin"}[i] }

func rewriteManifest(t *testing.T, st *Store, id string, edit func(string) string) {
	t.Helper()
	p := filepath.Join(st.Dir(), "snapshots", id, "manifest.json")
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	out := edit(string(data))
	if out == string(data) {
		t.Fatal("edit changed nothing")
	}
	os.WriteFile(p, []byte(out), 0o644)
}

// TestCrashLeftovers leaves behind what a crash at each step of a run
// would: a temp blob, an unreferenced blob, a half-built snapshot folder,
// a temp latest, a half-pruned snapshot. None of it may count as wrong,
// none may be listed, and the next snapshot must be fine.
func TestCrashLeftovers(t *testing.T) {
	ctx := context.Background()
	st := newTestStore(t)
	first := commitSnapshot(t, st, t0, 1, "prod/a/b/c")

	os.WriteFile(filepath.Join(st.Dir(), "blobs", "sha256", ".tmp-123"), []byte("half a spec"), 0o644)
	if _, _, err := st.PutBlobBytes(ctx, []byte(`{"openapi":"3.0.0","orphan":true}`)); err != nil {
		t.Fatal(err)
	}
	w, err := st.NewSnapshot(ctx, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	w.WriteFile(ctx, "merged.json", []byte("{}"))
	os.WriteFile(filepath.Join(w.tmpDir, ".tmp-999"), []byte(`{"format":1,"id":"`), 0o644)
	os.WriteFile(filepath.Join(st.Dir(), ".tmp-777"), []byte("2026"), 0o644)
	half := filepath.Join(st.Dir(), "snapshots", "20261127T010000Z")
	os.MkdirAll(half, 0o755)
	os.WriteFile(filepath.Join(half, "merged.json"), []byte("{}"), 0o644)
	// w is never committed nor aborted: the process died.

	rep := mustVerify(t, st)
	if rep.Snapshots != 1 || len(rep.Leftovers) < 3 {
		t.Fatalf("report = %+v", rep)
	}
	infos, err := st.Snapshots(ctx)
	if err != nil || len(infos) != 1 || infos[0].ID != first.ID {
		t.Fatalf("Snapshots = %+v, %v", infos, err)
	}
	if latest, _ := st.Latest(ctx); latest != first.ID {
		t.Fatalf("latest = %s", latest)
	}

	// The next run, in the same hour as the dead one, gets a fresh ID.
	next := commitSnapshot(t, st, t0.Add(time.Hour), 2, "prod/a/b/c")
	if next.ID == w.ID() || next.ID < w.ID() {
		t.Fatalf("next snapshot %s collides with or sorts before the dead build %s", next.ID, w.ID())
	}
	if next.Previous != first.ID {
		t.Fatalf("previous = %s, want %s", next.Previous, first.ID)
	}
	mustVerify(t, st)
}

func TestVerifyMissingLatestAfterFirstCommit(t *testing.T) {
	st := newTestStore(t)
	commitSnapshot(t, st, t0, 1, "prod/a/b/c")
	// A crash between the rename and the flip of latest.
	os.Remove(filepath.Join(st.Dir(), "latest"))
	rep := mustVerify(t, st)
	if len(rep.Leftovers) == 0 {
		t.Fatal("a missing latest is not mentioned at all")
	}
}
