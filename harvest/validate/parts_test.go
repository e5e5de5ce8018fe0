package validate

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// wideDocument is a document of n paths with what makes parts hard: pairs
// of paths that conflict ("/t{i}/{a}" and "/t{i}/{b}"), unknown fields
// and examples that do not match, which the checks leave out of the tree,
// in paths and in a component every path refers to, and an operationId
// used twice, far apart.
func wideDocument(n int) []byte {
	var paths []string
	for i := range n {
		switch {
		case i%500 == 7:
			paths = append(paths, fmt.Sprintf(`"/t%d/{a}": {"get": {"parameters": [{"name": "a", "in": "path", "required": true, "schema": {"type": "string"}}], "responses": {"200": {"description": "ok"}}}},
"/t%d/{b}": {"put": {"parameters": [{"name": "b", "in": "path", "required": true, "schema": {"type": "string"}}], "responses": {"200": {"description": "ok"}}}}`, i, i))
		case i%700 == 3:
			paths = append(paths, fmt.Sprintf(`"/odd%d": {"stray": 1, "get": {"operationId": "twice", "parameters": [{"name": "q", "in": "query", "schema": {"type": "integer"}, "example": "not a number"}], "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Record"}}}}}}}`, i))
		default:
			paths = append(paths, fmt.Sprintf(`"/table%d/record/{id}": {"get": {"summary": "Get %d", "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}], "responses": {"200": {"description": "the record", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Record"}}}}}}}`, i, i))
		}
	}
	return []byte(`{"openapi": "3.0.3", "info": {"title": "wide", "version": "1"}, "servers": [{"url": "https://example.com/api"}],
"components": {"schemas": {"Record": {"type": "object", "properties": {"id": {"type": "integer", "example": "one"}}}}},
"paths": {` + strings.Join(paths, ",\n") + `}}`)
}

// TestLoadPartsIsLoadInParts is the law of LoadParts: the result is
// Load's (verdict, problems, repaired document), and the parts are Load's
// model cut by paths: every path in exactly one part, as Load's model has
// it, no part far over PartPaths paths, paths that conflict in the same part,
// and everything but the paths in every part.
func TestLoadPartsIsLoadInParts(t *testing.T) {
	ctx := context.Background()
	docs := map[string][]byte{
		"small":  readTestdata(t, "instance-metadata-api-2025-03.openapi.json"),
		"wide":   wideDocument(2*PartPaths + 500),
		"mobile": readTestdata(t, "apigroup-mobile-native.openapi.json"),
	}
	for name, data := range docs {
		t.Run(name, func(t *testing.T) {
			want := Load(ctx, data, Options{})
			if want.Doc == nil || !want.Modeled {
				t.Fatalf("Load built no model: %v", want.Problems)
			}
			var parts []*openapi3.T
			got, err := LoadParts(ctx, data, Options{}, func(part *openapi3.T) error {
				parts = append(parts, part)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if got.Doc != nil || !got.Modeled {
				t.Fatalf("LoadParts: Doc %v, Modeled %v; want no Doc, modeled", got.Doc != nil, got.Modeled)
			}
			if got.OpenAPI != want.OpenAPI || got.Title != want.Title || got.Operations != want.Operations || got.Valid != want.Valid {
				t.Fatalf("LoadParts summary %+v, Load's %+v", got.Summary(), want.Summary())
			}
			if !reflect.DeepEqual(got.Problems, want.Problems) {
				t.Fatalf("LoadParts problems differ:\n got %v\nwant %v", got.Problems, want.Problems)
			}
			if !bytes.Equal(got.Repaired, want.Repaired) {
				t.Fatal("LoadParts repaired the document differently from Load")
			}
			whole := want.Doc.Paths.Map()
			if len(whole) > PartPaths && len(parts) < 2 {
				t.Fatalf("%d paths came in %d part", len(whole), len(parts))
			}
			partOf := map[string]int{}
			wantRest := marshalWithout(t, want.Doc)
			for i, part := range parts {
				if part.Paths.Len() > PartPaths*3/2 {
					t.Errorf("part %d has %d paths, far over %d", i, part.Paths.Len(), PartPaths)
				}
				if rest := marshalWithout(t, part); rest != wantRest {
					t.Errorf("part %d differs from the document outside its paths", i)
				}
				for template, item := range part.Paths.Map() {
					if j, twice := partOf[template]; twice {
						t.Fatalf("path %q in parts %d and %d", template, j, i)
					}
					partOf[template] = i
					if w, ok := whole[template]; !ok || marshalJSON(t, w) != marshalJSON(t, item) {
						t.Fatalf("path %q of part %d is not Load's", template, i)
					}
				}
			}
			if len(partOf) != len(whole) {
				t.Fatalf("the parts have %d paths, the document %d", len(partOf), len(whole))
			}
			for template := range whole {
				if strings.HasSuffix(template, "/{a}") {
					other := strings.TrimSuffix(template, "{a}") + "{b}"
					if partOf[template] != partOf[other] {
						t.Fatalf("conflicting paths %q and %q in different parts", template, other)
					}
				}
			}
		})
	}
}

// TestLoadPartsStopsAtAnError: an error of each stops the parts and is
// returned, and the document is not said to be modeled.
func TestLoadPartsStopsAtAnError(t *testing.T) {
	calls := 0
	stop := fmt.Errorf("enough")
	res, err := LoadParts(context.Background(), wideDocument(3*PartPaths), Options{}, func(*openapi3.T) error {
		calls++
		return stop
	})
	if err != stop || calls != 1 || res.Modeled {
		t.Fatalf("err %v after %d calls, modeled %v; want the error after one call, not modeled", err, calls, res.Modeled)
	}
}

func marshalJSON(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func marshalWithout(t *testing.T, doc *openapi3.T) string {
	t.Helper()
	rest := *doc
	rest.Paths = nil
	return marshalJSON(t, &rest)
}
