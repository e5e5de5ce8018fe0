package merge

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

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

// BenchmarkMergeStreamXano streams the merge of 60 real-size groups (the
// two Xano fixtures, 30 copies each under their own keys) to JSON and
// YAML, as a nightly run writes merged.json and merged.yaml; the models
// are loaded once, outside the timing.
func BenchmarkMergeStreamXano(b *testing.B) {
	var docs []*openapi3.T
	for _, name := range []string{"apigroup-mobile-native.openapi.json", "instance-metadata-api-2025-03.openapi.json"} {
		data, err := os.ReadFile(filepath.Join("..", "harvest", "xanotest", "testdata", name))
		if err != nil {
			b.Fatal(err)
		}
		doc, ok := loadThroughValidate(b, data, name)
		if !ok {
			b.Fatalf("%s does not load", name)
		}
		docs = append(docs, doc)
	}
	const groups = 60
	stream := make([]StreamInput, groups)
	for i := range stream {
		key := fmt.Sprintf("prod/ws%d/group-%02d", i%5, i)
		stream[i] = StreamInput{Key: key, Instance: "prod", Workspace: fmt.Sprintf("ws%d", i%5), Group: fmt.Sprintf("group-%02d", i), Digest: DigestOf(docs[i%2])}
	}
	load := func(i int, each func(*openapi3.T) error) error { return each(docs[i%2]) }
	var jsonOut, yamlOut bytes.Buffer
	for b.Loop() {
		jsonOut.Reset()
		yamlOut.Reset()
		if _, err := MergeStream(stream, load, StreamOptions{Concurrency: 2}, &jsonOut, &yamlOut); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(jsonOut.Len())/(1<<20), "MB-json")
	b.ReportMetric(float64(yamlOut.Len())/(1<<20), "MB-yaml")
}
