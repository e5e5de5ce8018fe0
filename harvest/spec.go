package harvest

import "time"

// Source types accepted in the config (DESIGN §5).
const (
	SourceXano     = "xano"      // Developer API: master → tokenUrl → workspaces → swaggerspec
	SourceXanoMeta = "xano-meta" // Metadata API: master or one instance → workspaces → apigroups → openapi
	SourceURL      = "url"       // a list of document URLs
	SourceFiles    = "files"     // globs of local JSON/YAML documents
)

// Source is one configured source of documents. Secrets (APIKey, Token)
// live only here and in request headers; they are never logged or stored.
type Source struct {
	Name     string   // first segment of every key of this source
	Type     string   // one of the Source* constants
	Master   string   // xano, xano-meta: the master service, e.g. https://app.xano.com
	Instance string   // xano-meta: one instance given directly instead of a master
	APIKey   string   // xano: the Developer API key
	Token    string   // xano-meta: the Metadata API access token
	Include  []string // globs over "instance/workspace/group" names; empty means all
	Exclude  []string
	URLs     []string // url
	Paths    []string // files: globs, ** allowed
	// CredentialHint says where the credential comes from ("check
	// api_key of source "prod" (the environment variable XANO_KEY)"); a
	// 401 or 403 quotes it, so a revoked key is found at once.
	CredentialHint string
}

// Options bound the crawl. Zero values mean the defaults of DefaultOptions
// (and of the backoff constants), except Retries and Rate, whose zero means
// "no retry" and "unlimited".
type Options struct {
	Concurrency  int           // requests in flight over the whole run
	PerHost      int           // requests in flight per host
	Rate         float64       // requests per second per host; 0 means unlimited
	Timeout      time.Duration // one request, headers and body
	Retries      int           // retries after the first attempt
	MaxSpecBytes int64         // a body larger than this is an error, read no further
	Deadline     time.Duration // the whole crawl
	ExternalRefs bool          // allow documents to pull external $refs over the network

	// Backoff is the first retry's wait after a 5xx, network error or
	// truncated body; it doubles each retry (with jitter) up to MaxBackoff.
	Backoff    time.Duration
	MaxBackoff time.Duration
	// RateLimitBackoff is the first wait after a 429 without Retry-After;
	// the default clears Xano's 20-second free-plan window.
	RateLimitBackoff time.Duration
	// MaxRetryAfter caps a server's Retry-After, so a hostile or confused
	// server cannot park the run.
	MaxRetryAfter time.Duration
}

// DefaultOptions are the values of config.example.yaml.
func DefaultOptions() Options {
	return Options{
		Concurrency:  16,
		PerHost:      4,
		Timeout:      30 * time.Second,
		Retries:      5,
		MaxSpecBytes: 64 << 20,
		Deadline:     30 * time.Minute,
	}
}

// Spec is one discovered API group's document, handed on as soon as it is
// fetched. Body is nil when Err is set.
type Spec struct {
	Key       string // source/instance/workspace/group, slugged; independent of host and port
	Source    string // display names as the source reported them
	Instance  string
	Workspace string
	Group     string
	URL       string // where the document came from, secrets removed
	// IDs are the source's ids of the instance, workspace and group (nil
	// when the source has none); Crawler.Previous uses them to keep keys.
	IDs  []string
	Body []byte // bytes as fetched
	ETag string // validator for the next conditional request, if the server gave one
	// NotModified is set when a conditional request answered 304: Body is
	// nil and the previous snapshot's blob is still current.
	NotModified bool
	Err         error
}

// Backoff defaults: short enough for a nightly run to recover from a blip,
// long enough after a 429 to clear Xano's free-plan window (10 requests
// per 20 s).
const (
	defaultBackoff          = 500 * time.Millisecond
	defaultMaxBackoff       = 30 * time.Second
	defaultRateLimitBackoff = 20 * time.Second
	defaultMaxRetryAfter    = 60 * time.Second
)

// withDefaults fills the zero values. Retries and Rate keep their zero:
// no retry and no rate limit are legitimate settings.
func (o Options) withDefaults() Options {
	d := DefaultOptions()
	if o.Concurrency <= 0 {
		o.Concurrency = d.Concurrency
	}
	if o.PerHost <= 0 {
		o.PerHost = d.PerHost
	}
	if o.Timeout <= 0 {
		o.Timeout = d.Timeout
	}
	if o.MaxSpecBytes <= 0 {
		o.MaxSpecBytes = d.MaxSpecBytes
	}
	if o.Deadline <= 0 {
		o.Deadline = d.Deadline
	}
	if o.Retries < 0 {
		o.Retries = 0
	}
	if o.Backoff <= 0 {
		o.Backoff = defaultBackoff
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = defaultMaxBackoff
	}
	if o.RateLimitBackoff <= 0 {
		o.RateLimitBackoff = defaultRateLimitBackoff
	}
	if o.MaxRetryAfter <= 0 {
		o.MaxRetryAfter = defaultMaxRetryAfter
	}
	return o
}
