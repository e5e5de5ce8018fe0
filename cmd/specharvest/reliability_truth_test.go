package main

// A nightly run never lies: each scenario below runs the real binary
// against a small Developer API on loopback (truthXano) or the simulator,
// over two or three nights, and checks what the night claims — removals,
// keys, failures, ages, exit codes — and that no secret reached the
// store, the output, or any request to a second host.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/specharvest/specharvest/output"
)

// truthGroup is one API group of truthXano.
type truthGroup struct {
	ID   int
	Name string
	Ops  int // operations of its document; changing it changes the document
}

// truthXano is a one-instance, one-workspace Developer API whose groups
// and answers each test night sets. Every request's headers are kept, by
// host, for the secret search.
type truthXano struct {
	srv, other *httptest.Server
	apiKey     string
	tokenURL   string
	authToken  string
	swagger    string // the swagger token of every document URL

	mu          sync.Mutex
	groups      []truthGroup
	listing     string // "": normal; "empty": instances []; "null": apigroups null
	status      int    // when set, the instance listing answers it
	redirectDoc bool   // documents redirect to the other host
	badLocation bool   // documents answer 302 with a malformed Location quoting the token
	headers     []string
}

func startTruthXano(t *testing.T, groups ...truthGroup) *truthXano {
	t.Helper()
	x := &truthXano{apiKey: "truth-dev-key-5d1f9e", authToken: "truth-auth-token-8c2b71", swagger: "truth-swagger-tok-3a9e44",
		groups: groups}
	record := func(r *http.Request) {
		x.mu.Lock()
		defer x.mu.Unlock()
		var b strings.Builder
		fmt.Fprintf(&b, "%s %s\n", r.Host, r.URL.String())
		for k, vs := range r.Header {
			fmt.Fprintf(&b, "%s: %s\n", k, strings.Join(vs, ","))
		}
		x.headers = append(x.headers, b.String())
	}
	x.other = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		record(r)
		var id int
		fmt.Sscanf(r.URL.Path, "/landed/%d", &id)
		writeTruthDoc(w, x.docFor(id))
	}))
	t.Cleanup(x.other.Close)
	mux := http.NewServeMux()
	x.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		record(r)
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(x.srv.Close)
	base := x.srv.URL
	x.tokenURL = base + "/api:developer/token/auth?token=truth-token-url-77aa01"
	mux.HandleFunc("/api:developer/instance", func(w http.ResponseWriter, r *http.Request) {
		x.mu.Lock()
		listing, status := x.listing, x.status
		x.mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer "+x.apiKey || status != 0 {
			if status == 0 {
				status = http.StatusUnauthorized
			}
			http.Error(w, `{"code":"ERROR_CODE_UNAUTHORIZED","message":"Invalid token."}`, status)
			return
		}
		if listing == "empty" {
			writeJSON(w, []any{})
			return
		}
		writeJSON(w, []map[string]any{{"id": 1, "name": "main", "display": "Main", "host": "", "tokenUrl": x.tokenURL}})
	})
	mux.HandleFunc("/api:developer/token/auth", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("token") != "truth-token-url-77aa01" {
			http.Error(w, "{}", http.StatusUnauthorized)
			return
		}
		writeJSON(w, map[string]any{"authToken": x.authToken, "api": base + "/api:developer", "swaggerspec": base + "/x", "origin": base})
	})
	mux.HandleFunc("/api:developer/workspace", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+x.authToken {
			http.Error(w, "{}", http.StatusUnauthorized)
			return
		}
		x.mu.Lock()
		defer x.mu.Unlock()
		var groups any
		if x.listing != "null" {
			list := []map[string]any{}
			for _, g := range x.groups {
				list = append(list, map[string]any{"id": g.ID, "name": g.Name, "api": base + "/api:g",
					"swaggerspec": fmt.Sprintf("%s/doc/%d?token=%s", base, g.ID, x.swagger)})
			}
			groups = list
		}
		writeJSON(w, []map[string]any{{"id": 1, "name": "books", "apigroups": groups}})
	})
	mux.HandleFunc("/doc/", func(w http.ResponseWriter, r *http.Request) {
		var id int
		fmt.Sscanf(r.URL.Path, "/doc/%d", &id)
		x.mu.Lock()
		redirect, bad := x.redirectDoc, x.badLocation
		x.mu.Unlock()
		switch {
		case r.URL.Query().Get("token") != x.swagger:
			http.Error(w, "{}", http.StatusUnauthorized)
		case bad:
			w.Header()["Location"] = []string{"http://[::1%zz/doc?token=" + x.swagger}
			w.WriteHeader(http.StatusFound)
		case redirect:
			http.Redirect(w, r, fmt.Sprintf("%s/landed/%d", x.other.URL, id), http.StatusFound)
		default:
			writeTruthDoc(w, x.docFor(id))
		}
	})
	return x
}

