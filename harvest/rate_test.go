package harvest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"
)

func TestPacerSpacesRequests(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := newPacer(0.5, func() time.Time { return now }) // Xano free plan: 10 per 20 s
	var waits []time.Duration
	for i := 0; i < 4; i++ {
		waits = append(waits, p.reserve())
	}
	want := []time.Duration{0, 2 * time.Second, 4 * time.Second, 6 * time.Second}
	for i := range want {
		if waits[i] != want[i] {
			t.Fatalf("waits %v, want %v", waits, want)
		}
	}
	now = now.Add(10 * time.Second) // idle time earns no burst beyond one request
	if a, b := p.reserve(), p.reserve(); a != 0 || b != 2*time.Second {
		t.Fatalf("after idle: %s, %s; want 0s, 2s", a, b)
	}
}

func TestRateOverHTTP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	f := newStack(stackConfig{Options: Options{Concurrency: 8, PerHost: 8, Rate: 40, Timeout: 5 * time.Second}})
	start := time.Now()
	var g errgroup.Group
	for i := 0; i < 6; i++ {
		g.Go(func() error { _, err := f.fetch(context.Background(), &request{URL: srv.URL}); return err })
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	// 6 requests at 40/s: the last may start only 5 × 25 ms after the first.
	if took := time.Since(start); took < 125*time.Millisecond {
		t.Fatalf("6 requests at 40/s took only %s", took)
	}
}
