package validate

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// countOperations counts the operations of a JSON document independently
// of the walker, with encoding/json.
func countOperations(t *testing.T, data []byte) int {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, item := range doc.Paths {
		for method := range item {
			switch method {
			case "get", "put", "post", "delete", "options", "head", "patch", "trace":
				n++
			}
		}
	}
	return n
}

func rulesOf(ps []Problem) map[string]int {
	counts := map[string]int{}
	for _, p := range ps {
		counts[p.Rule]++
	}
	return counts
}

func findProblem(ps []Problem, rule, pointer string) (Problem, bool) {
	for _, p := range ps {
		if p.Rule == rule && p.Pointer == pointer {
			return p, true
		}
	}
	return Problem{}, false
}

func requireRule(t *testing.T, res *Result, rule string) Problem {
	t.Helper()
	for _, p := range res.Problems {
		if p.Rule == rule {
			return p
		}
	}
	t.Fatalf("no %s problem; got %v", rule, res.Problems)
	return Problem{}
}

// loadWithin fails the test if Load takes longer than limit: the
// property under test is that it terminates.
func loadWithin(t *testing.T, limit time.Duration, data []byte, opts Options) *Result {
	t.Helper()
	done := make(chan *Result, 1)
	go func() { done <- Load(context.Background(), data, opts) }()
	select {
	case res := <-done:
		if res == nil {
			t.Fatal("Load returned nil")
		}
		return res
	case <-time.After(limit):
		t.Fatalf("Load did not finish within %v", limit)
		return nil
	}
}

func TestLoadXanoFixturesAreValidWithWarnings(t *testing.T) {
	for _, name := range []string{"apigroup-mobile-native.openapi.json", "instance-metadata-api-2025-03.openapi.json"} {
		t.Run(name, func(t *testing.T) {
			data := readTestdata(t, name)
			// The premise: kin-openapi alone refuses these documents.
			if err := json.Unmarshal(data, &openapi3.T{}); err == nil {
				t.Fatal("kin-openapi loaded the raw fixture; the test no longer exercises the repairs")
			}
			ctx := context.Background()
			res := Load(ctx, data, Options{})
			if !res.Valid || res.Errors() != 0 {
				t.Fatalf("not valid: %v", res.Problems)
			}
			if res.Warnings() == 0 {
				t.Fatal("no warnings for a document known to need repairs")
			}
			if res.OpenAPI != "3.0.0" || res.Title == "" || res.APIVersion == "" {
				t.Fatalf("header: %q %q %q", res.OpenAPI, res.Title, res.APIVersion)
			}
			if want := countOperations(t, data); res.Operations != want {
				t.Fatalf("operations = %d, want %d", res.Operations, want)
			}
			for _, p := range res.Problems {
				if p.Pointer == "" || !strings.HasPrefix(p.Pointer, "/") {
					t.Errorf("problem without a pointer: %v", p)
				}
			}
			if res.Doc == nil {
				t.Fatal("no model")
			}
			// What merge does with it: kin-openapi's own validation passes.
			if err := res.Doc.Validate(ctx); err != nil {
				t.Fatalf("repaired model fails kin-openapi validation: %v", err)
			}
			reloaded := &openapi3.T{}
			if err := json.Unmarshal(res.Repaired, reloaded); err != nil {
				t.Fatalf("repaired bytes do not decode in kin-openapi: %v", err)
			}
			if err := openapi3.NewLoader().ResolveRefsIn(reloaded, nil); err != nil {
				t.Fatalf("repaired bytes do not load in kin-openapi: %v", err)
			}
			if err := reloaded.Validate(ctx); err != nil {
				t.Fatalf("repaired bytes fail kin-openapi validation: %v", err)
			}
			// Repairs are complete: the repaired document needs none.
			again := Load(ctx, res.Repaired, Options{})
			for _, p := range again.Problems {
				switch p.Rule {
				case RuleNumericKeywordAsString, RuleBooleanRequired, RuleDefaultTypeMismatch, RulePathParamNotRequired, RuleExampleMismatch, RuleDefaultInvalid:
					t.Errorf("repaired document still needs a repair: %v", p)
				}
			}
			if !bytes.Equal(again.Repaired, res.Repaired) {
				t.Error("repairing the repaired document changed it")
			}
		})
	}
}

