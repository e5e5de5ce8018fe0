package harvest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/specharvest/specharvest/harvest/xanotest"
)

// noWait makes backoff instant; the pace of the real timers is tested on
// the layers themselves.
func noWait(ctx context.Context, d time.Duration) error { return ctx.Err() }

// lockedBuffer is a log sink safe for concurrent handlers.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func testCrawler(logs *lockedBuffer) *Crawler {
	c := &Crawler{
		Options: Options{Concurrency: 8, PerHost: 3, Timeout: 5 * time.Second, Retries: 5, Deadline: time.Minute},
		Wait:    noWait,
	}
	if logs != nil {
		c.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return c
}

func sources(srv *xanotest.Server) []Source {
	return []Source{
		{Name: "dev", Type: SourceXano, Master: srv.Master(), APIKey: srv.APIKey()},
		{Name: "meta", Type: SourceXanoMeta, Master: srv.Master(), Token: srv.MetaToken()},
	}
}

// checkFleet asserts that every group of the fleet came back from source
// with its exact document, once, under a key that names no host.
func checkFleet(t *testing.T, srv *xanotest.Server, col *collect, source string) {
	t.Helper()
	fleet := srv.Fleet()
	byNames := map[string]Spec{}
	col.mu.Lock()
	for _, s := range col.specs {
		if s.Source == source {
			byNames[s.Instance+"\x00"+s.Workspace+"\x00"+s.Group] = s
		}
	}
	dups := col.dup
	col.mu.Unlock()
	if len(dups) > 0 {
		t.Fatalf("keys emitted twice: %v", dups)
	}
	refs := fleet.Groups()
	if len(byNames) != len(refs) {
		t.Fatalf("%s: %d groups emitted, the fleet has %d", source, len(byNames), len(refs))
	}
	for _, r := range refs {
		s, ok := byNames[r.Instance.Display+"\x00"+r.Workspace.Name+"\x00"+r.Group.Name]
		if !ok {
			t.Fatalf("%s: group %q/%q/%q missing", source, r.Instance.Display, r.Workspace.Name, r.Group.Name)
		}
		if s.Err != nil {
			t.Fatalf("%s: group %s failed: %v", source, s.Key, s.Err)
		}
		want, err := fleet.Document(r.Group.ID, srv.InstanceURL(r.Group.Host))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(s.Body, want) {
			t.Fatalf("%s: group %s: body differs from the served document", source, s.Key)
		}
		if strings.Count(s.Key, "/") != 3 || !strings.HasPrefix(s.Key, source+"/") || strings.Contains(s.Key, "127.0.0.1") {
			t.Fatalf("%s: bad key %q", source, s.Key)
		}
		if s.ETag == "" {
			t.Fatalf("%s: group %s: the ETag was not kept", source, s.Key)
		}
	}
}

func TestCrawlBothRoutesHarvestEveryGroup(t *testing.T) {
	fleet := xanotest.Generate(xanotest.GenOptions{Seed: 11, Instances: 3, Workspaces: 2, Groups: 7, Endpoints: 3})
	srv := xanotest.NewServer(t, xanotest.Options{Fleet: fleet})
	col := newCollect()
	var progressMu sync.Mutex
	var last ProgressEvent
	c := testCrawler(nil)
	c.Progress = func(ev ProgressEvent) {
		progressMu.Lock()
		if ev.Found+ev.Fetched+ev.Failed > last.Found+last.Fetched+last.Failed {
			last = ev
		}
		progressMu.Unlock()
	}
	report, err := c.Crawl(context.Background(), sources(srv), col.emit)
	if err != nil {
		t.Fatal(err)
	}
	n := len(fleet.Groups())
	if report.Groups != 2*n || len(report.Failed) != 0 {
		t.Fatalf("report: %d groups (want %d), failed %v", report.Groups, 2*n, report.Failed)
	}
	checkFleet(t, srv, col, "dev")
	checkFleet(t, srv, col, "meta")
	// Both routes name the same groups the same way.
	for _, k := range col.keys() {
		if rest, ok := strings.CutPrefix(k, "dev/"); ok {
			if _, twin := col.specs["meta/"+rest]; !twin {
				t.Fatalf("key %s has no twin in the meta route", k)
			}
		}
	}
	if last.Found != 2*n || last.Fetched != 2*n || last.Failed != 0 {
		t.Fatalf("last progress %+v, want %d found and fetched", last, 2*n)
	}
	if len(report.Sources) != 2 || report.Sources[0].Name != "dev" || report.Sources[1].Groups != n {
		t.Fatalf("per-source results: %+v", report.Sources)
	}
}

