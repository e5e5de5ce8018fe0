package output

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

func catalogTestDoc(title string, paths ...string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `{"openapi":"3.0.0","info":{"title":%q,"version":"1.2.3"},"servers":[{"url":"https://x1.example.com/api:%s"}],"paths":{`, title, strings.ToLower(title))
	for i, p := range paths {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `%q:{"get":{"summary":"read %s","tags":["t%d"],"responses":{"200":{"description":"ok"}}}}`, p, p, i)
	}
	b.WriteString("}}")
	return []byte(b.String())
}

// catalogSnapshot commits a snapshot the way a run does: blobs first, the
// catalog built from the specs and their documents, the reports written
// into the snapshot, then the manifest. It returns the store and the ID.
func catalogSnapshot(t *testing.T) (*Store, string) {
	t.Helper()
	ctx := context.Background()
	st, err := Create(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string][]byte{
		"prod/main/books/public":   catalogTestDoc("Books", "/books", "/books/{id}", "/authors"),
		"prod/main/books/admin":    catalogTestDoc("Admin", "/admin/users"),
		"prod/edge/shop/orders":    catalogTestDoc("Orders", "/orders", "/orders/{id}"),
		"files/-/-/partner":        []byte("openapi: 3.0.0\ninfo: {title: Partner, version: '9'}\npaths:\n  /ping:\n    get:\n      responses: {'200': {description: ok}}\n"),
		"prod/edge/shop/legacy":    nil, // failed, never fetched
		"prod/edge/shop/unstable":  catalogTestDoc("Unstable", "/flaky"),
		"prod/main/books/internal": catalogTestDoc("Internal"),
	}
	var specs []SpecEntry
	for key, data := range docs {
		parts := strings.Split(key, "/")
		e := SpecEntry{Key: key, Source: parts[0], Instance: parts[1], Workspace: parts[2], Group: parts[3], Status: StatusOK, Valid: true}
		if data == nil {
			e.Status, e.Error = StatusFailed, "fetch: 503 Service Unavailable"
		} else {
			sha, size, err := st.PutBlobBytes(ctx, data)
			if err != nil {
				t.Fatal(err)
			}
			e.SHA256, e.Bytes = sha, size
			doc, err := openapi3.NewLoader().LoadFromData(data)
			if err != nil {
				t.Fatalf("%s: %v", key, err)
			}
			e.Title, e.OpenAPI, e.Operations = doc.Info.Title, doc.OpenAPI, len(OperationsOf(doc))
		}
		if key == "prod/edge/shop/unstable" {
			e.Status, e.Error = StatusStale, "fetch: timeout"
		}
		if key == "prod/main/books/internal" {
			e.Valid, e.Errors = false, 1
		}
		specs = append(specs, e)
	}

	w, err := st.NewSnapshot(ctx, time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	c := BuildCatalog(CatalogInput{Manifest: &Manifest{ID: w.ID(), Specs: specs}, Document: func(e SpecEntry) *CatalogDocument {
		data := docs[e.Key]
		if data == nil {
			return nil
		}
		doc, _ := openapi3.NewLoader().LoadFromData(data)
		return &CatalogDocument{Operations: OperationsOf(doc), Servers: ServersOf(doc), Tags: TagsOf(doc),
			APIVersion: doc.Info.Version, MediaType: DocumentMediaType(data)}
	}})
	for name, render := range map[string]func(*bytes.Buffer) error{
		CatalogFile:    func(b *bytes.Buffer) error { return WriteCatalogJSON(b, c) },
		APICatalogFile: func(b *bytes.Buffer) error { return WriteAPICatalog(b, c, "") },
		CatalogHTML:    func(b *bytes.Buffer) error { return WriteCatalogHTML(b, c) },
	} {
		var buf bytes.Buffer
		if err := render(&buf); err != nil {
			t.Fatalf("render %s: %v", name, err)
		}
		if err := w.WriteFile(ctx, name, buf.Bytes()); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Commit(ctx, &Manifest{Specs: specs}); err != nil {
		t.Fatal(err)
	}
	return st, w.ID()
}

// TestCatalogJSONMatchesManifest reads back a committed snapshot: every
// spec of the manifest is in catalog.json with the same identity, status,
// hash, validity and operation count, and its document link leads to the
// very bytes the manifest names.
func TestCatalogJSONMatchesManifest(t *testing.T) {
	ctx := context.Background()
	st, id := catalogSnapshot(t)
	m, err := st.Manifest(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	data, err := st.ReadSnapshotFile(ctx, id, CatalogFile)
	if err != nil {
		t.Fatal(err)
	}
	var c Catalog
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatalf("catalog.json does not parse: %v", err)
	}
	if c.Format != CatalogFormat {
		t.Errorf("catalog format %d, want %d", c.Format, CatalogFormat)
	}
	if len(c.Groups) != len(m.Specs) {
		t.Fatalf("catalog has %d groups, manifest %d specs", len(c.Groups), len(m.Specs))
	}
	groups := map[string]CatalogGroup{}
	for _, g := range c.Groups {
		groups[g.Key] = g
	}
	snapDir := filepath.Join(st.Dir(), "snapshots", id)
	for _, e := range m.Specs {
		g, ok := groups[e.Key]
		if !ok {
			t.Errorf("spec %s is not in the catalog", e.Key)
			continue
		}
		if g.SHA256 != e.SHA256 || g.Status != e.Status || g.Operations != e.Operations || g.Valid != e.Valid ||
			g.Title != e.Title || g.Source != e.Source || g.Instance != e.Instance || g.Workspace != e.Workspace || g.Group != e.Group {
			t.Errorf("%s differs:\ncatalog  %+v\nmanifest %+v", e.Key, g, e)
		}
		if e.Status == StatusFailed {
			if g.Document != "" || g.Error == "" {
				t.Errorf("%s failed: it must have no document and keep its error, got %q / %q", e.Key, g.Document, g.Error)
			}
			continue
		}
		if len(g.Endpoints) != e.Operations {
			t.Errorf("%s lists %d operations, the manifest counts %d", e.Key, len(g.Endpoints), e.Operations)
		}
		body, err := os.ReadFile(filepath.Join(snapDir, filepath.FromSlash(g.Document)))
		if err != nil {
			t.Errorf("%s: its document link %s does not lead to a file: %v", e.Key, g.Document, err)
			continue
		}
		if sum := sha256.Sum256(body); hex.EncodeToString(sum[:]) != e.SHA256 {
			t.Errorf("%s: its document link leads to other bytes than blob %s", e.Key, e.SHA256)
		}
	}
	// Totals agree with the manifest's own summary.
	if c.Totals.Groups != m.Summary.Specs || c.Totals.OK != m.Summary.OK || c.Totals.Failed != m.Summary.Failed ||
		c.Totals.Stale != m.Summary.Stale || c.Totals.Invalid != m.Summary.Invalid || c.Totals.Operations != m.Summary.Operations {
		t.Errorf("catalog totals %+v disagree with the manifest summary %+v", c.Totals, m.Summary)
	}
	if partner := groups["files/-/-/partner"]; partner.DocumentType != "application/yaml" {
		t.Errorf("a YAML document is typed %q", partner.DocumentType)
	}
}

var (
	// RFC 8288 §2.1.1: a registered relation type is a lower-case token
	// starting with a letter; anything else must be an absolute URI.
	registeredRelation = regexp.MustCompile(`^[a-z][a-z0-9.\-]*$`)
)

// checkAPICatalog checks a document against the structure RFC 9727
// prescribes: an application/linkset+json document (RFC 9264 §4.2) — one
// object whose only member, linkset, is an array of link context objects;
// each with an anchor (a URI reference) and, per link relation type
// (registered name or absolute URI), an array of target objects that each
// have an href (a URI reference), with type a media type, title a string,
// hreflang an array, and extension attributes arrays. It returns the
// context objects by anchor.
func checkAPICatalog(t *testing.T, data []byte) map[string]map[string][]map[string]any {
	t.Helper()
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		t.Fatalf("api catalog is not a JSON object: %v", err)
	}
	if len(top) != 1 || top["linkset"] == nil {
		t.Fatalf("api catalog must have exactly one member, linkset; has %d members", len(top))
	}
	var contexts []map[string]json.RawMessage
	if err := json.Unmarshal(top["linkset"], &contexts); err != nil {
		t.Fatalf("linkset is not an array of objects: %v", err)
	}
	if len(contexts) == 0 {
		t.Fatal("linkset is empty")
	}
	out := map[string]map[string][]map[string]any{}
	for i, ctx := range contexts {
		var anchor string
		if err := json.Unmarshal(ctx["anchor"], &anchor); err != nil || anchor == "" {
			t.Errorf("context %d: anchor missing or not a string", i)
			continue
		}
		if _, err := url.Parse(anchor); err != nil {
			t.Errorf("context %d: anchor %q is not a URI reference: %v", i, anchor, err)
		}
		if _, dup := out[anchor]; dup {
			t.Errorf("context %d: anchor %q appears twice", i, anchor)
		}
		rels := map[string][]map[string]any{}
		for rel, raw := range ctx {
			if rel == "anchor" {
				continue
			}
			if !registeredRelation.MatchString(rel) {
				if u, err := url.Parse(rel); err != nil || !u.IsAbs() {
					t.Errorf("context %q: relation %q is neither a registered type nor an absolute URI", anchor, rel)
				}
			}
			var targets []map[string]any
			if err := json.Unmarshal(raw, &targets); err != nil || len(targets) == 0 {
				t.Errorf("context %q: relation %q is not a non-empty array of target objects", anchor, rel)
				continue
			}
			for _, target := range targets {
				href, ok := target["href"].(string)
				if !ok || href == "" {
					t.Errorf("context %q: a %s target has no href", anchor, rel)
				} else if _, err := url.Parse(href); err != nil {
					t.Errorf("context %q: href %q is not a URI reference", anchor, href)
				}
				for attr, v := range target {
					switch attr {
					case "href":
					case "type":
						s, ok := v.(string)
						if _, _, err := mime.ParseMediaType(s); !ok || err != nil {
							t.Errorf("context %q: type %v is not a media type", anchor, v)
						}
					case "title", "media":
						if _, ok := v.(string); !ok {
							t.Errorf("context %q: %s is not a string", anchor, attr)
						}
					default:
						if _, ok := v.([]any); !ok {
							t.Errorf("context %q: target attribute %s must be an array", anchor, attr)
						}
					}
				}
			}
			rels[rel] = targets
		}
		out[anchor] = rels
	}
	return out
}

func TestAPICatalogFollowsRFC9727(t *testing.T) {
	ctx := context.Background()
	st, id := catalogSnapshot(t)
	data, err := st.ReadSnapshotFile(ctx, id, APICatalogFile)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := st.ReadSnapshotFile(ctx, id, CatalogFile)
	if err != nil {
		t.Fatal(err)
	}
	var c Catalog
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	contexts := checkAPICatalog(t, data)

	self, ok := contexts[APICatalogFile]
	if !ok {
		t.Fatalf("no context for the catalog itself (%s)", APICatalogFile)
	}
	if len(self["item"]) != len(c.Groups) {
		t.Errorf("the catalog lists %d items, it has %d groups", len(self["item"]), len(c.Groups))
	}
	snapDir := filepath.Join(st.Dir(), "snapshots", id)
	for _, item := range self["item"] {
		anchor := item["href"].(string)
		links, ok := contexts[anchor]
		if !ok {
			t.Errorf("item %s has no context of its own", anchor)
			continue
		}
		key := item["title"].(string)
		var g CatalogGroup
		for _, x := range c.Groups {
			if x.Key == key {
				g = x
			}
		}
		if g.Key == "" {
			t.Errorf("item %s names no group", key)
			continue
		}
		if len(links["service-doc"]) != 1 || links["service-doc"][0]["type"] != "text/html" {
			t.Errorf("%s: no service-doc link to the page", key)
		}
		if g.SHA256 == "" || g.Status == StatusFailed {
			if len(links["service-desc"]) != 0 {
				t.Errorf("%s has no document but a service-desc link", key)
			}
			continue
		}
		desc := links["service-desc"]
		if len(desc) != 1 {
			t.Errorf("%s: want one service-desc link, have %d", key, len(desc))
			continue
		}
		body, err := os.ReadFile(filepath.Join(snapDir, filepath.FromSlash(desc[0]["href"].(string))))
		if err != nil {
			t.Errorf("%s: service-desc %v does not resolve from the snapshot: %v", key, desc[0]["href"], err)
			continue
		}
		if sum := sha256.Sum256(body); hex.EncodeToString(sum[:]) != g.SHA256 {
			t.Errorf("%s: service-desc leads to other bytes than its blob", key)
		}
		if strings.HasPrefix(anchor, "https://") && anchor != g.Servers[0] {
			t.Errorf("%s: anchor %s is not its server %v", key, anchor, g.Servers)
		}
	}
	if mt, params, err := mime.ParseMediaType(APICatalogMediaType); err != nil || mt != "application/linkset+json" || params["profile"] != APICatalogProfile {
		t.Errorf("media type %q: %s %v %v", APICatalogMediaType, mt, params, err)
	}
}

func TestAPICatalogWithBaseURL(t *testing.T) {
	c := BuildCatalog(CatalogInput{Manifest: &Manifest{ID: "20261127T020000Z", Specs: []SpecEntry{
		{Key: "a/b/c/one", Source: "a", Group: "one", Status: StatusOK, SHA256: strings.Repeat("ab", 32)},
		{Key: "a/b/c/two", Source: "a", Group: "two", Status: StatusOK, SHA256: strings.Repeat("cd", 32)},
	}}, Document: func(SpecEntry) *CatalogDocument {
		return &CatalogDocument{Servers: []string{"https://shared.example.com"}}
	}})
	c = c.Relinked(func(g CatalogGroup) string {
		if g.Key == "a/b/c/two" {
			return "specs/a/b/c/two.json" // as an exported bundle links it
		}
		return g.Document
	})
	var buf bytes.Buffer
	if err := WriteAPICatalog(&buf, c, "https://apis.example.com/catalog/snapshots/20261127T020000Z"); err != nil {
		t.Fatal(err)
	}
	contexts := checkAPICatalog(t, buf.Bytes())
	self := contexts["https://apis.example.com/catalog/snapshots/20261127T020000Z/api-catalog.json"]
	if len(self["item"]) != 2 {
		t.Fatalf("catalog context: %v (contexts %v)", self, contexts)
	}
	// Two groups behind one server cannot both be that server: each is
	// anchored at its own entry in the page instead.
	for _, item := range self["item"] {
		href := item["href"].(string)
		if !strings.HasPrefix(href, "https://apis.example.com/catalog/snapshots/20261127T020000Z/index.html#") {
			t.Errorf("shared server: anchor %s is not the group's page entry", href)
		}
	}
	one := contexts["https://apis.example.com/catalog/snapshots/20261127T020000Z/index.html#a%2Fb%2Fc%2Fone"]
	if got := one["service-desc"][0]["href"]; got != "https://apis.example.com/catalog/blobs/sha256/ab/"+strings.Repeat("ab", 32) {
		t.Errorf("blob link resolved to %v", got)
	}
	if err := WriteAPICatalog(&buf, c, "not a url"); err == nil {
		t.Error("a relative base URL must be refused")
	}
}

func TestTimelineReadsSnapshotsAndChanges(t *testing.T) {
	ctx := context.Background()
	st, err := Create(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	sha, size, err := st.PutBlobBytes(ctx, catalogTestDoc("Books", "/books"))
	if err != nil {
		t.Fatal(err)
	}
	var prev string
	for day := 1; day <= 4; day++ {
		w, err := st.NewSnapshot(ctx, time.Date(2026, 11, day, 2, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		if day > 1 {
			changes := fmt.Sprintf(`{"base":%q,"revision":%q,"summary":{"groups_added":0,"groups_removed":0,"groups_changed":%d,"groups_stale":0,"breaking":%d,"non_breaking":1},"groups":[]}`, prev, w.ID(), day, day*10)
			if err := w.WriteFile(ctx, ChangesFile, []byte(changes)); err != nil {
				t.Fatal(err)
			}
		}
		specs := []SpecEntry{{Key: "p/i/w/g", Source: "p", Status: StatusOK, SHA256: sha, Bytes: size, Valid: true, Operations: day}}
		if err := w.Commit(ctx, &Manifest{Previous: prev, Specs: specs}); err != nil {
			t.Fatal(err)
		}
		prev = w.ID()
	}
	tl, err := Timeline(ctx, st, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(tl) != 3 || tl[0].ID != "20261104T020000Z" || tl[2].ID != "20261102T020000Z" {
		t.Fatalf("timeline: %+v", tl)
	}
	if tl[0].Breaking != 40 || tl[0].Changed != 4 || tl[0].NonBreaking != 1 || tl[0].Operations != 4 || tl[0].Specs != 1 || tl[0].OK != 1 {
		t.Errorf("newest entry: %+v", tl[0])
	}
	all, err := Timeline(ctx, st, 0)
	if err != nil || len(all) != 4 || all[3].Breaking != 0 || all[3].Compared || !all[2].Compared {
		t.Errorf("whole timeline: %+v %v", all, err)
	}
}
