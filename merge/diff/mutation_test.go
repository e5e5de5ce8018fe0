package diff

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/specharvest/specharvest/harvest/validate"
)

// sharedDir finds the shared fixtures folder by walking up from the
// package, as the other corpus tests do.
func sharedDir(tb testing.TB, sub string) string {
	tb.Helper()
	dir, err := filepath.Abs(".")
	if err != nil {
		tb.Fatal(err)
	}
	for {
		candidate := filepath.Join(dir, "shared", sub)
		if _, err := os.Stat(candidate); err == nil {
			return candidate
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Skipf("shared/%s not found", sub)
		}
		dir = parent
	}
}

// loadRepaired reads every *.json under dir as a run would store it:
// loaded and repaired.
func loadRepaired(tb testing.TB, dir string) map[string][]byte {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		tb.Skipf("no documents in %s", dir)
	}
	docs := make(map[string][]byte)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		res := validate.Load(context.Background(), data, validate.Options{})
		if res.Repaired == nil {
			tb.Fatalf("%s does not load", f)
		}
		docs[filepath.Base(f)] = res.Repaired
	}
	return docs
}

func loadRaw(tb testing.TB, dir string) map[string][]byte {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		tb.Skipf("no documents in %s", dir)
	}
	docs := make(map[string][]byte)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		docs[filepath.Base(f)] = data
	}
	return docs
}

// mutationEdits is how many edits TestMutationsNothingSilent makes:
// SPECHARVEST_MUTATIONS, else 2,000 (300 with -short, 200 under the race
// detector: .ci/run runs the 2,000 without it).
func mutationEdits(t *testing.T) int {
	if v := os.Getenv("SPECHARVEST_MUTATIONS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			t.Fatalf("SPECHARVEST_MUTATIONS=%q: want a positive count", v)
		}
		return n
	}
	if raceEnabled {
		return 200
	}
	if testing.Short() {
		return 300
	}
	return 2000
}

// TestMutationsNothingSilent is the first law on real documents: every
// single contract edit, at a seeded random site of the Xano fixtures and
// the Stripe corpus, gives a finding, and so does its reverse. Three
// quarters of the edits go to the Xano documents, the rest to Stripe's
// (every version in the corpus, each edit on one operation's closure).
func TestMutationsNothingSilent(t *testing.T) {
	total := mutationEdits(t)
	seed := uint64(20261201)
	if v := os.Getenv("SPECHARVEST_MUTATION_SEED"); v != "" {
		s, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("SPECHARVEST_MUTATION_SEED=%q: %v", v, err)
		}
		seed = s
	}
	corpora := []struct {
		name  string
		dir   string
		edits int
	}{
		{"xano", sharedDir(t, filepath.Join("fixtures", "xano")), total - total/4},
		{"stripe", sharedDir(t, filepath.Join("corpus", "stripe")), total / 4},
	}
	made := 0
	for _, c := range corpora {
		var docs map[string][]byte
		if c.name == "xano" {
			docs = loadRepaired(t, c.dir)
		} else {
			// Stripe's documents are valid as published: the loader's
			// repairs change nothing in them, and skipping them saves
			// seconds per version.
			docs = loadRaw(t, c.dir)
		}
		report, err := RunMutations(t.Context(), docs, MutationOptions{Edits: c.edits, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		made += report.Edits
		t.Logf("%s: %d edits, %d silent, %d not comparable; per kind %v", c.name, report.Edits, len(report.Silent), len(report.Errors), report.PerKind)
		for i, s := range report.Silent {
			if i < 20 {
				t.Errorf("silent edit (%s, forward %d, reverse %d findings): %s %s: %s", s.Kind, s.Forward, s.Reverse, s.Document, s.Operation, s.Edit)
			}
		}
		for i, e := range report.Errors {
			if i < 5 {
				t.Errorf("edit could not be compared: %s %s %s: %s", e.Document, e.Operation, e.Edit, e.Err)
			}
		}
		for _, kind := range MutationKinds {
			if report.PerKind[kind] == 0 && c.edits >= 10*len(MutationKinds) {
				t.Errorf("%s: no %s edit was made", c.name, kind)
			}
		}
	}
	if made < total {
		t.Errorf("made %d edits, want %d", made, total)
	}
}
