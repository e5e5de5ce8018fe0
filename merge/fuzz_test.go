package merge

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/specharvest/specharvest/harvest/validate"
)

// fuzzCallLimit bounds one Merge or Diff of small fuzzed documents; they
// take milliseconds, the margin is for a machine busy with fuzz workers.
const fuzzCallLimit = 20 * time.Second

func within[T any](t *testing.T, what string, f func() T) T {
	t.Helper()
	done := make(chan T, 1)
	go func() { done <- f() }()
	select {
	case v := <-done:
		return v
	case <-time.After(fuzzCallLimit):
		t.Fatalf("%s did not return within %v", what, fuzzCallLimit)
		var zero T
		return zero
	}
}

const fuzzSeedDoc = `{"openapi":"3.0.0","info":{"title":"Books","version":"1"},
"servers":[{"url":"https://x1.example/api:books"}],
"components":{"securitySchemes":{"bearerAuth":{"type":"http","scheme":"bearer"}},
 "schemas":{"Book":{"type":"object","properties":{"id":{"type":"integer"},"next":{"$ref":"#/components/schemas/Book"}}}}},
"security":[{"bearerAuth":[]}],
"paths":{"/books/{id}":{"get":{"operationId":"getBook","parameters":[{"name":"id","in":"path","required":true,"schema":{"type":"integer"}}],
 "responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Book"}}}}}}},
 "/auth/login":{"post":{"operationId":"login","responses":{"200":{"description":"ok"}}}}}}`

const fuzzSeedDoc2 = `{"openapi":"3.0.3","info":{"title":"Shop","version":"2"},
"servers":[{"url":"https://x2.example/api:shop"}],
"components":{"schemas":{"Book":{"type":"string"}}},
"paths":{"/books/{id}":{"get":{"operationId":"getBook","parameters":[{"name":"id","in":"path","required":true,"schema":{"type":"string"}}],
 "responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Book"}}}}}},
 "delete":{"responses":{"204":{"description":"gone"}}}},
 "/auth/login":{"post":{"operationId":"login","responses":{"200":{"description":"ok"}}}}}}`

// FuzzMerge merges whatever two documents load, plus the first one a
// second time under another key (every path collides, every component is
// shared or renamed). Merge must not fail, must keep every operation, and
// must not depend on the order of its inputs.
func FuzzMerge(f *testing.F) {
	f.Add([]byte(fuzzSeedDoc), []byte(fuzzSeedDoc2))
	f.Add([]byte(fuzzSeedDoc2), []byte(`{"swagger":"2.0","info":{"title":"s","version":"1"},"basePath":"/api:v2","paths":{"/books/{id}":{"get":{"parameters":[{"name":"id","in":"path","required":true,"type":"string"}],"responses":{"200":{"description":"ok","schema":{"$ref":"#/definitions/Book"}}}}}},"definitions":{"Book":{"type":"object"}}}`))
	f.Add([]byte("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /:\n    get: {responses: {'200': {description: ok}}}\n"), []byte(fuzzSeedDoc))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		var inputs []Input
		for i, data := range [][]byte{a, b, a} {
			res := validate.Load(context.Background(), data, validate.Options{})
			if res.Doc == nil {
				continue
			}
			inputs = append(inputs, Input{Key: fmt.Sprintf("fuzz/-/ws/group-%d", i), Instance: "-", Workspace: "ws", Group: fmt.Sprintf("Group %d", i), Doc: res.Doc})
		}
		if len(inputs) == 0 {
			return
		}
		checkFuzzedMerge(t, inputs)
	})
}

// FuzzMergeShapes builds up to four small, valid documents from the fuzzed
// bytes, drawing paths, methods, servers, security, operationIds and
// component shapes from small pools so that collisions of every kind are
// the rule rather than the exception.
func FuzzMergeShapes(f *testing.F) {
	f.Add([]byte{3, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15})
	f.Add([]byte{1, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7})
	f.Add([]byte("merge every path onto the same one, please"))
	f.Fuzz(func(t *testing.T, data []byte) {
		docs := shapedDocuments(data)
		var inputs []Input
		for i, doc := range docs {
			res := validate.Load(context.Background(), doc, validate.Options{})
			if res.Doc == nil || !res.Valid {
				t.Fatalf("generated document %d does not load: %v\n%s", i, res.Problems, doc)
			}
			inputs = append(inputs, Input{Key: fmt.Sprintf("shapes/inst/ws-%d/g", i%2) + fmt.Sprint(i), Instance: "inst", Workspace: fmt.Sprintf("ws-%d", i%2), Group: fmt.Sprint(i), Doc: res.Doc})
		}
		merged, data2 := checkFuzzedMerge(t, inputs)
		var generic any
		if err := json.Unmarshal(data2, &generic); err != nil {
			t.Fatalf("merged document is not JSON: %v", err)
		}
		if dangling := danglingRefs(generic); len(dangling) > 0 {
			t.Fatalf("references that do not resolve: %q", dangling)
		}
		if err := merged.Validate(context.Background(), openapi3.DisableExamplesValidation()); err != nil {
			t.Fatalf("merged document of valid inputs is invalid: %v\n%s", err, data2)
		}
	})
}

