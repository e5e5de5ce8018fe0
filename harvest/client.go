package harvest

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"time"
)

// request is one GET this package makes. Header carries the credential
// (Authorization) and validators (If-None-Match).
type request struct {
	URL    string
	Header http.Header
}

// response is a whole answer: the body is read completely (up to the size
// cap) before a layer sees it, so a truncated body is an error that the
// retry layer can act on rather than a surprise for the caller.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// fetcher is the one interface the layers of the HTTP stack share. From
// the outside in: status check → retry → throttle (concurrency, per host,
// rate) → net/http with timeouts, redirect policy and body cap. Each layer
// has its own file and test.
type fetcher interface {
	fetch(ctx context.Context, req *request) (*response, error)
}

// fetcherFunc adapts a function to a fetcher, for tests and small layers.
type fetcherFunc func(ctx context.Context, req *request) (*response, error)

func (f fetcherFunc) fetch(ctx context.Context, req *request) (*response, error) { return f(ctx, req) }

// WaitFunc waits for d or until ctx is done, whichever comes first. It is
// injectable so tests of the retry and rate layers do not spend real time.
type WaitFunc func(ctx context.Context, d time.Duration) error

// waitTimer is the real WaitFunc: a timer raced against ctx, never a bare
// sleep, so a cancelled run stops waiting at once.
func waitTimer(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// stackConfig is what building the stack needs beyond Options.
type stackConfig struct {
	Options   Options
	Transport http.RoundTripper
	Logger    *slog.Logger
	Wait      WaitFunc
	Rand      func() float64 // in [0,1), for jitter
}

// stack is the layered client, with a handle on its throttle so that the
// crawl can slow down a host it learns is rate-limited.
type stack struct {
	top      fetcher
	throttle *throttle
}

func (s *stack) fetch(ctx context.Context, req *request) (*response, error) {
	return s.top.fetch(ctx, req)
}

// newStack builds the layered client. It is safe for concurrent use; the
// limits it enforces hold across all its callers.
func newStack(cfg stackConfig) *stack {
	opts := cfg.Options.withDefaults()
	if cfg.Wait == nil {
		cfg.Wait = waitTimer
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Float64
	}
	if cfg.Logger == nil {
		cfg.Logger = discardLogger()
	}
	th := newThrottle(newHTTPFetcher(cfg.Transport, opts.Timeout, opts.MaxSpecBytes), opts.Concurrency, opts.PerHost, opts.Rate, cfg.Wait)
	var f fetcher = &retrier{next: th, opts: opts, wait: cfg.Wait, rand: cfg.Rand, logger: cfg.Logger}
	return &stack{top: statusCheck{next: f}, throttle: th}
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
