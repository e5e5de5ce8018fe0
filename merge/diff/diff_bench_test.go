package diff

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"
)

// stripeCorpus finds the two Stripe versions in a shared/corpus/stripe
// folder beside some ancestor of the module; it is not part of the repo.
func stripeCorpus(tb testing.TB) (base, revision []byte) {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for ; ; dir = filepath.Dir(dir) {
		candidate := filepath.Join(dir, "shared", "corpus", "stripe")
		b, errB := os.ReadFile(filepath.Join(candidate, "spec3-v90.json"))
		r, errR := os.ReadFile(filepath.Join(candidate, "spec3-v120.json"))
		if errB == nil && errR == nil {
			return b, r
		}
		if filepath.Dir(dir) == dir {
			tb.Skip("Stripe corpus (shared/corpus/stripe) not found")
		}
	}
}

// peakHeap samples the live heap while f runs, as the peak memory figure.
func peakHeap(f func()) (peak uint64) {
	done := make(chan struct{})
	samples := make(chan uint64, 1)
	go func() {
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		var top uint64
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > top {
				top = v
			}
			select {
			case <-done:
				samples <- top
				return
			case <-tick.C:
			}
		}
	}()
	f()
	close(done)
	return <-samples
}

func BenchmarkDiffStripe(b *testing.B) {
	base, revision := stripeCorpus(b)
	var findings []Finding
	var peak uint64
	b.ResetTimer()
	for b.Loop() {
		runtime.GC()
		p := peakHeap(func() {
			var err error
			findings, err = Diff(context.Background(), base, revision, DiffOptions{})
			if err != nil {
				b.Fatal(err)
			}
		})
		peak = max(peak, p)
	}
	b.ReportMetric(float64(len(findings)), "findings")
	b.ReportMetric(float64(peak)/(1<<20), "peak-MB")
	breaking := 0
	for _, f := range findings {
		if f.Level == LevelBreaking {
			breaking++
		}
	}
	b.ReportMetric(float64(breaking), "breaking")
}
