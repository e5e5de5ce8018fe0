package output

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/specharvest/specharvest/merge/diff"
)

const catalogTestDocument = `{
  "openapi": "3.0.0",
  "info": {"title": "Books", "version": "2.1.0"},
  "servers": [{"url": "https://x1.example.com/api:books"}, {"url": "/relative"}],
  "tags": [{"name": "shelf"}],
  "paths": {
    "/books/{id}": {
      "delete": {"operationId": "deleteBook", "tags": ["books"], "responses": {"204": {"description": "gone"}}},
      "get": {"summary": "One book", "operationId": "getBook", "tags": ["books"], "responses": {"200": {"description": "ok"}}}
    },
    "/authors": {
      "post": {"summary": "New author", "deprecated": true, "responses": {"201": {"description": "made"}}},
      "get": {"summary": "All authors", "tags": ["authors"], "responses": {"200": {"description": "ok"}}}
    }
  }
}`

func TestCatalogOperationsOfADocument(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData([]byte(catalogTestDocument))
	if err != nil {
		t.Fatal(err)
	}
	ops := OperationsOf(doc)
	want := []OperationInfo{
		{Method: "GET", Path: "/authors", Summary: "All authors", Tags: []string{"authors"}},
		{Method: "POST", Path: "/authors", Summary: "New author", Deprecated: true},
		{Method: "GET", Path: "/books/{id}", Summary: "One book", OperationID: "getBook", Tags: []string{"books"}},
		{Method: "DELETE", Path: "/books/{id}", OperationID: "deleteBook", Tags: []string{"books"}},
	}
	if !reflect.DeepEqual(ops, want) {
		t.Errorf("operations:\n got %+v\nwant %+v", ops, want)
	}
	// Map iteration order must not leak into the result.
	for i := 0; i < 20; i++ {
		if again := OperationsOf(doc); !reflect.DeepEqual(again, ops) {
			t.Fatalf("OperationsOf is not deterministic: %+v then %+v", ops, again)
		}
	}
	if got := ServersOf(doc); !reflect.DeepEqual(got, []string{"https://x1.example.com/api:books", "/relative"}) {
		t.Errorf("servers: %v", got)
	}
	if got := TagsOf(doc); !reflect.DeepEqual(got, []string{"authors", "books", "shelf"}) {
		t.Errorf("tags: %v", got)
	}
	if OperationsOf(nil) != nil || ServersOf(nil) != nil || TagsOf(nil) != nil {
		t.Error("a nil document has no operations, servers or tags")
	}
}

// catalogTestInput is a snapshot of five groups — ok, stale, failed,
// from two sources — and its changes against the one before, as a run
// hands them to BuildCatalog.
func catalogTestInput() CatalogInput {
	ops := func(n int) []OperationInfo {
		var out []OperationInfo
		for i := n; i > 0; i-- {
			out = append(out, OperationInfo{Method: "get", Path: "/p" + string(rune('a'+i))})
		}
		return out
	}
	docs := map[string]*CatalogDocument{
		"prod/b/ws2/zeta":  {Operations: ops(2)},
		"prod/a/ws1/alpha": {Operations: ops(3), Tags: []string{"x", "a", "x"}},
		"files/-/-/spec":   {Operations: ops(1)},
	}
	return CatalogInput{
		Manifest: &Manifest{ID: "20261127T020000Z", Previous: "20261126T020000Z", Specs: []SpecEntry{
			{Key: "prod/b/ws2/zeta", Source: "prod", Instance: "b", Workspace: "ws2", Group: "zeta", Status: StatusOK, SHA256: "aa", Valid: true, Operations: 2, ChangedIn: "20261101T020000Z"},
			{Key: "prod/a/ws1/alpha", Source: "prod", Instance: "a", Workspace: "ws1", Group: "alpha", Status: StatusOK, SHA256: "bb", Valid: true, Operations: 3},
			{Key: "prod/a/ws1/beta", Source: "prod", Instance: "a", Workspace: "ws1", Group: "beta", Status: StatusStale, SHA256: "cc", Valid: false, Errors: 2, Operations: 7, ChangedIn: "20261120T020000Z"},
			{Key: "prod/a/ws0/gamma", Source: "prod", Instance: "a", Workspace: "ws0", Group: "gamma", Status: StatusFailed, Error: "fetch: 503"},
			{Key: "files/-/-/spec", Source: "files", Group: "spec", Status: StatusOK, SHA256: "dd", Valid: true, Operations: 1, ChangedIn: "20261001T020000Z"},
		}},
		Changes: &diff.Changes{
			Base: "20261126T020000Z", Revision: "20261127T020000Z",
			Summary: diff.ChangeSummary{GroupsAdded: 1, GroupsRemoved: 1, GroupsChanged: 1, GroupsStale: 1, Breaking: 3, NonBreaking: 2},
			Groups: []diff.GroupChanges{
				{Key: "prod/a/ws1/alpha", Change: diff.GroupAdded},
				{Key: "prod/a/ws1/beta", Change: diff.GroupStale, Error: "could not compare"},
				{Key: "prod/b/ws2/zeta", Change: diff.GroupChanged, Changes: []diff.Finding{
					{ID: "response-property-added", Level: diff.LevelInfo, Operation: "GET /pa", Message: "added"},
					{ID: "api-path-removed", Level: diff.LevelBreaking, Operation: "GET /pz", Message: "removed"},
					{ID: "request-parameter-became-required", Level: diff.LevelBreaking, Operation: "GET /pa", Message: "required"},
					{ID: "response-media-type-added", Level: diff.LevelWarning, Operation: "GET /pb", Message: "warned"},
				}},
				{Key: "prod/old/ws/gone", Change: diff.GroupRemoved, Changes: []diff.Finding{{ID: "api-group-removed", Level: diff.LevelBreaking, Message: "gone"}}},
			},
		},
		Document: func(e SpecEntry) *CatalogDocument {
			if e.Status == StatusStale {
				return nil // as if its document could not be read again
			}
			return docs[e.Key]
		},
	}
}

