package xanotest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// faultFleet is one instance, one workspace, a few small groups.
func faultFleet(seed int64) *Fleet {
	return Generate(GenOptions{Seed: seed, Workspaces: 1, Groups: 4, Endpoints: 2})
}

func docURL(srv *Server, g *Group) string {
	return srv.InstanceURL(g.Host) + "/apispec:" + g.Canonical + "?type=json&token=" + g.SwaggerToken
}

func TestFaultServerErrorThenRecovery(t *testing.T) {
	f := faultFleet(31)
	srv := NewServer(t, Options{Fleet: f, Faults: []Fault{{Kind: FaultServerError, Rate: 1, Attempts: 1, Routes: RouteDocument, Status: 500}}})
	g := f.Groups()[0].Group
	wantXanoError(t, get(t, docURL(srv, g), ""), 500, "ERROR_FATAL")
	if r := get(t, docURL(srv, g), ""); r.status != 200 {
		t.Errorf("second attempt: %d, want 200", r.status)
	}
	// Aimed at documents: listings are untouched.
	if r := get(t, srv.Master()+"/api:developer/instance", srv.APIKey()); r.status != 200 {
		t.Errorf("listing hit by a document fault: %d", r.status)
	}
}

func TestFaultServerErrorStatuses(t *testing.T) {
	f := Generate(GenOptions{Seed: 32, Workspaces: 2, Groups: 12, Endpoints: 1})
	srv := NewServer(t, Options{Fleet: f, Faults: []Fault{{Kind: FaultServerError, Rate: 1}}})
	seen := map[int]bool{}
	for _, ref := range f.Groups() {
		r := get(t, docURL(srv, ref.Group), "")
		seen[r.status] = true
		if r.status == 502 && !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
			t.Errorf("502 answered %s, want a gateway's HTML", r.header.Get("Content-Type"))
		}
	}
	for _, s := range []int{500, 502, 503} {
		if !seen[s] {
			t.Errorf("no %d among %v", s, seen)
		}
	}
}

func TestFaultListingTarget(t *testing.T) {
	f := faultFleet(33)
	srv := NewServer(t, Options{Fleet: f, Faults: []Fault{{Kind: FaultServerError, Rate: 1, Routes: RouteListing, Status: 503}}})
	wantXanoError(t, get(t, srv.Master()+"/api:developer/instance", srv.APIKey()), 503, "ERROR_FATAL")
	wantXanoError(t, get(t, srv.Master()+"/api:meta/instance", srv.MetaToken()), 503, "ERROR_FATAL")
	if r := get(t, docURL(srv, f.Groups()[0].Group), ""); r.status != 200 {
		t.Errorf("document hit by a listing fault: %d", r.status)
	}
}

func TestFaultTooManyRequests(t *testing.T) {
	f := faultFleet(34)
	srv := NewServer(t, Options{Fleet: f, Faults: []Fault{
		{Kind: FaultTooManyRequests, Rate: 1, Attempts: 1, Routes: RouteDocument, RetryAfter: 1500 * time.Millisecond},
		{Kind: FaultTooManyRequests, Rate: 1, Attempts: 1, Routes: RouteListing},
	}})
	r := get(t, docURL(srv, f.Groups()[0].Group), "")
	wantXanoError(t, r, 429, "ERROR_CODE_TOO_MANY_REQUESTS")
	if got := r.header.Get("Retry-After"); got != "2" {
		t.Errorf("Retry-After %q, want 2 (1.5s rounded up)", got)
	}
	r = get(t, srv.Master()+"/api:developer/instance", srv.APIKey())
	wantXanoError(t, r, 429, "ERROR_CODE_TOO_MANY_REQUESTS")
	if got, ok := r.header["Retry-After"]; ok {
		t.Errorf("Retry-After %q on a 429 meant without one", got)
	}
}

func TestFaultAccessDenied(t *testing.T) {
	f := faultFleet(35)
	srv := NewServer(t, Options{Fleet: f, Faults: []Fault{{Kind: FaultAccessDenied, Rate: 1}}})
	x := wantXanoError(t, get(t, docURL(srv, f.Groups()[0].Group), ""), 500, "ERROR_CODE_ACCESS_DENIED")
	if x.Message != "Access Denied." {
		t.Errorf("message %q", x.Message)
	}
}

