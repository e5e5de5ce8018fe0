package harvest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
)

// Crawler harvests every API group of its sources. Set the fields, then
// call Crawl; a Crawler may be reused for several crawls but not
// concurrently with itself.
type Crawler struct {
	Options Options
	// Logger receives structured lines (source, key, url without secrets,
	// status, took); nil discards them.
	Logger *slog.Logger
	// Known maps a key to the ETag its document had in the previous
	// snapshot; the request then carries If-None-Match, and a 304 comes
	// back as Spec{NotModified: true}.
	Known map[string]string
	// Progress, when set, is called concurrently after each group is
	// found, fetched or failed, with running totals for a progress line.
	Progress func(ProgressEvent)
	// Transport replaces the network, for tests; nil is net/http's.
	Transport http.RoundTripper
	// Wait and Rand replace the timers and jitter of retries and pacing,
	// for tests; nil means real timers and math/rand.
	Wait WaitFunc
	Rand func() float64
	// PageSize is per_page of paged Metadata API listings; 0 means 100.
	PageSize int
	// Previous are the keys given by the last snapshot: a group that had
	// a key keeps it, and a newcomer whose slug collides takes a suffix.
	Previous []PreviousKey
}

// ProgressKind says what just happened to a group.
type ProgressKind string

const (
	ProgressFound   ProgressKind = "found"
	ProgressFetched ProgressKind = "fetched" // includes not-modified
	ProgressFailed  ProgressKind = "failed"
)

// ProgressEvent is one step of the crawl with the running totals after it.
type ProgressEvent struct {
	Kind    ProgressKind
	Key     string
	Found   int
	Fetched int
	Failed  int
}

// CrawlReport is what a crawl found besides the specs it emitted.
type CrawlReport struct {
	Groups  int            // groups discovered (after include/exclude)
	Failed  []ScopeFailure // listings that failed, so the groups below them are unknown
	Sources []SourceResult // per source, in the order given
}

// SourceResult is one source's part of a crawl.
type SourceResult struct {
	Name    string
	Type    string
	Groups  int // discovered
	Fetched int // emitted with a body or as not modified
	Errors  int // emitted with Err set
	Failed  []ScopeFailure
	Took    time.Duration
}

// defaultPageSize is per_page for Metadata API listings: few requests
// for typical workspaces, small bodies.
const defaultPageSize = 100

// maxPages stops a listing whose server keeps inventing pages.
const maxPages = 10000

// Crawl walks every source concurrently and calls emit once for each
// group discovered, as soon as its document is fetched (or has failed:
// Spec.Err), from many goroutines at once. Nothing is buffered beyond the
// documents in flight, so memory depends on the limits, not on the size
// of the fleet.
//
// A failed document is emitted with its error; a failed listing is
// recorded in the report as a ScopeFailure, and the crawl carries on with
// everything else. Crawl returns an error only when it could not finish:
// a source is misconfigured (nothing is crawled), emit returned an error
// (the crawl stops at once and that error is returned), or ctx was
// cancelled or Options.Deadline passed. In the last two cases the report
// so far comes back too, and every source that had not finished is listed
// as a failed scope, so that a caller keeping what it has can carry the
// groups it did not receive forward as stale.
func (c *Crawler) Crawl(ctx context.Context, sources []Source, emit func(ctx context.Context, s Spec) error) (*CrawlReport, error) {
	for _, s := range sources {
		if err := s.Validate(); err != nil {
			return &CrawlReport{}, err
		}
	}
	opts := c.Options.withDefaults()
	ctx, cancel := context.WithTimeout(ctx, opts.Deadline)
	defer cancel()
	logger := c.Logger
	if logger == nil {
		logger = discardLogger()
	}
	cr := &crawl{
		c:        c,
		opts:     opts,
		logger:   logger,
		emitSpec: emit,
		maxPages: maxPages,
		book:     newKeyBook(c.Previous),
		http: newStack(stackConfig{Options: opts, Transport: c.Transport, Logger: logger,
			Wait: c.Wait, Rand: c.Rand}),
	}
	runs := make([]*sourceRun, len(sources))
	g, gctx := errgroup.WithContext(ctx)
	for i, s := range sources {
		run := &sourceRun{crawl: cr, src: s, result: SourceResult{Name: s.Name, Type: s.Type}}
		runs[i] = run
		g.Go(func() error {
			start := time.Now()
			err := run.run(gctx)
			run.mu.Lock()
			run.result.Took = time.Since(start)
			run.done = err == nil
			res := run.result
			run.mu.Unlock()
			logger.LogAttrs(gctx, slog.LevelInfo, "source crawled", slog.String("source", s.Name),
				slog.Int("groups", res.Groups), slog.Int("errors", res.Errors),
				slog.Int("failed_scopes", len(res.Failed)), slog.Duration("took", res.Took))
			return err
		})
	}
	err := g.Wait()
	report := &CrawlReport{}
	for _, run := range runs {
		if !run.done && err != nil {
			cause := err
			if ctx.Err() != nil {
				cause = ctx.Err()
			}
			run.fail(run.src.Name, fmt.Errorf("crawl stopped before the source was complete: %w", cause))
		}
		report.Groups += run.result.Groups
		report.Failed = append(report.Failed, run.result.Failed...)
		report.Sources = append(report.Sources, run.result)
	}
	if err != nil {
		var ee *emitError
		if !errors.As(err, &ee) && ctx.Err() != nil {
			err = ctx.Err()
		}
		return report, fmt.Errorf("crawl stopped: %w", err)
	}
	return report, nil
}