func TestBuildCatalog(t *testing.T) {
	c := BuildCatalog(catalogTestInput())

	var keys []string
	for _, g := range c.Groups {
		keys = append(keys, g.Key)
	}
	if want := []string{"files/-/-/spec", "prod/a/ws0/gamma", "prod/a/ws1/alpha", "prod/a/ws1/beta", "prod/b/ws2/zeta"}; !reflect.DeepEqual(keys, want) {
		t.Fatalf("groups are not in key order: %v", keys)
	}
	byKey := map[string]CatalogGroup{}
	for _, g := range c.Groups {
		byKey[g.Key] = g
	}

	if g := byKey["prod/a/ws1/beta"]; g.Operations != 7 || g.Endpoints != nil {
		t.Errorf("a group without a readable document keeps the manifest's count: %d operations, %d listed", g.Operations, len(g.Endpoints))
	}
	if g := byKey["prod/a/ws1/alpha"]; g.Operations != 3 || g.Endpoints[0].Path != "/pb" || g.Endpoints[0].Method != "GET" {
		t.Errorf("operations are counted, sorted and upper-cased: %+v", g.Endpoints)
	}
	if g := byKey["prod/a/ws1/alpha"]; !reflect.DeepEqual(g.Tags, []string{"a", "x"}) {
		t.Errorf("tags are sorted without repeats: %v", g.Tags)
	}

	// Changed in: a new or changed group changed now; an unchanged one
	// keeps what the manifest says; a failed group with no blob has none.
	for key, want := range map[string]string{
		"prod/a/ws1/alpha": "20261127T020000Z",
		"prod/b/ws2/zeta":  "20261127T020000Z",
		"prod/a/ws1/beta":  "20261120T020000Z",
		"prod/a/ws0/gamma": "",
		"files/-/-/spec":   "20261001T020000Z",
	} {
		if got := byKey[key].ChangedIn; got != want {
			t.Errorf("%s changed_in = %q, want %q", key, got, want)
		}
	}

	zeta := byKey["prod/b/ws2/zeta"]
	var levels []diff.Level
	for _, f := range zeta.Findings {
		levels = append(levels, f.Level)
	}
	if want := []diff.Level{diff.LevelBreaking, diff.LevelBreaking, diff.LevelWarning, diff.LevelInfo}; !reflect.DeepEqual(levels, want) {
		t.Errorf("findings are not breaking first: %v", levels)
	}
	if zeta.Change != "changed" {
		t.Errorf("zeta change = %q", zeta.Change)
	}

	// Totals: the whole catalog, per instance, per workspace.
	want := Totals{Groups: 5, OK: 3, Stale: 1, Failed: 1, Invalid: 1, Operations: 2 + 3 + 7 + 1, Changed: 2, Breaking: 2}
	if c.Totals != want {
		t.Errorf("totals:\n got %+v\nwant %+v", c.Totals, want)
	}
	var instances []string
	for _, in := range c.Instances {
		instances = append(instances, in.Source+"/"+in.Instance)
	}
	if !reflect.DeepEqual(instances, []string{"files/", "prod/a", "prod/b"}) {
		t.Fatalf("instances: %v", instances)
	}
	a := c.Instances[1]
	if a.Totals.Groups != 3 || a.Totals.Operations != 10 || a.Totals.Failed != 1 || a.Totals.Stale != 1 {
		t.Errorf("instance a totals: %+v", a.Totals)
	}
	if len(a.Workspaces) != 2 || a.Workspaces[0].Workspace != "ws0" || a.Workspaces[1].Totals.Groups != 2 {
		t.Errorf("instance a workspaces: %+v", a.Workspaces)
	}
	sum := 0
	for _, in := range c.Instances {
		for _, ws := range in.Workspaces {
			sum += ws.Totals.Groups
		}
	}
	if sum != len(c.Groups) {
		t.Errorf("workspace totals count %d groups, the catalog has %d", sum, len(c.Groups))
	}

	// Changes: groups with breaking findings first, removals before
	// changes, and the removed group (absent from Groups) is kept.
	var order []string
	for _, g := range c.Changes.Groups {
		order = append(order, g.Key)
	}
	if want := []string{"prod/old/ws/gone", "prod/b/ws2/zeta", "prod/a/ws1/beta", "prod/a/ws1/alpha"}; !reflect.DeepEqual(order, want) {
		t.Errorf("change order: %v, want %v", order, want)
	}
	if g := c.Changes.Groups[2]; g.Error != "could not compare" {
		t.Errorf("the reason a group was not compared is lost: %+v", g)
	}
	if g := c.Changes.Groups[1]; g.Breaking != 2 || g.Warning != 1 || g.Info != 1 {
		t.Errorf("zeta counts: %+v", g)
	}

	if c.Format != CatalogFormat {
		t.Errorf("format %d", c.Format)
	}
	// Nothing names the snapshot: another snapshot of the same fleet and
	// changes (the groups' ChangedIn aside) gives the same bytes.
	in := catalogTestInput()
	for i := range in.Manifest.Specs {
		if in.Manifest.Specs[i].ChangedIn == "" {
			in.Manifest.Specs[i].ChangedIn = in.Manifest.ID
		}
	}
	in.Changes.Groups = nil
	night, _ := json.Marshal(BuildCatalog(in))
	in.Manifest.ID, in.Manifest.Previous = "20261128T020000Z", in.Manifest.ID
	if next, _ := json.Marshal(BuildCatalog(in)); string(night) != string(next) {
		t.Errorf("the catalog names its snapshot:\n%s\n%s", night, next)
	}
}

