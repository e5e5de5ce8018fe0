package diff

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// genDocument builds a document with the shapes the pre-pass must get
// right: shared components reached from many paths, $ref cycles,
// references between paths (outside components), parameters and
// responses as components, security schemes named (not referenced) by
// operations, and path-level parameters.
func genDocument(rng *rand.Rand) map[string]any {
	nSchemas := 6 + rng.IntN(10)
	schemas := map[string]any{}
	for i := range nSchemas {
		props := map[string]any{
			"id":   map[string]any{"type": "string", "description": "the id"},
			"size": map[string]any{"type": "integer", "minimum": 0},
		}
		// References to later schemas, and now and then back to an
		// earlier one: cycles.
		for range rng.IntN(3) {
			j := rng.IntN(nSchemas)
			props[fmt.Sprintf("link%d", j)] = map[string]any{"$ref": fmt.Sprintf("#/components/schemas/S%d", j)}
		}
		schema := map[string]any{"type": "object", "required": []any{"id"}, "properties": props}
		// Schemas tell apart when set against each other, and some are
		// read for a flag alone (a removed readOnly property is no
		// change to a request).
		props["size"].(map[string]any)["maximum"] = 100 + i
		switch rng.IntN(4) {
		case 0:
			schema["readOnly"] = true
		case 1:
			// Variants paired by type, not by position.
			j := rng.IntN(nSchemas)
			props["either"] = map[string]any{"anyOf": []any{
				map[string]any{"type": "string", "maxLength": 10 + i},
				map[string]any{"type": "object", "properties": map[string]any{"inner": map[string]any{"$ref": fmt.Sprintf("#/components/schemas/S%d", j)}}},
			}}
		}
		schemas[fmt.Sprintf("S%d", i)] = schema
	}
	components := map[string]any{
		"schemas": schemas,
		"parameters": map[string]any{
			"Limit": map[string]any{"name": "limit", "in": "query", "schema": map[string]any{"type": "integer", "maximum": 100}},
		},
		"responses": map[string]any{
			"Error": map[string]any{"description": "error", "content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/S0"}}}},
		},
		"securitySchemes": map[string]any{
			"key":    map[string]any{"type": "apiKey", "in": "header", "name": "X-Key"},
			"bearer": map[string]any{"type": "http", "scheme": "bearer"},
		},
	}
	paths := map[string]any{}
	nPaths := 4 + rng.IntN(12)
	for i := range nPaths {
		ref := map[string]any{"$ref": fmt.Sprintf("#/components/schemas/S%d", rng.IntN(nSchemas))}
		schemaRef := func() map[string]any {
			return map[string]any{"$ref": fmt.Sprintf("#/components/schemas/S%d", rng.IntN(nSchemas))}
		}
		if rng.IntN(3) == 0 {
			// Expandable: an id, or the object it names.
			ref = map[string]any{"anyOf": []any{map[string]any{"type": "string", "maxLength": 50}, ref}}
		}
		op := map[string]any{
			"operationId": fmt.Sprintf("op%d", i),
			"responses": map[string]any{
				"200": map[string]any{"description": "ok", "content": map[string]any{"application/json": map[string]any{"schema": ref}}},
			},
		}
		// Shared parameter and response components on some paths, inline
		// ones (schemas, headers, content) reaching component schemas on
		// the others: the first stay whole, the second are stubbed when
		// their own content is unchanged.
		if rng.IntN(3) == 0 {
			op["responses"].(map[string]any)["default"] = map[string]any{"$ref": "#/components/responses/Error"}
		} else {
			op["responses"].(map[string]any)["default"] = map[string]any{"description": "error",
				"headers": map[string]any{"X-Rate": map[string]any{"schema": schemaRef()}},
				"content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"type": "object", "properties": map[string]any{"error": schemaRef()}}}}}
		}
		switch rng.IntN(4) {
		case 0:
			op["parameters"] = []any{map[string]any{"$ref": "#/components/parameters/Limit"}}
		case 1:
			op["parameters"] = []any{
				map[string]any{"name": "filter", "in": "query", "schema": schemaRef()},
				map[string]any{"name": "where", "in": "query", "content": map[string]any{"application/json": map[string]any{"schema": schemaRef()}}},
			}
		case 2:
			// Overrides the path's own "shadow" parameter.
			op["parameters"] = []any{map[string]any{"name": "shadow", "in": "query", "schema": schemaRef()}}
		}
		if rng.IntN(3) == 0 {
			op["security"] = []any{map[string]any{"bearer": []any{}}}
		}
		if rng.IntN(5) == 0 {
			op["deprecated"] = true
		}
		item := map[string]any{"get": op}
		if rng.IntN(2) == 0 {
			body := map[string]any{"$ref": fmt.Sprintf("#/components/schemas/S%d", rng.IntN(nSchemas))}
			if rng.IntN(2) == 0 {
				body = map[string]any{"type": "object", "properties": map[string]any{
					"payload": body, "stamp": map[string]any{"type": "string", "readOnly": true}}}
			}
			item["post"] = map[string]any{
				"requestBody": map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": body}}},
				"responses":   map[string]any{"201": map[string]any{"description": "created"}},
			}
		}
		path := fmt.Sprintf("/r%d/{id}", i)
		item["parameters"] = []any{map[string]any{"name": "id", "in": "path", "required": true, "schema": map[string]any{"type": "string"}}}
		if rng.IntN(2) == 0 {
			item["parameters"] = append(item["parameters"].([]any), map[string]any{"name": "shadow", "in": "query", "schema": schemaRef()})
		}
		paths[path] = item
	}
	// A reference outside components: one path's response reuses
	// another path's.
	if nPaths > 2 {
		paths["/r1/{id}"].(map[string]any)["get"].(map[string]any)["responses"].(map[string]any)["202"] =
			map[string]any{"$ref": "#/paths/~1r2~1{id}/get/responses/200"}
	}
	return map[string]any{
		"openapi":    "3.0.3",
		"info":       map[string]any{"title": "generated", "version": "1"},
		"servers":    []any{map[string]any{"url": "https://api.example.com/v1"}},
		"security":   []any{map[string]any{"key": []any{}}},
		"paths":      paths,
		"components": components,
	}
}

