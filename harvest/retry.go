package harvest

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// retrier repeats a request that failed for a reason that may pass: a
// network error, an attempt's timeout, a truncated body, a 5xx, a 429, or
// an HTML page where JSON or YAML was expected.
// It does not repeat what will not change — 401, 403, 404, other 4xx, a
// 500 that says "Access Denied.", a body over the size cap, a redirect
// loop — nor anything once the run's context is done.
//
// Waits are jittered so that many groups failing together do not retry
// together. After a 429 it honours Retry-After (seconds or an HTTP date,
// capped at MaxRetryAfter); without one it waits RateLimitBackoff, which by
// default clears Xano's 20-second free-plan window, doubling each time.
type retrier struct {
	next   fetcher
	opts   Options
	wait   WaitFunc
	rand   func() float64
	now    func() time.Time
	logger *slog.Logger
}

func (r *retrier) fetch(ctx context.Context, req *request) (*response, error) {
	for attempt := 0; ; attempt++ {
		resp, err := r.next.fetch(ctx, req)
		if ctx.Err() != nil {
			if err == nil {
				err = ctx.Err()
			}
			return nil, err
		}
		delay, retry := r.decide(attempt, resp, err)
		if !retry || attempt >= r.opts.Retries {
			return resp, err
		}
		attrs := []slog.Attr{slog.String("url", RedactURL(req.URL)), slog.Int("attempt", attempt+1), slog.Duration("wait", delay)}
		if resp != nil {
			attrs = append(attrs, slog.Int("status", resp.Status))
		} else {
			attrs = append(attrs, slog.String("error", err.Error()))
		}
		r.logger.LogAttrs(ctx, slog.LevelDebug, "retrying request", attrs...)
		if werr := r.wait(ctx, delay); werr != nil {
			if err == nil {
				err = &FetchError{URL: RedactURL(req.URL), Status: resp.Status, Err: werr}
			}
			return nil, err
		}
	}
}

// decide says whether an outcome is worth another attempt and how long to
// wait first.
func (r *retrier) decide(attempt int, resp *response, err error) (time.Duration, bool) {
	if err != nil {
		if errors.Is(err, ErrBodyTooLarge) || errors.Is(err, ErrTooManyRedirects) || isPermanentRequestError(err) {
			return 0, false
		}
		return r.backoff(r.opts.Backoff, attempt), true
	}
	switch {
	case resp.Status == http.StatusTooManyRequests:
		if d, ok := r.retryAfter(resp.Header.Get("Retry-After")); ok {
			return d, true
		}
		return r.rateLimitBackoff(attempt), true
	case resp.Status == http.StatusNotImplemented || isAccessDenied(resp):
		return 0, false
	case resp.Status >= 200 && resp.Status < 300 && looksLikeHTML(resp):
		return r.backoff(r.opts.Backoff, attempt), true
	case resp.Status >= 500:
		if d, ok := r.retryAfter(resp.Header.Get("Retry-After")); ok && resp.Status == http.StatusServiceUnavailable {
			return d, true
		}
		return r.backoff(r.opts.Backoff, attempt), true
	}
	return 0, false
}

// backoff is base·2^attempt, capped at MaxBackoff, with jitter taking it
// down to half: a spread that still guarantees most of the intended pause.
func (r *retrier) backoff(base time.Duration, attempt int) time.Duration {
	limit := max(r.opts.MaxBackoff, base)
	d := base
	for i := 0; i < attempt && d < limit; i++ {
		d *= 2
	}
	d = min(d, limit)
	return d/2 + time.Duration(r.rand()*float64(d/2))
}

// rateLimitBackoff is the wait after a 429 that did not say how long:
// RateLimitBackoff doubling each time, capped at MaxRetryAfter, with jitter
// only on top, so that even the first wait clears a window of
// RateLimitBackoff (Xano's free plan counts 20 s).
func (r *retrier) rateLimitBackoff(attempt int) time.Duration {
	d := r.opts.RateLimitBackoff
	for i := 0; i < attempt && d < r.opts.MaxRetryAfter; i++ {
		d *= 2
	}
	d = min(d, max(r.opts.MaxRetryAfter, r.opts.RateLimitBackoff))
	return d + time.Duration(r.rand()*float64(d/4))
}

// retryAfter parses Retry-After as seconds or as an HTTP date, capped at
// MaxRetryAfter; a date in the past means "now".
func (r *retrier) retryAfter(v string) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		d = time.Duration(min(secs, int64(r.opts.MaxRetryAfter/time.Second)+1)) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		now := time.Now
		if r.now != nil {
			now = r.now
		}
		d = max(t.Sub(now()), 0)
	} else {
		return 0, false
	}
	return min(d, r.opts.MaxRetryAfter), true
}

// isPermanentRequestError is a request that could not even be built.
func isPermanentRequestError(err error) bool {
	return errors.Is(err, errInvalidURL)
}