func TestBuildCatalogIsDeterministicAndPure(t *testing.T) {
	in := catalogTestInput()
	before, _ := json.Marshal([]any{in.Manifest, in.Changes})
	first, _ := json.Marshal(BuildCatalog(in))
	// Shuffle what the caller may give in any order.
	specs := in.Manifest.Specs
	specs[0], specs[4] = specs[4], specs[0]
	in.Changes.Groups[0], in.Changes.Groups[3] = in.Changes.Groups[3], in.Changes.Groups[0]
	second, _ := json.Marshal(BuildCatalog(in))
	if string(first) != string(second) {
		t.Errorf("the catalog depends on input order:\n%s\n%s", first, second)
	}
	specs[0], specs[4] = specs[4], specs[0]
	in.Changes.Groups[0], in.Changes.Groups[3] = in.Changes.Groups[3], in.Changes.Groups[0]
	if after, _ := json.Marshal([]any{in.Manifest, in.Changes}); string(after) != string(before) {
		t.Error("BuildCatalog modified its input")
	}
}

func TestBuildCatalogFirstSnapshot(t *testing.T) {
	in := catalogTestInput()
	in.Changes = nil
	c := BuildCatalog(in)
	if c.Changes != nil {
		t.Error("a first snapshot has no changes")
	}
	for _, g := range c.Groups {
		if g.Change != "" || len(g.Findings) != 0 {
			t.Errorf("%s has a change in a first snapshot", g.Key)
		}
		if g.Key == "prod/a/ws1/alpha" && g.ChangedIn != in.Manifest.ID {
			t.Errorf("a group first seen now changed in this snapshot, got %q", g.ChangedIn)
		}
	}
	if c.Totals.Changed != 0 || c.Totals.Breaking != 0 {
		t.Errorf("totals of a first snapshot: %+v", c.Totals)
	}
	empty := BuildCatalog(CatalogInput{Manifest: &Manifest{ID: "x"}})
	if data, err := json.Marshal(empty); err != nil || !json.Valid(data) || empty.Groups == nil || empty.Instances == nil {
		t.Errorf("an empty catalog must still encode with empty lists: %s %v", data, err)
	}
}

func TestCatalogRelinked(t *testing.T) {
	c := BuildCatalog(catalogTestInput())
	before, _ := json.Marshal(c)
	r := c.Relinked(func(g CatalogGroup) string { return "specs/" + g.Key + ".json" })
	for i, g := range r.Groups {
		switch {
		case c.Groups[i].Document == "" && g.Document != "":
			t.Errorf("%s had no document and got one", g.Key)
		case c.Groups[i].Document != "" && g.Document != "specs/"+g.Key+".json":
			t.Errorf("%s links %s", g.Key, g.Document)
		}
	}
	if after, _ := json.Marshal(c); string(after) != string(before) {
		t.Error("Relinked changed the original catalog")
	}
}
