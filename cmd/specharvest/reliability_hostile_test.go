package main

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/specharvest/specharvest/harvest"
	"github.com/specharvest/specharvest/output"
)

// hostileNames are names a listing may return: path tricks, separators,
// control bytes, markup, very long and non-Latin names, and pairs that
// collide once made safe.
func hostileNames() []string {
	return []string{
		"../../../../tmp/escape", "/etc/passwd", "a/b", "..", ".", "", "nul\x00byte", "\\..\\..\\windows",
		"%2e%2e%2fencoded", "~root", "-", "line\nbreak", "<script>alert(1)</script>",
		strings.Repeat("長い名前", 100), strings.Repeat("x", 5000), "Ünïcödé ñame", "注文管理", "Ünïcödé-ñame",
	}
}

// keySegment is what every segment of a key must look like.
var keySegment = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// fourSegmentKey is a whole group key: source/instance/workspace/group.
var fourSegmentKey = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*(/[a-z0-9]+(-[a-z0-9]+)*){3}$`)

func TestHostileNamesMakeSafeKeySegments(t *testing.T) {
	names := hostileNames()
	items := make([]harvest.Named, len(names))
	for i, n := range names {
		items[i] = harvest.Named{Name: n, ID: strconv.Itoa(100 + i)}
	}
	slugs := harvest.UniqueSlugs(items)
	seen := map[string]string{}
	for i, s := range slugs {
		if !keySegment.MatchString(s) || !filepath.IsLocal(s) || strings.Contains(s, "..") {
			t.Errorf("%q became %q, not a safe key segment", names[i], s)
		}
		if len(s) > 64+1+len(items[i].ID) {
			t.Errorf("%q became %d bytes long", names[i], len(s))
		}
		if other, dup := seen[s]; dup {
			t.Errorf("%q and %q share the segment %q", other, names[i], s)
		}
		seen[s] = names[i]
		if single := harvest.Slug(names[i]); !keySegment.MatchString(single) {
			t.Errorf("Slug(%q) = %q", names[i], single)
		}
	}
}

// hostileXano serves the Developer API of an account whose instances,
// workspaces and groups all carry hostile names, as JSON exactly as a
// server could write it (NUL as \u0000, and so on).
type hostileXano struct {
	srv     *httptest.Server
	apiKey  string
	groups  int
	secrets []string
}

func startHostileXano(t *testing.T) *hostileXano {
	t.Helper()
	h := &hostileXano{apiKey: "hostile-developer-key-7f3a9c"}
	names := hostileNames()
	// Two instances, each with two workspaces of every hostile group
	// name, keeps the fleet small but every level hostile.
	instanceNames := []string{names[0], names[6]}
	workspaceNames := []string{names[2], names[13]}
	mux := http.NewServeMux()
	h.srv = httptest.NewServer(mux)
	t.Cleanup(h.srv.Close)
	base := h.srv.URL
	authOf := func(i int) string { return fmt.Sprintf("hostile-auth-token-%d-5be1", i) }
	swaggerToken := func(i, w, g int) string { return fmt.Sprintf("hostile-swagger-%d-%d-%d-c0de", i, w, g) }
	for i := range instanceNames {
		h.secrets = append(h.secrets, authOf(i), fmt.Sprintf("hostile-token-url-%d-9d2e", i))
		for w := range workspaceNames {
			for g := range names {
				h.secrets = append(h.secrets, swaggerToken(i, w, g))
			}
		}
	}
	h.secrets = append(h.secrets, h.apiKey)

	mux.HandleFunc("/api:developer/instance", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+h.apiKey {
			http.Error(w, `{"code":"ERROR_CODE_UNAUTHORIZED","message":"Invalid token."}`, http.StatusUnauthorized)
			return
		}
		var list []map[string]any
		for i, n := range instanceNames {
			list = append(list, map[string]any{"id": i + 1, "name": n, "display": n, "description": n,
				"host": "", "tokenUrl": fmt.Sprintf("%s/api:developer/token/auth?token=hostile-token-url-%d-9d2e", base, i)})
		}
		writeJSON(w, list)
	})
	mux.HandleFunc("/api:developer/token/auth", func(w http.ResponseWriter, r *http.Request) {
		tok := r.URL.Query().Get("token")
		for i := range instanceNames {
			if tok == fmt.Sprintf("hostile-token-url-%d-9d2e", i) {
				// Every instance shares one origin; its authToken tells
				// them apart.
				writeJSON(w, map[string]any{"authToken": authOf(i), "api": base + "/api:developer", "swaggerspec": base + "/apispec:x", "origin": base})
				return
			}
		}
		http.Error(w, `{"code":"ERROR_CODE_UNAUTHORIZED"}`, http.StatusUnauthorized)
	})
	mux.HandleFunc("/api:developer/workspace", func(w http.ResponseWriter, r *http.Request) {
		for i := range instanceNames {
			if r.Header.Get("Authorization") != "Bearer "+authOf(i) {
				continue
			}
			var list []map[string]any
			for wi, wn := range workspaceNames {
				var groups []map[string]any
				for gi, gn := range names {
					groups = append(groups, map[string]any{"id": 1000*wi + gi + 1, "name": gn, "description": gn,
						"api": base + "/api:g", "swaggerspec": fmt.Sprintf("%s/doc/%d/%d/%d?token=%s", base, i, wi, gi, swaggerToken(i, wi, gi))})
				}
				list = append(list, map[string]any{"id": wi + 1, "name": wn, "description": wn, "apigroups": groups})
			}
			writeJSON(w, list)
			return
		}
		http.Error(w, `{"code":"ERROR_CODE_UNAUTHORIZED"}`, http.StatusUnauthorized)
	})
	mux.HandleFunc("/doc/", func(w http.ResponseWriter, r *http.Request) {
		parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/doc/"), "/")
		if len(parts) != 3 {
			http.NotFound(w, r)
			return
		}
		i, _ := strconv.Atoi(parts[0])
		wi, _ := strconv.Atoi(parts[1])
		gi, _ := strconv.Atoi(parts[2])
		if r.URL.Query().Get("token") != swaggerToken(i, wi, gi) {
			http.Error(w, `{"code":"ERROR_CODE_ACCESS_DENIED"}`, http.StatusForbidden)
			return
		}
		name := names[gi]
		// The title and the path carry the hostile name too: they end
		// up in the catalog, the merged document and the reports.
		writeJSON(w, map[string]any{"openapi": "3.0.0", "info": map[string]any{"title": name, "version": "1"},
			"servers": []any{map[string]any{"url": base + "/api:g" + strconv.Itoa(gi)}},
			"paths": map[string]any{"/" + url0(name): map[string]any{"get": map[string]any{"summary": name,
				"responses": map[string]any{"200": map[string]any{"description": name}}}}}})
	})
	h.groups = len(instanceNames) * len(workspaceNames) * len(names)
	return h
}

// url0 turns a name into a path segment that is still a valid OpenAPI path.
func url0(name string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '{' || r == '}' || r == '?' || r == '#' || r < 0x20 {
			return '_'
		}
		return r
	}, name)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// treeFiles lists every path under root, relative to it.
func treeFiles(t *testing.T, root string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		out[rel] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestHostileNamesNeverLeaveTheStore harvests an account whose every name
// is hostile, through the real binary, and checks that not one file is
// written outside the store, that every key is four safe segments, and
// that an exported bundle holds only safe relative paths.
func TestHostileNamesNeverLeaveTheStore(t *testing.T) {
	h := startHostileXano(t)
	root := t.TempDir()
	// The store sits two levels down so that an escape by "../" would
	// land inside root, where the walk sees it.
	storeDir := filepath.Join(root, "a", "b", "store")
	if err := os.MkdirAll(filepath.Dir(storeDir), 0o755); err != nil {
		t.Fatal(err)
	}
	cfgDir := filepath.Join(root, "etc")
	if err := os.MkdirAll(cfgDir, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg, env := writeRunConfig(t, cfgDir, storeDir, h.srv.URL, h.apiKey, defaultLimits())
	before := treeFiles(t, root)

	res := runBinary(t, env, "run", "--config", cfg)
	if res.code != exitOK {
		t.Fatalf("run exited %d\nstdout: %s\nstderr: %s", res.code, res.stdout, res.stderr)
	}
	export := filepath.Join(root, "a", "b", "bundle.tar.gz")
	m := readManifest(t, storeDir, "")
	if ex := runBinary(t, nil, "snapshots", "export", m.ID, "--store", storeDir, "-o", export); ex.code != exitOK {
		t.Fatalf("export exited %d: %s%s", ex.code, ex.stdout, ex.stderr)
	}
	for path := range treeFiles(t, root) {
		if before[path] || path == filepath.Join("a", "b", "bundle.tar.gz") {
			continue
		}
		if path != filepath.Join("a", "b", "store") && !strings.HasPrefix(path, filepath.Join("a", "b", "store")+string(filepath.Separator)) {
			t.Errorf("the run wrote %s, outside the store", path)
		}
	}

	if m.Summary.Specs != h.groups || m.Summary.OK != h.groups {
		t.Fatalf("snapshot has %+v, want all %d groups ok", m.Summary, h.groups)
	}
	keys := map[string]bool{}
	for _, s := range m.Specs {
		if !fourSegmentKey.MatchString(s.Key) {
			t.Errorf("unsafe key %q (group %q)", s.Key, s.Group)
		}
		if keys[s.Key] {
			t.Errorf("key %q is used twice", s.Key)
		}
		keys[s.Key] = true
		if strings.Contains(s.URL, "hostile-swagger-") || !strings.Contains(s.URL, "REDACTED") {
			t.Errorf("the manifest keeps the swagger token of %s: %s", s.Key, s.URL)
		}
	}
	// The display names survive as data, NUL and all: keys are safe
	// because they are built apart from names, not because names were
	// thrown away.
	found := false
	for _, s := range m.Specs {
		found = found || s.Group == "nul\x00byte"
	}
	if !found {
		t.Error("no manifest entry kept the group name with a NUL byte as its display name")
	}

	entries := tarEntries(t, export)
	if len(entries) < h.groups {
		t.Fatalf("the bundle has %d entries for %d groups", len(entries), h.groups)
	}
	for _, name := range entries {
		if !filepath.IsLocal(name) || strings.Contains(name, "..") || strings.ContainsRune(name, 0) {
			t.Errorf("the bundle holds the unsafe path %q", name)
		}
	}
	assertVerifyClean(t, storeDir)
	assertNoSecrets(t, h.secrets, "the store, the bundle or the output", storeText(t, storeDir), res.stdout, res.stderr, strings.Join(entries, "\n"))
	t.Logf("reliability: hostile names: %d groups under %d hostile names, %d files written, all inside the store, keys safe", h.groups, len(hostileNames()), len(treeFiles(t, storeDir)))
}

func tarEntries(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var names []string
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, hdr.Name)
	}
	sort.Strings(names)
	return names
}

// hostileDocuments are documents that try to exhaust or confuse a reader,
// by file name, with the rule each must be reported under (none: valid).
func hostileDocuments() map[string]struct {
	body string
	rule string
} {
	var bomb strings.Builder
	bomb.WriteString("openapi: 3.0.0\na0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&bomb, "a%d: &a%d [", i, i)
		for j := 0; j < 10; j++ {
			if j > 0 {
				bomb.WriteString(", ")
			}
			fmt.Fprintf(&bomb, "*a%d", i-1)
		}
		bomb.WriteString("]\n")
	}
	schemaRef := func(name string) string {
		return `{"openapi":"3.0.0","info":{"title":"` + name + `","version":"1"},"paths":{"/a":{"get":{"responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"$ref":"#/components/schemas/A"}}}}}}}},`
	}
	return map[string]struct {
		body string
		rule string
	}{
		"deep-nesting.json":   {body: strings.Repeat(`{"a":`, 100_000) + "1" + strings.Repeat("}", 100_000), rule: "nesting-too-deep"},
		"deep-nesting.yaml":   {body: "openapi: 3.0.0\nx: " + strings.Repeat("[", 50_000) + strings.Repeat("]", 50_000) + "\n", rule: "nesting-too-deep|invalid-yaml"},
		"alias-bomb.yaml":     {body: bomb.String(), rule: "yaml-alias-expansion|invalid-yaml"},
		"invalid-utf8.json":   {body: "{\"openapi\":\"3.0.0\",\"info\":{\"title\":\"\xff\xfe\",\"version\":\"1\"},\"paths\":{}}", rule: "invalid-utf8"},
		"duplicate-keys.json": {body: `{"openapi":"3.0.0","info":{"title":"d","version":"1","title":"again"},"paths":{},"paths":{}}`, rule: "duplicate-key"},
		"ref-loop.json":       {body: schemaRef("loop") + `"components":{"schemas":{"A":{"$ref":"#/components/schemas/B"},"B":{"$ref":"#/components/schemas/A"}}}}`, rule: "invalid-structure|unresolved-ref|invalid-ref"},
		"ref-self.json":       {body: schemaRef("self") + `"components":{"schemas":{"A":{"$ref":"#/components/schemas/A"}}}}`, rule: "invalid-structure|unresolved-ref|invalid-ref"},
		// Recursive schemas are legitimate and common (a tree, a linked
		// list); they must load and merge.
		"recursive-schema.json": {body: schemaRef("tree") + `"components":{"schemas":{"A":{"type":"object","properties":{"children":{"type":"array","items":{"$ref":"#/components/schemas/B"}}}},"B":{"type":"object","properties":{"parent":{"$ref":"#/components/schemas/A"}}}}}}`},
		"deep-refs.json":        {body: deepRefChain(300)},
	}
}

// deepRefChain is a valid document whose schema is a chain of n $refs.
func deepRefChain(n int) string {
	var b strings.Builder
	b.WriteString(`{"openapi":"3.0.0","info":{"title":"chain","version":"1"},"paths":{"/a":{"get":{"responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"$ref":"#/components/schemas/S0"}}}}}}}},"components":{"schemas":{`)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `"S%d":{"type":"object","properties":{"next":{"$ref":"#/components/schemas/S%d"}}},`, i, i+1)
	}
	fmt.Fprintf(&b, `"S%d":{"type":"string"}}}}`, n)
	return b.String()
}