func TestLoadXanoRepairsAreRecordedWhereTheyHappen(t *testing.T) {
	res := Load(context.Background(), readTestdata(t, "apigroup-mobile-native.openapi.json"), Options{})
	p := requireRule(t, res, RuleNumericKeywordAsString)
	if !strings.HasSuffix(p.Pointer, "/maxItems") && !strings.HasSuffix(p.Pointer, "/minItems") {
		t.Fatalf("numeric repair at %s", p.Pointer)
	}
	if p.Level != LevelWarning {
		t.Fatalf("level %s", p.Level)
	}
	var repaired map[string]any
	if err := json.Unmarshal(res.Repaired, &repaired); err != nil {
		t.Fatal(err)
	}
	v := valueAt(t, repaired, p.Pointer)
	if _, isNumber := v.(float64); !isNumber {
		t.Fatalf("%s is %T in the repaired document", p.Pointer, v)
	}
	d := requireRule(t, res, RuleDefaultTypeMismatch)
	if !strings.HasSuffix(d.Pointer, "/default") {
		t.Fatalf("default repair at %s", d.Pointer)
	}

	meta := Load(context.Background(), readTestdata(t, "instance-metadata-api-2025-03.openapi.json"), Options{})
	r := requireRule(t, meta, RuleBooleanRequired)
	var metaRepaired map[string]any
	if err := json.Unmarshal(meta.Repaired, &metaRepaired); err != nil {
		t.Fatal(err)
	}
	schema := valueAt(t, metaRepaired, strings.TrimSuffix(r.Pointer, "/required")).(map[string]any)
	if _, still := schema["required"]; still {
		t.Fatalf("required still on %s", r.Pointer)
	}
}

func valueAt(t *testing.T, root map[string]any, pointer string) any {
	t.Helper()
	var node any = root
	for _, tok := range strings.Split(strings.TrimPrefix(pointer, "/"), "/") {
		switch n := node.(type) {
		case map[string]any:
			next, ok := n[unescapePointer(tok)]
			if !ok {
				t.Fatalf("%s: no %q", pointer, tok)
			}
			node = next
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(n) {
				t.Fatalf("%s: no item %q", pointer, tok)
			}
			node = n[i]
		default:
			t.Fatalf("%s: nothing to step into at %q", pointer, tok)
		}
	}
	return node
}

// dirty is a small document with one of each repairable defect.
const dirty = `{
  "openapi": "3.0.3",
  "info": {"title": "Dirty", "version": "1"},
  "paths": {
    "/books/{id}": {
      "get": {
        "operationId": "getBook",
        "produces": ["application/json"],
        "parameters": [{"name": "id", "in": "path", "schema": {"type": "integer"}}],
        "responses": {
          "200": {
            "description": "ok",
            "content": {"application/json": {
              "schema": {"$ref": "#/components/schemas/Book"},
              "example": {"title": 42}
            }}
          },
          "404": {}
        }
      }
    }
  },
  "components": {"schemas": {"Book": {
    "type": "object",
    "properties": {
      "title": {"type": "string", "required": true, "maxLength": "80"},
      "tags": {"type": "array", "items": {"type": "string"}, "maxItems": "2", "uniqueItems": "true"},
      "inPrint": {"type": "boolean", "default": "false"},
      "pages": {"type": "integer", "default": "many"},
      "price": {"type": "number", "default": "9.5"},
      "isbn": {"type": "string", "default": 12}
    }
  }}}
}`

func TestLoadRepairsEachDefect(t *testing.T) {
	res := Load(context.Background(), []byte(dirty), Options{})
	if !res.Valid {
		t.Fatalf("not valid: %v", res.Problems)
	}
	book := "/components/schemas/Book/properties"
	want := []struct{ rule, pointer string }{
		{RuleBooleanRequired, book + "/title/required"},
		{RuleNumericKeywordAsString, book + "/title/maxLength"},
		{RuleNumericKeywordAsString, book + "/tags/maxItems"},
		{RuleBooleanKeywordAsString, book + "/tags/uniqueItems"},
		{RuleDefaultTypeMismatch, book + "/inPrint/default"},
		{RuleDefaultTypeMismatch, book + "/pages/default"},
		{RuleDefaultTypeMismatch, book + "/price/default"},
		{RuleDefaultTypeMismatch, book + "/isbn/default"},
		{RulePathParamNotRequired, "/paths/~1books~1{id}/get/parameters/0"},
		{RuleExampleMismatch, "/paths/~1books~1{id}/get/responses/200/content/application~1json/example"},
		{RuleUnknownField, "/paths/~1books~1{id}/get/produces"},
		{RuleMissingDescription, "/paths/~1books~1{id}/get/responses/404"},
	}
	for _, w := range want {
		p, ok := findProblem(res.Problems, w.rule, w.pointer)
		if !ok {
			t.Errorf("missing %s at %s; got %v", w.rule, w.pointer, res.Problems)
			continue
		}
		if p.Level != LevelWarning || p.Message == "" {
			t.Errorf("%v: want a warning with a message", p)
		}
	}
	var doc map[string]any
	if err := json.Unmarshal(res.Repaired, &doc); err != nil {
		t.Fatal(err)
	}
	props := valueAt(t, doc, book).(map[string]any)
	prop := func(name string) map[string]any { return props[name].(map[string]any) }
	if _, ok := prop("title")["required"]; ok {
		t.Error("boolean required kept")
	}
	if got := prop("title")["maxLength"]; got != 80.0 {
		t.Errorf("maxLength = %#v", got)
	}
	if got := prop("tags")["maxItems"]; got != 2.0 {
		t.Errorf("maxItems = %#v", got)
	}
	if got := prop("tags")["uniqueItems"]; got != true {
		t.Errorf("uniqueItems = %#v", got)
	}
	if got := prop("inPrint")["default"]; got != false {
		t.Errorf("inPrint default = %#v", got)
	}
	if _, ok := prop("pages")["default"]; ok {
		t.Error("unconvertible default kept")
	}
	if got := prop("price")["default"]; got != 9.5 {
		t.Errorf("price default = %#v", got)
	}
	if got := prop("isbn")["default"]; got != "12" {
		t.Errorf("isbn default = %#v", got)
	}
	// The contract-neutral choice: the parent's required list is not invented.
	if _, ok := valueAt(t, doc, "/components/schemas/Book").(map[string]any)["required"]; ok {
		t.Error("a required list was added to the parent")
	}
	param := valueAt(t, doc, "/paths/~1books~1{id}/get/parameters/0").(map[string]any)
	if param["required"] != true {
		t.Error("path parameter not marked required")
	}
	if _, ok := valueAt(t, doc, "/paths/~1books~1{id}/get").(map[string]any)["produces"]; ok {
		t.Error("unknown field kept")
	}
	if got := valueAt(t, doc, "/paths/~1books~1{id}/get/responses/404/description"); got != "" {
		t.Errorf("404 description = %#v", got)
	}
	media := valueAt(t, doc, "/paths/~1books~1{id}/get/responses/200/content/application~1json").(map[string]any)
	if _, ok := media["example"]; ok {
		t.Error("mismatching example kept")
	}
	if res.Doc == nil {
		t.Fatal("no model")
	}
	if err := res.Doc.Validate(context.Background()); err != nil {
		t.Fatalf("repaired model fails kin-openapi validation: %v", err)
	}
}