func writeTruthDoc(w http.ResponseWriter, doc string) {
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(doc))
}

func (x *truthXano) docFor(id int) string {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, g := range x.groups {
		if g.ID == id {
			paths := map[string]any{}
			for i := 0; i <= g.Ops; i++ {
				paths[fmt.Sprintf("/items%d", i)] = map[string]any{"get": map[string]any{
					"responses": map[string]any{"200": map[string]any{"description": "ok"}}}}
			}
			data, _ := json.Marshal(map[string]any{"openapi": "3.0.0", "info": map[string]any{"title": g.Name, "version": "1"},
				"servers": []any{map[string]any{"url": "https://x.example/api:g"}}, "paths": paths})
			return string(data)
		}
	}
	return "{}"
}

func (x *truthXano) set(f func(x *truthXano)) {
	x.mu.Lock()
	defer x.mu.Unlock()
	f(x)
}

func (x *truthXano) secrets() []string {
	return []string{x.apiKey, x.authToken, x.swagger, "truth-token-url-77aa01"}
}

// requestHeaders is every request as it arrived, headers included.
func (x *truthXano) requestHeaders() string {
	x.mu.Lock()
	defer x.mu.Unlock()
	return strings.Join(x.headers, "\n")
}

// secondHostHeaders are the requests that reached the other host.
func (x *truthXano) secondHostHeaders() string {
	x.mu.Lock()
	defer x.mu.Unlock()
	host := strings.TrimPrefix(x.other.URL, "http://")
	var out []string
	for _, h := range x.headers {
		if strings.HasPrefix(h, host+" ") {
			out = append(out, h)
		}
	}
	return strings.Join(out, "\n")
}

// truthNight runs one night of a truth scenario, then checks what every
// scenario must hold: verify clean (when a store exists) and no secret in
// the store, the output or a second host's request headers.
type truthRun struct {
	t      *testing.T
	dir    string
	store  string
	x      *truthXano
	extra  string // more YAML at the end of the config
	source string // more YAML in the source
	env    []string
}

func newTruthRun(t *testing.T, x *truthXano) *truthRun {
	dir := t.TempDir()
	return &truthRun{t: t, dir: dir, store: filepath.Join(dir, "store"), x: x,
		env: []string{"TRUTH_XANO_KEY=" + x.apiKey}}
}

func (r *truthRun) config() string {
	r.t.Helper()
	path := filepath.Join(r.dir, "specharvest.yaml")
	cfg := fmt.Sprintf(`store: %s
sources:
  - name: prod
    type: xano
    master: %s
    api_key: ${TRUTH_XANO_KEY}
%scrawl:
  timeout: 5s
  retries: 1
  deadline: 1m
%s`, r.store, r.x.srv.URL, r.source, r.extra)
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		r.t.Fatal(err)
	}
	return path
}

func (r *truthRun) night(want int, args ...string) binResult {
	r.t.Helper()
	res := runBinary(r.t, r.env, append([]string{"run", "--config", r.config()}, args...)...)
	if res.code != want {
		r.t.Fatalf("run %v exited %d, want %d\nstdout: %s\nstderr: %s", args, res.code, want, res.stdout, res.stderr)
	}
	r.check(res)
	return res
}

