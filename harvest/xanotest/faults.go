package xanotest

import (
	"encoding/binary"
	"hash/fnv"
	"math"
	"strconv"
	"sync"
	"time"
)

// RouteKind says which requests a fault aims at.
type RouteKind int

const (
	// RouteAny: both kinds (the zero value).
	RouteAny RouteKind = 0
	// RouteListing: instance lists, tokenUrl, workspace and API-group
	// lists, auth/me, on both APIs.
	RouteListing RouteKind = 1
	// RouteDocument: apispec:<canonical> and the Metadata API /openapi.
	RouteDocument RouteKind = 2
)

func (k RouteKind) String() string {
	switch k {
	case RouteListing:
		return "listing"
	case RouteDocument:
		return "document"
	}
	return "any"
}

// FaultKind is one way a request can go wrong.
type FaultKind string

const (
	// FaultServerError answers Status (default: 500, 502 or 503 in turn,
	// decided by the request) with Xano's error body, or an HTML page for
	// 502 as a gateway sends it.
	FaultServerError FaultKind = "server-error"
	// FaultTooManyRequests answers 429 with Xano's body, and a Retry-After
	// header when RetryAfter is set.
	FaultTooManyRequests FaultKind = "too-many-requests"
	// FaultAccessDenied answers 500 with message "Access Denied.", which
	// Xano sends for what the plan does not allow: retrying never helps.
	FaultAccessDenied FaultKind = "access-denied"
	// FaultHang never answers: the request is held until the client gives
	// up or the server closes.
	FaultHang FaultKind = "hang"
	// FaultTruncate declares the full Content-Length, sends half the body
	// and closes the connection.
	FaultTruncate FaultKind = "truncate"
	// FaultHTML answers 200 with an HTML page instead of JSON, as a
	// captive portal or a misconfigured proxy does.
	FaultHTML FaultKind = "html"
	// FaultOversize pads a document (RouteDocument only) with an
	// x-padding string so that its body is at least Size bytes; the
	// padding is streamed, never held in memory.
	FaultOversize FaultKind = "oversize"
)

// Fault makes a fraction of requests fail in one way. Whether a request
// is hit is decided from the server's seed, the fault, the request URL and
// how many times that URL was asked before, never from timing, so a run
// repeats exactly and a retry of a failed URL can succeed.
type Fault struct {
	Kind   FaultKind
	Rate   float64   // fraction of matching requests hit, 0..1
	Routes RouteKind // which requests; RouteAny for all
	// Attempts, when positive, limits the fault to the first Attempts
	// requests of each URL: {Rate: 1, Attempts: 2} fails every URL twice,
	// then lets it through.
	Attempts   int
	Status     int           // FaultServerError: the status to answer
	RetryAfter time.Duration // FaultTooManyRequests: sent as whole seconds
	Size       int64         // FaultOversize: minimum body size
}

// RateLimit is Xano's free-plan limit: Requests per Window for each token
// (the Authorization header, else the token= query value, else the
// client address). Past it, requests answer 429 without Retry-After, as
// Xano's do.
type RateLimit struct {
	Requests int
	Window   time.Duration
}

type faultState struct {
	seed   int64
	faults []Fault
	limit  RateLimit
	now    func() time.Time

	mu       sync.Mutex
	attempts map[string]int
	windows  map[string]*window
}

type window struct {
	start time.Time
	count int
}

// decide returns the fault that hits this request, if any.
func (f *faultState) decide(key string, kind RouteKind) (Fault, bool) {
	if len(f.faults) == 0 {
		return Fault{}, false
	}
	f.mu.Lock()
	f.attempts[key]++
	attempt := f.attempts[key]
	f.mu.Unlock()
	for i, fault := range f.faults {
		if fault.Routes != RouteAny && fault.Routes != kind {
			continue
		}
		if fault.Kind == FaultOversize && kind != RouteDocument {
			continue
		}
		if fault.Attempts > 0 && attempt > fault.Attempts {
			continue
		}
		if fraction(f.seed, i, key, attempt) < fault.Rate {
			return fault, true
		}
	}
	return Fault{}, false
}

// limited counts a request against its token's window and reports whether
// it is over the limit.
func (f *faultState) limited(token string) bool {
	if f.limit.Requests <= 0 || f.limit.Window <= 0 {
		return false
	}
	now := f.now()
	f.mu.Lock()
	defer f.mu.Unlock()
	w := f.windows[token]
	if w == nil || now.Sub(w.start) >= f.limit.Window {
		w = &window{start: now}
		f.windows[token] = w
	}
	w.count++
	return w.count > f.limit.Requests
}

// fraction maps (seed, fault, url, attempt) to [0, 1) uniformly.
func fraction(seed int64, fault int, key string, attempt int) float64 {
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(seed))
	h.Write(b[:])
	h.Write([]byte(strconv.Itoa(fault)))
	h.Write([]byte{0})
	h.Write([]byte(key))
	h.Write([]byte{0})
	h.Write([]byte(strconv.Itoa(attempt)))
	x := h.Sum64()
	// fnv's low bits mix poorly for short inputs; finish with splitmix64.
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return float64(x>>11) / math.Exp2(53)
}

func windowPhrase(d time.Duration) string {
	if d%time.Second == 0 {
		n := int(d / time.Second)
		if n == 1 {
			return "second"
		}
		return strconv.Itoa(n) + " seconds"
	}
	return d.String()
}