func TestLoadRepairsKeepRealWorldDocumentsValid(t *testing.T) {
	cases := []struct {
		name, doc, rule, pointer string
		check                    func(t *testing.T, res *Result)
	}{
		{
			name:    "unquoted yaml versions",
			doc:     "openapi: 3.0\ninfo: {title: t, version: 1.0}\npaths: {}\n",
			rule:    RuleVersionNotString,
			pointer: "/info/version",
			check: func(t *testing.T, res *Result) {
				if res.OpenAPI != "3.0" || res.APIVersion != "1.0" {
					t.Errorf("openapi %q, version %q", res.OpenAPI, res.APIVersion)
				}
			},
		},
		{
			name:    "array without items",
			doc:     `{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}, "components": {"schemas": {"L": {"type": "array"}}}}`,
			rule:    RuleArrayWithoutItems,
			pointer: "/components/schemas/L",
			check: func(t *testing.T, res *Result) {
				if items := res.Doc.Components.Schemas["L"].Value.Items; items == nil || items.Value == nil {
					t.Error("no items added")
				}
			},
		},
		{
			name:    "unused server variable",
			doc:     `{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "servers": [{"url": "https://api.example.com/v1", "variables": {"basePath": {"default": "v1"}}}], "paths": {}}`,
			rule:    RuleUnusedServerVariable,
			pointer: "/servers/0/variables/basePath",
		},
		{
			name:    "description that is a reference",
			doc:     `{"openapi": "3.0.3", "info": {"title": "t", "version": "1", "description": {"$ref": "intro.md"}}, "paths": {}}`,
			rule:    RuleTextNotAString,
			pointer: "/info/description",
		},
		{
			name:    "documentation key written twice",
			doc:     `{"openapi": "3.0.3", "info": {"title": "t", "version": "1", "description": "a", "description": "b"}, "paths": {}}`,
			rule:    RuleDuplicateAnnotation,
			pointer: "/info/description",
			check: func(t *testing.T, res *Result) {
				if res.Doc.Info.Description != "b" {
					t.Errorf("description %q, want the last one", res.Doc.Info.Description)
				}
			},
		},
		{
			name:    "swagger extension on paths and no paths",
			doc:     `{"swagger": "2.0", "info": {"title": "t", "version": "1"}, "paths": {"x-team": "core"}}`,
			rule:    RuleExtensionDropped,
			pointer: "/paths/x-team",
			check: func(t *testing.T, res *Result) {
				if res.Doc.Paths == nil {
					t.Error("converted document has no paths object")
				}
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := Load(context.Background(), []byte(c.doc), Options{})
			if !res.Valid || res.Doc == nil {
				t.Fatalf("valid=%v problems=%v", res.Valid, res.Problems)
			}
			p, ok := findProblem(res.Problems, c.rule, c.pointer)
			if !ok || p.Level != LevelWarning {
				t.Fatalf("no %s warning at %s: %v", c.rule, c.pointer, res.Problems)
			}
			if err := res.Doc.Validate(context.Background()); err != nil {
				t.Fatalf("repaired model fails kin-openapi validation: %v", err)
			}
			if c.check != nil {
				c.check(t, res)
			}
		})
	}
}

