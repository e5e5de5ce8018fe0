package xanotest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure a simulated account. Only Fleet matters for most
// tests; the rest turn on the behaviours a crawler must survive.
type Options struct {
	Fleet *Fleet // default: Generate(GenOptions{})
	// Addr is the master's listen address (default 127.0.0.1:0). Instances
	// listen on 127.0.0.1:0, one listener each, unless PortsFrom is set.
	Addr string
	// PortsFrom, when above zero, fixes every port: the master listens on
	// 127.0.0.1:PortsFrom (unless Addr says otherwise) and the i-th
	// instance on PortsFrom+1+i, so a restarted simulator serves the same
	// URLs and looks like the same account to a crawler.
	PortsFrom int
	// APIKey (Developer API) and MetaToken (Metadata API) default to
	// values derived from the fleet's seed.
	APIKey    string
	MetaToken string
	// Latency delays every answer (not the /__sim routes).
	Latency   time.Duration
	Faults    []Fault
	RateLimit RateLimit
	// Seed drives fault decisions; default the fleet's seed.
	Seed int64
	// OlderRelease simulates instances on an older release track: the
	// Metadata API's /openapi route answers 404, and only each group's
	// documentation.link (the apispec URL) serves the document.
	OlderRelease bool
	// WorkspaceEnvelope makes the Metadata API's /workspace answer the
	// paged envelope {curPage,nextPage,prevPage,items} that part of Xano's
	// documentation shows, instead of the bare array of the reference.
	WorkspaceEnvelope bool
	// Logger receives one line per listener error; default discards.
	Logger *slog.Logger
	// Now is the clock of the free-plan rate limit; default time.Now.
	Now func() time.Time
}

// maxCachedBytes bounds the rendered documents kept per generation; past
// it documents are rendered on every request.
const maxCachedBytes = 64 << 20

// Server is a running simulated account.
type Server struct {
	opts      Options
	apiKey    string
	metaToken string
	seed      int64

	master    *listener
	instances []*listener
	byName    map[string]*listener

	state  atomic.Pointer[state]
	stats  *statsRecorder
	faults *faultState

	mu         sync.Mutex
	epoch      int // authTokens of earlier epochs have expired
	down       map[string]bool
	swaggerTok map[string]bool // every swagger token served so far
	closed     bool
	inflight   sync.WaitGroup

	closing   chan struct{}
	closeOnce sync.Once
	serving   sync.WaitGroup
}

type listener struct {
	name     string // instance name; "" for the master
	instance *Instance
	ln       net.Listener
	srv      *http.Server
	tokenURL string // the token= value of this instance's tokenUrl
}

func (l *listener) addr() string   { return l.ln.Addr().String() }
func (l *listener) origin() string { return "http://" + l.addr() }

// state is everything that changes with the generation.
type state struct {
	fleet       *Fleet
	byCanonical map[string]groupEntry
	byID        map[int]groupEntry
	docs        sync.Map // group id → *cachedDoc
	cached      atomic.Int64
}

type groupEntry struct {
	instance  *Instance
	workspace *Workspace
	group     *Group
}

type cachedDoc struct {
	body        []byte
	contentType string
	etag        string
}

