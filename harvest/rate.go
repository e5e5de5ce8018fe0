package harvest

import (
	"sync"
	"time"
)

// pacer spaces requests to one host evenly at a fixed rate: a token
// bucket holding a single token. A burst of one is the polite choice for
// Xano's free plan (10 requests per 20 s becomes one every 2 s, which
// never trips the window however the requests fall).
type pacer struct {
	interval time.Duration
	now      func() time.Time

	mu   sync.Mutex
	next time.Time // the earliest start of the next request
}

func newPacer(perSecond float64, now func() time.Time) *pacer {
	return &pacer{interval: time.Duration(float64(time.Second) / perSecond), now: now}
}

// reserve books the next free start time and says how long to wait for
// it. A reservation abandoned because the run ended is simply lost, which
// only makes the pace slower.
func (p *pacer) reserve() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	start := now
	if p.next.After(now) {
		start = p.next
	}
	p.next = start.Add(p.interval)
	return start.Sub(now)
}

// slowerThan says whether the pacer already allows fewer requests per
// second than perSecond.
func (p *pacer) slowerThan(perSecond float64) bool {
	return p.interval >= time.Duration(float64(time.Second)/perSecond)
}
