package xanotest

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

const testOrigin = "http://127.0.0.1:9"

func docJSON(t *testing.T, f *Fleet, id int) map[string]any {
	t.Helper()
	b, err := f.Document(id, testOrigin)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// operation finds "VERB /path" in a parsed document.
func operation(doc map[string]any, name string) map[string]any {
	verb, path, _ := strings.Cut(name, " ")
	paths, _ := doc["paths"].(map[string]any)
	item, _ := paths[path].(map[string]any)
	op, _ := item[strings.ToLower(verb)].(map[string]any)
	return op
}

func param(op map[string]any, name string) map[string]any {
	params, _ := op["parameters"].([]any)
	for _, p := range params {
		if m := p.(map[string]any); m["name"] == name {
			return m
		}
	}
	return nil
}

func itemProps(op map[string]any) map[string]any {
	s := op["responses"].(map[string]any)["200"].(map[string]any)["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)
	items := s["properties"].(map[string]any)["items"].(map[string]any)["items"].(map[string]any)
	return items["properties"].(map[string]any)
}

func stripDescriptions(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, x := range v {
			if k != "description" && k != "summary" {
				out[k] = stripDescriptions(x)
			}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = stripDescriptions(x)
		}
		return out
	}
	return v
}

// A small fleet gets every kind of nightly edit between generations 1 and
// 2, each on its own group, each visible in the documents, and nothing
// else changes.
func TestEditsBetweenGenerations(t *testing.T) {
	ctx := context.Background()
	g1 := Generate(GenOptions{Seed: 21, Instances: 1, Workspaces: 2, Groups: 6, Endpoints: 4})
	g2 := g1.At(2)
	edits := g1.Edits(1, 2)
	kinds := map[string]Edit{}
	touched := map[int]bool{}
	for _, e := range edits {
		if _, dup := kinds[e.Kind]; dup {
			t.Errorf("kind %s applied twice in a small fleet", e.Kind)
		}
		kinds[e.Kind] = e
		if touched[e.GroupID] {
			t.Errorf("group %d carries two edits", e.GroupID)
		}
		touched[e.GroupID] = true
		if e.Generation != 2 || e.Instance == "" || e.Workspace == "" || e.Group == "" || e.Detail == "" {
			t.Errorf("incomplete edit %+v", e)
		}
	}
	for _, k := range EditKinds {
		if _, ok := kinds[k]; !ok {
			t.Errorf("no %s edit between generations 1 and 2", k)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	before := func(e Edit) map[string]any { return docJSON(t, g1, e.GroupID) }
	after := func(e Edit) map[string]any { return docJSON(t, g2, e.GroupID) }

	e := kinds[EditOperationRemoved]
	if operation(before(e), e.Operation) == nil || operation(after(e), e.Operation) != nil {
		t.Errorf("%s: %s not removed", e.Kind, e.Operation)
	}
	e = kinds[EditOperationAdded]
	if operation(before(e), e.Operation) != nil || operation(after(e), e.Operation) == nil {
		t.Errorf("%s: %s not added", e.Kind, e.Operation)
	}
	e = kinds[EditParameterBecameRequired]
	name := strings.Fields(e.Detail)[2]
	if p1, p2 := param(operation(before(e), e.Operation), name), param(operation(after(e), e.Operation), name); p1["required"] != false || p2["required"] != true {
		t.Errorf("%s: parameter %s required %v → %v", e.Kind, name, p1["required"], p2["required"])
	}
	e = kinds[EditResponseTypeChanged]
	changed := 0
	b, a := itemProps(operation(before(e), e.Operation)), itemProps(operation(after(e), e.Operation))
	for k, v := range b {
		if v.(map[string]any)["type"] != a[k].(map[string]any)["type"] {
			changed++
		}
	}
	if changed != 1 {
		t.Errorf("%s: %d response properties changed type, want 1", e.Kind, changed)
	}
	for kind, delta := range map[string]int{EditEnumValueAdded: 1, EditEnumValueRemoved: -1} {
		e := kinds[kind]
		n1 := len(param(operation(before(e), e.Operation), "status")["schema"].(map[string]any)["enum"].([]any))
		n2 := len(param(operation(after(e), e.Operation), "status")["schema"].(map[string]any)["enum"].([]any))
		r1 := len(itemProps(operation(before(e), e.Operation))["status"].(map[string]any)["enum"].([]any))
		r2 := len(itemProps(operation(after(e), e.Operation))["status"].(map[string]any)["enum"].([]any))
		if n2-n1 != delta || r2-r1 != delta {
			t.Errorf("%s: parameter enum %d → %d, response enum %d → %d", kind, n1, n2, r1, r2)
		}
	}
	e = kinds[EditDescriptionChanged]
	if reflect.DeepEqual(before(e), after(e)) || !reflect.DeepEqual(stripDescriptions(before(e)), stripDescriptions(after(e))) {
		t.Errorf("%s: the document should change in descriptions only", e.Kind)
	}
	e = kinds[EditBecameInvalid]
	b1, _ := g1.Document(e.GroupID, testOrigin)
	b2, _ := g2.Document(e.GroupID, testOrigin)
	if validate(ctx, b1) != nil || validate(ctx, b2) == nil {
		t.Errorf("%s: valid before %v, invalid after %v", e.Kind, validate(ctx, b1) == nil, validate(ctx, b2) != nil)
	}
	if ref, _ := g2.group(e.GroupID); ref.Group.Expect != ExpectInvalid {
		t.Errorf("%s: generation 2 still expects the group valid", e.Kind)
	}
	e = kinds[EditGroupRemoved]
	if _, ok := g1.group(e.GroupID); !ok {
		t.Errorf("%s: group missing before", e.Kind)
	}
	if _, ok := g2.group(e.GroupID); ok {
		t.Errorf("%s: group still listed", e.Kind)
	}
	e = kinds[EditGroupAdded]
	if _, ok := g1.group(e.GroupID); ok {
		t.Errorf("%s: group already there before", e.Kind)
	}
	if ref, ok := g2.group(e.GroupID); !ok || ref.Group.Name != e.Group || ref.Workspace.Name != e.Workspace {
		t.Errorf("%s: group %q not listed in %q", e.Kind, e.Group, e.Workspace)
	}

	// Untouched groups keep their bytes.
	for _, ref := range g1.Groups() {
		if touched[ref.Group.ID] {
			continue
		}
		b1, _ := g1.Document(ref.Group.ID, testOrigin)
		b2, _ := g2.Document(ref.Group.ID, testOrigin)
		if string(b1) != string(b2) {
			t.Errorf("group %q changed without an edit", ref.Group.Name)
		}
	}
}

func TestEditsAreStableAndServed(t *testing.T) {
	opts := GenOptions{Seed: 22, Instances: 2, Workspaces: 2, Groups: 4, Endpoints: 3}
	a, b := Generate(opts), Generate(opts)
	// Asking in another order plans the same generations.
	late := b.Edits(2, 4)
	if !reflect.DeepEqual(a.Edits(1, 4), append(b.Edits(1, 2), late...)) {
		t.Error("edits depend on the order generations were asked for")
	}
	if len(a.Edits(3, 3)) != 0 || len(a.Edits(3, 2)) != 0 {
		t.Error("an empty range lists edits")
	}
	srv := NewServer(t, Options{Fleet: a})
	served := decode[[]Edit](t, get(t, srv.Master()+"/__sim/edits?from=1&to=3", ""))
	if !reflect.DeepEqual(served, a.Edits(1, 3)) || len(served) < 2*len(EditKinds) {
		t.Errorf("served %d edits, want the %d of Fleet.Edits", len(served), len(a.Edits(1, 3)))
	}
	var raw []map[string]any
	json.Unmarshal(get(t, srv.Master()+"/__sim/edits?from=1&to=2", "").body, &raw)
	for _, field := range []string{"generation", "instance", "workspace", "group", "group_id", "kind", "detail"} {
		if _, ok := raw[0][field]; !ok {
			t.Errorf("served edit lacks %q", field)
		}
	}
	if r := get(t, srv.Master()+"/__sim/edits?from=2&to=1", ""); r.status != 400 {
		t.Errorf("from > to: %d", r.status)
	}

	// SetGeneration switches what the listings and documents show.
	srv.SetGeneration(2)
	removed := a.Edits(1, 2)
	for _, e := range removed {
		if e.Kind != EditGroupRemoved {
			continue
		}
		ref, _ := a.group(e.GroupID)
		r := get(t, srv.InstanceURL(ref.Group.Host)+"/apispec:"+ref.Group.Canonical+"?type=json&token="+ref.Group.SwaggerToken, "")
		wantXanoError(t, r, 404, "ERROR_CODE_NOT_FOUND")
	}
	if len(srv.Fleet().Groups()) != len(a.Groups()) {
		t.Errorf("generation 2 has %d groups, want %d (one removed, one added)", len(srv.Fleet().Groups()), len(a.Groups()))
	}
	if get(t, srv.Master()+"/__sim/generation?n=3", "").status != 200 {
		t.Fatal("GET /__sim/generation")
	}
	req := get(t, srv.Master()+"/__sim/generation", "")
	if !strings.Contains(string(req.body), `"generation":2`) {
		t.Errorf("generation reported %s", req.body)
	}
}

// Same seed, same bytes; another seed, other bytes.
func TestDeterministicDocuments(t *testing.T) {
	opts := GenOptions{Seed: 23, Instances: 2, Workspaces: 2, Groups: 6, Endpoints: 5, Generation: 2}
	a, b := Generate(opts), Generate(opts)
	opts.Seed = 24
	c := Generate(opts)
	differ := 0
	for i, ref := range a.Groups() {
		da, _ := a.Document(ref.Group.ID, testOrigin)
		db, _ := b.Document(ref.Group.ID, testOrigin)
		if string(da) != string(db) {
			t.Fatalf("group %q: two fleets of one seed differ", ref.Group.Name)
		}
		if !reflect.DeepEqual(*ref.Group, *b.Groups()[i].Group) {
			t.Fatalf("group %d: %+v vs %+v", i, *ref.Group, *b.Groups()[i].Group)
		}
		if i < len(c.Groups()) {
			dc, _ := c.Document(c.Groups()[i].Group.ID, testOrigin)
			if string(da) != string(dc) {
				differ++
			}
		}
	}
	if differ == 0 {
		t.Error("another seed gave the same documents")
	}
	// Two servers: bytes equal once host:port is taken out.
	s1, s2 := NewServer(t, Options{Fleet: a}), NewServer(t, Options{Fleet: b})
	if s1.APIKey() != s2.APIKey() || s1.MetaToken() != s2.MetaToken() {
		t.Error("secrets differ between servers of one seed")
	}
	g := a.Groups()[0].Group
	r1 := get(t, s1.InstanceURL(g.Host)+"/apispec:"+g.Canonical+"?type=json&token="+g.SwaggerToken, "")
	r2 := get(t, s2.InstanceURL(g.Host)+"/apispec:"+g.Canonical+"?type=json&token="+g.SwaggerToken, "")
	n1 := strings.ReplaceAll(string(r1.body), strings.TrimPrefix(s1.InstanceURL(g.Host), "http://"), "HOST")
	n2 := strings.ReplaceAll(string(r2.body), strings.TrimPrefix(s2.InstanceURL(g.Host), "http://"), "HOST")
	if n1 != n2 || r1.status != 200 {
		t.Error("served documents differ beyond host:port")
	}
}

// Names that collide once slugged, unicode, and groups on another host.
func TestGeneratedNames(t *testing.T) {
	f := Generate(GenOptions{Seed: 25, Instances: 3, Workspaces: 3, Groups: 8, Endpoints: 1})
	first := f.Instances[0].Workspaces[0].Groups
	if first[0].Name != "Public API" || first[1].Name != "public-api" {
		t.Errorf("first workspace starts %q, %q", first[0].Name, first[1].Name)
	}
	unicode, elsewhere := false, false
	names := map[string]bool{}
	for _, ref := range f.Groups() {
		for _, r := range ref.Group.Name + ref.Workspace.Name {
			if r > 127 {
				unicode = true
			}
		}
		if ref.Group.Host != ref.Instance.Name {
			elsewhere = true
		}
		key := ref.Instance.Name + "/" + ref.Workspace.Name + "/" + ref.Group.Name
		if names[key] {
			t.Errorf("two groups named %s", key)
		}
		names[key] = true
	}
	if !unicode || !elsewhere {
		t.Errorf("unicode names %v, groups hosted elsewhere %v", unicode, elsewhere)
	}
}

// /__sim/fleet tells out-of-process tests what to expect, without secrets.
func TestSimFleetView(t *testing.T) {
	f := Generate(GenOptions{Seed: 26, Workspaces: 2, Groups: 6, Endpoints: 1})
	srv := NewServer(t, Options{Fleet: f})
	r := get(t, srv.Master()+"/__sim/fleet", "")
	for _, s := range srv.Secrets() {
		if strings.Contains(string(r.body), s) {
			t.Fatalf("/__sim/fleet shows a secret")
		}
	}
	var view struct {
		Generation int `json:"generation"`
		Instances  []struct {
			Workspaces []struct {
				Groups []struct {
					ID        int    `json:"id"`
					Expect    string `json:"expect"`
					Protected bool   `json:"protected"`
				} `json:"groups"`
			} `json:"workspaces"`
		} `json:"instances"`
	}
	if err := json.Unmarshal(r.body, &view); err != nil {
		t.Fatal(err)
	}
	i := 0
	for _, ws := range view.Instances[0].Workspaces {
		for _, g := range ws.Groups {
			want := f.Groups()[i].Group
			if g.ID != want.ID || g.Expect != string(want.Expect) || g.Protected != (want.SwaggerToken != "") {
				t.Errorf("group %d: %+v, want %+v", i, g, want)
			}
			i++
		}
	}
	if i != len(f.Groups()) || view.Generation != 1 {
		t.Errorf("%d groups in generation %d", i, view.Generation)
	}
}