func TestCrawlMetaPagingAndSingleInstance(t *testing.T) {
	fleet := xanotest.Generate(xanotest.GenOptions{Seed: 12, Instances: 1, Workspaces: 2, Groups: 7, Endpoints: 2})
	srv := xanotest.NewServer(t, xanotest.Options{Fleet: fleet})
	c := testCrawler(nil)
	c.PageSize = 3 // 7 groups: pages of 3, 3 and 1
	col := newCollect()
	inst := fleet.Instances[0]
	src := Source{Name: "meta", Type: SourceXanoMeta, Instance: srv.InstanceURL(inst.Name), Token: srv.MetaToken()}
	if _, err := c.Crawl(context.Background(), []Source{src}, col.emit); err != nil {
		t.Fatal(err)
	}
	if got := srv.Stats().Routes["meta-apigroups"]; got != 2*3 {
		t.Fatalf("%d group listing requests, want 3 pages for each of 2 workspaces", got)
	}
	want := 0
	for _, ws := range inst.Workspaces {
		want += len(ws.Groups)
	}
	if len(col.specs) != want {
		t.Fatalf("%d groups, want %d", len(col.specs), want)
	}
	for k, s := range col.specs {
		if !strings.HasPrefix(k, "meta/-/") || s.Err != nil || len(s.Body) == 0 {
			t.Fatalf("spec %s: %+v", k, s.Err)
		}
	}
}

func TestCrawlOlderReleaseFallsBackToDocumentationLink(t *testing.T) {
	fleet := xanotest.Generate(xanotest.GenOptions{Seed: 13, Instances: 2, Workspaces: 2, Groups: 12, Endpoints: 2})
	srv := xanotest.NewServer(t, xanotest.Options{Fleet: fleet, OlderRelease: true})
	col := newCollect()
	src := []Source{{Name: "meta", Type: SourceXanoMeta, Master: srv.Master(), Token: srv.MetaToken()}}
	if _, err := testCrawler(nil).Crawl(context.Background(), src, col.emit); err != nil {
		t.Fatal(err)
	}
	checkFleet(t, srv, col, "meta")
	st := srv.Stats()
	n := len(fleet.Groups())
	// Once an instance's /openapi is known missing, its other groups go
	// straight to their links: at most the documents already in flight
	// (2×PerHost per instance) spend a 404.
	inFlight := len(fleet.Instances) * 2 * testCrawler(nil).Options.PerHost
	if st.Routes["apispec"] != n || st.Routes["meta-openapi"] < len(fleet.Instances) || st.Routes["meta-openapi"] > inFlight {
		t.Fatalf("want one fall-back per group and at most %d 404s, got %v", inFlight, st.Routes)
	}
	for _, s := range col.specs {
		if !strings.Contains(s.URL, "/apispec:") {
			t.Fatalf("%s: URL %q is not the documentation link", s.Key, s.URL)
		}
	}
}

func TestCrawlSurvivesFaults(t *testing.T) {
	fleet := xanotest.Generate(xanotest.GenOptions{Seed: 14, Instances: 3, Workspaces: 2, Groups: 8, Endpoints: 2})
	srv := xanotest.NewServer(t, xanotest.Options{Fleet: fleet, Faults: []xanotest.Fault{
		{Kind: xanotest.FaultServerError, Rate: 0.10},
		{Kind: xanotest.FaultTooManyRequests, Rate: 0.05, RetryAfter: time.Second},
		{Kind: xanotest.FaultTooManyRequests, Rate: 0.05},
		{Kind: xanotest.FaultHang, Rate: 0.01},
		{Kind: xanotest.FaultTruncate, Rate: 0.03},
		{Kind: xanotest.FaultHTML, Rate: 0.02},
	}})
	c := testCrawler(nil)
	c.Options.Timeout = 300 * time.Millisecond // a hanging answer costs one short attempt
	c.Options.Retries = 6
	col := newCollect()
	report, err := c.Crawl(context.Background(), sources(srv), col.emit)
	if err != nil {
		t.Fatal(err)
	}
	if len(report.Failed) != 0 {
		t.Fatalf("failed scopes: %v", report.Failed)
	}
	checkFleet(t, srv, col, "dev")
	checkFleet(t, srv, col, "meta")
	st := srv.Stats()
	if st.Statuses["429"] == 0 || st.Statuses["500"]+st.Statuses["502"]+st.Statuses["503"] == 0 {
		t.Fatalf("the faults did not fire: %v", st.Statuses)
	}
}

