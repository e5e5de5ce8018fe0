package harvest

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// scripted answers each call with the next outcome and records the waits
// the retrier asked for.
type scripted struct {
	mu       sync.Mutex
	outcomes []func() (*response, error)
	calls    int
	waits    []time.Duration
}

func (s *scripted) fetch(ctx context.Context, req *request) (*response, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := min(s.calls, len(s.outcomes)-1)
	s.calls++
	return s.outcomes[i]()
}

func (s *scripted) wait(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waits = append(s.waits, d)
	return ctx.Err()
}

func status(code int, header ...string) func() (*response, error) {
	return func() (*response, error) {
		h := http.Header{}
		for i := 0; i+1 < len(header); i += 2 {
			h.Set(header[i], header[i+1])
		}
		return &response{Status: code, Header: h, Body: []byte(`{}`)}, nil
	}
}

func body(code int, b string) func() (*response, error) {
	return func() (*response, error) { return &response{Status: code, Header: http.Header{}, Body: []byte(b)}, nil }
}

func failure(err error) func() (*response, error) {
	return func() (*response, error) { return nil, &FetchError{URL: "u", Err: err} }
}

func newTestRetrier(s *scripted, retries int) *retrier {
	opts := Options{Retries: retries, Backoff: time.Second, MaxBackoff: 8 * time.Second,
		RateLimitBackoff: 20 * time.Second, MaxRetryAfter: 60 * time.Second}
	return &retrier{next: s, opts: opts, wait: s.wait, rand: func() float64 { return 0.5 },
		now: func() time.Time { return time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC) }, logger: discardLogger()}
}

func TestRetryTransientThenSuccess(t *testing.T) {
	s := &scripted{outcomes: []func() (*response, error){
		status(503), failure(errors.New("connection reset")), failure(errTimeout), status(200, "Content-Type", "text/html"), status(200)}}
	resp, err := newTestRetrier(s, 5).fetch(context.Background(), &request{URL: "http://h/doc"})
	if err != nil || resp.Status != 200 || s.calls != 5 {
		t.Fatalf("got %v %v after %d calls", resp, err, s.calls)
	}
	// base 1s doubling, capped at 8s, jitter 0.5 → 3/4 of each step.
	want := []time.Duration{750 * time.Millisecond, 1500 * time.Millisecond, 3 * time.Second, 6 * time.Second}
	if !slices.Equal(s.waits, want) {
		t.Fatalf("waits %v, want %v", s.waits, want)
	}
}

func TestRetryBackoffIsCappedAndJittered(t *testing.T) {
	s := &scripted{outcomes: []func() (*response, error){status(500)}}
	r := newTestRetrier(s, 8)
	r.rand = func() float64 { return 0.999 }
	r.fetch(context.Background(), &request{URL: "http://h/doc"})
	for _, w := range s.waits {
		if w > 8*time.Second || w < 500*time.Millisecond {
			t.Fatalf("wait %s outside [base/2, cap]", w)
		}
	}
	if s.calls != 9 {
		t.Fatalf("want 1 try + 8 retries, got %d calls", s.calls)
	}
}

func TestRetryTooManyRequests(t *testing.T) {
	date := time.Date(2026, 11, 27, 2, 0, 30, 0, time.UTC).Format(http.TimeFormat)
	cases := []struct {
		name string
		resp func() (*response, error)
		want time.Duration
	}{
		{"seconds", status(429, "Retry-After", "7"), 7 * time.Second},
		{"http-date", status(429, "Retry-After", date), 30 * time.Second},
		{"capped", status(429, "Retry-After", "3600"), 60 * time.Second},
		{"absent: clear the free-plan window", status(429), 22500 * time.Millisecond}, // 20s, jitter 0.5 of a quarter on top
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := &scripted{outcomes: []func() (*response, error){c.resp, status(200)}}
			resp, err := newTestRetrier(s, 3).fetch(context.Background(), &request{URL: "http://h/doc"})
			if err != nil || resp.Status != 200 {
				t.Fatalf("got %v %v", resp, err)
			}
			if len(s.waits) != 1 || s.waits[0] != c.want {
				t.Fatalf("waits %v, want [%s]", s.waits, c.want)
			}
		})
	}
}