func TestLoadHarmlessDefectsOutsideSchemasAreWarnings(t *testing.T) {
	doc := `{"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
"servers": [{"url": "https://api.example.com", "region": "eu"}],
"paths": {}, "webhooks": {}}`
	res := Load(context.Background(), []byte(doc), Options{})
	if !res.Valid {
		t.Fatalf("invalid: %v", res.Problems)
	}
	requireRule(t, res, RuleUnknownField)
	requireRule(t, res, RuleKeywordOf31)
}

func TestLoadErrorsBreakTheContract(t *testing.T) {
	cases := []struct {
		name    string
		doc     string
		rule    string
		pointer string
	}{
		{name: "invalid json", doc: `{"openapi": "3.0.0", "info": {`, rule: RuleInvalidJSON},
		{name: "trailing data", doc: `{"openapi": "3.0.0"} {}`, rule: RuleInvalidJSON},
		{name: "invalid yaml", doc: "openapi: 3.0.0\ninfo: [unclosed\n", rule: RuleInvalidYAML},
		{name: "invalid utf-8", doc: "{\"openapi\": \"3.0.0\", \"info\": {\"title\": \"\xff\xfe\"}}", rule: RuleInvalidUTF8},
		{name: "empty", doc: "  \n", rule: RuleNotOpenAPI},
		{name: "a list", doc: `[1, 2]`, rule: RuleNotOpenAPI},
		{name: "plain text", doc: "hello world", rule: RuleNotOpenAPI},
		{name: "html", doc: "<html><body>502 Bad Gateway</body></html>", rule: RuleNotOpenAPI},
		{name: "other json", doc: `{"name": "not an api"}`, rule: RuleNotOpenAPI},
		{name: "unsupported version", doc: `{"openapi": "4.0.0", "info": {"title": "t", "version": "1"}, "paths": {}}`, rule: RuleUnsupportedVersion, pointer: "/openapi"},
		{name: "missing paths", doc: `{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}}`, rule: RuleMissingPaths},
		{name: "missing info", doc: `{"openapi": "3.0.3", "paths": {}}`, rule: RuleMissingField},
		{name: "paths not an object", doc: `{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": []}`, rule: RuleWrongType, pointer: "/paths"},
		{name: "path without slash", doc: `{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"books": {}}}`, rule: RuleInvalidPath, pointer: "/paths/books"},
		{name: "unresolved ref", doc: `{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/a": {"get": {"responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Nope"}}}}}}}}}`, rule: RuleUnresolvedRef, pointer: "/paths/~1a/get/responses/200/content/application~1json/schema/$ref"},
		{name: "ref not a string", doc: `{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/a": {"get": {"responses": {"200": {"$ref": 7}}}}}}`, rule: RuleInvalidRef, pointer: "/paths/~1a/get/responses/200/$ref"},
		{name: "duplicate json key", doc: `{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}, "paths": {}}`, rule: RuleDuplicateKey, pointer: "/paths"},
		{name: "duplicate yaml key", doc: "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\npaths: {}\n", rule: RuleDuplicateKey, pointer: "/paths"},
		{name: "path template without parameter", doc: `{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/a/{id}": {"get": {"responses": {"200": {"description": "ok"}}}}}}`, rule: RulePathParamUndeclared},
		{name: "unreadable keyword", doc: `{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}, "components": {"schemas": {"A": {"type": "array", "maxItems": "lots"}}}}`, rule: RuleInvalidKeywordValue, pointer: "/components/schemas/A/maxItems"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := loadWithin(t, 10*time.Second, []byte(c.doc), Options{})
			if res.Valid {
				t.Fatalf("valid; problems %v", res.Problems)
			}
			p := requireRule(t, res, c.rule)
			if p.Level != LevelError {
				t.Fatalf("%v is not an error", p)
			}
			if c.pointer != "" && p.Pointer != c.pointer {
				t.Fatalf("pointer %q, want %q", p.Pointer, c.pointer)
			}
			if res.Problems[0].Level != LevelError {
				t.Fatalf("errors do not come first: %v", res.Problems)
			}
		})
	}
}

func TestLoadHostileInputFailsFast(t *testing.T) {
	deepJSON := strings.Repeat(`{"a":`, 100_000) + "1" + strings.Repeat("}", 100_000)
	deepYAML := strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000)
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
	cases := []struct {
		name, doc string
		rules     []string
	}{
		{name: "deep json", doc: deepJSON, rules: []string{RuleTooDeep}},
		// yaml.v3 refuses such nesting itself; either way it is an error.
		{name: "deep yaml", doc: deepYAML, rules: []string{RuleTooDeep, RuleInvalidYAML}},
		{name: "alias bomb", doc: bomb.String(), rules: []string{RuleAliasExpansion, RuleInvalidYAML}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := loadWithin(t, 10*time.Second, []byte(c.doc), Options{})
			if res.Valid || len(res.Problems) == 0 {
				t.Fatalf("accepted: %v", res.Problems)
			}
			got := res.Problems[0]
			ok := false
			for _, r := range c.rules {
				ok = ok || got.Rule == r
			}
			if !ok || got.Level != LevelError {
				t.Fatalf("first problem %v, want one of %v", got, c.rules)
			}
			if res.Repaired != nil || res.Doc != nil {
				t.Fatal("a document came out of input that could not be read")
			}
		})
	}
}