func checkFuzzedMerge(t *testing.T, inputs []Input) (*openapi3.T, []byte) {
	t.Helper()
	type outcome struct {
		doc    *openapi3.T
		report *Report
		err    error
	}
	got := within(t, "Merge", func() outcome {
		doc, report, err := Merge(inputs, Options{Title: "Fuzz"})
		return outcome{doc, report, err}
	})
	if got.err != nil {
		t.Fatalf("Merge: %v", got.err)
	}
	checkStreamMatches(t, inputs, Options{Title: "Fuzz"}, got.doc, got.report)
	in := 0
	for _, input := range inputs {
		if input.Doc.Paths != nil {
			in += countOperations(input.Doc)
		}
	}
	out := countOperations(got.doc)
	if got.report.OperationsIn != in || got.report.OperationsOut != out || in != out {
		t.Fatalf("operations: %d in, %d out; the report says %d in, %d out", in, out, got.report.OperationsIn, got.report.OperationsOut)
	}
	data, err := MarshalDocument(got.doc)
	if err != nil {
		t.Fatalf("MarshalDocument: %v", err)
	}
	reversed := make([]Input, len(inputs))
	for i, input := range inputs {
		reversed[len(inputs)-1-i] = input
	}
	doc2, _, err := Merge(reversed, Options{Title: "Fuzz"})
	if err != nil {
		t.Fatalf("Merge of the reversed inputs: %v", err)
	}
	if data2, _ := MarshalDocument(doc2); !bytes.Equal(data, data2) {
		t.Fatal("the order of the inputs changes the merged document")
	}
	return got.doc, data
}

// shapedDocuments turns bytes into small OpenAPI 3.0 documents. Every
// choice reads the next byte (zero once they run out), so the fuzzer
// steers the shapes.
func shapedDocuments(data []byte) [][]byte {
	next := func() int {
		if len(data) == 0 {
			return 0
		}
		b := data[0]
		data = data[1:]
		return int(b)
	}
	pick := func(pool []string) string { return pool[next()%len(pool)] }
	servers := []string{"https://x1.example/api:one", "https://x2.example/api:one", "/api:two", "", "https://x1.example"}
	paths := []string{"/users", "/users/{id}", "/auth/login", "/", "/users/{userId}", "/files/{id}/raw"}
	methods := []string{"get", "post", "put", "delete", "patch"}
	operationIDs := []string{"", "login", "getUser", "user/{id}|GET"}
	schemaNames := []string{"User", "Error", "user"}
	shapes := []map[string]any{
		{"type": "object", "properties": map[string]any{"id": map[string]any{"type": "integer"}}},
		{"type": "object", "properties": map[string]any{"id": map[string]any{"type": "string"}}},
		{"type": "string", "enum": []any{"a", "b"}},
		{"type": "array", "items": map[string]any{"$ref": "#/components/schemas/Error"}},
	}
	count := 1 + next()%4
	var docs [][]byte
	for d := 0; d < count; d++ {
		doc := map[string]any{"openapi": "3.0.0", "info": map[string]any{"title": fmt.Sprintf("Doc %d", d), "version": "1"}}
		if s := pick(servers); s != "" {
			doc["servers"] = []any{map[string]any{"url": s}}
		}
		schemas := map[string]any{"Error": map[string]any{"type": "object", "properties": map[string]any{"message": map[string]any{"type": "string"}}}}
		security := next() % 3
		components := map[string]any{"schemas": schemas}
		switch security {
		case 1:
			components["securitySchemes"] = map[string]any{"bearerAuth": map[string]any{"type": "http", "scheme": "bearer"}}
			doc["security"] = []any{map[string]any{"bearerAuth": []any{}}}
		case 2:
			components["securitySchemes"] = map[string]any{"bearerAuth": map[string]any{"type": "apiKey", "in": "header", "name": "X-Key"}}
			doc["security"] = []any{map[string]any{"bearerAuth": []any{}}}
		}
		doc["components"] = components
		pathItems := map[string]any{}
		ops := 1 + next()%4
		templates := map[string]string{} // "/users/{}" → the path that took it
		for o := 0; o < ops; o++ {
			p := pick(paths)
			// "/users/{id}" and "/users/{userId}" are one path to
			// OpenAPI: a document may hold only one of them (across
			// documents they are a collision the merge must resolve).
			template := regexp.MustCompile(`\{[^}]*\}`).ReplaceAllString(p, "{}")
			if taken, ok := templates[template]; ok {
				p = taken
			}
			templates[template] = p
			item, _ := pathItems[p].(map[string]any)
			if item == nil {
				item = map[string]any{}
				pathItems[p] = item
			}
			name := pick(schemaNames)
			if name != "Error" {
				schemas[name] = shapes[next()%len(shapes)]
			}
			op := map[string]any{"responses": map[string]any{"200": map[string]any{"description": "ok",
				"content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/" + name}}}}}}
			if id := pick(operationIDs); id != "" {
				op["operationId"] = id
			}
			var params []any
			for _, seg := range []string{"{id}", "{userId}"} {
				if bytes.Contains([]byte(p), []byte(seg)) {
					params = append(params, map[string]any{"name": seg[1 : len(seg)-1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
				}
			}
			if params != nil {
				op["parameters"] = params
			}
			item[pick(methods)] = op
		}
		doc["paths"] = pathItems
		// Duplicate operationIds within one document are the input's
		// own problem (and make it invalid); keep each document clean.
		seen := map[string]bool{}
		for _, item := range pathItems {
			for _, op := range item.(map[string]any) {
				m := op.(map[string]any)
				if id, ok := m["operationId"].(string); ok {
					if seen[id] {
						delete(m, "operationId")
					}
					seen[id] = true
				}
			}
		}
		out, err := json.Marshal(doc)
		if err != nil {
			panic(err)
		}
		docs = append(docs, out)
	}
	return docs
}