func TestNoRetryOnPermanentAnswers(t *testing.T) {
	cases := map[string]func() (*response, error){
		"401":           status(401),
		"403":           status(403),
		"404":           status(404),
		"access denied": body(500, `{"code":"ERROR_FATAL","message":"Access Denied."}`),
		"too large":     failure(ErrBodyTooLarge),
		"redirect loop": failure(ErrTooManyRedirects),
	}
	for name, outcome := range cases {
		t.Run(name, func(t *testing.T) {
			s := &scripted{outcomes: []func() (*response, error){outcome, status(200)}}
			newTestRetrier(s, 5).fetch(context.Background(), &request{URL: "http://h/doc"})
			if s.calls != 1 || len(s.waits) != 0 {
				t.Fatalf("retried a permanent answer: %d calls, waits %v", s.calls, s.waits)
			}
		})
	}
}

func TestRetryRateLimitBackoffGrowsAndIsCapped(t *testing.T) {
	s := &scripted{outcomes: []func() (*response, error){status(429)}}
	r := newTestRetrier(s, 4)
	r.rand = func() float64 { return 0 }
	r.fetch(context.Background(), &request{URL: "http://h/doc"})
	want := []time.Duration{20 * time.Second, 40 * time.Second, 60 * time.Second, 60 * time.Second}
	if !slices.Equal(s.waits, want) {
		t.Fatalf("waits %v, want %v", s.waits, want)
	}
}

func TestRetryGivesUpWithLastAnswer(t *testing.T) {
	s := &scripted{outcomes: []func() (*response, error){status(503)}}
	resp, err := newTestRetrier(s, 2).fetch(context.Background(), &request{URL: "http://h/doc"})
	if err != nil || resp.Status != 503 || s.calls != 3 {
		t.Fatalf("want the last 503 after 3 calls, got %v %v %d", resp, err, s.calls)
	}
}

func TestRetryStopsWhenContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s := &scripted{outcomes: []func() (*response, error){func() (*response, error) { cancel(); return status(503)() }}}
	_, err := newTestRetrier(s, 5).fetch(ctx, &request{URL: "http://h/doc"})
	if !errors.Is(err, context.Canceled) || s.calls != 1 {
		t.Fatalf("want a prompt cancel, got %v after %d calls", err, s.calls)
	}
}

// TestStackRetriesOverHTTP runs the whole stack against a real server: two
// 503s, a 429 with Retry-After, then the document.
func TestStackRetriesOverHTTP(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) {
		case 1, 2:
			w.WriteHeader(http.StatusServiceUnavailable)
		case 3:
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
		default:
			w.Write([]byte(`{"openapi":"3.0.0"}`))
		}
	}))
	defer srv.Close()
	var waited []time.Duration
	var mu sync.Mutex
	f := newStack(stackConfig{Options: Options{Retries: 3, Timeout: 5 * time.Second},
		Wait: func(ctx context.Context, d time.Duration) error {
			mu.Lock()
			waited = append(waited, d)
			mu.Unlock()
			return nil
		}})
	resp, err := f.fetch(context.Background(), &request{URL: srv.URL})
	if err != nil || string(resp.Body) != `{"openapi":"3.0.0"}` {
		t.Fatalf("got %v, %v", resp, err)
	}
	if len(waited) != 3 || waited[2] != time.Second {
		t.Fatalf("waits %v: want two backoffs then Retry-After's 1s", waited)
	}

	n.Store(0)
	f = newStack(stackConfig{Options: Options{Retries: 1, Timeout: 5 * time.Second},
		Wait: func(ctx context.Context, d time.Duration) error { return nil }})
	_, err = f.fetch(context.Background(), &request{URL: srv.URL + "?token=x"})
	var fe *FetchError
	if !errors.As(err, &fe) || fe.Status != 503 || fe.URL != srv.URL+"?token=REDACTED" {
		t.Fatalf("want a 503 FetchError with a redacted URL, got %v", err)
	}
}
