package xanotest

import (
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkGenerateLarge measures building a 10,000-group fleet and
// planning its next generation.
func BenchmarkGenerateLarge(b *testing.B) {
	for b.Loop() {
		f := Generate(GenOptions{Seed: 1, Instances: 10, Workspaces: 10, Groups: 100, Endpoints: 3})
		f.At(2)
	}
}

// BenchmarkCrawlDocuments fetches every document of a 2,000-group fleet
// with 16 concurrent requests and 20 ms latency, as the crawler benchmark
// does, and reports documents per second and the simulator's own cost per
// request beyond the latency.
func BenchmarkCrawlDocuments(b *testing.B) {
	fleet := Generate(GenOptions{Seed: 2, Instances: 4, Workspaces: 10, Groups: 50, Endpoints: 3})
	srv := NewServer(b, Options{Fleet: fleet, Latency: 20 * time.Millisecond})
	var urls []string
	for _, ref := range fleet.Groups() {
		urls = append(urls, docURL(srv, ref.Group))
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	var bytesRead atomic.Int64
	start := time.Now()
	for b.Loop() {
		next := make(chan string)
		var wg sync.WaitGroup
		for w := 0; w < 16; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for u := range next {
					resp, err := client.Get(u)
					if err != nil {
						b.Error(err)
						continue
					}
					n, _ := io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					bytesRead.Add(n)
				}
			}()
		}
		for _, u := range urls {
			next <- u
		}
		close(next)
		wg.Wait()
	}
	elapsed := time.Since(start)
	docs := float64(b.N * len(urls))
	b.ReportMetric(docs/elapsed.Seconds(), "docs/s")
	ideal := time.Duration(len(urls)/16) * 20 * time.Millisecond * time.Duration(b.N)
	b.ReportMetric(float64(elapsed-ideal)/docs/1e3, "overhead-µs/doc")
	b.ReportMetric(float64(bytesRead.Load())/docs, "bytes/doc")
}

// BenchmarkServeDocumentCached measures one cached document request
// without latency.
func BenchmarkServeDocumentCached(b *testing.B) {
	fleet := Generate(GenOptions{Seed: 3, Workspaces: 1, Groups: 4, Endpoints: 8})
	srv := NewServer(b, Options{Fleet: fleet})
	u := docURL(srv, fleet.Groups()[0].Group)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Get(u)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
}