func TestCrawlPermanentFaultsComeBackAsErrors(t *testing.T) {
	fleet := xanotest.Generate(xanotest.GenOptions{Seed: 15, Instances: 2, Workspaces: 2, Groups: 6, Endpoints: 2})
	srv := xanotest.NewServer(t, xanotest.Options{Fleet: fleet, Faults: []xanotest.Fault{
		{Kind: xanotest.FaultAccessDenied, Rate: 0.3, Routes: xanotest.RouteDocument},
	}})
	col := newCollect()
	src := []Source{{Name: "meta", Type: SourceXanoMeta, Master: srv.Master(), Token: srv.MetaToken()}}
	report, err := testCrawler(nil).Crawl(context.Background(), src, col.emit)
	if err != nil {
		t.Fatal(err)
	}
	denied := 0
	for _, s := range col.specs {
		if s.Err != nil {
			if !errors.Is(s.Err, ErrAccessDenied) || s.Body != nil {
				t.Fatalf("%s: unexpected failure %v", s.Key, s.Err)
			}
			denied++
		}
	}
	if len(col.specs) != len(fleet.Groups()) || report.Sources[0].Errors != denied {
		t.Fatalf("%d specs for %d groups; report says %d errors, saw %d", len(col.specs), len(fleet.Groups()), report.Sources[0].Errors, denied)
	}
	if denied == 0 || srv.Stats().Statuses["500"] != denied {
		t.Fatalf("each denied group must be asked exactly once: %d denied, %d answers of 500", denied, srv.Stats().Statuses["500"])
	}
}

func TestCrawlInstanceDownIsAFailedScope(t *testing.T) {
	fleet := xanotest.Generate(xanotest.GenOptions{Seed: 16, Instances: 3, Workspaces: 1, Groups: 4, Endpoints: 2})
	srv := xanotest.NewServer(t, xanotest.Options{Fleet: fleet})
	down := fleet.Instances[1]
	if err := srv.SetInstanceDown(down.Name, true); err != nil {
		t.Fatal(err)
	}
	col := newCollect()
	report, err := testCrawler(nil).Crawl(context.Background(), sources(srv), col.emit)
	if err != nil {
		t.Fatal(err)
	}
	prefixes := map[string]bool{}
	for _, f := range report.Failed {
		prefixes[f.Prefix] = true
		var fe *FetchError
		if !errors.As(f.Err, &fe) || fe.Status != 503 {
			t.Fatalf("scope %s: want a 503 FetchError, got %v", f.Prefix, f.Err)
		}
	}
	slug := Slug(down.Name)
	if len(report.Failed) != 2 || !prefixes["dev/"+slug] || !prefixes["meta/"+slug] {
		t.Fatalf("want the down instance failed in both routes, got %v", report.Failed)
	}
	healthy := 0
	for _, inst := range fleet.Instances {
		if inst.Name != down.Name {
			for _, ws := range inst.Workspaces {
				for _, g := range ws.Groups {
					// Groups of healthy instances hosted on the down one fail with their error.
					if g.Host != down.Name {
						healthy++
					}
				}
			}
		}
	}
	ok := 0
	for _, s := range col.specs {
		if s.Err == nil {
			ok++
		}
	}
	if ok != 2*healthy {
		t.Fatalf("%d groups arrived, want %d from the healthy instances", ok, 2*healthy)
	}
}