// Start serves a simulated account on loopback until Close is called or
// ctx is done.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.Fleet == nil {
		opts.Fleet = Generate(GenOptions{})
	}
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
		if opts.PortsFrom > 0 {
			opts.Addr = fmt.Sprintf("127.0.0.1:%d", opts.PortsFrom)
		}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	seed := opts.Fleet.Seed
	if opts.Seed != 0 {
		seed = opts.Seed
	}
	s := &Server{
		opts:       opts,
		apiKey:     opts.APIKey,
		metaToken:  opts.MetaToken,
		seed:       seed,
		byName:     map[string]*listener{},
		stats:      newStatsRecorder(),
		faults:     &faultState{seed: seed, faults: opts.Faults, limit: opts.RateLimit, now: opts.Now, attempts: map[string]int{}, windows: map[string]*window{}},
		down:       map[string]bool{},
		swaggerTok: map[string]bool{},
		closing:    make(chan struct{}),
	}
	if s.apiKey == "" {
		s.apiKey = jweLike(opts.Fleet.Seed, "developer-key", 0)
	}
	if s.metaToken == "" {
		s.metaToken = jweLike(opts.Fleet.Seed, "meta-token", 0)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", opts.Addr, err)
	}
	s.master = &listener{ln: ln}
	for i := range opts.Fleet.Instances {
		inst := &opts.Fleet.Instances[i]
		if _, dup := s.byName[inst.Name]; dup {
			s.closeListeners()
			return nil, fmt.Errorf("two instances named %q", inst.Name)
		}
		addr := "127.0.0.1:0"
		if opts.PortsFrom > 0 {
			addr = fmt.Sprintf("127.0.0.1:%d", opts.PortsFrom+1+i)
		}
		ln, err := lc.Listen(ctx, "tcp", addr)
		if err != nil {
			s.closeListeners()
			return nil, fmt.Errorf("listen for instance %q: %w", inst.Name, err)
		}
		l := &listener{name: inst.Name, instance: inst, ln: ln, tokenURL: secret(opts.Fleet.Seed, "token-url", inst.ID, 40)}
		s.instances = append(s.instances, l)
		s.byName[inst.Name] = l
	}
	s.setFleet(opts.Fleet)
	for _, l := range append([]*listener{s.master}, s.instances...) {
		l.srv = &http.Server{Handler: s.handler(l), ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(opts.Logger.Handler(), slog.LevelDebug)}
		s.serving.Add(1)
		go func() {
			defer s.serving.Done()
			if err := l.srv.Serve(l.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				opts.Logger.Error("simulated xano listener stopped", "addr", l.addr(), "err", err)
			}
		}()
	}
	go func() {
		select {
		case <-ctx.Done():
			s.Close()
		case <-s.closing:
		}
	}()
	return s, nil
}

func (s *Server) closeListeners() {
	if s.master != nil {
		s.master.ln.Close()
	}
	for _, l := range s.instances {
		l.ln.Close()
	}
}

// Close stops every listener and ends hanging and delayed requests at
// once; it returns when no handler is running.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		close(s.closing)
		for _, l := range append([]*listener{s.master}, s.instances...) {
			l.srv.Close()
		}
		s.serving.Wait()
		s.inflight.Wait()
	})
}

// Master is the master service's base URL, e.g. http://127.0.0.1:PORT.
func (s *Server) Master() string { return s.master.origin() }

// APIKey is the Developer API key the master accepts.
func (s *Server) APIKey() string { return s.apiKey }

// MetaToken is the Metadata API access token, accepted by the master and
// every instance.
func (s *Server) MetaToken() string { return s.metaToken }

// InstanceURL is the origin of an instance's listener ("" if unknown).
func (s *Server) InstanceURL(name string) string {
	if l := s.byName[name]; l != nil {
		return l.origin()
	}
	return ""
}

// Fleet is the fleet at the current generation.
func (s *Server) Fleet() *Fleet { return s.state.Load().fleet }

// Generation is the current generation.
func (s *Server) Generation() int { return s.Fleet().Generation }

// SetGeneration serves generation n from now on (a fleet read from a
// directory has only one and ignores it). Requests in flight finish with
// the generation they started with.
func (s *Server) SetGeneration(n int) { s.setFleet(s.Fleet().At(n)) }

func (s *Server) setFleet(f *Fleet) {
	st := &state{fleet: f, byCanonical: map[string]groupEntry{}, byID: map[int]groupEntry{}}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ref := range f.Groups() {
		e := groupEntry{instance: ref.Instance, workspace: ref.Workspace, group: ref.Group}
		st.byCanonical[ref.Group.Canonical] = e
		st.byID[ref.Group.ID] = e
		if ref.Group.SwaggerToken != "" {
			s.swaggerTok[ref.Group.SwaggerToken] = true
		}
	}
	s.state.Store(st)
}

// Edits lists the edits between two generations (see Fleet.Edits).
func (s *Server) Edits(from, to int) []Edit { return s.Fleet().Edits(from, to) }

