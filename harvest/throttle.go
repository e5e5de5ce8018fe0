package harvest

import (
	"context"
	"net/url"
	"sync"
	"time"
)

// throttle bounds requests in flight: at most perHost to one host (host
// and port) and at most global over the whole run, optionally paced by a
// per-host rate. It limits requests, not goroutines: a listing waiting for
// its children holds no slot, so listings and documents cannot starve
// each other.
//
// A request takes its host's slot first and a global slot last. Taking
// the global slot first would let requests queued behind one busy host sit
// on global slots that requests to idle hosts could use.
type throttle struct {
	next    fetcher
	global  chan struct{}
	perHost int
	rate    float64
	wait    WaitFunc
	now     func() time.Time

	mu    sync.Mutex
	hosts map[string]*hostLimit
}

// hostLimit is one host's semaphore and pacing.
type hostLimit struct {
	slots  chan struct{}
	pacing *pacer // nil when unlimited
}

func newThrottle(next fetcher, global, perHost int, rate float64, wait WaitFunc) *throttle {
	return &throttle{
		next:    next,
		global:  make(chan struct{}, global),
		perHost: perHost,
		rate:    rate,
		wait:    wait,
		now:     time.Now,
		hosts:   map[string]*hostLimit{},
	}
}

func (t *throttle) host(raw string) *hostLimit {
	host := raw
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		host = u.Host
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	h, ok := t.hosts[host]
	if !ok {
		h = &hostLimit{slots: make(chan struct{}, t.perHost)}
		if t.rate > 0 {
			h.pacing = newPacer(t.rate, t.now)
		}
		t.hosts[host] = h
	}
	return h
}

// paceHost sets a host's rate when it is slower than the configured one:
// an instance the listing says is rate-limited is paced before it has to
// say 429.
func (t *throttle) paceHost(rawURL string, perSecond float64) {
	if perSecond <= 0 || (t.rate > 0 && t.rate <= perSecond) {
		return
	}
	h := t.host(rawURL)
	t.mu.Lock()
	defer t.mu.Unlock()
	if h.pacing == nil || !h.pacing.slowerThan(perSecond) {
		h.pacing = newPacer(perSecond, t.now)
	}
}

func (t *throttle) fetch(ctx context.Context, req *request) (*response, error) {
	h := t.host(req.URL)
	if err := acquire(ctx, h.slots); err != nil {
		return nil, &FetchError{URL: RedactURL(req.URL), Err: err}
	}
	defer func() { <-h.slots }()
	t.mu.Lock()
	pacing := h.pacing
	t.mu.Unlock()
	if pacing != nil {
		if err := t.wait(ctx, pacing.reserve()); err != nil {
			return nil, &FetchError{URL: RedactURL(req.URL), Err: err}
		}
	}
	if err := acquire(ctx, t.global); err != nil {
		return nil, &FetchError{URL: RedactURL(req.URL), Err: err}
	}
	defer func() { <-t.global }()
	return t.next.fetch(ctx, req)
}

func acquire(ctx context.Context, sem chan struct{}) error {
	select {
	case sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