func TestLoadYAMLAnchorsThatAreNotBombsExpand(t *testing.T) {
	doc := `openapi: 3.0.3
info: {title: anchors, version: "1"}
paths:
  /a:
    get:
      responses:
        "200": &ok
          description: ok
          content:
            application/json:
              schema: {type: object, properties: {n: {type: integer, maxItems: "3"}}}
  /b:
    get:
      responses:
        "200": *ok
`
	res := Load(context.Background(), []byte(doc), Options{})
	if !res.Valid || res.Operations != 2 {
		t.Fatalf("valid=%v operations=%d problems=%v", res.Valid, res.Operations, res.Problems)
	}
	// The alias is expanded, so each copy is repaired where it is used.
	for _, path := range []string{"~1a", "~1b"} {
		ptr := "/paths/" + path + "/get/responses/200/content/application~1json/schema/properties/n/maxItems"
		if _, ok := findProblem(res.Problems, RuleNumericKeywordAsString, ptr); !ok {
			t.Errorf("no repair at %s: %v", ptr, res.Problems)
		}
	}
}

func TestLoadYAMLAndJSONGiveTheSameDocument(t *testing.T) {
	yamlDoc := `openapi: 3.0.3
info:
  title: Twins
  version: "2"
paths:
  /pets/{petId}:
    get:
      operationId: getPet
      parameters:
        - {name: petId, in: path, required: true, schema: {type: integer, format: int64}}
      responses:
        "200":
          description: a pet
          content:
            application/json:
              schema: {type: object, properties: {name: {type: string}, weight: {type: number, minimum: 0.5}}}
`
	jsonDoc := `{"openapi":"3.0.3","info":{"title":"Twins","version":"2"},"paths":{"/pets/{petId}":{"get":{"operationId":"getPet",
"parameters":[{"name":"petId","in":"path","required":true,"schema":{"type":"integer","format":"int64"}}],
"responses":{"200":{"description":"a pet","content":{"application/json":{"schema":{"type":"object","properties":{"name":{"type":"string"},"weight":{"type":"number","minimum":0.5}}}}}}}}}}}`
	a := Load(context.Background(), []byte(yamlDoc), Options{})
	b := Load(context.Background(), []byte(jsonDoc), Options{})
	if !a.Valid || !b.Valid {
		t.Fatalf("yaml %v json %v", a.Problems, b.Problems)
	}
	if !bytes.Equal(a.Repaired, b.Repaired) {
		t.Fatalf("different documents:\n%s\n%s", a.Repaired, b.Repaired)
	}
}

func TestLoadRecursiveSchemasTerminate(t *testing.T) {
	doc := `{"openapi": "3.0.3", "info": {"title": "cycles", "version": "1"},
"paths": {"/tree": {"get": {"responses": {"200": {"description": "ok", "content": {"application/json": {
  "schema": {"$ref": "#/components/schemas/Node"},
  "example": {"name": "root", "children": [{"name": "leaf", "children": []}]}}}}}}}},
"components": {"schemas": {
  "Node": {"type": "object", "properties": {"name": {"type": "string"}, "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}}},
  "Ping": {"type": "object", "properties": {"pong": {"$ref": "#/components/schemas/Pong"}}, "example": {"pong": {"ping": {}}}},
  "Pong": {"type": "object", "properties": {"ping": {"$ref": "#/components/schemas/Ping"}}}
}}}`
	res := loadWithin(t, 10*time.Second, []byte(doc), Options{})
	if !res.Valid || res.Doc == nil {
		t.Fatalf("valid=%v doc=%v problems=%v", res.Valid, res.Doc != nil, res.Problems)
	}
	// The examples match the recursive schemas, so they are kept.
	if n := rulesOf(res.Problems)[RuleExampleMismatch]; n != 0 {
		t.Fatalf("matching examples reported: %v", res.Problems)
	}
	node := res.Doc.Components.Schemas["Node"].Value
	if node.Properties["children"].Value.Items.Value != node {
		t.Fatal("the self reference is not resolved to the schema itself")
	}
}

func TestLoadNeverFollowsExternalRefsUnlessAllowed(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"components": {"schemas": {"Remote": {"type": "object", "properties": {"id": {"type": "integer"}}}}}}`)
	}))
	defer srv.Close()
	doc := fmt.Sprintf(`{"openapi": "3.0.3", "info": {"title": "ext", "version": "1"},
"paths": {"/r": {"get": {"responses": {"200": {"description": "ok", "content": {"application/json": {
  "schema": {"$ref": "%s/remote.json#/components/schemas/Remote"}}}}}}}}}`, srv.URL)

	res := Load(context.Background(), []byte(doc), Options{})
	if hits.Load() != 0 {
		t.Fatalf("the server was asked %d times", hits.Load())
	}
	if res.Valid {
		t.Fatal("an unfollowed external reference left the document valid")
	}
	requireRule(t, res, RuleExternalRefSkipped)
	if res.Repaired == nil {
		t.Fatal("no repaired document")
	}

	allowed := Load(context.Background(), []byte(doc), Options{ExternalRefs: true})
	if hits.Load() == 0 {
		t.Fatal("the external reference was not followed when allowed")
	}
	if !allowed.Valid || allowed.Doc == nil {
		t.Fatalf("valid=%v problems=%v", allowed.Valid, allowed.Problems)
	}
	schema := allowed.Doc.Paths.Value("/r").Get.Responses.Value("200").Value.Content["application/json"].Schema
	if schema.Value == nil || schema.Value.Properties["id"] == nil {
		t.Fatal("the external schema was not resolved")
	}
}

func TestLoadSwagger2IsConvertedAfterRepairs(t *testing.T) {
	doc := `swagger: "2.0"