// SetInstanceDown takes an instance's listener down (every request to it
// answers 503 with a gateway's HTML page, as a load balancer in front of
// a stopped instance does) or brings it back. The port stays bound, so the
// instance's URLs stay the same.
func (s *Server) SetInstanceDown(name string, down bool) error {
	if s.byName[name] == nil {
		return fmt.Errorf("no instance named %q", name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down[name] = down
	return nil
}

// ExpireTokens expires every authToken issued so far: the instances
// answer 401 to them, and tokenUrl hands out new ones. The developer key
// and the metadata token stay valid.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.epoch++
}

// Secrets lists every key and token the simulator has issued or accepts:
// the developer key, the metadata token, each tokenUrl's token, every
// authToken up to now and every swagger token served. Tests assert that
// none of them appears in logs, reports or stored files.
func (s *Server) Secrets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []string{s.apiKey, s.metaToken}
	for _, l := range s.instances {
		out = append(out, l.tokenURL)
		for e := 0; e <= s.epoch; e++ {
			out = append(out, s.authToken(l, e))
		}
	}
	for t := range s.swaggerTok {
		out = append(out, t)
	}
	sort.Strings(out[2:])
	return out
}

// Stats reports the load seen so far.
func (s *Server) Stats() Stats { return s.stats.snapshot() }

// ResetStats starts counting afresh (requests in flight still count
// toward the concurrency of their host).
func (s *Server) ResetStats() { s.stats.reset() }

func (s *Server) authToken(l *listener, epoch int) string {
	return jweLike(s.opts.Fleet.Seed, "auth-token/"+l.name, epoch)
}

// jweLike makes a token shaped like Xano's (an encrypted JWE: five
// base64url parts, the first a fixed header).
func jweLike(seed int64, label string, n int) string {
	const header = "eyJhbGciOiJBMjU2S1ciLCJlbmMiOiJBMjU2Q0JDLUhTNTEyIiwiemlwIjoiREVGIn0"
	return header + "." + secret(seed, label+"/k", n, 86) + "." + secret(seed, label+"/iv", n, 22) + "." +
		secret(seed, label+"/c", n, 120) + "." + secret(seed, label+"/t", n, 43)
}

func (s *Server) isDown(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.down[name]
}

// checkAuthToken says whether token is l's current authToken, or one
// that was valid before ExpireTokens.
func (s *Server) checkAuthToken(l *listener, token string) (valid, expired bool) {
	s.mu.Lock()
	epoch := s.epoch
	s.mu.Unlock()
	for e := epoch; e >= 0; e-- {
		if token == s.authToken(l, e) {
			return e == epoch, e != epoch
		}
	}
	return false, false
}

func (s *Server) currentAuthToken(l *listener) string {
	s.mu.Lock()
	epoch := s.epoch
	s.mu.Unlock()
	return s.authToken(l, epoch)
}

// call is one request on its way through the simulator.
type call struct {
	w     *statusWriter
	r     *http.Request
	l     *listener
	st    *state
	fault Fault
	hit   bool
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (s *Server) handler(l *listener) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		s.inflight.Add(1)
		s.mu.Unlock()
		defer s.inflight.Done()

		if l.name == "" && strings.HasPrefix(r.URL.Path, "/__sim/") {
			s.serveSim(w, r)
			return
		}
		route, kind, serve := s.route(l, r)
		c := &call{w: &statusWriter{ResponseWriter: w}, r: r, l: l, st: s.state.Load()}
		host := l.addr()
		s.stats.begin(host, route)
		defer func() { s.stats.end(host, c.w.status) }()

		if l.name != "" && s.isDown(l.name) {
			c.w.Header().Set("Content-Type", "text/html")
			c.w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(c.w, "<html><head><title>503 Service Temporarily Unavailable</title></head><body><center><h1>503 Service Temporarily Unavailable</h1></center><hr><center>nginx</center></body></html>\n")
			return
		}
		if !s.wait(r.Context(), s.opts.Latency) {
			panic(http.ErrAbortHandler) // close the connection, answer nothing
		}
		if route == "unknown" {
			serve(c)
			return
		}
		if s.faults.limited(rateKey(r)) {
			c.xanoError(http.StatusTooManyRequests, "ERROR_CODE_TOO_MANY_REQUESTS", fmt.Sprintf(
				"Whoa there! Your plan only supports %d requests per %s. Please wait and try again, or upgrade your plan.",
				s.opts.RateLimit.Requests, windowPhrase(s.opts.RateLimit.Window)))
			return
		}
		// The listener's name, not its port, keys the decision, so two
		// servers of one seed fail the same requests.
		if f, ok := s.faults.decide(l.name+" "+r.URL.RequestURI(), kind); ok {
			c.fault, c.hit = f, true
			if s.injectFault(c) {
				return
			}
		}
		serve(c)
	})
}