// editDocument makes one random edit, of a kind the pre-pass must not
// hide: deep in a shared component, in one path, at the top level, to a
// reference, or to a shape another path shares.
func editDocument(rng *rand.Rand, doc map[string]any) string {
	paths := doc["paths"].(map[string]any)
	components := doc["components"].(map[string]any)
	schemas := components["schemas"].(map[string]any)
	pathNames := sortedKeysOf(paths)
	var schemaNames []string // the generated object schemas, not ones an edit added
	for _, name := range sortedKeysOf(schemas) {
		if _, ok := schemas[name].(map[string]any)["properties"]; ok {
			schemaNames = append(schemaNames, name)
		}
	}
	if len(pathNames) == 0 {
		return "nothing (no path left)"
	}
	somePath := pathNames[rng.IntN(len(pathNames))]
	someSchema := schemaNames[rng.IntN(len(schemaNames))]
	props := schemas[someSchema].(map[string]any)["properties"].(map[string]any)
	otherSchema := "#/components/schemas/" + schemaNames[rng.IntN(len(schemaNames))]
	var someLink string
	for _, name := range sortedKeysOf(props) {
		if strings.HasPrefix(name, "link") {
			someLink = name
			break
		}
	}
	switch rng.IntN(27) {
	case 17:
		// Inside a component: a reference retargeted, made inline, or
		// removed, each setting what it named against something else.
		if someLink == "" {
			props["link-new"] = map[string]any{"$ref": otherSchema}
			return "reference added in " + someSchema
		}
		switch rng.IntN(3) {
		case 0:
			props[someLink] = map[string]any{"$ref": otherSchema}
			return "reference retargeted in " + someSchema + "." + someLink
		case 1:
			props[someLink] = map[string]any{"type": "object", "properties": map[string]any{"id": map[string]any{"type": "integer"}, "next": map[string]any{"$ref": otherSchema}}}
			return "reference made inline in " + someSchema + "." + someLink
		default:
			delete(props, someLink)
			return "reference removed in " + someSchema + "." + someLink
		}
	case 18:
		// A plain schema becomes one variant of an anyOf: compared with
		// the variant of its type, wherever that points.
		schemas[someSchema] = map[string]any{"anyOf": []any{
			map[string]any{"type": "object", "properties": map[string]any{"id": map[string]any{"type": "string"}, "other": map[string]any{"$ref": otherSchema}}},
			map[string]any{"type": "string"},
		}}
		return "schema made a variant in " + someSchema
	case 19:
		// The variants reordered, and the object one pointed elsewhere.
		if either, ok := props["either"].(map[string]any); ok {
			variants := either["anyOf"].([]any)
			variants[0], variants[1] = variants[1], variants[0]
			variants[0].(map[string]any)["properties"].(map[string]any)["inner"] = map[string]any{"$ref": otherSchema}
			return "variants reordered in " + someSchema
		}
		props["either"] = map[string]any{"oneOf": []any{map[string]any{"$ref": otherSchema}, map[string]any{"type": "integer"}}}
		return "variants added in " + someSchema
	case 20:
		// A media type and a header renamed but for case, their schemas
		// changed: paired regardless of case by the comparison.
		op := paths[somePath].(map[string]any)["get"].(map[string]any)
		resp := op["responses"].(map[string]any)["200"].(map[string]any)
		content := resp["content"].(map[string]any)
		delete(content, "application/json")
		content["Application/JSON"] = map[string]any{"schema": map[string]any{"$ref": otherSchema}}
		resp["headers"] = map[string]any{"x-rate": map[string]any{"schema": map[string]any{"$ref": otherSchema}}}
		return "media type renamed but for case in " + somePath
	case 21:
		// A new path reaching existing schemas, read only.
		paths["/fresh/{id}/new"] = map[string]any{"post": map[string]any{
			"requestBody": map[string]any{"content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": otherSchema}}}},
			"responses": map[string]any{"200": map[string]any{"description": "ok", "content": map[string]any{"application/json": map[string]any{
				"schema": map[string]any{"type": "object", "properties": map[string]any{"made": map[string]any{"$ref": "#/components/schemas/" + someSchema}}}}}}}}}
		return "path added reaching " + someSchema
	case 22:
		// A property added and one removed in the same schema: a
		// rename, to any comparison that pairs them.
		if someLink != "" {
			props["renamed-"+someLink] = map[string]any{"$ref": otherSchema}
			delete(props, someLink)
			return "property renamed in " + someSchema
		}
		props["extra"] = map[string]any{"$ref": otherSchema}
		return "property added in " + someSchema
	case 23:
		// A property whose schema is a readOnly component, removed from
		// a request body's schema: read for its flag.
		for _, name := range pathNames {
			post, ok := paths[name].(map[string]any)["post"].(map[string]any)
			if !ok {
				continue
			}
			schema := post["requestBody"].(map[string]any)["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)
			if body, ok := schema["properties"].(map[string]any); ok {
				delete(body, "payload")
				body["payload2"] = map[string]any{"$ref": otherSchema}
				return "request property replaced in " + name
			}
		}
		return "nothing (no inline request body)"
	case 24:
		// A component used by a path-level parameter, overridden by an
		// operation's own.
		item := paths[somePath].(map[string]any)
		item["parameters"] = append(asSlice(item["parameters"]), map[string]any{"name": "over", "in": "query", "schema": map[string]any{"$ref": otherSchema}})
		op := item["get"].(map[string]any)
		op["parameters"] = append(asSlice(op["parameters"]), map[string]any{"name": "over", "in": "query", "schema": map[string]any{"$ref": "#/components/schemas/" + someSchema}})
		return "parameter overridden in " + somePath
	case 25:
		// A schema's discriminator mapping retargeted.
		schemas[someSchema].(map[string]any)["discriminator"] = map[string]any{"propertyName": "id", "mapping": map[string]any{"a": otherSchema}}
		return "discriminator added in " + someSchema
	case 26:
		// A reference with siblings.
		if someLink != "" {
			props[someLink].(map[string]any)["description"] = "now described"
			props[someLink].(map[string]any)["nullable"] = true
			return "reference given siblings in " + someSchema
		}
		return "nothing (no reference)"
	case 0:
		props["size"] = map[string]any{"type": "string"}
		return "type of " + someSchema + ".size"
	case 1:
		props["added"] = map[string]any{"type": "string"}
		schemas[someSchema].(map[string]any)["required"] = []any{"id", "added"}
		return "required property added to " + someSchema
	case 2:
		props["id"].(map[string]any)["description"] = "changed"
		return "description in " + someSchema
	case 3:
		op := paths[somePath].(map[string]any)["get"].(map[string]any)
		op["responses"].(map[string]any)["200"].(map[string]any)["content"].(map[string]any)["application/json"] =
			map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/" + schemaNames[rng.IntN(len(schemaNames))]}}
		return "reference retargeted in " + somePath
	case 4:
		delete(paths, somePath)
		return "path removed: " + somePath
	case 5:
		paths[somePath+"/{other}"] = map[string]any{"get": map[string]any{"responses": map[string]any{"200": map[string]any{"description": "ok"}}},
			"parameters": []any{map[string]any{"name": "other", "in": "path", "required": true, "schema": map[string]any{"type": "string"}}}}
		return "path added"
	case 6:
		// The same shape under another parameter name: matched as a rename.
		item := paths[somePath]
		delete(paths, somePath)
		paths[somePath[:len(somePath)-len("{id}")]+"{key}"] = item
		return "path parameter renamed in " + somePath
	case 7:
		doc["servers"] = []any{map[string]any{"url": "https://api.example.com/v2"}}
		return "document server"
	case 8:
		components["securitySchemes"].(map[string]any)["bearer"] = map[string]any{"type": "http", "scheme": "basic"}
		return "security scheme"
	case 9:
		doc["info"].(map[string]any)["version"] = "2"
		return "info version"
	case 10:
		components["parameters"].(map[string]any)["Limit"].(map[string]any)["required"] = true
		return "shared parameter became required"
	case 11:
		schemas["Unused"] = map[string]any{"type": "string"}
		return "unused component added"
	case 12:
		doc["security"] = []any{map[string]any{"bearer": []any{}}}
		return "document security"
	case 13:
		op := paths[somePath].(map[string]any)["get"].(map[string]any)
		op["parameters"] = append(asSlice(op["parameters"]), map[string]any{"name": "q", "in": "query", "required": true, "schema": map[string]any{"type": "string"}})
		return "required parameter added in " + somePath
	case 14:
		// A path-level parameter the operation now overrides, with
		// another schema.
		op := paths[somePath].(map[string]any)["get"].(map[string]any)
		op["parameters"] = append(asSlice(op["parameters"]), map[string]any{"name": "shadow", "in": "query",
			"schema": map[string]any{"$ref": "#/components/schemas/" + schemaNames[rng.IntN(len(schemaNames))]}})
		return "path parameter overridden in " + somePath
	case 15:
		op := paths[somePath].(map[string]any)["get"].(map[string]any)
		op["servers"] = []any{map[string]any{"url": "https://other.example.com"}}
		return "operation server in " + somePath
	default:
		// Deep in a shared component, behind another component's
		// reference: every path reaching it is kept, as a stub where its
		// own content is unchanged.
		props["link-new"] = map[string]any{"$ref": "#/components/schemas/" + schemaNames[rng.IntN(len(schemaNames))]}
		return "reference added in " + someSchema
	}
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

