package harvest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"
)

// httpFetcher is the bottom of the stack: one GET through net/http, with a
// timeout over headers and body together, the redirect policy of
// redirect.go, and a body cap that stops reading at the limit rather than
// after it.
type httpFetcher struct {
	client   *http.Client
	timeout  time.Duration
	maxBytes int64
}

func newHTTPFetcher(rt http.RoundTripper, timeout time.Duration, maxBytes int64) *httpFetcher {
	if rt == nil {
		rt = newTransport()
	}
	return &httpFetcher{
		client:   &http.Client{Transport: rt, CheckRedirect: checkRedirect},
		timeout:  timeout,
		maxBytes: maxBytes,
	}
}

// newTransport is net/http's default transport with bounds on the phases
// that the per-request timeout would otherwise be the only guard for, and
// enough idle connections per host for the per-host limit to reuse them.
func newTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   32,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   15 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// errorBodyBytes is how much of a non-2xx body is kept.
const errorBodyBytes = 4 << 10

// errTimeout is the cause recorded when one attempt ran out of time while
// the run itself still had some; the retry layer treats it as transient.
var errTimeout = errors.New("request timed out")

// errInvalidURL is a URL net/http cannot request; the message does not
// quote it, since the URL may carry a token.
var errInvalidURL = errors.New("invalid URL")

func (h *httpFetcher) fetch(ctx context.Context, req *request) (*response, error) {
	actx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	hreq, err := http.NewRequestWithContext(actx, http.MethodGet, req.URL, nil)
	if err != nil {
		// url.Parse errors quote the URL; say only what is wrong.
		return nil, &FetchError{URL: RedactURL(req.URL), Err: errInvalidURL}
	}
	for k, vs := range req.Header {
		hreq.Header[k] = vs
	}
	if hreq.Header.Get("Accept") == "" {
		hreq.Header.Set("Accept", "application/json, application/yaml;q=0.9, */*;q=0.8")
	}
	resp, err := h.client.Do(hreq)
	if err != nil {
		return nil, &FetchError{URL: RedactURL(req.URL), Err: h.cause(ctx, actx, err)}
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		// An error's body matters only for its first words ("Access
		// Denied."); it must not count against, or trip, the document cap.
		body, _ := io.ReadAll(io.LimitReader(resp.Body, errorBodyBytes))
		return &response{Status: resp.StatusCode, Header: resp.Header, Body: body}, nil
	}
	body, err := h.readBody(resp)
	if err != nil {
		return nil, &FetchError{URL: RedactURL(req.URL), Err: h.cause(ctx, actx, err)}
	}
	return &response{Status: resp.StatusCode, Header: resp.Header, Body: body}, nil
}

// cause strips the url.Error wrapper — its message quotes the full URL,
// token and all — and tells an attempt's timeout apart from the run's end.
func (h *httpFetcher) cause(ctx, actx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if actx.Err() != nil {
		return fmt.Errorf("%w after %s", errTimeout, h.timeout)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// readBody reads at most maxBytes; one byte more means the body is too
// large, and reading stops there.
func (h *httpFetcher) readBody(resp *http.Response) ([]byte, error) {
	if resp.ContentLength > h.maxBytes {
		return nil, fmt.Errorf("%w of %d bytes (Content-Length %d)", ErrBodyTooLarge, h.maxBytes, resp.ContentLength)
	}
	capacity := int64(16 << 10)
	if resp.ContentLength > 0 {
		capacity = resp.ContentLength
	}
	buf := make([]byte, 0, capacity)
	w := &cappedBuffer{buf: buf}
	n, err := io.Copy(w, io.LimitReader(resp.Body, h.maxBytes+1))
	if err != nil {
		return nil, err
	}
	if n > h.maxBytes {
		return nil, fmt.Errorf("%w of %d bytes", ErrBodyTooLarge, h.maxBytes)
	}
	return w.buf, nil
}

// cappedBuffer is a minimal append-only writer; bytes.Buffer would double
// its capacity past the cap for a body that just fits.
type cappedBuffer struct{ buf []byte }

func (c *cappedBuffer) Write(p []byte) (int, error) {
	c.buf = append(c.buf, p...)
	return len(p), nil
}
