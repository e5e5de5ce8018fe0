package harvest

import (
	"errors"
	"fmt"
	"net/http"
)

// Errors a caller may test for with errors.Is.
var (
	// ErrBodyTooLarge: the body exceeded Options.MaxSpecBytes; reading
	// stopped at the limit.
	ErrBodyTooLarge = errors.New("body larger than the limit")
	// ErrAccessDenied: Xano answered 500 with "Access Denied." — a plan or
	// permission limit, not a transient failure, so it is never retried.
	ErrAccessDenied = errors.New("access denied")
	// ErrTooManyRedirects: the redirect chain was longer than maxRedirects.
	ErrTooManyRedirects = errors.New("too many redirects")
	// ErrHTMLPage: a 2xx answer that is a web page, not JSON or YAML. It
	// is retried (portals and gateways pass), then reported.
	ErrHTMLPage = errors.New("answered with an HTML page, not a document")
	// ErrPagingLoop: a paged listing whose nextPage does not advance, or
	// that never ends.
	ErrPagingLoop = errors.New("paging does not advance")
)

// FetchError is a request that failed for good: after the retries it was
// allowed, or at once for an answer that retrying cannot change (401, 403,
// 404, "Access Denied."). URL has its secrets removed; Status is 0 when no
// HTTP answer arrived (network error, timeout, oversized body).
type FetchError struct {
	Op     string // what was being fetched, e.g. `workspaces of instance "prod"`; may be empty
	URL    string // redacted
	Status int
	Err    error // the cause, if any besides the status; never quotes a secret
}

// Error is redacted as a whole: the cause may come from net/http and
// quote a URL this package never built (a malformed Location header, a
// proxy's message), token and all.
func (e *FetchError) Error() string { return RedactText(e.message()) }

func (e *FetchError) message() string {
	what := e.URL
	if e.Op != "" {
		what = e.Op + " from " + e.URL
	}
	switch {
	case e.Status != 0 && e.Err != nil:
		return fmt.Sprintf("fetch %s: %d: %v", what, e.Status, e.Err)
	case e.Status != 0:
		return fmt.Sprintf("fetch %s: %d %s", what, e.Status, http.StatusText(e.Status))
	default:
		return fmt.Sprintf("fetch %s: %v", what, e.Err)
	}
}

func (e *FetchError) Unwrap() error { return e.Err }

// withOp names what a failed request was for, keeping the typed error.
func withOp(err error, op string) error {
	var fe *FetchError
	if errors.As(err, &fe) && fe.Op == "" {
		c := *fe
		c.Op = op
		return &c
	}
	if err != nil {
		return fmt.Errorf("fetch %s: %w", op, err)
	}
	return nil
}

// ScopeFailure is a listing that failed, so the groups under Prefix are
// unknown this time. Prefix is a key prefix: "prod" (the whole source),
// "prod/main" (an instance) or "prod/main/books" (a workspace). A caller
// carries a previous snapshot's groups under a failed prefix forward as
// stale rather than reporting them removed.
type ScopeFailure struct {
	Prefix string
	Err    error
}

// RedactError returns err with every secret-looking URL parameter and
// credential removed from its text, keeping it for errors.Is and
// errors.As. The crawl passes every error it records (a group's, a
// listing's) through it, so no caller has to remember to.
func RedactError(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := err.(*redactedError); ok {
		return err
	}
	return &redactedError{err: err}
}

type redactedError struct{ err error }

func (r *redactedError) Error() string { return RedactText(r.err.Error()) }
func (r *redactedError) Unwrap() error { return r.err }