func TestCrawlConditionalRequests(t *testing.T) {
	fleet := xanotest.Generate(xanotest.GenOptions{Seed: 17, Instances: 1, Workspaces: 2, Groups: 4, Endpoints: 2})
	srv := xanotest.NewServer(t, xanotest.Options{Fleet: fleet})
	first := newCollect()
	if _, err := testCrawler(nil).Crawl(context.Background(), sources(srv), first.emit); err != nil {
		t.Fatal(err)
	}
	known := map[string]string{}
	for k, s := range first.specs {
		known[k] = s.ETag
	}
	c := testCrawler(nil)
	c.Known = known
	second := newCollect()
	if _, err := c.Crawl(context.Background(), sources(srv), second.emit); err != nil {
		t.Fatal(err)
	}
	if len(second.specs) != len(first.specs) {
		t.Fatalf("%d groups the second time, %d the first", len(second.specs), len(first.specs))
	}
	for k, s := range second.specs {
		if !s.NotModified || s.Body != nil || s.Err != nil || s.ETag != known[k] {
			t.Fatalf("%s: want not modified with the same ETag, got %+v", k, s)
		}
	}
}

func TestCrawlPerHostLimitHolds(t *testing.T) {
	fleet := xanotest.Generate(xanotest.GenOptions{Seed: 18, Instances: 3, Workspaces: 2, Groups: 8, Endpoints: 2})
	srv := xanotest.NewServer(t, xanotest.Options{Fleet: fleet, Latency: 10 * time.Millisecond})
	c := testCrawler(nil)
	c.Options.Concurrency, c.Options.PerHost = 16, 2
	if _, err := c.Crawl(context.Background(), sources(srv), newCollect().emit); err != nil {
		t.Fatal(err)
	}
	reached := false
	for host, hs := range srv.Stats().Hosts {
		if hs.MaxConcurrent > 2 {
			t.Fatalf("host %s saw %d requests at once, per_host is 2", host, hs.MaxConcurrent)
		}
		reached = reached || hs.MaxConcurrent == 2
	}
	if !reached {
		t.Fatal("no host ever had 2 requests in flight: the crawl is more serial than its limits")
	}
}

func TestCrawlLeaksNoSecret(t *testing.T) {
	fleet := xanotest.Generate(xanotest.GenOptions{Seed: 19, Instances: 2, Workspaces: 2, Groups: 8, Endpoints: 2})
	srv := xanotest.NewServer(t, xanotest.Options{Fleet: fleet, OlderRelease: true, Faults: []xanotest.Fault{
		{Kind: xanotest.FaultServerError, Rate: 0.2},
		{Kind: xanotest.FaultAccessDenied, Rate: 0.1, Routes: xanotest.RouteDocument},
		{Kind: xanotest.FaultOversize, Rate: 0.1, Routes: xanotest.RouteDocument, Size: 64 << 10},
	}})
	logs := &lockedBuffer{}
	c := testCrawler(logs)
	c.Options.Retries = 1
	c.Options.MaxSpecBytes = 32 << 10
	col := newCollect()
	srcs := sources(srv)
	// A wrong key too: its 401 must not quote it.
	srcs = append(srcs, Source{Name: "wrong", Type: SourceXano, Master: srv.Master(), APIKey: "wrong-key-" + srv.APIKey()})
	report, err := c.Crawl(context.Background(), srcs, col.emit)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	out.WriteString(logs.String())
	for _, f := range report.Failed {
		fmt.Fprintf(&out, "%s %v\n", f.Prefix, f.Err)
	}
	failures := 0
	for _, s := range col.specs {
		fmt.Fprintf(&out, "%s %s %s\n", s.Key, s.URL, s.Err)
		if s.Err != nil {
			failures++
		}
	}
	if failures == 0 || len(report.Failed) == 0 || !strings.Contains(out.String(), "token=REDACTED") {
		t.Fatalf("the scenario must produce failures and token URLs to be meaningful (%d failures, %d scopes)", failures, len(report.Failed))
	}
	for _, secret := range srv.Secrets() {
		if secret != "" && strings.Contains(out.String(), secret) {
			t.Fatalf("secret %q… leaked into logs, errors or URLs", secret[:min(6, len(secret))])
		}
	}
}