func (r *truthRun) check(res binResult) {
	r.t.Helper()
	if _, err := os.Stat(filepath.Join(r.store, "store.json")); err == nil {
		assertVerifyClean(r.t, r.store)
		assertNoSecrets(r.t, r.x.secrets(), "the store", storeText(r.t, r.store))
	}
	assertNoSecrets(r.t, r.x.secrets(), "the output", res.stdout, res.stderr)
	assertNoSecrets(r.t, r.x.secrets(), "a request to a second host", r.x.secondHostHeaders())
}

func manyGroups(n int) []truthGroup {
	var gs []truthGroup
	for i := 1; i <= n; i++ {
		gs = append(gs, truthGroup{ID: i, Name: fmt.Sprintf("Group %d", i), Ops: 1})
	}
	return gs
}

// TestReliabilityFilterTypoFailsTheSource: include patterns that match no
// group of an answered listing fail the source, naming the filter and
// names it saw; the groups stay (stale), nothing is removed, latest keeps
// every group.
func TestReliabilityFilterTypoFailsTheSource(t *testing.T) {
	x := startTruthXano(t, manyGroups(6)...)
	r := newTruthRun(t, x)
	r.night(exitOK)
	first := readManifest(t, r.store, "")
	// The only source: nothing arrives, nothing is written.
	r.source = "    include: [\"acme-prd/*\"]\n"
	res := r.night(exitFailure)
	if !strings.Contains(res.stderr, `the filters match no group: include ["acme-prd/*"], exclude []; names listed include "main"`) {
		t.Fatalf("the failure does not name the filter and what was listed:\n%s", res.stderr)
	}
	if m := readManifest(t, r.store, ""); m.ID != first.ID {
		t.Fatalf("latest moved to %s", m.ID)
	}
	// Beside a source that works: the snapshot is written, prod's groups
	// are carried forward, the night is partial.
	r.source += localFilesSource(t, r.dir)
	res = r.night(exitPartial)
	if !strings.Contains(res.stdout, `the filters match no group`) {
		t.Fatalf("the summary does not say why:\n%s", res.stdout)
	}
	m := readManifest(t, r.store, "")
	if m.Summary.Stale != 6 || m.Summary.Specs != 7 {
		t.Fatalf("want the 6 groups carried forward as stale, got %+v", m.Summary)
	}
	if c := readChanges(t, r.store, m.ID); c.Summary.GroupsRemoved != 0 {
		t.Fatalf("%d groups reported removed", c.Summary.GroupsRemoved)
	}
}

// TestReliabilityEmptyListingIsNotRemoval: a listing answering [] or a
// group list of null removes more than the guard allows: the groups are
// held back as stale, flagged suspect-removal, exit 3; --accept-removals
// confirms; a small removal within the guard is reported as such.
func TestReliabilityEmptyListingIsNotRemoval(t *testing.T) {
	for _, mode := range []string{"empty", "null"} {
		t.Run(mode, func(t *testing.T) {
			x := startTruthXano(t, manyGroups(6)...)
			r := newTruthRun(t, x)
			r.night(exitOK)
			x.set(func(x *truthXano) { x.listing = mode })
			res := r.night(exitPartial, "--fail-on", "changes")
			m := readManifest(t, r.store, "")
			for _, s := range m.Specs {
				if s.Status != output.StatusStale || len(s.Flags) != 1 || s.Flags[0] != output.FlagSuspectRemoval {
					t.Fatalf("%s: %s %v, want stale and suspect-removal", s.Key, s.Status, s.Flags)
				}
			}
			if c := readChanges(t, r.store, m.ID); c.Summary.GroupsRemoved != 0 || len(m.Specs) != 6 {
				t.Fatalf("removed %d, specs %d", c.Summary.GroupsRemoved, len(m.Specs))
			}
			if !strings.Contains(res.stdout, "HELD BACK 6 removals of source prod") {
				t.Fatalf("the summary does not say what was held back:\n%s", res.stdout)
			}
			r.night(exitOK, "--accept-removals")
			m = readManifest(t, r.store, "")
			if c := readChanges(t, r.store, m.ID); c.Summary.GroupsRemoved != 6 || len(m.Specs) != 0 {
				t.Fatalf("after --accept-removals: removed %d, specs %d", c.Summary.GroupsRemoved, len(m.Specs))
			}
		})
	}
	// Within the guard (2 of 6): a removal is believed.
	x := startTruthXano(t, manyGroups(6)...)
	r := newTruthRun(t, x)
	r.night(exitOK)
	x.set(func(x *truthXano) { x.groups = x.groups[:4] })
	r.night(exitOK)
	m := readManifest(t, r.store, "")
	if c := readChanges(t, r.store, m.ID); c.Summary.GroupsRemoved != 2 {
		t.Fatalf("removed %d, want 2", c.Summary.GroupsRemoved)
	}
}

