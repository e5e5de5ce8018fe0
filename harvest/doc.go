// Package harvest finds and fetches OpenAPI documents: from a Xano account
// through the Developer API (type xano) or the Metadata API (type
// xano-meta), from plain URLs and from local files.
//
// # Crawling
//
//	c := &harvest.Crawler{Options: opts, Logger: logger, Known: etags, Progress: onProgress}
//	report, err := c.Crawl(ctx, sources, func(ctx context.Context, s harvest.Spec) error {
//		return store.Put(ctx, s) // called from many goroutines at once
//	})
//
// Every discovered API group becomes one Spec, handed to emit as soon as
// it is fetched, so memory is bounded by the crawl limits rather than by
// the size of the fleet: at most Concurrency instances are walked at
// once, each with at most 2×PerHost documents between request and emit,
// and nothing is kept after emit returns. A document that cannot be
// fetched is emitted with Spec.Err set; a listing that fails (the master,
// an instance, a workspace) is recorded in CrawlReport.Failed as a
// ScopeFailure whose Prefix is the key prefix whose groups are unknown
// this time, and everything else goes on. A caller keeping snapshots
// carries the previous groups under a failed prefix forward as stale
// rather than reporting them removed.
//
// Crawl returns an error only when it could not finish: a misconfigured
// source (Source.Validate; nothing is crawled), an error from emit (the
// crawl stops at once), or the end of ctx or of Options.Deadline. In the
// last two cases the report so far comes back with the error, and every
// source that had not finished is a failed scope of its own name.
//
// With Known (key → ETag of the previous snapshot) document requests
// carry If-None-Match; a 304 is emitted as Spec{NotModified: true} with
// a nil Body, meaning the previous blob is still current.
//
// # Keys
//
// A group's Key is source/instance/workspace/group, always four
// segments, built from slugged names (see Slug and UniqueSlugs: siblings
// that collide once slugged get their id appended), never from a host or
// port, so the same fleet served from elsewhere keeps its keys. Spec's
// Source, Instance, Workspace and Group carry the display names.
//
//   - xano and xano-meta from a master: the instance's name, the
//     workspace's name, the group's name. Both routes give the same keys
//     for the same account.
//   - xano-meta with one instance given directly: the instance segment is
//     "-" (the API names no instance); its display name is its host.
//   - url: source/-/-/<tail>, where <tail> is the slug of the meaningful
//     end of the URL's path (the file name without extension, preceded by
//     parent segments while those are generic, such as "openapi" or "v3"):
//     …/petstore/v3/openapi.json is "petstore-v3-openapi". Tails that
//     collide get the URL's position in the list appended.
//   - files: source/-/<directory>/<name>: the slug of the file's directory
//     below the glob's fixed prefix ("-" right in it) and of the file name
//     without extension ("specs/**/*.yaml" gives specs/billing/v2/api.yaml
//     the key source/-/billing-v2/api). Names that collide get the
//     extension appended. "**" in a glob matches any number of directories.
//
// # Include and exclude
//
// A source's patterns have up to three "/"-separated parts matched
// against instance, workspace and group; parts left out match anything
// ("prod-*" is every group of the instances prod-*, "*/*/internal*" every
// group named internal*). Each part is a path.Match glob, compared
// case-insensitively with the display name, the machine name and the
// slug. A group is crawled when some include matches (no includes: all)
// and no exclude does; an instance or workspace that no include can reach,
// or that an exclude covers whole, is not even listed.
//
// # The HTTP stack
//
// Requests go through small layers, each in its own file: status.go
// (anything but 2xx or 304 becomes a *FetchError; an HTML page where a
// document was expected is an error too), retry.go, throttle.go with
// rate.go, and transport.go with redirect.go.
//
//   - Retries: 5xx, network errors, an attempt's timeout, truncated bodies
//     and HTML pages are retried up to Options.Retries times with jittered
//     exponential backoff from Options.Backoff; a 429 honours Retry-After
//     (seconds or an HTTP date, capped at Options.MaxRetryAfter) or else
//     waits Options.RateLimitBackoff (20 s, Xano's free-plan window) and
//     doubles. Never retried: 401, 403, 404, other 4xx, a 500 saying
//     "Access Denied." (ErrAccessDenied), an oversized body, a redirect
//     loop. Waits use timers raced against ctx.
//   - Limits: Options.Concurrency requests in flight in total and
//     Options.PerHost per host (host and port), optionally paced to
//     Options.Rate requests per second per host. They count requests, not
//     goroutines, so listings waiting for their documents hold no slot.
//     An instance that the Metadata API's master listing marks
//     rate_limit: true is paced at Xano's free-plan rate (10 requests per
//     20 s) unless Options.Rate is slower already.
//   - Each attempt has Options.Timeout for headers and body together; the
//     crawl has Options.Deadline.
//   - Bodies stop being read at Options.MaxSpecBytes (ErrBodyTooLarge,
//     naming the URL and the limit).
//   - Redirects: at most 5, and Authorization is dropped whenever a
//     redirect leaves the first request's host and port (net/http alone
//     would keep it for another port or a subdomain).
//
// # Secrets
//
// Developer keys, metadata tokens and authTokens travel only in the
// Authorization header, and only to the host they belong to: the
// Developer API's authToken goes to its instance's origin, the metadata
// token to the master and to each meta_api; a document on another host
// gets no credential (its own swagger token, if any, is in its URL).
// Every URL this package logs, reports or puts in a Spec or an error goes
// through RedactURL, which replaces token=, api_key= and similar values
// and any user:password with REDACTED; errors never quote a response body
// or net/http's url.Error, whose message holds the full URL.
//
// # Single documents
//
// ReadDocument reads one local file or http(s) URL through the same
// stack, for the validate, merge and diff commands.
//
// The simulated Xano used by tests, benchmarks and the demo is in
// harvest/xanotest; loading and validating documents is in
// harvest/validate.
package harvest