info: {title: Legacy, version: "0.9"}
host: api.example.com
basePath: /v1
paths:
  /users/{id}:
    get:
      operationId: getUser
      produces: [application/json]
      parameters:
        - {name: id, in: path, type: integer}
        - {name: tags, in: query, type: array, items: {type: string}, maxItems: "5"}
      responses:
        "200":
          description: a user
          schema: {$ref: "#/definitions/User"}
definitions:
  User:
    type: object
    properties:
      id: {type: integer, required: true}
      active: {type: boolean, default: "true"}
`
	res := Load(context.Background(), []byte(doc), Options{})
	if !res.Valid || res.Doc == nil {
		t.Fatalf("valid=%v problems=%v", res.Valid, res.Problems)
	}
	if res.OpenAPI != "2.0" || res.Title != "Legacy" || res.Operations != 1 {
		t.Fatalf("header %q %q ops=%d", res.OpenAPI, res.Title, res.Operations)
	}
	for _, want := range []struct{ rule, pointer string }{
		{RulePathParamNotRequired, "/paths/~1users~1{id}/get/parameters/0"},
		{RuleNumericKeywordAsString, "/paths/~1users~1{id}/get/parameters/1/maxItems"},
		{RuleBooleanRequired, "/definitions/User/properties/id/required"},
		{RuleDefaultTypeMismatch, "/definitions/User/properties/active/default"},
	} {
		if _, ok := findProblem(res.Problems, want.rule, want.pointer); !ok {
			t.Errorf("missing %s at %s: %v", want.rule, want.pointer, res.Problems)
		}
	}
	if !strings.HasPrefix(res.Doc.OpenAPI, "3.0") {
		t.Fatalf("converted to %q", res.Doc.OpenAPI)
	}
	if res.Doc.Components.Schemas["User"] == nil {
		t.Fatal("definitions not converted to components")
	}
	if len(res.Doc.Servers) == 0 || res.Doc.Servers[0].URL != "https://api.example.com/v1" {
		t.Fatalf("servers %v", res.Doc.Servers)
	}
	var repaired map[string]any
	if err := json.Unmarshal(res.Repaired, &repaired); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(fmt.Sprint(repaired["openapi"]), "3.0") {
		t.Fatalf("repaired is not OpenAPI 3.0: %v", repaired["openapi"])
	}
}

func TestLoadSwagger2ThatCannotBeConvertedHasNoRepairedDocument(t *testing.T) {
	cases := map[string]struct{ doc, rule string }{
		"unresolved ref": {doc: `{"swagger": "2.0", "info": {"title": "t", "version": "1"}, "paths": {"/a": {"get": {"responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/Nope"}}}}}}}`, rule: RuleUnresolvedRef},
		"bad host":       {doc: `{"swagger": "2.0", "info": {"title": "t", "version": "1"}, "host": "example.com/api", "paths": {}}`, rule: RuleSwaggerConversion},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			res := Load(context.Background(), []byte(c.doc), Options{})
			if res.Valid {
				t.Fatal("valid")
			}
			requireRule(t, res, c.rule)
			if res.OpenAPI != "2.0" || res.Repaired != nil || res.Doc != nil {
				t.Fatalf("version %q, repaired %d bytes, doc %v", res.OpenAPI, len(res.Repaired), res.Doc != nil)
			}
		})
	}
}

func TestLoadOpenAPI31(t *testing.T) {
	doc := `openapi: 3.1.0
info: {title: Modern, version: "3"}
paths:
  /items:
    get:
      responses:
        "200":
          description: items
          content:
            application/json:
              schema:
                type: array
                maxItems: "10"
                items: {$ref: "#/components/schemas/Item"}
webhooks:
  itemCreated:
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Item"}
      responses:
        "200": {description: ok}
components:
  schemas:
    Item:
      type: object
      required: [id]
      properties:
        id: {type: integer, exclusiveMinimum: 0}
        note: {type: [string, "null"], examples: ["a note", null, 42]}
        kind: {const: item}