// TestReliabilityKeysNeverMove: a newcomer "books" next to "Books" takes
// the suffix; the existing group keeps its key, nothing is removed and
// --fail-on breaking passes. A rename keeps the key too (Xano ids).
func TestReliabilityKeysNeverMove(t *testing.T) {
	x := startTruthXano(t, truthGroup{ID: 10, Name: "Books", Ops: 2}, truthGroup{ID: 11, Name: "Orders", Ops: 1})
	r := newTruthRun(t, x)
	r.night(exitOK)
	first := readManifest(t, r.store, "")
	x.set(func(x *truthXano) {
		x.groups = append(x.groups, truthGroup{ID: 12, Name: "books", Ops: 1})
		x.groups[1].Name = "Purchase Orders"
	})
	r.night(exitOK, "--fail-on", "breaking")
	m := readManifest(t, r.store, "")
	keys := map[string]string{}
	for _, s := range m.Specs {
		keys[s.Group] = s.Key
	}
	if keys["Books"] != "prod/main/books/books" || keys["Purchase Orders"] != "prod/main/books/orders" ||
		keys["books"] != "prod/main/books/books-12" {
		t.Fatalf("keys moved: %v (first night %v)", keys, first.Specs)
	}
	if c := readChanges(t, r.store, m.ID); c.Summary.GroupsRemoved != 0 || c.Summary.GroupsAdded != 1 {
		t.Fatalf("changes %+v", c.Summary)
	}
	res := runBinary(t, nil, "history", "prod/main/books/books", "--store", r.store)
	if res.code != exitOK || strings.Contains(strings.ToLower(res.stdout), "removed") {
		t.Fatalf("history: %d %s", res.code, res.stdout)
	}
}