func TestFaultHTML(t *testing.T) {
	f := faultFleet(36)
	srv := NewServer(t, Options{Fleet: f, Faults: []Fault{{Kind: FaultHTML, Rate: 1}}})
	r := get(t, docURL(srv, f.Groups()[0].Group), "")
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") || json.Valid(r.body) {
		t.Errorf("%d %s %.60q, want 200 with an HTML page", r.status, r.header.Get("Content-Type"), r.body)
	}
}

func TestFaultTruncate(t *testing.T) {
	f := faultFleet(37)
	srv := NewServer(t, Options{Fleet: f, Faults: []Fault{{Kind: FaultTruncate, Rate: 1}}})
	for _, u := range []string{docURL(srv, f.Groups()[0].Group), srv.Master() + "/api:developer/instance"} {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		req.Header.Set("Authorization", "Bearer "+srv.APIKey())
		resp, err := testClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("%s: read %d of %d bytes, err %v; want unexpected EOF", u, len(body), resp.ContentLength, err)
		}
	}
}

func TestFaultOversize(t *testing.T) {
	f := faultFleet(38)
	const size = 3 << 20
	srv := NewServer(t, Options{Fleet: f, Faults: []Fault{{Kind: FaultOversize, Rate: 1, Size: size}}})
	r := get(t, docURL(srv, f.Groups()[0].Group), "")
	var doc map[string]any
	if r.status != 200 || len(r.body) < size || json.Unmarshal(r.body, &doc) != nil || doc["paths"] == nil || doc["x-padding"] == nil {
		t.Errorf("status %d, %d bytes; want a JSON document of at least %d", r.status, len(r.body), size)
	}
	if r := get(t, srv.Master()+"/api:developer/instance", srv.APIKey()); r.status != 200 || len(r.body) > 10000 {
		t.Errorf("listing padded: %d bytes", len(r.body))
	}
}

