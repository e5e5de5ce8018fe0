package validate

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// stripeCorpus finds the two large Stripe documents, which are kept
// outside the repository in a sibling shared/corpus/stripe folder, by
// walking up from the module root. Tests skip when it is absent.
func stripeCorpus(tb testing.TB) []string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Skip("module root not found")
		}
		dir = parent
	}
	for dir != filepath.Dir(dir) {
		corpus := filepath.Join(dir, "shared", "corpus", "stripe")
		a, b := filepath.Join(corpus, "spec3-v90.json"), filepath.Join(corpus, "spec3-v120.json")
		if _, err := os.Stat(a); err == nil {
			if _, err := os.Stat(b); err == nil {
				return []string{a, b}
			}
		}
		dir = filepath.Dir(dir)
	}
	tb.Skip("shared/corpus/stripe not found next to the module")
	return nil
}

func TestLoadStripeIsValid(t *testing.T) {
	if testing.Short() {
		t.Skip("loads two 4 MB documents")
	}
	corpus := stripeCorpus(t)
	if raceEnabled {
		// The race detector makes a 4 MB load slow; one is enough there.
		corpus = corpus[1:]
	}
	for _, path := range corpus {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			res := Load(context.Background(), data, Options{})
			t.Logf("%d bytes in %v, %d operations, %d warnings", len(data), time.Since(start), res.Operations, res.Warnings())
			if !res.Valid {
				t.Fatalf("not valid: %v", res.Problems[:min(len(res.Problems), 10)])
			}
			if res.Doc == nil || res.Repaired == nil {
				t.Fatal("no model or repaired document")
			}
			if want := countOperations(t, data); res.Operations != want {
				t.Fatalf("operations = %d, want %d", res.Operations, want)
			}
			if res.Doc.Paths.Len() == 0 || len(res.Doc.Components.Schemas) == 0 {
				t.Fatal("empty model")
			}
		})
	}
}

// BenchmarkLoadStripe reports the time and memory of loading one large,
// recursive, real document.
func BenchmarkLoadStripe(b *testing.B) {
	path := stripeCorpus(b)[1]
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	start := time.Now()
	for b.Loop() {
		if res := Load(context.Background(), data, Options{}); !res.Valid {
			b.Fatal(res.Problems)
		}
	}
	b.ReportMetric(float64(time.Since(start).Milliseconds())/float64(b.N), "ms/load")
}