// TestReliabilityFailedSourcesAreLoud: a new source whose master cannot be
// reached never exits 0; the failure webhook fires and the metrics say
// source_up 0. A revoked key names the config key and variable to check,
// stale groups carry their age, summarised one line per cause, and past
// stale_max_age the run exits 1 naming them.
func TestReliabilityFailedSourcesAreLoud(t *testing.T) {
	x := startTruthXano(t, manyGroups(3)...)
	var hookMu sync.Mutex
	var hooks []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var b strings.Builder
		buf := make([]byte, 64<<10)
		n, _ := req.Body.Read(buf)
		b.Write(buf[:n])
		hookMu.Lock()
		hooks = append(hooks, b.String())
		hookMu.Unlock()
	}))
	defer hook.Close()
	r := newTruthRun(t, x)
	metrics := filepath.Join(r.dir, "metrics.prom")
	r.extra = fmt.Sprintf("metrics_file: %s\nnotify:\n  - url: %s\n    on: [failure]\n", metrics, hook.URL)
	r.night(exitOK)
	// A second source whose master is a closed port.
	r.extra += "stale_max_age: 7d\n"
	r.source = "  - name: down\n    type: xano\n    master: http://127.0.0.1:1\n    api_key: ${TRUTH_XANO_KEY}\n"
	res := r.night(exitPartial)
	prom, _ := os.ReadFile(metrics)
	if !strings.Contains(string(prom), `specharvest_source_up{source="down"} 0`) || !strings.Contains(string(prom), `specharvest_source_up{source="prod"} 1`) {
		t.Fatalf("metrics:\n%s", prom)
	}
	hookMu.Lock()
	got := strings.Join(hooks, "\n")
	hookMu.Unlock()
	if !strings.Contains(got, `"failed_sources":["down"]`) {
		t.Fatalf("no failure webhook naming the source: %s", got)
	}
	if !strings.Contains(res.stdout, "SOURCE FAILED down") {
		t.Fatalf("summary:\n%s", res.stdout)
	}
	// The key of prod is revoked: 401 names the key and the variable.
	r.source = localFilesSource(t, r.dir)
	x.set(func(x *truthXano) { x.status = http.StatusUnauthorized })
	res = r.night(exitPartial)
	if !strings.Contains(res.stdout, `check api_key of source "prod" (the environment variable TRUTH_XANO_KEY)`) {
		t.Fatalf("the 401 does not say what to check:\n%s", res.stdout)
	}
	if n := strings.Count(res.stdout, "STALE "); n != 1 || !strings.Contains(res.stdout, "STALE 3 groups (stale for up to 1 nights, last fetched ") {
		t.Fatalf("want one stale line with the age, got %d:\n%s", n, res.stdout)
	}
	m := readManifest(t, r.store, "")
	for _, s := range m.Specs {
		if s.Source == "prod" && (s.StaleNights != 1 || s.LastFetched.IsZero()) {
			t.Fatalf("%s carries no age: %+v", s.Key, s)
		}
	}
	cat, _ := os.ReadFile(filepath.Join(r.store, "snapshots", m.ID, "catalog.json"))
	if !strings.Contains(string(cat), `"stale_nights": 1`) || !strings.Contains(string(cat), `"last_fetched"`) {
		t.Fatal("catalog.json does not carry the stale age")
	}
	// Past stale_max_age: exit 1, naming the groups.
	r.extra = strings.Replace(r.extra, "stale_max_age: 7d", "stale_max_age: 1s", 1)
	time.Sleep(1100 * time.Millisecond)
	res = r.night(exitFailure)
	if !strings.Contains(res.stderr, "stale for more than stale_max_age") || !strings.Contains(res.stderr, "prod/main/books/group-1") {
		t.Fatalf("exit 1 does not name the groups:\n%s", res.stderr)
	}
	if m := readManifest(t, r.store, ""); m.Spec("prod/main/books/group-1").StaleNights != 2 {
		t.Fatalf("stale nights %d, want 2", m.Spec("prod/main/books/group-1").StaleNights)
	}
}

// localFilesSource is a files source with one small document, for a
// second source that works.
func localFilesSource(t *testing.T, dir string) string {
	t.Helper()
	specs := filepath.Join(dir, "local-specs")
	os.MkdirAll(specs, 0o755)
	os.WriteFile(filepath.Join(specs, "local.json"), []byte(`{"openapi":"3.0.0","info":{"title":"l","version":"1"},"paths":{"/l":{"get":{"responses":{"200":{"description":"ok"}}}}}}`), 0o644)
	return fmt.Sprintf("  - name: local\n    type: files\n    paths: [%q]\n", filepath.Join(specs, "*.json"))
}

// TestReliabilityMasterURLsChecked: a master without scheme or host, or
// with another scheme, exits 2 before the store is touched.
func TestReliabilityMasterURLsChecked(t *testing.T) {
	for _, master := range []string{"app.xano.com", "ftp://app.xano.com", "https://"} {
		dir := t.TempDir()
		cfg, env := writeXanoConfig(t, dir, master, "k-123456", "")
		res := runBinary(t, env, "run", "--config", cfg)
		if res.code != exitUsage || !strings.Contains(res.stderr, "http(s) URL with a host") {
			t.Fatalf("master %q: exit %d\n%s", master, res.code, res.stderr)
		}
		if _, err := os.Stat(filepath.Join(dir, "store")); err == nil {
			t.Fatalf("master %q: the store was created", master)
		}
	}
}