func rateKey(r *http.Request) string {
	if a := r.Header.Get("Authorization"); a != "" {
		return a
	}
	if t := r.URL.Query().Get("token"); t != "" {
		return "token " + t
	}
	host, _, _ := net.SplitHostPort(r.RemoteAddr)
	return "addr " + host
}

// wait sleeps for d unless the request or the server ends first.
func (s *Server) wait(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.closing:
		return false
	}
}

// injectFault answers the request as the fault says and reports whether
// it did; truncation and oversize are left to the route's own answer.
func (s *Server) injectFault(c *call) bool {
	switch c.fault.Kind {
	case FaultServerError:
		status := c.fault.Status
		if status == 0 {
			status = []int{500, 502, 503}[int(fraction(s.seed, -1, c.r.URL.RequestURI(), 0)*3)]
		}
		if status == http.StatusBadGateway {
			c.w.Header().Set("Content-Type", "text/html")
			c.w.WriteHeader(status)
			io.WriteString(c.w, "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>\n")
			return true
		}
		c.xanoError(status, "ERROR_FATAL", "Unexpected error")
	case FaultTooManyRequests:
		if c.fault.RetryAfter > 0 {
			secs := int((c.fault.RetryAfter + time.Second - 1) / time.Second)
			c.w.Header().Set("Retry-After", fmt.Sprint(secs))
		}
		c.xanoError(http.StatusTooManyRequests, "ERROR_CODE_TOO_MANY_REQUESTS", "Rate Limited. Too many requests.")
	case FaultAccessDenied:
		c.xanoError(http.StatusInternalServerError, "ERROR_CODE_ACCESS_DENIED", "Access Denied.")
	case FaultHang:
		select {
		case <-c.r.Context().Done():
		case <-s.closing:
		}
		// Returning normally would send an empty 200; a hung request
		// must end with the connection instead.
		panic(http.ErrAbortHandler)
	case FaultHTML:
		c.w.Header().Set("Content-Type", "text/html; charset=utf-8")
		c.w.WriteHeader(http.StatusOK)
		io.WriteString(c.w, "<!DOCTYPE html><html><head><title>Sign in</title></head><body><h1>Please sign in to continue</h1></body></html>\n")
	default:
		return false
	}
	return true
}

// xanoError answers with Xano's error body.
func (c *call) xanoError(status int, code, message string) {
	c.send(status, "application/json; charset=utf-8", errorBody(code, message))
}

func errorBody(code, message string) []byte {
	var buf bytes.Buffer
	encodeJSON(&buf, object{{"code", code}, {"message", message}, {"payload", ""}})
	return buf.Bytes()
}

func (c *call) unauthorized(message string) {
	c.xanoError(http.StatusUnauthorized, "ERROR_CODE_UNAUTHORIZED", message)
}

func (c *call) notFound() {
	c.xanoError(http.StatusNotFound, "ERROR_CODE_NOT_FOUND", "Unable to locate request.")
}

// sendJSON encodes v and sends it.
func (c *call) sendJSON(v any) {
	var out bytes.Buffer
	encodeJSON(&out, v)
	c.send(http.StatusOK, "application/json; charset=utf-8", out.Bytes())
}

// send writes a body, or half of it when the request is hit by truncation.
func (c *call) send(status int, contentType string, body []byte) {
	h := c.w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", fmt.Sprint(len(body)))
	c.w.WriteHeader(status)
	if c.r.Method == http.MethodHead {
		return
	}
	if c.hit && c.fault.Kind == FaultTruncate {
		c.w.Write(body[:len(body)/2])
		// Returning with less than Content-Length written makes net/http
		// close the connection: the client sees an unexpected EOF.
		return
	}
	c.w.Write(body)
}

func bearer(r *http.Request) string {
	a := r.Header.Get("Authorization")
	if len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
		return strings.TrimSpace(a[7:])
	}
	return ""
}

func etagOf(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

func matchesETag(header, etag string) bool {
	for _, v := range strings.Split(header, ",") {
		v = strings.TrimSpace(v)
		v = strings.TrimPrefix(v, "W/")
		if v == "*" || v == etag {
			return true
		}
	}
	return false
}
