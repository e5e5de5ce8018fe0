package harvest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"
)

// gauge tracks requests in flight and their peak.
type gauge struct {
	mu        sync.Mutex
	now, peak int
}

func (g *gauge) enter() {
	g.mu.Lock()
	g.now++
	g.peak = max(g.peak, g.now)
	g.mu.Unlock()
}

func (g *gauge) leave() {
	g.mu.Lock()
	g.now--
	g.mu.Unlock()
}

func (g *gauge) max() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.peak
}

func TestThrottleLimitsPerHostAndGlobally(t *testing.T) {
	total := &gauge{}
	hosts := make([]*gauge, 3)
	servers := make([]*httptest.Server, 3)
	for i := range servers {
		g := &gauge{}
		hosts[i] = g
		servers[i] = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			g.enter()
			total.enter()
			time.Sleep(15 * time.Millisecond) // server-side latency, so requests overlap
			total.leave()
			g.leave()
		}))
		defer servers[i].Close()
	}
	f := newStack(stackConfig{Options: Options{Concurrency: 5, PerHost: 2, Timeout: 5 * time.Second}})
	var g errgroup.Group
	for i := 0; i < 60; i++ {
		g.Go(func() error {
			_, err := f.fetch(context.Background(), &request{URL: servers[i%3].URL})
			return err
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	for i, h := range hosts {
		if h.max() > 2 {
			t.Errorf("host %d saw %d requests at once, limit 2", i, h.max())
		}
	}
	if total.max() > 5 {
		t.Errorf("%d requests in flight, global limit 5", total.max())
	}
	if total.max() < 4 {
		t.Errorf("only %d requests at once: the limits serialise more than they should", total.max())
	}
}

func TestThrottleWaitingHostDoesNotHoldGlobalSlots(t *testing.T) {
	// One slow host with many queued requests must not keep a fast host
	// from using the global slots.
	slowRelease := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-slowRelease:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	fast := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer fast.Close()
	defer close(slowRelease)

	f := newStack(stackConfig{Options: Options{Concurrency: 2, PerHost: 1, Timeout: 10 * time.Second}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for i := 0; i < 10; i++ {
		go f.fetch(ctx, &request{URL: slow.URL})
	}
	time.Sleep(50 * time.Millisecond)
	done := make(chan error, 1)
	go func() {
		_, err := f.fetch(ctx, &request{URL: fast.URL})
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("the fast host starved behind the slow host's queue")
	}
}

func TestPaceHostSlowsOnlyThatHost(t *testing.T) {
	var mu sync.Mutex
	var waits []time.Duration // every wait of either host
	ok := fetcherFunc(func(ctx context.Context, req *request) (*response, error) { return &response{Status: 200}, nil })
	th := newThrottle(ok, 4, 4, 0, func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		waits = append(waits, d)
		mu.Unlock()
		return nil
	})
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	th.now = func() time.Time { return now }
	th.paceHost("http://free.example/api:meta", freePlanRate)
	for i := 0; i < 3; i++ {
		th.fetch(context.Background(), &request{URL: "http://free.example/api:meta/workspace"})
		th.fetch(context.Background(), &request{URL: "http://paid.example/api:meta/workspace"})
	}
	want := []time.Duration{0, 2 * time.Second, 4 * time.Second}
	if len(waits) != len(want) || waits[1] != want[1] || waits[2] != want[2] {
		t.Fatalf("waits %v, want %v from the free host and none from the paid one", waits, want)
	}

	// A configured rate slower than the plan's is kept.
	slow := newThrottle(ok, 4, 4, 0.1, nil)
	slow.paceHost("http://free.example/", freePlanRate)
	if h := slow.host("http://free.example/"); h.pacing == nil || h.pacing.interval != 10*time.Second {
		t.Fatalf("the slower configured rate was replaced")
	}
}
