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
}

// Options bound the crawl; zero values mean the defaults of DefaultOptions.
type Options struct {
	Concurrency  int           // requests in flight over the whole run
	PerHost      int           // requests in flight per host
	Rate         float64       // requests per second per host; 0 means unlimited
	Timeout      time.Duration // one request, headers and body
	Retries      int           // retries after the first attempt
	MaxSpecBytes int64         // a body larger than this is an error, read no further
	Deadline     time.Duration // the whole crawl
	ExternalRefs bool          // allow documents to pull external $refs over the network
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
	Body      []byte // bytes as fetched
	ETag      string // validator for the next conditional request, if the server gave one
	// NotModified is set when a conditional request answered 304: Body is
	// nil and the previous snapshot's blob is still current.
	NotModified bool
	Err         error
}