// hostileLimit is how long a hostile document may keep the binary busy.
const hostileLimit = 60 * time.Second

func TestHostileDocumentsThroughValidate(t *testing.T) {
	dir := t.TempDir()
	for name, doc := range hostileDocuments() {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(doc.body), 0o644); err != nil {
			t.Fatal(err)
		}
		started := time.Now()
		res := runBinary(t, nil, "validate", path)
		took := time.Since(started)
		if took > hostileLimit {
			t.Errorf("validate %s took %v", name, took)
		}
		if doc.rule == "" {
			if res.code != exitOK {
				t.Errorf("validate %s exited %d, want %d (valid)\n%s%s", name, res.code, exitOK, res.stdout, res.stderr)
			}
			continue
		}
		if res.code != exitFailure {
			t.Errorf("validate %s exited %d, want %d\n%s%s", name, res.code, exitFailure, res.stdout, res.stderr)
		}
		if !regexp.MustCompile(`error (` + doc.rule + `) `).MatchString(res.stdout) {
			t.Errorf("validate %s does not report %s:\n%s%s", name, doc.rule, res.stdout, res.stderr)
		}
	}
}

// TestHostileDocumentsThroughRun harvests the hostile documents as a files
// source: each is stored as it is, flagged with its problem, and the run,
// its merge and its reports finish in bounded time.
func TestHostileDocumentsThroughRun(t *testing.T) {
	dir := t.TempDir()
	specs := filepath.Join(dir, "specs")
	if err := os.MkdirAll(specs, 0o755); err != nil {
		t.Fatal(err)
	}
	docs := hostileDocuments()
	for name, doc := range docs {
		if err := os.WriteFile(filepath.Join(specs, name), []byte(doc.body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	storeDir := filepath.Join(dir, "store")
	cfg := filepath.Join(dir, "specharvest.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf("store: %s\nsources:\n  - name: local\n    type: files\n    paths: [%q, %q]\n",
		storeDir, filepath.Join(specs, "*.json"), filepath.Join(specs, "*.yaml"))), 0o644); err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	res := runBinary(t, nil, "run", "--config", cfg)
	took := time.Since(started)
	if res.code != exitOK {
		t.Fatalf("run exited %d\nstdout: %s\nstderr: %s", res.code, res.stdout, res.stderr)
	}
	if took > hostileLimit {
		t.Errorf("the run took %v", took)
	}
	m := readManifest(t, storeDir, "")
	if m.Summary.Specs != len(docs) {
		t.Fatalf("snapshot has %d specs, want %d", m.Summary.Specs, len(docs))
	}
	st, err := output.Open(t.Context(), storeDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range m.Specs {
		name := s.Group // a file's group name is its file name
		doc, ok := docs[name]
		if !ok {
			t.Errorf("no document behind key %s", s.Key)
			continue
		}
		if s.Status != output.StatusOK {
			t.Errorf("%s (%s) is %s: %s", s.Key, name, s.Status, s.Error)
		}
		// The blob is the bytes as read, whatever they hold.
		if body, err := st.ReadBlob(t.Context(), s.SHA256); err != nil || string(body) != doc.body {
			t.Errorf("%s: the stored blob is not the file as written (%v)", s.Key, err)
		}
		if doc.rule == "" {
			if !s.Valid {
				t.Errorf("%s (%s) is invalid: %v", s.Key, name, s.Problems)
			}
			continue
		}
		if s.Valid || !regexp.MustCompile(`^error (`+doc.rule+`) `).MatchString(strings.Join(s.Problems, "\n")) {
			t.Errorf("%s (%s): valid=%v, problems %v; want an error %s", s.Key, name, s.Valid, s.Problems, doc.rule)
		}
	}
	merged, err := os.ReadFile(filepath.Join(storeDir, "snapshots", m.ID, "merged.json"))
	if err != nil {
		t.Fatal(err)
	}
	var generic map[string]any
	if err := json.Unmarshal(merged, &generic); err != nil || generic["paths"] == nil {
		t.Fatalf("merged.json is not a document with paths: %v", err)
	}
	assertVerifyClean(t, storeDir)
	t.Logf("reliability: hostile documents: %d documents through validate and run in %v, each flagged with its rule", len(docs), took.Round(time.Millisecond))
}

// TestHostileConfigs checks that a bad config stops the run before it
// touches anything, with exit 2 and a message naming file, line and key.
func TestHostileConfigs(t *testing.T) {
	cases := []struct {
		name, yaml string
		line       int
		key        string
	}{
		{"wrong type", "sources:\n  - name: a\n    type: url\n    urls: [http://127.0.0.1:9/x.json]\ncrawl:\n  timeout: [1, 2]\n", 6, "crawl.timeout"},
		{"unknown key", "sources:\n  - name: a\n    type: url\n    urls: [http://127.0.0.1:9/x.json]\n    pasword: hunter2\n", 5, "sources[0].pasword"},
		{"missing variable", "sources:\n  - name: a\n    type: xano\n    master: http://127.0.0.1:9\n    api_key: ${SPECHARVEST_TEST_UNSET_KEY}\n", 5, "sources[0].api_key"},
		{"secret in a wrong type", "sources:\n  - name: a\n    type: url\n    urls: [http://127.0.0.1:9/x.json]\ncrawl:\n  retries: ${SPECHARVEST_TEST_SECRET}\n", 6, "crawl.retries"},
		{"alias bomb", "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nsources: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n", 0, ""},
		{"not a URL", "sources:\n  - name: a\n    type: url\n    urls: [ftp://example.com/x.json]\n", 2, "sources[0]"},
		{"bad glob", "sources:\n  - name: a\n    type: url\n    urls: [http://127.0.0.1:9/x.json]\n    include: [\"[bad\"]\n", 2, "sources[0]"},
	}
	const secret = "config-secret-value-41c7"
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "bad.yaml")
			if err := os.WriteFile(path, []byte("store: "+filepath.Join(dir, "store")+"\n"+c.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			res := runBinary(t, []string{"SPECHARVEST_TEST_SECRET=" + secret}, "run", "--config", path)
			if res.code != exitUsage {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", res.code, exitUsage, res.stdout, res.stderr)
			}
			want := path + ":"
			if c.line > 0 {
				// The store line comes first, so every line is one down.
				want = fmt.Sprintf("%s:%d: %s", path, c.line+1, c.key)
			}
			if !strings.Contains(res.stderr, want) {
				t.Errorf("stderr does not name %q:\n%s", want, res.stderr)
			}
			assertNoSecrets(t, []string{secret}, "the output", res.stdout, res.stderr)
			if _, err := os.Stat(filepath.Join(dir, "store")); err == nil {
				t.Error("a bad config still created the store")
			}
		})
	}
}