// crawl is the state of one Crawl call shared by all its sources.
type crawl struct {
	c        *Crawler
	opts     Options
	logger   *slog.Logger
	http     *stack
	emitSpec func(context.Context, Spec) error
	maxPages int
	book     keyBook

	found, fetched, failed atomic.Int64
}

func (cr *crawl) pageSize() int {
	if cr.c.PageSize > 0 {
		return cr.c.PageSize
	}
	return defaultPageSize
}

func (cr *crawl) progress(kind ProgressKind, key string) {
	var ev ProgressEvent
	switch kind {
	case ProgressFound:
		cr.found.Add(1)
	case ProgressFetched:
		cr.fetched.Add(1)
	case ProgressFailed:
		cr.failed.Add(1)
	}
	if cr.c.Progress == nil {
		return
	}
	ev = ProgressEvent{Kind: kind, Key: key, Found: int(cr.found.Load()),
		Fetched: int(cr.fetched.Load()), Failed: int(cr.failed.Load())}
	cr.c.Progress(ev)
}

// sourceRun is one source's crawl.
type sourceRun struct {
	*crawl
	src Source

	mu     sync.Mutex
	result SourceResult
	done   bool
}

func (s *sourceRun) run(ctx context.Context) error {
	f, err := newFilter(s.src.Include, s.src.Exclude)
	if err != nil {
		return err // Validate has checked the patterns already
	}
	switch s.src.Type {
	case SourceXano:
		err = s.crawlDeveloper(ctx, f)
	case SourceXanoMeta:
		err = s.crawlMeta(ctx, f)
	case SourceURL:
		err = s.crawlURLs(ctx, f)
	case SourceFiles:
		err = s.crawlFiles(ctx, f)
	default:
		return fmt.Errorf("source %q: unknown type %q", s.src.Name, s.src.Type)
	}
	if err != nil {
		return err
	}
	// Filters that turned away every name of answered listings are a
	// mistake in the config, not an account without groups: the source
	// fails (its previous groups are carried forward as stale), and the
	// message shows what the listings held. When a listing failed, that
	// failure already says why nothing matched.
	s.mu.Lock()
	failed := len(s.result.Failed) > 0
	s.mu.Unlock()
	if nm := f.noMatch(); nm != nil && !failed {
		s.fail(s.src.Name, fmt.Errorf("source %q: %w", s.src.Name, nm))
	}
	return nil
}

// fail records a listing that failed. An error caused by the end of the
// whole crawl is not a failure of this scope; Crawl reports it per source.
func (s *sourceRun) fail(prefix string, err error) {
	err = RedactError(s.withCredentialHint(err))
	s.mu.Lock()
	s.result.Failed = append(s.result.Failed, ScopeFailure{Prefix: prefix, Err: err})
	s.mu.Unlock()
	s.logger.LogAttrs(context.Background(), slog.LevelWarn, "listing failed", slog.String("source", s.src.Name),
		slog.String("scope", prefix), slog.String("error", err.Error()))
}

// failScope records a failed listing unless the crawl itself is ending,
// in which case it returns the context's error to stop the caller.
func (s *sourceRun) failScope(ctx context.Context, prefix string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	s.fail(prefix, err)
	return nil
}

// groupJob is one group found by a listing, ready to fetch.
type groupJob struct {
	key                       string
	instance, workspace, name string // display names
	url                       string // as the source gave it, secrets included
	file                      string // files: the resolved regular file to read
	ids                       []string
	header                    http.Header
	// fallback is tried when url answers 404 (the Metadata API's /openapi
	// on an older release): the group's documentation.link.
	fallback       string
	fallbackHeader http.Header
	// noPrimary is shared by the groups of one instance: once its /openapi
	// answered 404 and the fall-back worked, the instance is on an older
	// release, and its other groups go to the fall-back at once rather
	// than spending a 404 each.
	noPrimary *atomic.Bool
}

func (s *sourceRun) foundGroups(jobs []groupJob) {
	s.mu.Lock()
	s.result.Groups += len(jobs)
	s.mu.Unlock()
	for _, j := range jobs {
		s.progress(ProgressFound, j.key)
	}
}

