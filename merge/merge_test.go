package merge

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"gopkg.in/yaml.v3"
)

// loadYAML loads a small hand-written document the way the loader does:
// references resolved, nothing repaired (these documents need no repair).
func loadYAML(t testing.TB, src string) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData([]byte(src))
	if err != nil {
		t.Fatalf("load test document: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("test document is invalid: %v", err)
	}
	return doc
}

// mergeJSON merges and returns the result as generic JSON, which is what
// a client of the merged document sees.
func mergeJSON(t testing.TB, inputs []Input) (map[string]any, *Report) {
	t.Helper()
	doc, report, err := Merge(inputs, Options{})
	if err != nil {
		t.Fatalf("Merge: %v", err)
	}
	data, err := MarshalDocument(doc)
	if err != nil {
		t.Fatalf("MarshalDocument: %v", err)
	}
	reloaded, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		t.Fatalf("merged document does not load: %v", err)
	}
	if err := reloaded.Validate(context.Background()); err != nil {
		t.Fatalf("merged document is invalid: %v\n%s", err, data)
	}
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out, report
}

// at follows a path of keys through generic JSON; "" when absent.
func at(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func hasRename(r *Report, want Rename) bool {
	return slices.Contains(r.Renames, want)
}

const usersDoc = `
openapi: 3.0.0
info: {title: users, version: "1"}
servers: [{url: "https://a.example.com/api:users"}]
security: [{bearerAuth: []}]
paths:
  /users/{id}:
    get:
      operationId: getUser
      tags: [auth]
      parameters: [{$ref: "#/components/parameters/Id"}]
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Wrapper"}
  /login:
    post:
      operationId: login
      security: []
      responses: {"200": {description: ok}}
components:
  parameters:
    Id: {name: id, in: path, required: true, schema: {type: integer}}
  schemas:
    User:
      type: object
      properties: {name: {type: string}}
    Item:
      type: object
      properties: {sku: {type: string}}
    Wrapper:
      type: object
      properties:
        user: {$ref: "#/components/schemas/User"}
        item: {$ref: "#/components/schemas/Item"}
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer}
`

const shopDoc = `
openapi: 3.0.0
info: {title: shop, version: "1"}
servers: [{url: "https://b.example.com/api:shop"}]
paths:
  /users/{id}:
    get:
      operationId: getUser
      tags: [auth]
      parameters: [{$ref: "#/components/parameters/Id"}]
      security: [{bearerAuth: []}]
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Wrapper"}
components:
  parameters:
    Id: {name: id, in: path, required: true, schema: {type: integer}}
  schemas:
    User:
      type: object
      properties: {name: {type: string}}
    Item:
      type: object
      properties: {sku: {type: integer}}
    Wrapper:
      type: object
      properties:
        user: {$ref: "#/components/schemas/User"}
        item: {$ref: "#/components/schemas/Item"}
  securitySchemes:
    bearerAuth: {type: apiKey, in: header, name: X-Key}
`

func TestMergeSharesEqualComponentsAndRenamesDifferentOnes(t *testing.T) {
	inputs := []Input{
		{Key: "prod/main/users/public", Instance: "main", Workspace: "users", Group: "public", Doc: loadYAML(t, usersDoc)},
		{Key: "prod/main/shop/public", Instance: "main", Workspace: "shop", Group: "public", Doc: loadYAML(t, shopDoc)},
	}
	doc, report := mergeJSON(t, inputs)

	schemas := at(doc, "components", "schemas").(map[string]any)
	// User is equal in both: shared. Item differs; Wrapper is written
	// identically in both but refers to the two different Items, so it
	// differs too. With one definition each, the first input by key keeps
	// the name and the other is renamed after its group.
	want := []string{"Item", "Item_users.public", "User", "Wrapper", "Wrapper_users.public"}
	if got := orderedKeys(schemas); !slices.Equal(got, want) {
		t.Errorf("schemas = %v, want %v", got, want)
	}
	if got := at(schemas, "Wrapper_users.public", "properties", "item", "$ref"); got != "#/components/schemas/Item_users.public" {
		t.Errorf("ref inside renamed Wrapper = %v", got)
	}
	if got := at(schemas, "Wrapper", "properties", "item", "$ref"); got != "#/components/schemas/Item" {
		t.Errorf("ref inside kept Wrapper = %v", got)
	}
	if got := at(schemas, "Wrapper_users.public", "properties", "user", "$ref"); got != "#/components/schemas/User" {
		t.Errorf("ref to shared User = %v", got)
	}
	if got := at(schemas, "Item_users.public", "properties", "sku", "type"); got != "string" {
		t.Errorf("renamed Item is not the users group's: type %v", got)
	}
	shopGet := at(doc, "paths", "/api:shop/users/{id}", "get").(map[string]any)
	usersGet := at(doc, "paths", "/api:users/users/{id}", "get")
	if got := at(usersGet, "responses", "200", "content", "application/json", "schema", "$ref"); got != "#/components/schemas/Wrapper_users.public" {
		t.Errorf("operation ref = %v", got)
	}
	if got := at(doc, "components", "parameters", "Id"); got == nil {
		t.Error("equal parameter Id is not shared")
	}
	if !hasRename(report, Rename{Kind: "schemas", Key: "prod/main/users/public", From: "Item", To: "Item_users.public"}) {
		t.Errorf("rename of Item not reported: %+v", report.Renames)
	}
	if !hasRename(report, Rename{Kind: "securitySchemes", Key: "prod/main/users/public", From: "bearerAuth", To: "bearerAuth_users.public"}) {
		t.Errorf("rename of bearerAuth not reported: %+v", report.Renames)
	}

	// Security: the different bearerAuth schemes are renamed and the
	// requirements follow; the document-level one is pushed down, the
	// explicit "no security" stays.
	if got, _ := json.Marshal(at(usersGet, "security")); string(got) != `[{"bearerAuth_users.public":[]}]` {
		t.Errorf("pushed-down security = %s", got)
	}
	if got, _ := json.Marshal(at(shopGet, "security")); string(got) != `[{"bearerAuth":[]}]` {
		t.Errorf("operation security = %s", got)
	}
	if got, _ := json.Marshal(at(doc, "paths", "/api:users/login", "post", "security")); string(got) != `[]` {
		t.Errorf("explicitly open operation got security %s", got)
	}
	if _, ok := doc["security"]; ok {
		t.Error("merged document has top-level security")
	}
	if _, ok := doc["servers"]; ok {
		t.Error("merged document has top-level servers")
	}

	// Servers: base path into the path, host onto the path item.
	if got, _ := json.Marshal(at(doc, "paths", "/api:shop/users/{id}", "servers")); string(got) != `[{"url":"https://b.example.com"}]` {
		t.Errorf("path-level servers = %s", got)
	}

	// operationIds and tags.
	if at(usersGet, "operationId") != "getUser_users.public" || at(shopGet, "operationId") != "getUser_shop.public" {
		t.Errorf("operationIds = %v, %v", at(usersGet, "operationId"), at(shopGet, "operationId"))
	}
	if got, _ := json.Marshal(at(shopGet, "tags")); string(got) != `["auth (shop)"]` {
		t.Errorf("tags = %s", got)
	}
	groups, _ := json.Marshal(doc["x-tagGroups"])
	if string(groups) != `[{"name":"main / shop","tags":["auth (shop)"]},{"name":"main / users","tags":["auth (users)"]}]` {
		t.Errorf("x-tagGroups = %s", groups)
	}
	src, _ := json.Marshal(at(shopGet, SourceExtension))
	if string(src) != `{"group":"public","instance":"main","key":"prod/main/shop/public","path":"/users/{id}","workspace":"shop"}` {
		t.Errorf("%s = %s", SourceExtension, src)
	}
	if report.OperationsIn != 3 || report.OperationsOut != 3 || report.Inputs != 2 {
		t.Errorf("report counts = %+v", report)
	}
	if len(report.Collisions) != 0 {
		t.Errorf("unexpected collisions %+v", report.Collisions)
	}
}

func TestMergeComparesReferenceCycles(t *testing.T) {
	tree := func(leafType string) string {
		return `
openapi: 3.0.0
info: {title: t, version: "1"}
paths:
  /tree:
    get:
      responses:
        "200":
          description: ok
          content: {application/json: {schema: {$ref: "#/components/schemas/Node"}}}
components:
  schemas:
    Node:
      type: object
      properties:
        children: {type: array, items: {$ref: "#/components/schemas/Node"}}
        leaf: {$ref: "#/components/schemas/Leaf"}
    Leaf: {type: ` + leafType + `}
`
	}
	t.Run("equal cycles are shared", func(t *testing.T) {
		doc, report := mergeJSON(t, []Input{
			{Key: "a", Doc: loadYAML(t, tree("string"))},
			{Key: "b", Doc: loadYAML(t, tree("string"))},
		})
		if got := orderedKeys(at(doc, "components", "schemas").(map[string]any)); !slices.Equal(got, []string{"Leaf", "Node"}) {
			t.Errorf("schemas = %v", got)
		}
		if len(report.Renames) != 0 {
			t.Errorf("renames = %+v", report.Renames)
		}
	})
	t.Run("a difference behind a cycle renames the cycle", func(t *testing.T) {
		doc, _ := mergeJSON(t, []Input{
			{Key: "a", Doc: loadYAML(t, tree("string"))},
			{Key: "b", Doc: loadYAML(t, tree("integer"))},
		})
		schemas := at(doc, "components", "schemas").(map[string]any)
		if got := orderedKeys(schemas); !slices.Equal(got, []string{"Leaf", "Leaf_b", "Node", "Node_b"}) {
			t.Fatalf("schemas = %v", got)
		}
		if got := at(schemas, "Node_b", "properties", "children", "items", "$ref"); got != "#/components/schemas/Node_b" {
			t.Errorf("self reference = %v", got)
		}
	})
}

func TestMergePrefixesEveryCollidingInput(t *testing.T) {
	doc := func(param, host string) string {
		return `
openapi: 3.0.0
info: {title: t, version: "1"}
servers: [{url: "` + host + `"}]
paths:
  /items/{` + param + `}:
    get:
      parameters: [{name: ` + param + `, in: path, required: true, schema: {type: string}}]
      responses: {"200": {description: ok}}
  /only-` + param + `:
    get:
      responses: {"200": {description: ok}}
`
	}
	inputs := []Input{
		{Key: "src/i/w/beta", Doc: loadYAML(t, doc("name", "https://beta.example.com"))},
		{Key: "src/i/w/alpha", Doc: loadYAML(t, doc("id", "https://alpha.example.com/"))},
	}
	out, report := mergeJSON(t, inputs)
	paths := orderedKeys(out["paths"].(map[string]any))
	want := []string{"/only-id", "/only-name", "/src/i/w/alpha/items/{id}", "/src/i/w/beta/items/{name}"}
	if !slices.Equal(paths, want) {
		t.Errorf("paths = %v, want %v", paths, want)
	}
	if len(report.Collisions) != 1 {
		t.Fatalf("collisions = %+v", report.Collisions)
	}
	c := report.Collisions[0]
	if c.Path != "/items/{id}" || !slices.Equal(c.Keys, []string{"src/i/w/alpha", "src/i/w/beta"}) || !strings.Contains(c.Resolution, "/src/i/w/beta/items/{name}") {
		t.Errorf("collision = %+v", c)
	}
}

func TestMergeIsIndependentOfInputOrderAndLeavesInputsAlone(t *testing.T) {
	users, shop := loadYAML(t, usersDoc), loadYAML(t, shopDoc)
	before := [][]byte{mustMarshal(t, users), mustMarshal(t, shop)}
	a := []Input{{Key: "x/users", Doc: users}, {Key: "x/shop", Doc: shop}}
	b := []Input{{Key: "x/shop", Doc: shop}, {Key: "x/users", Doc: users}}
	docA, _, err := Merge(a, Options{Title: "All"})
	if err != nil {
		t.Fatal(err)
	}
	docB, _, err := Merge(b, Options{Title: "All"})
	if err != nil {
		t.Fatal(err)
	}
	outA, outB := mustMarshal(t, docA), mustMarshal(t, docB)
	if !bytes.Equal(outA, outB) {
		t.Error("merging the same inputs in another order gives other bytes")
	}
	if !bytes.Equal(before[0], mustMarshal(t, users)) || !bytes.Equal(before[1], mustMarshal(t, shop)) {
		t.Error("Merge modified its inputs")
	}
	// Merges of the same inputs may run at once (the race detector
	// watches for writes to the shared inputs) and agree byte for byte.
	var wg sync.WaitGroup
	outs := make([][]byte, 4)
	for i := range outs {
		wg.Go(func() {
			doc, _, err := Merge(a, Options{Title: "All"})
			if err != nil {
				t.Error(err)
				return
			}
			outs[i], _ = MarshalDocument(doc)
		})
	}
	wg.Wait()
	for _, out := range outs {
		if !bytes.Equal(outA, out) {
			t.Error("a concurrent merge of the same inputs differs")
		}
	}
}

func TestMergeRejectsBadInputs(t *testing.T) {
	doc := loadYAML(t, usersDoc)
	cases := map[string][]Input{
		"no key":        {{Doc: doc}},
		"no document":   {{Key: "a"}},
		"duplicate key": {{Key: "a", Doc: doc}, {Key: "a", Doc: doc}},
	}
	for name, inputs := range cases {
		if _, _, err := Merge(inputs, Options{}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestMergeRenamesInvalidComponentNames(t *testing.T) {
	// Real documents use names the specification does not allow; the
	// merged document must still validate.
	doc, err := openapi3.NewLoader().LoadFromData([]byte(`
openapi: 3.0.0
info: {title: t, version: "1"}
paths:
  /x:
    get:
      responses:
        "200":
          description: ok
          content: {application/json: {schema: {$ref: "#/components/schemas/My Thing"}}}
components:
  schemas:
    My Thing: {type: string}
`))
	if err != nil {
		t.Fatal(err)
	}
	out, report := mergeJSON(t, []Input{{Key: "k", Doc: doc}})
	if got := at(out, "paths", "/x", "get", "responses", "200", "content", "application/json", "schema", "$ref"); got != "#/components/schemas/My-Thing" {
		t.Errorf("ref = %v", got)
	}
	if !hasRename(report, Rename{Kind: "schemas", Key: "k", From: "My Thing", To: "My-Thing"}) {
		t.Errorf("renames = %+v", report.Renames)
	}
}

func TestMarshalDocumentYAMLMatchesJSON(t *testing.T) {
	doc, _, err := Merge([]Input{{Key: "a", Doc: loadYAML(t, usersDoc)}, {Key: "b", Doc: loadYAML(t, shopDoc)}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	jsonOut, err := MarshalDocument(doc)
	if err != nil {
		t.Fatal(err)
	}
	yamlOut, err := MarshalDocumentYAML(doc)
	if err != nil {
		t.Fatal(err)
	}
	var fromJSON, fromYAML any
	if err := json.Unmarshal(jsonOut, &fromJSON); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(yamlOut, &fromYAML); err != nil {
		t.Fatalf("YAML output does not parse: %v", err)
	}
	a, _ := json.Marshal(fromJSON)
	b, _ := json.Marshal(fromYAML)
	if !bytes.Equal(a, b) {
		t.Errorf("YAML and JSON outputs differ:\n%s\n%s", a, b)
	}
	// Key order follows the JSON output: "components" before "info".
	lines := append([]byte("\n"), yamlOut...)
	if i, j := bytes.Index(lines, []byte("\ncomponents:")), bytes.Index(lines, []byte("\ninfo:")); i < 0 || j < 0 || i > j {
		t.Errorf("YAML key order differs from JSON:\n%s", yamlOut[:min(len(yamlOut), 400)])
	}
	// Strings that look like other YAML types stay strings.
	y, err := JSONToYAML([]byte(`{"a":"123","b":"true","c":1.5,"d":null,"e":"null"}`))
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := yaml.Unmarshal(y, &back); err != nil {
		t.Fatal(err)
	}
	if back["a"] != "123" || back["b"] != "true" || back["c"] != 1.5 || back["d"] != nil || back["e"] != "null" {
		t.Errorf("JSONToYAML changed types: %v\n%s", back, y)
	}
}

func TestSourceOfReadsBothForms(t *testing.T) {
	doc, _, err := Merge([]Input{{Key: "k/i/w/g", Instance: "i", Workspace: "w", Group: "g", Doc: loadYAML(t, usersDoc)}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := Source{Key: "k/i/w/g", Instance: "i", Workspace: "w", Group: "g", Path: "/users/{id}"}
	if got, ok := SourceOf(doc.Paths.Value("/api:users/users/{id}").Get); !ok || got != want {
		t.Errorf("SourceOf(merged) = %+v, %v", got, ok)
	}
	reloaded, err := openapi3.NewLoader().LoadFromData(mustMarshal(t, doc))
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := SourceOf(reloaded.Paths.Value("/api:users/users/{id}").Get); !ok || got != want {
		t.Errorf("SourceOf(reloaded) = %+v, %v", got, ok)
	}
}

func mustMarshal(t testing.TB, doc *openapi3.T) []byte {
	t.Helper()
	data, err := MarshalDocument(doc)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestMergeLetsTheMostSharedDefinitionKeepItsName(t *testing.T) {
	doc := func(format string) string {
		return `
openapi: 3.0.0
info: {title: t, version: "1"}
paths: {}
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer, bearerFormat: ` + format + `}
`
	}
	// Three groups agree, one (sorted first) differs: the majority keeps
	// the name whatever the order of the keys.
	_, report := mergeJSON(t, []Input{
		{Key: "w/a-odd", Doc: loadYAML(t, doc("opaque"))},
		{Key: "w/b", Doc: loadYAML(t, doc("JWT"))},
		{Key: "w/c", Doc: loadYAML(t, doc("JWT"))},
		{Key: "w/d", Doc: loadYAML(t, doc("JWT"))},
	})
	want := []Rename{{Kind: "securitySchemes", Key: "w/a-odd", From: "bearerAuth", To: "bearerAuth_a-odd"}}
	if !slices.Equal(report.Renames, want) {
		t.Errorf("renames = %+v, want %+v", report.Renames, want)
	}
}

func TestMergeKeepsOperationServers(t *testing.T) {
	// Uploads go to another host, one under another base path: both keep
	// their URL, the second by moving to its own base path.
	doc := loadYAML(t, `
openapi: 3.0.0
info: {title: t, version: "1"}
servers: [{url: "https://api.example.com/api:files"}]
paths:
  /files:
    get:
      responses: {"200": {description: ok}}
    put:
      servers: [{url: "https://upload.example.com/api:files"}]
      responses: {"200": {description: ok}}
    post:
      servers: [{url: "https://upload.example.com/v2"}]
      responses: {"200": {description: ok}}
`)
	merged, _ := checkInvariants(t, []Input{{Key: "k", Doc: doc}}, true)
	if got := orderedKeys(merged.Paths.Map()); !slices.Equal(got, []string{"/api:files/files", "/v2/files"}) {
		t.Fatalf("paths = %v", got)
	}
	put := merged.Paths.Value("/api:files/files").Put
	if put == nil || put.Servers == nil || (*put.Servers)[0].URL != "https://upload.example.com" {
		t.Errorf("operation servers of PUT = %+v", put)
	}
	if merged.Paths.Value("/v2/files").Get != nil || merged.Paths.Value("/v2/files").Post == nil {
		t.Error("only POST moves to /v2/files")
	}
}

func TestMergeLinksFollowTheirOperations(t *testing.T) {
	// Both groups call their lookup "getUser" and link to it in the same
	// words; after the operationIds are made unique, each link must still
	// name its own group's operation.
	doc := func(base string) string {
		return `
openapi: 3.0.0
info: {title: t, version: "1"}
servers: [{url: "https://example.com/` + base + `"}]
paths:
  /users/{id}:
    get:
      operationId: getUser
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {"200": {description: ok}}
  /users:
    post:
      responses:
        "201":
          description: created
          links: {self: {$ref: "#/components/links/UserLink"}}
components:
  links:
    UserLink: {operationId: getUser, parameters: {id: "$response.body#/id"}}
`
	}
	out, _ := mergeJSON(t, []Input{{Key: "a", Doc: loadYAML(t, doc("a"))}, {Key: "b", Doc: loadYAML(t, doc("b"))}})
	for _, base := range []string{"a", "b"} {
		ref, _ := at(out, "paths", "/"+base+"/users", "post", "responses", "201", "links", "self", "$ref").(string)
		link := resolvePointer(out, ref)
		got := at(link, "operationId")
		want := at(out, "paths", "/"+base+"/users/{id}", "get", "operationId")
		if got == nil || got != want {
			t.Errorf("group %s: link %s names %v, its operation is %v", base, ref, got, want)
		}
	}
}

func TestMergeOfNothingIsAnEmptyValidDocument(t *testing.T) {
	out, report := mergeJSON(t, nil)
	if report.Inputs != 0 || report.OperationsOut != 0 || at(out, "info", "title") != "Merged API" || at(out, "info", "version") != "1.0.0" {
		t.Errorf("merge of nothing: %+v %v", report, out)
	}
}

func TestMergeWritesReferencedPathItemsInFull(t *testing.T) {
	doc := loadYAML(t, `
openapi: 3.0.0
info: {title: t, version: "1"}
servers: [{url: "https://example.com/api"}]
paths:
  /books:
    get:
      responses: {"200": {description: ok}}
  /livres:
    $ref: "#/paths/~1books"
`)
	out, report := mergeJSON(t, []Input{{Key: "k", Doc: doc}})
	if report.OperationsOut != 2 {
		t.Errorf("operations out = %d", report.OperationsOut)
	}
	if at(out, "paths", "/api/livres", "$ref") != nil || at(out, "paths", "/api/livres", "get") == nil {
		t.Errorf("referenced path item = %v", at(out, "paths", "/api/livres"))
	}
}