// A hanging request holds until the client gives up, and never holds Close.
func TestFaultHang(t *testing.T) {
	f := faultFleet(39)
	srv, err := Start(context.Background(), Options{Fleet: f, Faults: []Fault{{Kind: FaultHang, Rate: 1, Routes: RouteDocument}}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	u := docURL(srv, f.Groups()[0].Group)
	client := &http.Client{Timeout: 200 * time.Millisecond}
	start := time.Now()
	if _, err := client.Get(u); err == nil {
		t.Fatal("a hanging request answered")
	}
	if took := time.Since(start); took < 150*time.Millisecond {
		t.Errorf("gave up after %v", took)
	}
	done := make(chan error, 1)
	go func() {
		_, err := http.Get(u)
		done <- err
	}()
	deadline := time.Now().Add(5 * time.Second)
	for srv.Stats().Routes["apispec"] < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	closed := make(chan struct{})
	go func() { srv.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(3 * time.Second):
		t.Fatal("Close waited on a hanging request")
	}
	if err := <-done; err == nil {
		t.Error("the hanging request got an answer after Close")
	}
}

func TestFaultsDeterministicAndProportional(t *testing.T) {
	statuses := func() []int {
		f := Generate(GenOptions{Seed: 40, Workspaces: 2, Groups: 16, Endpoints: 1})
		srv := NewServer(t, Options{Fleet: f, Faults: []Fault{{Kind: FaultServerError, Rate: 0.3, Status: 503}}})
		var out []int
		for _, ref := range f.Groups() {
			for i := 0; i < 3; i++ {
				out = append(out, get(t, docURL(srv, ref.Group), "").status)
			}
		}
		return out
	}
	a, b := statuses(), statuses()
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatal("one seed, two fault sequences")
	}
	hit := 0
	for _, s := range a {
		if s == 503 {
			hit++
		}
	}
	if frac := float64(hit) / float64(len(a)); frac < 0.15 || frac > 0.45 {
		t.Errorf("%d of %d hit (%.2f), want about 0.3", hit, len(a), frac)
	}
}

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Xano's free plan: N requests per window per token, then 429 without
// Retry-After, until the window passes.
func TestFreePlanRateLimit(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	f := faultFleet(41)
	srv := NewServer(t, Options{Fleet: f, RateLimit: RateLimit{Requests: 3, Window: 20 * time.Second}, Now: clock.Now})
	u := srv.Master() + "/api:developer/instance"
	for i := 0; i < 3; i++ {
		if r := get(t, u, srv.APIKey()); r.status != 200 {
			t.Fatalf("request %d: %d", i+1, r.status)
		}
	}
	r := get(t, u, srv.APIKey())
	x := wantXanoError(t, r, 429, "ERROR_CODE_TOO_MANY_REQUESTS")
	if !strings.HasPrefix(x.Message, "Whoa there! Your plan only supports 3 requests per 20 seconds") {
		t.Errorf("message %q", x.Message)
	}
	if _, ok := r.header["Retry-After"]; ok {
		t.Error("free-plan 429 carries Retry-After")
	}
	// Another token has its own window.
	if r := get(t, srv.Master()+"/api:meta/instance", srv.MetaToken()); r.status != 200 {
		t.Errorf("other token: %d", r.status)
	}
	clock.Add(20 * time.Second)
	if r := get(t, u, srv.APIKey()); r.status != 200 {
		t.Errorf("after the window: %d", r.status)
	}
}

func TestLatency(t *testing.T) {
	srv := NewServer(t, Options{Fleet: faultFleet(42), Latency: 150 * time.Millisecond})
	start := time.Now()
	get(t, srv.Master()+"/api:developer/instance", srv.APIKey())
	if took := time.Since(start); took < 150*time.Millisecond {
		t.Errorf("answered after %v, want at least 150ms", took)
	}
}

func TestInstanceDownAndUp(t *testing.T) {
	f := Generate(GenOptions{Seed: 43, Instances: 2, Workspaces: 1, Groups: 2, Endpoints: 1})
	srv := NewServer(t, Options{Fleet: f})
	name := f.Instances[0].Name
	u := srv.InstanceURL(name) + "/api:meta/workspace"
	if err := srv.SetInstanceDown(name, true); err != nil {
		t.Fatal(err)
	}
	if r := get(t, u, srv.MetaToken()); r.status != 503 {
		t.Errorf("down instance answered %d", r.status)
	}
	if r := get(t, srv.InstanceURL(f.Instances[1].Name)+"/api:meta/workspace", srv.MetaToken()); r.status != 200 {
		t.Errorf("the other instance answered %d", r.status)
	}
	if r := get(t, srv.Master()+"/api:developer/instance", srv.APIKey()); r.status != 200 {
		t.Errorf("master answered %d", r.status)
	}
	srv.SetInstanceDown(name, false)
	if r := get(t, u, srv.MetaToken()); r.status != 200 {
		t.Errorf("instance back up answered %d", r.status)
	}
	if srv.SetInstanceDown("nope", true) == nil {
		t.Error("unknown instance accepted")
	}
	resp, err := http.Post(srv.Master()+"/__sim/instance?name="+name+"&down=true", "", nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("POST /__sim/instance: %v", err)
	}
	resp.Body.Close()
	if r := get(t, u, srv.MetaToken()); r.status != 503 {
		t.Errorf("down through /__sim answered %d", r.status)
	}
}

// Expired authTokens answer 401 until the crawler fetches tokenUrl again.
func TestExpireTokensAndSecrets(t *testing.T) {
	f := faultFleet(44)
	srv := NewServer(t, Options{Fleet: f})
	inst := decode[[]devInstance](t, get(t, srv.Master()+"/api:developer/instance", srv.APIKey()))[0]
	old := decode[devToken](t, get(t, inst.TokenURL, ""))
	u := old.Origin + "/api:developer/workspace"
	if r := get(t, u, old.AuthToken); r.status != 200 {
		t.Fatalf("fresh token: %d", r.status)
	}
	srv.ExpireTokens()
	x := wantXanoError(t, get(t, u, old.AuthToken), 401, "ERROR_CODE_UNAUTHORIZED")
	if !strings.Contains(x.Message, "expired") {
		t.Errorf("message %q", x.Message)
	}
	fresh := decode[devToken](t, get(t, inst.TokenURL, ""))
	if fresh.AuthToken == old.AuthToken {
		t.Fatal("tokenUrl handed out the expired token")
	}
	if r := get(t, u, fresh.AuthToken); r.status != 200 {
		t.Errorf("new token: %d", r.status)
	}
	secrets := strings.Join(srv.Secrets(), "\n")
	tokenURLValue := inst.TokenURL[strings.Index(inst.TokenURL, "token=")+6:]
	for _, s := range []string{srv.APIKey(), srv.MetaToken(), old.AuthToken, fresh.AuthToken, tokenURLValue} {
		if !strings.Contains(secrets, s) {
			t.Errorf("Secrets lacks %.20s…", s)
		}
	}
	for _, ref := range f.Groups() {
		if ref.Group.SwaggerToken != "" && !strings.Contains(secrets, ref.Group.SwaggerToken) {
			t.Errorf("Secrets lacks the swagger token of %s", ref.Group.Name)
		}
	}
}

func TestStats(t *testing.T) {
	f := faultFleet(45)
	srv := NewServer(t, Options{Fleet: f, Latency: 200 * time.Millisecond})
	inst := decode[[]devInstance](t, get(t, srv.Master()+"/api:developer/instance", srv.APIKey()))[0]
	tok := decode[devToken](t, get(t, inst.TokenURL, ""))
	var wg sync.WaitGroup
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			get(t, tok.Origin+"/api:developer/workspace", tok.AuthToken)
		}()
	}
	wg.Wait()
	get(t, tok.Origin+"/api:developer/workspace", "wrong")
	st := decode[Stats](t, get(t, srv.Master()+"/__sim/stats", ""))
	host := strings.TrimPrefix(tok.Origin, "http://")
	master := strings.TrimPrefix(srv.Master(), "http://")
	if h := st.Hosts[host]; h.Requests != 7 || h.MaxConcurrent < 2 || h.MaxConcurrent > 6 {
		t.Errorf("instance host stats %+v, want 7 requests and 2..6 concurrent", h)
	}
	if h := st.Hosts[master]; h.Requests != 2 || h.MaxConcurrent != 1 {
		t.Errorf("master stats %+v (the /__sim routes are not counted)", h)
	}
	if st.Routes["developer-workspaces"] != 7 || st.Routes["developer-instances"] != 1 || st.Routes["developer-token"] != 1 {
		t.Errorf("routes %v", st.Routes)
	}
	if st.Statuses["200"] != 8 || st.Statuses["401"] != 1 {
		t.Errorf("statuses %v", st.Statuses)
	}
	srv.ResetStats()
	if st := srv.Stats(); len(st.Hosts) != 0 || len(st.Routes) != 0 {
		t.Errorf("after reset: %+v", st)
	}
}

