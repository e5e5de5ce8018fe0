package harvest

import (
	"context"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/specharvest/specharvest/harvest/xanotest"
)

// BenchmarkCrawlFleet crawls a generated fleet through each route with
// 20 ms latency on every request, concurrency 16 and per_host 4, and
// reports the wall time against the ideal for those limits,
//
//	ideal = requests × latency ÷ min(concurrency, instances × per_host),
//
// and the live heap at its peak: the process's (simulator included) and
// the crawl's own share above the live heap it started with. The emit
// discards bodies, as a streaming store does. The default fleet has 2,000
// groups (20 × 5 × 20); SPECHARVEST_BENCH_GROUPS=10000 (or any multiple
// of 100) scales the groups per workspace to check that the heap does
// not grow with the fleet.
func BenchmarkCrawlFleet(b *testing.B) {
	const (
		instances   = 20
		workspaces  = 5
		latency     = 20 * time.Millisecond
		concurrency = 16
		perHost     = 4
	)
	groups := 2000
	if v := os.Getenv("SPECHARVEST_BENCH_GROUPS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < instances*workspaces {
			b.Fatalf("SPECHARVEST_BENCH_GROUPS=%q: want a number ≥ %d", v, instances*workspaces)
		}
		groups = n
	}
	fleet := xanotest.Generate(xanotest.GenOptions{Seed: 1, Instances: instances, Workspaces: workspaces,
		Groups: groups / (instances * workspaces), Endpoints: 8})
	for _, route := range []string{SourceXano, SourceXanoMeta} {
		b.Run(route, func(b *testing.B) {
			srv, err := xanotest.Start(context.Background(), xanotest.Options{Fleet: fleet, Latency: latency})
			if err != nil {
				b.Fatal(err)
			}
			defer srv.Close()
			src := Source{Name: "bench", Type: route, Master: srv.Master(), APIKey: srv.APIKey(), Token: srv.MetaToken()}
			c := &Crawler{Options: Options{Concurrency: concurrency, PerHost: perHost, Timeout: 30 * time.Second,
				Retries: 2, Deadline: 10 * time.Minute}}
			crawl := func() {
				var got atomic.Int64
				report, err := c.Crawl(context.Background(), []Source{src}, func(ctx context.Context, s Spec) error {
					if s.Err == nil {
						got.Add(1)
					}
					return nil
				})
				if err != nil || int(got.Load()) != len(fleet.Groups()) || len(report.Failed) != 0 {
					b.Fatalf("crawl: %v; %d of %d groups; failed %v", err, got.Load(), len(fleet.Groups()), report.Failed)
				}
			}
			// An untimed first crawl makes the simulator render and cache
			// every document, so the figures measure the crawler, not the
			// simulator's rendering.
			crawl()
			var wall time.Duration
			var requests int
			var peak, baseline uint64
			for i := 0; i < b.N; i++ {
				srv.ResetStats()
				runtime.GC()
				baseline = max(baseline, liveHeap())
				stop := sampleHeap(&peak)
				start := time.Now()
				crawl()
				wall += time.Since(start)
				stop()
				for _, n := range srv.Stats().Routes {
					requests += n
				}
			}
			effective := min(concurrency, instances*perHost)
			ideal := time.Duration(float64(requests/b.N) * float64(latency) / float64(effective))
			perRun := wall / time.Duration(b.N)
			b.ReportMetric(perRun.Seconds(), "wall-s")
			b.ReportMetric(ideal.Seconds(), "ideal-s")
			b.ReportMetric(perRun.Seconds()/ideal.Seconds(), "ratio")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
			// The process heap includes the simulator's document cache,
			// which grows with the fleet; what the crawl adds on top of
			// the heap before it started is the crawler's own footprint.
			b.ReportMetric(float64(peak-min(peak, baseline))/(1<<20), "crawl-heap-MB")
			b.ReportMetric(float64(requests/b.N), "requests")
		})
	}
}

// liveHeap is the heap the last garbage collection found reachable:
// unlike the heap in use, it does not count garbage awaiting collection,
// whose amount depends on GOGC and on everything else in the process.
func liveHeap() uint64 {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(sample)
	return sample[0].Value.Uint64()
}

// sampleHeap records the peak of liveHeap every few milliseconds until the
// returned stop is called. It reads runtime/metrics, which unlike
// ReadMemStats does not stop the world, so sampling does not slow the
// crawl it measures.
func sampleHeap(peak *uint64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			*peak = max(*peak, liveHeap())
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}