`
	res := Load(context.Background(), []byte(doc), Options{})
	if !res.Valid || res.Doc == nil {
		t.Fatalf("valid=%v problems=%v", res.Valid, res.Problems)
	}
	if res.OpenAPI != "3.1.0" || res.Operations != 1 {
		t.Fatalf("version %q operations %d", res.OpenAPI, res.Operations)
	}
	if _, ok := findProblem(res.Problems, RuleNumericKeywordAsString, "/paths/~1items/get/responses/200/content/application~1json/schema/maxItems"); !ok {
		t.Fatalf("3.1 document not repaired: %v", res.Problems)
	}
	if !res.Doc.IsOpenAPI31OrLater() {
		t.Fatal("model does not know it is 3.1")
	}
	if _, ok := findProblem(res.Problems, RuleExampleMismatch, "/components/schemas/Item/properties/note/examples/2"); !ok {
		t.Fatalf("the mismatching example is not reported: %v", res.Problems)
	}
	var repaired map[string]any
	if err := json.Unmarshal(res.Repaired, &repaired); err != nil {
		t.Fatal(err)
	}
	examples := valueAt(t, repaired, "/components/schemas/Item/properties/note/examples").([]any)
	if len(examples) != 2 || examples[0] != "a note" || examples[1] != nil {
		t.Fatalf("examples kept: %v", examples)
	}
	if err := res.Doc.Validate(context.Background()); err != nil {
		t.Fatalf("repaired 3.1 model fails kin-openapi validation: %v", err)
	}
}

func TestLoadRewritesOpenAPI31KeywordsInA30Document(t *testing.T) {
	doc := `{"openapi": "3.0.3", "info": {"title": "mixed", "version": "1"}, "paths": {},
"components": {"schemas": {"A": {"type": "object", "properties": {
  "name": {"type": ["string", "null"]},
  "id": {"type": ["string", "integer"]},
  "kind": {"type": "string", "const": "a"},
  "age": {"type": "integer", "exclusiveMinimum": 0},
  "note": {"type": "string", "examples": ["hi"], "$comment": "free text"}}}}}}`
	res := Load(context.Background(), []byte(doc), Options{})
	if !res.Valid || res.Doc == nil {
		t.Fatalf("valid=%v problems=%v", res.Valid, res.Problems)
	}
	if n := rulesOf(res.Problems)[RuleKeywordOf31]; n != 6 {
		t.Fatalf("%d rewrites reported, want 6: %v", n, res.Problems)
	}
	props := res.Doc.Components.Schemas["A"].Value.Properties
	if name := props["name"].Value; !name.Type.Is("string") || !name.Nullable {
		t.Errorf("name: type %v nullable %v", name.Type, name.Nullable)
	}
	if id := props["id"].Value; len(id.AnyOf) != 2 || !id.AnyOf[1].Value.Type.Is("integer") {
		t.Errorf("id: anyOf %v", id.AnyOf)
	}
	if kind := props["kind"].Value; len(kind.Enum) != 1 || kind.Enum[0] != "a" {
		t.Errorf("kind: enum %v", kind.Enum)
	}
	if age := props["age"].Value; age.Min == nil || *age.Min != 0 || age.ExclusiveMin.Bool == nil || !*age.ExclusiveMin.Bool {
		t.Errorf("age: min %v exclusive %+v", age.Min, age.ExclusiveMin)
	}
	if err := res.Doc.Validate(context.Background()); err != nil {
		t.Fatalf("the rewritten model fails kin-openapi validation: %v", err)
	}
	// The schema still means what its author wrote.
	age := props["age"].Value
	if age.VisitJSON(0.0) == nil || age.VisitJSON(1.0) != nil {
		t.Error("the exclusive bound changed meaning")
	}
}

func TestLoadUnknownFormatsAreOneWarningEach(t *testing.T) {
	doc := `{"openapi": "3.0.3", "info": {"title": "f", "version": "1"}, "paths": {},
"components": {"schemas": {"A": {"type": "object", "properties": {
  "a": {"type": "string", "format": "timestamptz"},
  "b": {"type": "string", "format": "timestamptz"},
  "c": {"type": "string", "format": "date-time"},
  "d": {"type": "integer", "format": "unix-time"}}}}}}`
	res := Load(context.Background(), []byte(doc), Options{})
	if !res.Valid {
		t.Fatal(res.Problems)
	}
	if n := rulesOf(res.Problems)[RuleUnknownFormat]; n != 2 {
		t.Fatalf("%d unknown-format warnings, want 2 (one per format): %v", n, res.Problems)
	}
	p, ok := findProblem(res.Problems, RuleUnknownFormat, "/components/schemas/A/properties/a/format")
	if !ok || !strings.Contains(p.Message, "2 times") {
		t.Fatalf("tally not reported: %v", res.Problems)
	}
}

func TestLoadCapsTheProblemList(t *testing.T) {
	var props []string
	const n = 1200
	for i := 0; i < n; i++ {
		props = append(props, fmt.Sprintf(`"p%04d": {"type": "array", "items": {"type": "string"}, "maxItems": "%d"}`, i, i))
	}
	doc := `{"openapi": "3.0.3", "info": {"title": "many", "version": "1"}, "paths": {},
"components": {"schemas": {"Big": {"type": "object", "properties": {` + strings.Join(props, ",") + `}}}}}`
	res := Load(context.Background(), []byte(doc), Options{})
	if !res.Valid {
		t.Fatal("warnings made the document invalid")
	}
	if len(res.Problems) != maxProblems {
		t.Fatalf("%d problems, want the cap %d", len(res.Problems), maxProblems)
	}
	last := res.Problems[len(res.Problems)-1]
	if last.Rule != RuleTooManyProblems || !strings.Contains(last.Message, fmt.Sprint(n-maxProblems+1)) {
		t.Fatalf("last problem %v", last)
	}
	// The repairs themselves are not capped.
	if bytes.Contains(res.Repaired, []byte(`"maxItems":"`)) {
		t.Fatal("a repair past the cap was not applied")
	}
}

