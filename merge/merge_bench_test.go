package merge

import (
	"context"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/specharvest/specharvest/harvest/validate"
	"github.com/specharvest/specharvest/harvest/xanotest"
)

// heapPeak samples the live heap while a benchmark runs, so that the peak
// memory of a merge is reported next to its time.
type heapPeak struct {
	stop chan struct{}
	done sync.WaitGroup
	base uint64
	peak uint64
}

const heapMetric = "/memory/classes/heap/objects:bytes"

func readHeap() uint64 {
	s := []metrics.Sample{{Name: heapMetric}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func startHeapPeak() *heapPeak {
	runtime.GC()
	h := &heapPeak{stop: make(chan struct{}), base: readHeap()}
	h.peak = h.base
	h.done.Add(1)
	go func() {
		defer h.done.Done()
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-h.stop:
				return
			case <-tick.C:
				h.peak = max(h.peak, readHeap())
			}
		}
	}()
	return h
}

// report stops sampling and reports the peak above what was live before.
func (h *heapPeak) report(b *testing.B) {
	close(h.stop)
	h.done.Wait()
	h.peak = max(h.peak, readHeap())
	b.ReportMetric(float64(h.peak-h.base)/(1<<20), "peak-heap-MB")
}

func BenchmarkMergeFleet2000(b *testing.B) {
	// 4 instances × 10 workspaces × 53 groups, 6 operations each; the
	// simulator breaks a few documents beyond loading on purpose, so the
	// first 2,000 that load are merged.
	inputs, _ := generatedFleet(b, xanotest.GenOptions{Seed: 42, Instances: 4, Workspaces: 10, Groups: 53, Endpoints: 6})
	if len(inputs) < 2000 {
		b.Fatalf("only %d generated groups load", len(inputs))
	}
	inputs = inputs[:2000]
	peak := startHeapPeak()
	b.ResetTimer()
	var ops int
	for b.Loop() {
		_, report, err := Merge(inputs, Options{})
		if err != nil {
			b.Fatal(err)
		}
		ops = report.OperationsOut
	}
	b.StopTimer()
	peak.report(b)
	b.ReportMetric(float64(len(inputs)), "groups")
	b.ReportMetric(float64(ops), "operations")
}

func BenchmarkMergeStripePair(b *testing.B) {
	pair := stripePair(b)
	ctx := context.Background()
	b.Run("merge", func(b *testing.B) {
		v90, _ := loadThroughValidate(b, pair[0], "spec3-v90.json")
		v120, _ := loadThroughValidate(b, pair[1], "spec3-v120.json")
		inputs := []Input{{Key: "stripe-v90", Doc: v90}, {Key: "stripe-v120", Doc: v120}}
		peak := startHeapPeak()
		b.ResetTimer()
		for b.Loop() {
			if _, _, err := Merge(inputs, Options{}); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		peak.report(b)
	})
	b.Run("load+merge", func(b *testing.B) {
		peak := startHeapPeak()
		for b.Loop() {
			var inputs []Input
			for i, key := range []string{"stripe-v90", "stripe-v120"} {
				res := validate.Load(ctx, pair[i], validate.Options{})
				if res.Doc == nil {
					b.Fatalf("%s does not load", key)
				}
				inputs = append(inputs, Input{Key: key, Doc: res.Doc})
			}
			if _, _, err := Merge(inputs, Options{}); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		peak.report(b)
	})
}