// TestReliabilityOutOfMemoryIsNotUsageError: a 100,000-path document
// (27 MB) in a process with too little memory ends the run with exit 1,
// never 2; the lock is released and the previous snapshot stays latest.
//
// The limit is on the data segment (ulimit -d), which counts what the
// process writes (heap, thread stacks) and not the address space the Go
// runtime reserves at start: under ulimit -v the runtime itself sometimes
// failed to start, before any document was read. 180 MB leaves the
// supervisor and the child room to start and is well below what reading
// a 27 MB document takes (about 300 MB of RSS unlimited).
func TestReliabilityOutOfMemoryIsNotUsageError(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh for ulimit")
	}
	dir := t.TempDir()
	specs := filepath.Join(dir, "specs")
	os.MkdirAll(specs, 0o755)
	os.WriteFile(filepath.Join(specs, "small.json"), []byte(`{"openapi":"3.0.0","info":{"title":"s","version":"1"},"paths":{}}`), 0o644)
	store := filepath.Join(dir, "store")
	cfg := filepath.Join(dir, "c.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("store: %s\nsources:\n  - name: local\n    type: files\n    paths: [%q]\n", store, filepath.Join(specs, "*.json"))), 0o644)
	if res := runBinary(t, nil, "run", "--config", cfg); res.code != exitOK {
		t.Fatalf("first night: %d %s", res.code, res.stderr)
	}
	before := readManifest(t, store, "")
	var b strings.Builder
	b.WriteString(`{"openapi":"3.0.0","info":{"title":"big","version":"1"},"paths":{`)
	for i := 0; i < 100000; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"/p%d/{id}":{"get":{"operationId":"op%d","parameters":[{"name":"id","in":"path","required":true,"schema":{"type":"string"}}],"responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"type":"object","properties":{"a":{"type":"string"}}}}}}}}}`, i, i)
	}
	b.WriteString("}}")
	os.WriteFile(filepath.Join(specs, "big.json"), []byte(b.String()), 0o644)
	cmd := exec.Command("sh", "-c", `ulimit -d 180000 && exec "$0" run --config "$1"`, specharvestBinary(t), cfg)
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	}
	if code == exitUsage || code == exitOK {
		t.Fatalf("exit %d under a memory limit:\n%.2000s", code, out)
	}
	if code != exitFailure {
		t.Logf("exit %d (the document fitted after all)", code)
	}
	if entries, _ := os.ReadDir(filepath.Join(store, "locks")); len(entries) > 0 {
		for _, e := range entries {
			if e.Name() == "run.json" {
				t.Fatal("the lock was left behind")
			}
		}
	}
	if after := readManifest(t, store, ""); code == exitFailure && after.ID != before.ID {
		t.Fatalf("latest moved to %s", after.ID)
	}
	assertVerifyClean(t, store)
}