func TestLoadIsDeterministic(t *testing.T) {
	data := readTestdata(t, "apigroup-mobile-native.openapi.json")
	a := Load(context.Background(), data, Options{})
	b := Load(context.Background(), data, Options{})
	if !bytes.Equal(a.Repaired, b.Repaired) {
		t.Fatal("repaired bytes differ between two loads")
	}
	ja, _ := json.Marshal(a.Summary())
	jb, _ := json.Marshal(b.Summary())
	if !bytes.Equal(ja, jb) {
		t.Fatal("summaries differ between two loads")
	}
	for i := 1; i < len(a.Problems); i++ {
		p, q := a.Problems[i-1], a.Problems[i]
		if p.Level == LevelWarning && q.Level == LevelError {
			t.Fatal("an error after a warning")
		}
		if p.Level == q.Level && p.Pointer > q.Pointer {
			t.Fatalf("not sorted by pointer: %s before %s", p.Pointer, q.Pointer)
		}
	}
}

func TestSummaryRoundTrips(t *testing.T) {
	res := Load(context.Background(), []byte(dirty), Options{})
	data, err := json.Marshal(res.Summary())
	if err != nil {
		t.Fatal(err)
	}
	var back Summary
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if back.Title != "Dirty" || back.OpenAPI != "3.0.3" || back.Operations != 1 || !back.Valid || len(back.Problems) != len(res.Problems) {
		t.Fatalf("summary %+v", back)
	}
	if back.Problems[0] != res.Problems[0] {
		t.Fatalf("problem %v became %v", res.Problems[0], back.Problems[0])
	}
}

func TestProblemString(t *testing.T) {
	p := Problem{Level: LevelWarning, Rule: RuleNumericKeywordAsString, Pointer: "/paths/~1books/get", Message: `"maxItems" was the string "2"; read as 2`}
	want := `warning numeric-keyword-as-string /paths/~1books/get: "maxItems" was the string "2"; read as 2`
	if got := p.String(); got != want {
		t.Fatalf("got %s", got)
	}
}

func TestLoadStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res := Load(ctx, []byte(dirty), Options{})
	if res.Valid {
		t.Fatal("a cancelled validation came out valid")
	}
	requireRule(t, res, RuleInterrupted)
}

// FuzzLoad checks that no input makes Load panic, hang or return nil.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(dirty))
	f.Add([]byte("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n"))
	f.Add([]byte(`{"swagger": "2.0", "info": {"title": "t", "version": "1"}, "paths": {"/a": {"get": {"responses": {"200": {"description": "x", "schema": {"$ref": "#/definitions/A"}}}}}}, "definitions": {"A": {"$ref": "#/definitions/A"}}}`))
	f.Add([]byte(`{"openapi": "3.0.0", "paths": {"/x": {"get": 5}}, "components": {"schemas": {"A": {"allOf": [{"$ref": "#/components/schemas/A"}]}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		res := Load(context.Background(), data, Options{})
		if res == nil {
			t.Fatal("nil result")
		}
		if res.Valid == (res.Errors() > 0) {
			t.Fatalf("valid=%v with %d errors", res.Valid, res.Errors())
		}
		if rulesOf(res.Problems)[RuleInternal] > 0 {
			t.Fatalf("internal fault: %v", res.Problems)
		}
	})
}

// TestLoadIsSafeForConcurrentUse loads documents from several goroutines
// at once, as the nightly run does; the race detector checks the rest.
func TestLoadIsSafeForConcurrentUse(t *testing.T) {
	fixture := readTestdata(t, "apigroup-mobile-native.openapi.json")
	want := Load(context.Background(), fixture, Options{})
	docs := [][]byte{fixture, []byte(dirty), fixture, []byte(dirty)}
	results := make([]*Result, len(docs))
	done := make(chan struct{})
	for i, doc := range docs {
		go func() {
			defer func() { done <- struct{}{} }()
			results[i] = Load(context.Background(), doc, Options{})
		}()
	}
	for range docs {
		<-done
	}
	for i, res := range results {
		if !res.Valid {
			t.Errorf("document %d: %v", i, res.Problems)
		}
	}
	if !bytes.Equal(results[0].Repaired, want.Repaired) || !bytes.Equal(results[2].Repaired, want.Repaired) {
		t.Error("concurrent loads repaired differently")
	}
}