func sortedKeysOf(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// stripeCorpusDir finds shared/corpus/stripe beside an ancestor folder.
func stripeCorpusDir(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		candidate := filepath.Join(dir, "shared", "corpus", "stripe")
		if _, err := os.Stat(filepath.Join(candidate, "spec3-v120.json")); err == nil {
			return candidate
		}
		if filepath.Dir(dir) == dir {
			t.Skip("Stripe corpus (shared/corpus/stripe) not found")
		}
		dir = filepath.Dir(dir)
	}
}

func deepCopy(t *testing.T, v map[string]any) map[string]any {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func encode(t *testing.T, doc map[string]any, asYAML bool) []byte {
	t.Helper()
	var data []byte
	var err error
	if asYAML {
		data, err = yaml.Marshal(doc)
	} else {
		data, err = json.Marshal(doc)
	}
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// samePrunedAndWhole diffs a pair with and without the pre-pass and fails
// unless findings (or errors) are identical.
func samePrunedAndWhole(t *testing.T, name string, base, revision []byte) {
	t.Helper()
	whole, errWhole := Diff(context.Background(), base, revision, DiffOptions{Whole: true})
	pruned, errPruned := Diff(context.Background(), base, revision, DiffOptions{})
	// Both models are built at once, so which side's error comes first
	// varies; the error itself must not.
	side := func(err error) string {
		if err == nil {
			return "<nil>"
		}
		_, rest, _ := strings.Cut(err.Error(), ": ")
		return rest
	}
	if side(errWhole) != side(errPruned) {
		t.Fatalf("%s: errors differ:\nwhole:  %v\npruned: %v", name, errWhole, errPruned)
	}
	if !reflect.DeepEqual(whole, pruned) {
		w, _ := json.MarshalIndent(whole, "", " ")
		p, _ := json.MarshalIndent(pruned, "", " ")
		t.Fatalf("%s: findings differ\nwhole:\n%s\npruned:\n%s", name, w, p)
	}
}

// TestPruneKeepsFindings is the pre-pass's law: for random documents and
// random edits (one to four at once, JSON or YAML), the findings with the
// pre-pass are exactly those of the whole comparison. It also checks that
// the pre-pass did drop paths in many cases, so the law is not proved on
// documents it left alone.
func TestPruneKeepsFindings(t *testing.T) {
	cases := 150
	if testing.Short() {
		cases = 60
	}
	rng := rand.New(rand.NewPCG(7, 2026))
	prunedCases, stubbedCases, schemaCases := 0, 0, 0
	for i := range cases {
		doc := genDocument(rng)
		revision := deepCopy(t, doc)
		var edits []string
		for range 1 + rng.IntN(4) {
			edits = append(edits, editDocument(rng, revision))
		}
		asYAML := i%3 == 0
		b, r := encode(t, doc, asYAML), encode(t, revision, asYAML)
		name := fmt.Sprintf("case %d (yaml %v): %v", i, asYAML, edits)
		samePrunedAndWhole(t, name, b, r)
		if _, _, n, err := pruneUnchanged(b, r); err == nil {
			if n.dropped > 0 {
				prunedCases++
			}
			if n.stubbed > 0 {
				stubbedCases++
			}
			if n.stubbedSchemas > 0 {
				schemaCases++
			}
		}
	}
	if prunedCases < cases/4 {
		t.Fatalf("the pre-pass dropped paths in only %d of %d cases: the law is barely exercised", prunedCases, cases)
	}
	if stubbedCases < cases/4 {
		t.Fatalf("the pre-pass stubbed paths in only %d of %d cases: the law is barely exercised", stubbedCases, cases)
	}
	if schemaCases < cases/4 {
		t.Fatalf("the pre-pass stubbed component schemas in only %d of %d cases: the law is barely exercised", schemaCases, cases)
	}
	t.Logf("the pre-pass dropped paths in %d, stubbed paths in %d and component schemas in %d of %d cases", prunedCases, stubbedCases, schemaCases, cases)
}

// TestPruneDrops: a pair differing in one path drops every other path
// and the component only they use, and keeps what the changed path
// reaches.
func TestPruneDrops(t *testing.T) {
	base := []byte(`{"openapi":"3.0.3","info":{"title":"t","version":"1"},
"paths":{
 "/a":{"get":{"responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"$ref":"#/components/schemas/A"}}}}}}},
 "/b":{"get":{"responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"$ref":"#/components/schemas/B"}}}}}}},
 "/c":{"get":{"responses":{"200":{"$ref":"#/paths/~1b/get/responses/200"}}}}},
"components":{"schemas":{"A":{"type":"object","properties":{"x":{"type":"string"}}},"B":{"type":"string"},"Only":{"type":"string"}}}}`)
	revision := []byte(`{"openapi":"3.0.3","info":{"title":"t","version":"2"},
"paths":{
 "/a":{"get":{"responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"$ref":"#/components/schemas/A"}}}}}}},
 "/b":{"get":{"responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"$ref":"#/components/schemas/B"}}}}}}},
 "/c":{"get":{"responses":{"200":{"$ref":"#/paths/~1b/get/responses/200"}}}}},
"components":{"schemas":{"A":{"type":"object","properties":{"x":{"type":"integer"}}},"B":{"type":"string"},"Only":{"type":"string"}}}}`)
	b, r, n, err := pruneUnchanged(base, revision)
	if err != nil {
		t.Fatal(err)
	}
	// /c refers into /b, so /b stays with it; both are unchanged, so both
	// go, and B with them. A changed, so /a, which reaches it, stays — as a
	// stub, since its own content did not change. Only is used by no path
	// and stays, to be compared.
	if n.dropped != 2 || n.stubbed != 1 {
		t.Fatalf("dropped %d paths and stubbed %d, want 2 (/b and /c) and 1 (/a, whose own content is unchanged):\n%s", n.dropped, n.stubbed, b)
	}
	for _, doc := range [][]byte{b, r} {
		var parsed struct {
			Paths      map[string]any `json:"paths"`
			Components struct {
				Schemas map[string]any `json:"schemas"`
			} `json:"components"`
		}
		if err := json.Unmarshal(doc, &parsed); err != nil {
			t.Fatal(err)
		}
		if len(parsed.Paths) != 1 || parsed.Paths["/a"] == nil {
			t.Errorf("paths left: %v, want only /a", sortedKeysOf(parsed.Paths))
		}
		// The stub keeps the response's reference to A, so A's finding
		// still lists GET /a, in the response direction.
		stub, _ := json.Marshal(parsed.Paths["/a"])
		want := `{"get":{"responses":{"200":{"content":{"application/json":{"schema":{"anyOf":[{"$ref":"#/components/schemas/A"}]}}},"description":""}}}}`
		if string(stub) != want {
			t.Errorf("stub of /a:\n%s\nwant\n%s", stub, want)
		}
		if parsed.Components.Schemas["B"] != nil || parsed.Components.Schemas["A"] == nil || parsed.Components.Schemas["Only"] == nil {
			t.Errorf("schemas left: %v, want A and Only", sortedKeysOf(parsed.Components.Schemas))
		}
	}
	samePrunedAndWhole(t, "one changed path", base, revision)
}

// TestPruneGivesUp: what it cannot read as the diff does goes through
// whole, and the diff's own errors are unchanged.
func TestPruneGivesUp(t *testing.T) {
	for name, doc := range map[string]string{
		"dangling $ref":     `{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/a":{"get":{"responses":{"200":{"$ref":"#/components/responses/Nope"}}}}}}`,
		"external $ref":     `{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/a":{"$ref":"other.yaml#/paths/~1a"}}}`,
		"YAML alias":        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a: &a\n    get: {responses: {'200': {description: ok}}}\n  /b: *a\n",
		"$id":               `{"openapi":"3.1.0","info":{"title":"t","version":"1"},"paths":{},"components":{"schemas":{"A":{"$id":"https://x/a"}}}}`,
		"not a mapping":     `[1,2]`,
		"YAML boolean True": "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\nx-flag: True\n",
	} {
		if _, _, _, err := pruneUnchanged([]byte(doc), []byte(doc)); err == nil {
			t.Errorf("%s: the pre-pass went ahead", name)
		}
		samePrunedAndWhole(t, name, []byte(doc), []byte(doc))
	}
}

// TestPruneStripe: on the development corpus, the findings with the
// pre-pass equal the whole comparison's (same ids, levels, locations,
// operations and messages), release after release, and over the long
// v90 → v120 step.
func TestPruneStripe(t *testing.T) {
	if testing.Short() {
		t.Skip("the Stripe pairs take a minute; run without -short")
	}
	dir := stripeCorpusDir(t)
	var pairs [][2]int
	if !raceEnabled {
		// The long step costs minutes under the race detector; the
		// consecutive ones cover the same code there.
		pairs = append(pairs, [2]int{90, 120})
	}
	for v := 120; v < 127; v++ {
		pairs = append(pairs, [2]int{v, v + 1})
	}
	for _, pair := range pairs {
		name := fmt.Sprintf("v%d → v%d", pair[0], pair[1])
		base, errB := os.ReadFile(filepath.Join(dir, fmt.Sprintf("spec3-v%d.json", pair[0])))
		revision, errR := os.ReadFile(filepath.Join(dir, fmt.Sprintf("spec3-v%d.json", pair[1])))
		if errB != nil || errR != nil {
			t.Fatal(errB, errR)
		}
		b, r, n, err := pruneUnchanged(base, revision)
		t.Logf("%s: pre-pass dropped %d paths, stubbed %d and %d component schemas (%v)", name, n.dropped, n.stubbed, n.stubbedSchemas, err)
		if err == nil && n.dropped == 0 && n.stubbed == 0 {
			// Nothing dropped: the JSON documents go on as they came, so
			// the findings are the whole comparison's by construction;
			// checking the bytes saves two Stripe diffs under -race.
			if !bytes.Equal(b, base) || !bytes.Equal(r, revision) {
				t.Fatalf("%s: nothing dropped, yet the documents changed", name)
			}
			continue
		}
		samePrunedAndWhole(t, name, base, revision)
	}
}

// TestPruneKeepsFindingsOnRealDocuments: the same law on the real Xano
// documents, whole rather than reduced to one operation, with every kind
// of single contract edit of the mutation test at seeded sites of a
// random operation, each both ways. Real documents inline deep schemas
// and share components the way generated ones do not.
//
// The Xano documents inline their schemas; a Stripe release, whose
// component schemas are what the pre-pass stubs, joins them outside the
// race detector (each whole comparison takes seconds there).
func TestPruneKeepsFindingsOnRealDocuments(t *testing.T) {
	docs := loadRepaired(t, sharedDir(t, filepath.Join("fixtures", "xano")))
	perKind := map[string]int{}
	for name := range docs {
		perKind[name] = 3
		if testing.Short() || raceEnabled {
			perKind[name] = 1
		}
	}
	if !testing.Short() && !raceEnabled {
		stripe := stripeCorpusDir(t)
		data, err := os.ReadFile(filepath.Join(stripe, "spec3-v127.json"))
		if err != nil {
			t.Fatal(err)
		}
		docs["stripe-v127"], perKind["stripe-v127"] = data, 1
	}
	rng := rand.New(rand.NewPCG(11, 2026))
	compared, schemaCases := 0, 0
	for _, name := range slices.Sorted(maps.Keys(docs)) {
		var parsed map[string]any
		if err := json.Unmarshal(docs[name], &parsed); err != nil {
			t.Fatal(err)
		}
		var ops [][2]string
		paths, _ := parsed["paths"].(map[string]any)
		for _, p := range slices.Sorted(maps.Keys(paths)) {
			item, _ := paths[p].(map[string]any)
			for _, m := range slices.Sorted(maps.Keys(item)) {
				if httpMethod(m) {
					ops = append(ops, [2]string{p, m})
				}
			}
		}
		for _, kind := range MutationKinds {
			for range perKind[name] {
				op := ops[rng.IntN(len(ops))]
				edited := deepCopy(t, parsed)
				desc, ok := mutate(rng, kind, edited, op[0], op[1])
				if !ok {
					continue
				}
				revision, err := json.Marshal(edited)
				if err != nil {
					t.Fatal(err)
				}
				what := fmt.Sprintf("%s, %s %s: %s", name, op[1], op[0], desc)
				samePrunedAndWhole(t, what, docs[name], revision)
				samePrunedAndWhole(t, what+" (reversed)", revision, docs[name])
				compared++
				if _, _, n, err := pruneUnchanged(docs[name], revision); err == nil && n.stubbedSchemas > 0 {
					schemaCases++
				}
			}
		}
	}
	if compared < len(MutationKinds) {
		t.Fatalf("only %d edits could be made", compared)
	}
	if _, ok := docs["stripe-v127"]; ok && schemaCases == 0 {
		t.Fatal("no edit of the Stripe release had component schemas stubbed: the law is not exercised on them")
	}
	t.Logf("%d edits, both ways; component schemas stubbed in %d", compared, schemaCases)
}