// TestReliabilitySecretsNeverLeave: a token URL redirected to another host
// sends no Referer; a malformed Location quoting the token is redacted
// wherever the error goes; a files source never follows a link out of its
// root (to /proc/self/environ or a private file); a config error never
// quotes a variable.
func TestReliabilitySecretsNeverLeave(t *testing.T) {
	x := startTruthXano(t, manyGroups(2)...)
	r := newTruthRun(t, x)
	x.set(func(x *truthXano) { x.redirectDoc = true })
	r.night(exitOK)
	if !strings.Contains(x.secondHostHeaders(), "/landed/") {
		t.Fatal("no request reached the second host: the scenario tested nothing")
	}
	if strings.Contains(x.requestHeaders(), "Referer") {
		t.Fatalf("a Referer was sent:\n%s", x.requestHeaders())
	}
	x.set(func(x *truthXano) { x.redirectDoc, x.badLocation = false, true })
	r.source = localFilesSource(t, r.dir) // so that a snapshot, with the errors in it, is written
	res := r.night(exitPartial)
	if !strings.Contains(res.stdout, "Location") {
		t.Fatalf("the malformed Location is not reported:\n%s", res.stdout)
	}

	// files: links out of the root are never read.
	dir := t.TempDir()
	root := filepath.Join(dir, "specs")
	os.MkdirAll(root, 0o755)
	private := filepath.Join(dir, "private.json")
	os.WriteFile(private, []byte(`{"secret":"private-file-secret-9f8e7d"}`), 0o600)
	os.WriteFile(filepath.Join(root, "ok.json"), []byte(`{"openapi":"3.0.0","info":{"title":"o","version":"1"},"paths":{}}`), 0o644)
	os.Symlink("/proc/self/environ", filepath.Join(root, "environ.json"))
	os.Symlink(private, filepath.Join(root, "private.json"))
	store := filepath.Join(dir, "store")
	cfg := filepath.Join(dir, "c.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("store: %s\nsources:\n  - name: local\n    type: files\n    paths: [%q]\n", store, filepath.Join(root, "*.json"))), 0o644)
	envSecret := "environ-secret-value-4c3b2a"
	res = runBinary(t, []string{"SPECHARVEST_TEST_ENV_SECRET=" + envSecret}, "run", "--config", cfg)
	if res.code != exitOK {
		t.Fatalf("files run: %d %s", res.code, res.stderr)
	}
	assertNoSecrets(t, []string{envSecret, "private-file-secret-9f8e7d"}, "the store of a files source", storeText(t, store))
	if m := readManifest(t, store, ""); len(m.Specs) != 1 {
		t.Fatalf("want only ok.json, got %d groups", len(m.Specs))
	}

	// A config error on a value from a variable.
	cfg2 := filepath.Join(dir, "c2.yaml")
	os.WriteFile(cfg2, []byte("sources:\n  - name: ${TRUTH_NAME}\n    type: url\n    urls: [\"https://x.example/a.json\"]\n"), 0o644)
	res = runBinary(t, []string{"TRUTH_NAME=Secret-Name-Value-6e5d"}, "run", "--config", cfg2)
	if res.code != exitUsage {
		t.Fatalf("exit %d", res.code)
	}
	assertNoSecrets(t, []string{"Secret-Name-Value-6e5d", "secret-name-value-6e5d"}, "a config error", res.stdout, res.stderr)
}

// TestReliabilityLockTakeover: a lock left by a run that was pid 1 of a
// container that is gone is taken over once past its expiry; while it may
// be alive the run exits 5 and says how to unlock; unlock asks for
// --force when it cannot prove the holder gone.
func TestReliabilityLockTakeover(t *testing.T) {
	x := startTruthXano(t, manyGroups(2)...)
	r := newTruthRun(t, x)
	r.night(exitOK)
	host, _ := os.Hostname()
	writeLock := func(info output.LockInfo) {
		data, _ := json.Marshal(info)
		if err := os.WriteFile(filepath.Join(r.store, "locks", "run.json"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	long := time.Now().Add(-3 * time.Hour)
	writeLock(output.LockInfo{Time: long, Hostname: host, PID: 1, PIDNS: "pid:[1]", Expires: long.Add(time.Hour)})
	r.night(exitOK)
	writeLock(output.LockInfo{Time: time.Now(), Hostname: host, PID: 1, PIDNS: "pid:[1]", Expires: time.Now().Add(time.Hour)})
	res := r.night(exitLocked)
	if !strings.Contains(res.stderr, "specharvest unlock") {
		t.Fatalf("exit 5 does not say how to unlock:\n%s", res.stderr)
	}
	res = runBinary(t, nil, "unlock", "--store", r.store)
	if res.code != exitLocked || !strings.Contains(res.stderr, "--force") {
		t.Fatalf("unlock without --force: %d %s", res.code, res.stderr)
	}
	if res = runBinary(t, nil, "unlock", "--store", r.store, "--force"); res.code != exitOK {
		t.Fatalf("unlock --force: %d %s", res.code, res.stderr)
	}
	r.night(exitOK)
	// A dead pid of this host and namespace: unlock needs no --force.
	dead := exec.Command("true")
	dead.Run()
	writeLock(output.LockInfo{Time: time.Now(), Hostname: host, PID: dead.Process.Pid, Expires: time.Now().Add(time.Hour)})
	if res = runBinary(t, nil, "unlock", "--store", r.store); res.code != exitOK {
		t.Fatalf("unlock of a dead holder: %d %s", res.code, res.stderr)
	}
}

// TestReliabilityStoreIntegrity: a blob with one byte flipped is never
// pointed at: the run rewrites it from the document fetched again and
// says so; a dangling latest makes the run compare with the newest
// complete snapshot, with a warning.
func TestReliabilityStoreIntegrity(t *testing.T) {
	x := startTruthXano(t, manyGroups(3)...)
	r := newTruthRun(t, x)
	r.night(exitOK)
	first := readManifest(t, r.store, "")
	blob := filepath.Join(r.store, "blobs", "sha256", first.Specs[0].SHA256[:2], first.Specs[0].SHA256)
	data, err := os.ReadFile(blob)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0x01
	os.Chmod(blob, 0o644)
	if err := os.WriteFile(blob, data, 0o644); err != nil {
		t.Fatal(err)
	}
	res := r.night(exitOK) // check() runs verify: the blob is sound again
	if !strings.Contains(res.stdout, "REPAIRED blob "+first.Specs[0].SHA256) {
		t.Fatalf("the repair is not reported:\n%s", res.stdout)
	}
	second := readManifest(t, r.store, "")
	// latest points at a snapshot that is not there.
	os.WriteFile(filepath.Join(r.store, "latest"), []byte("20991231T000000Z\n"), 0o644)
	x.set(func(x *truthXano) { x.groups[0].Ops = 3 })
	res = r.night(exitOK)
	if !strings.Contains(res.stderr, "comparing against the newest complete snapshot "+second.ID) {
		t.Fatalf("no warning about latest:\n%s", res.stderr)
	}
	m := readManifest(t, r.store, "")
	if c := readChanges(t, r.store, m.ID); c.Base != second.ID || c.Summary.GroupsChanged != 1 || c.Summary.GroupsAdded != 0 {
		t.Fatalf("compared with %s: %+v", c.Base, c.Summary)
	}
}

// TestReliabilityMergedNeverDropsSilently: a group whose document turned
// unloadable is listed as excluded in merge-report.json, catalog.json and
// the summary.
func TestReliabilityMergedNeverDropsSilently(t *testing.T) {
	dir := t.TempDir()
	specs := filepath.Join(dir, "specs")
	os.MkdirAll(specs, 0o755)
	good := `{"openapi":"3.0.0","info":{"title":"a","version":"1"},"paths":{"/a":{"get":{"responses":{"200":{"description":"ok"}}}}}}`
	os.WriteFile(filepath.Join(specs, "a.json"), []byte(good), 0o644)
	os.WriteFile(filepath.Join(specs, "b.json"), []byte(strings.ReplaceAll(good, "/a", "/b")), 0o644)
	store := filepath.Join(dir, "store")
	cfg := filepath.Join(dir, "c.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("store: %s\nsources:\n  - name: local\n    type: files\n    paths: [%q]\n", store, filepath.Join(specs, "*.json"))), 0o644)
	if res := runBinary(t, nil, "run", "--config", cfg); res.code != exitOK {
		t.Fatalf("%d %s", res.code, res.stderr)
	}
	os.WriteFile(filepath.Join(specs, "b.json"), []byte(`{"openapi": "3.0.0", "paths": {`), 0o644)
	res := runBinary(t, nil, "run", "--config", cfg)
	if res.code != exitOK && res.code != exitPartial {
		t.Fatalf("%d %s", res.code, res.stderr)
	}
	m := readManifest(t, store, "")
	report, _ := os.ReadFile(filepath.Join(store, "snapshots", m.ID, "merge-report.json"))
	cat, _ := os.ReadFile(filepath.Join(store, "snapshots", m.ID, "catalog.json"))
	if !strings.Contains(string(report), `"key": "local/-/-/b"`) || !strings.Contains(string(cat), `"excluded_from_merge"`) ||
		!strings.Contains(res.stdout, "EXCLUDED from merged.json local/-/-/b") {
		t.Fatalf("the exclusion is not listed:\nreport %s\nstdout %s", report, res.stdout)
	}
	assertVerifyClean(t, store)
}