// A fleet read from a directory is served byte for byte.
func TestLoadFleetServesFiles(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"prod/Book Marketplace/Mobile Native.json": "testdata/apigroup-mobile-native.openapi.json",
		"prod/Book Marketplace/meta.json":          "testdata/instance-metadata-api-2025-03.openapi.json",
	}
	for dst, src := range files {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Dir(filepath.Join(dir, dst)), 0o755)
		os.WriteFile(filepath.Join(dir, dst), b, 0o644)
	}
	yamlDoc := "openapi: 3.0.0\ninfo: {title: Tiny, version: '1'}\npaths: {}\n"
	os.MkdirAll(filepath.Join(dir, "staging", "ws"), 0o755)
	os.WriteFile(filepath.Join(dir, "staging", "ws", "tiny.yaml"), []byte(yamlDoc), 0o644)
	os.WriteFile(filepath.Join(dir, "staging", "ws", "notes.txt"), []byte("ignored"), 0o644)

	f, err := LoadFleet(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Instances) != 2 || len(f.Groups()) != 3 {
		t.Fatalf("%d instances, %d groups; want 2 and 3", len(f.Instances), len(f.Groups()))
	}
	srv := NewServer(t, Options{Fleet: f})
	for _, ref := range f.Groups() {
		g := ref.Group
		if g.Expect != ExpectUnknown {
			t.Errorf("%s: expectation %q for a real document", g.Name, g.Expect)
		}
		want := yamlDoc
		if ref.Instance.Name == "prod" {
			b, _ := os.ReadFile(files["prod/Book Marketplace/"+g.Name+".json"])
			want = string(b)
		}
		if r := get(t, docURL(srv, g), ""); string(r.body) != want {
			t.Errorf("%s served %d bytes, want the file's %d", g.Name, len(r.body), len(want))
		}
	}
	srv.SetGeneration(2)
	if len(srv.Fleet().Groups()) != 3 {
		t.Error("a directory fleet changed with the generation")
	}
	if _, err := LoadFleet(context.Background(), t.TempDir()); err == nil {
		t.Error("an empty directory loaded")
	}
}