// expireAfterToken expires every authToken just after each tokenUrl
// answer, so the token a crawler just received is already stale.
type expireAfterToken struct {
	srv  *xanotest.Server
	next http.RoundTripper
	once sync.Once
}

func (e *expireAfterToken) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := e.next.RoundTrip(r)
	if err == nil && strings.Contains(r.URL.Path, "/api:developer/token/") {
		e.once.Do(e.srv.ExpireTokens)
	}
	return resp, err
}

func TestCrawlRefreshesAnExpiredAuthToken(t *testing.T) {
	fleet := xanotest.Generate(xanotest.GenOptions{Seed: 23, Instances: 1, Workspaces: 2, Groups: 3, Endpoints: 2})
	srv := xanotest.NewServer(t, xanotest.Options{Fleet: fleet})
	c := testCrawler(nil)
	c.Transport = &expireAfterToken{srv: srv, next: http.DefaultTransport}
	col := newCollect()
	src := []Source{{Name: "dev", Type: SourceXano, Master: srv.Master(), APIKey: srv.APIKey()}}
	report, err := c.Crawl(context.Background(), src, col.emit)
	if err != nil || len(report.Failed) != 0 {
		t.Fatalf("%v %+v", err, report.Failed)
	}
	checkFleet(t, srv, col, "dev")
	if st := srv.Stats(); st.Routes["developer-token"] != 2 || st.Statuses["401"] != 1 {
		t.Fatalf("want one 401 and a second token, got routes %v statuses %v", st.Routes, st.Statuses)
	}
}

func TestCrawlIncludeExcludeOnAFleet(t *testing.T) {
	fleet := xanotest.Generate(xanotest.GenOptions{Seed: 24, Instances: 3, Workspaces: 2, Groups: 5, Endpoints: 2})
	srv := xanotest.NewServer(t, xanotest.Options{Fleet: fleet})
	skipped := fleet.Instances[2]
	first := fleet.Instances[0]
	ws := first.Workspaces[1]
	src := Source{Name: "meta", Type: SourceXanoMeta, Master: srv.Master(), Token: srv.MetaToken(),
		Exclude: []string{skipped.Display, Slug(first.Name) + "/" + ws.Name}}
	col := newCollect()
	report, err := testCrawler(nil).Crawl(context.Background(), []Source{src}, col.emit)
	if err != nil || len(report.Failed) != 0 {
		t.Fatalf("%v %+v", err, report.Failed)
	}
	want := 0
	for _, r := range fleet.Groups() {
		if r.Instance.Name != skipped.Name && (r.Instance.Name != first.Name || r.Workspace.ID != ws.ID) {
			want++
		}
	}
	if len(col.specs) != want {
		t.Fatalf("%d groups, want %d", len(col.specs), want)
	}
	for _, s := range col.specs {
		if s.Instance == skipped.Display || s.Workspace == ws.Name && s.Instance == first.Display {
			t.Fatalf("excluded group crawled: %s", s.Key)
		}
	}
	// What is excluded whole is not even listed: one workspace listing per
	// crawled instance, one group listing per crawled workspace.
	st := srv.Stats()
	if st.Routes["meta-workspaces"] != 2 || st.Routes["meta-apigroups"] != 3 {
		t.Fatalf("listings: %v", st.Routes)
	}

	// Include narrows to one group name across the fleet.
	target := fleet.Instances[1].Workspaces[0].Groups[0].Name
	src = Source{Name: "meta", Type: SourceXanoMeta, Master: srv.Master(), Token: srv.MetaToken(),
		Include: []string{"*/*/" + target}}
	col = newCollect()
	if _, err := testCrawler(nil).Crawl(context.Background(), []Source{src}, col.emit); err != nil {
		t.Fatal(err)
	}
	if len(col.specs) == 0 {
		t.Fatalf("include %q matched nothing", target)
	}
	for _, s := range col.specs {
		if !strings.EqualFold(s.Group, target) && Slug(s.Group) != strings.ToLower(target) {
			t.Fatalf("group %q crawled under include %q", s.Group, target)
		}
	}
}