// fetchGroup fetches one group's document and emits it. It returns an
// error only to stop the crawl: emit failed or the crawl is ending.
func (s *sourceRun) fetchGroup(ctx context.Context, j groupJob) error {
	spec := Spec{Key: j.key, Source: s.src.Name, Instance: j.instance, Workspace: j.workspace,
		Group: j.name, URL: RedactURL(j.url), IDs: j.ids}
	if j.url == "" {
		spec.Err = fmt.Errorf("group %q: %w", j.key, errNoDocumentURL)
		return s.emit(ctx, spec)
	}
	etag := s.c.Known[j.key]
	start := time.Now()
	var resp *response
	var err error
	skipPrimary := j.fallback != "" && j.noPrimary != nil && j.noPrimary.Load()
	if !skipPrimary {
		resp, err = s.get(ctx, j.url, j.header, etag)
	}
	var fe *FetchError
	if skipPrimary || j.fallback != "" && errors.As(err, &fe) && fe.Status == http.StatusNotFound {
		if !skipPrimary {
			s.logger.LogAttrs(ctx, slog.LevelDebug, "openapi endpoint missing, using documentation link",
				slog.String("source", s.src.Name), slog.String("key", j.key), slog.String("url", RedactURL(j.fallback)))
		}
		spec.URL = RedactURL(j.fallback)
		resp, err = s.get(ctx, j.fallback, j.fallbackHeader, etag)
		if err == nil && j.noPrimary != nil {
			j.noPrimary.Store(true)
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	took := time.Since(start)
	attrs := []slog.Attr{slog.String("source", s.src.Name), slog.String("key", j.key),
		slog.String("url", spec.URL), slog.Duration("took", took)}
	switch {
	case err != nil:
		spec.Err = RedactError(withOp(err, fmt.Sprintf("document of group %q", j.key)))
		s.logger.LogAttrs(ctx, slog.LevelWarn, "group failed", append(attrs, slog.String("error", spec.Err.Error()))...)
	case resp.Status == http.StatusNotModified:
		spec.NotModified = true
		spec.ETag = etag
		if e := resp.Header.Get("ETag"); e != "" {
			spec.ETag = e
		}
		s.logger.LogAttrs(ctx, slog.LevelDebug, "group not modified", append(attrs, slog.Int("status", resp.Status))...)
	default:
		spec.Body = resp.Body
		spec.ETag = resp.Header.Get("ETag")
		s.logger.LogAttrs(ctx, slog.LevelDebug, "group fetched", append(attrs, slog.Int("status", resp.Status),
			slog.Int("bytes", len(resp.Body)))...)
	}
	return s.emit(ctx, spec)
}

func (s *sourceRun) emit(ctx context.Context, spec Spec) error {
	spec.Err = RedactError(s.withCredentialHint(spec.Err))
	s.mu.Lock()
	if spec.Err != nil {
		s.result.Errors++
	} else {
		s.result.Fetched++
	}
	s.mu.Unlock()
	if spec.Err != nil {
		s.progress(ProgressFailed, spec.Key)
	} else {
		s.progress(ProgressFetched, spec.Key)
	}
	if err := s.emitSpec(ctx, spec); err != nil {
		return &emitError{key: spec.Key, err: err}
	}
	return nil
}

// withCredentialHint adds to a 401 or 403 where the credential comes
// from: a revoked or mistyped key is otherwise a mystery every night.
func (s *sourceRun) withCredentialHint(err error) error {
	var fe *FetchError
	if err == nil || !errors.As(err, &fe) || (fe.Status != http.StatusUnauthorized && fe.Status != http.StatusForbidden) {
		return err
	}
	hint := s.src.CredentialHint
	if hint == "" {
		hint = fmt.Sprintf("check the credentials of source %q", s.src.Name)
	}
	if strings.Contains(err.Error(), hint) {
		return err
	}
	return &hintedError{err: err, hint: hint}
}

// hintedError appends what to check to an error, keeping it for errors.As.
type hintedError struct {
	err  error
	hint string
}

func (h *hintedError) Error() string { return h.err.Error() + ": " + h.hint }
func (h *hintedError) Unwrap() error { return h.err }

// emitError is the caller's own error from emit, which ends the crawl.
type emitError struct {
	key string
	err error
}

func (e *emitError) Error() string { return fmt.Sprintf("emit %s: %v", e.key, e.err) }
func (e *emitError) Unwrap() error { return e.err }

// get makes one GET with optional credential and validator.
func (s *sourceRun) get(ctx context.Context, url string, header http.Header, etag string) (*response, error) {
	h := header.Clone()
	if etag != "" {
		if h == nil {
			h = http.Header{}
		}
		h.Set("If-None-Match", etag)
	}
	return s.http.fetch(ctx, &request{URL: url, Header: h})
}

// bearer is an Authorization header for a token.
func bearer(token string) http.Header {
	if token == "" {
		return nil
	}
	return http.Header{"Authorization": []string{"Bearer " + token}}
}
