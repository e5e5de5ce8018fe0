package merge

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/specharvest/specharvest/harvest/validate"
)

// sameAsMarshal fails unless marshalModel writes what json.Marshal
// writes for v, or fails as it does.
func sameAsMarshal(t *testing.T, name string, v any) {
	t.Helper()
	want, wantErr := json.Marshal(v)
	got, gotErr := marshalModel(v)
	switch {
	case (wantErr == nil) != (gotErr == nil):
		t.Fatalf("%s: json.Marshal says %v, marshalModel says %v", name, wantErr, gotErr)
	case wantErr != nil:
		if wantErr.Error() != gotErr.Error() {
			t.Fatalf("%s: errors differ: %v / %v", name, wantErr, gotErr)
		}
	case !bytes.Equal(got, want):
		t.Fatalf("%s: output differs\n json.Marshal: %.300s\n marshalModel: %.300s", name, want, got)
	}
}

// sameAsMarshalEverywhere checks the whole document and each of the
// parts the merge marshals: path items, components and webhooks.
func sameAsMarshalEverywhere(t *testing.T, name string, doc *openapi3.T) {
	t.Helper()
	sameAsMarshal(t, name, doc)
	if doc.Paths != nil {
		for path, item := range doc.Paths.Map() {
			sameAsMarshal(t, name+" "+path, item)
		}
	}
	for hook, item := range doc.Webhooks {
		sameAsMarshal(t, name+" webhook "+hook, item)
	}
	if c := doc.Components; c != nil {
		for n, v := range c.Schemas {
			sameAsMarshal(t, name+" schema "+n, v)
		}
		for n, v := range c.Parameters {
			sameAsMarshal(t, name+" parameter "+n, v)
		}
		for n, v := range c.Responses {
			sameAsMarshal(t, name+" response "+n, v)
		}
		for n, v := range c.RequestBodies {
			sameAsMarshal(t, name+" body "+n, v)
		}
		for n, v := range c.Headers {
			sameAsMarshal(t, name+" header "+n, v)
		}
		for n, v := range c.SecuritySchemes {
			sameAsMarshal(t, name+" scheme "+n, v)
		}
	}
}

func TestMarshalModelIsMarshal(t *testing.T) {
	var files []string
	for _, glob := range []string{"testdata/merge/*.openapi.json", "diff/testdata/diff/*/*.yaml", "diff/testdata/diff/*/*.json"} {
		matches, err := filepath.Glob(glob)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, matches...)
	}
	if len(files) < 50 {
		t.Fatalf("only %d documents found", len(files))
	}
	loaded := 0
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := openapi3.NewLoader().LoadFromData(data)
		if err != nil {
			continue
		}
		loaded++
		sameAsMarshalEverywhere(t, path, doc)
	}
	if loaded < len(files)/2 {
		t.Fatalf("only %d of %d documents loaded", loaded, len(files))
	}
	if testing.Short() {
		return
	}
	for i, data := range stripePair(t) {
		doc := &openapi3.T{}
		if err := json.Unmarshal(data, doc); err != nil {
			t.Fatal(err)
		}
		sameAsMarshalEverywhere(t, []string{"stripe-v90", "stripe-v120"}[i], doc)
	}
}

// FuzzMarshalModel holds the law on every model json.Unmarshal builds
// from the fuzzed bytes.
func FuzzMarshalModel(f *testing.F) {
	for _, seed := range []string{
		`{"openapi":"3.1.0","info":{"title":"<t>&","version":"1","x-i":{"b":[1,2.50,1e300,"\u003c"]}},"paths":{"/a":{"get":{"parameters":[{"name":"p","in":"header","schema":{"type":["string","null"],"exclusiveMinimum":3}}],"responses":{"200":{"description":"ok","headers":{"H":{"schema":{"$ref":"#/components/schemas/A"}}},"content":{"a/b":{"schema":{"additionalProperties":{"type":"integer"},"unevaluatedItems":false,"items":true}}}}},"callbacks":{"c":{"{$url}":{"post":{"responses":{"default":{"$ref":"#/r"}}}}}}}}},"webhooks":{"w":{"put":{"security":[{"k":[]}]}}},"components":{"schemas":{"A":{"enum":["\u2028",null,1.0],"x-z":{"\u00e9":1}}},"securitySchemes":{"k":{"type":"oauth2","flows":{"implicit":{"authorizationUrl":"u","scopes":{"s":"d"}}}}}}}`,
		`{"openapi":"3.0.0","paths":{"/x":{"$ref":"#/y","summary":"s","servers":[{"url":"{u}","variables":{"u":{"default":"d","enum":["d"]}}}]}},"tags":[{"name":"t","externalDocs":{"url":"e"}}]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc := &openapi3.T{}
		if json.Unmarshal(data, doc) != nil {
			return
		}
		sameAsMarshalEverywhere(t, "input", doc)
	})
}

func BenchmarkMarshalModel(b *testing.B) {
	for _, path := range []string{"testdata/merge/instance-metadata-api-2025-03.openapi.json", "stripe"} {
		var data []byte
		var err error
		if path == "stripe" {
			data = stripePair(b)[1]
		} else if data, err = os.ReadFile(path); err != nil {
			b.Fatal(err)
		}
		// The merge's inputs are repaired documents; a Xano document
		// needs its repairs (a boolean "required") before kin-openapi
		// reads it.
		res := validate.Load(context.Background(), data, validate.Options{ModelOnly: true})
		if res.Doc == nil {
			b.Fatalf("%s: no model: %v", path, res.Problems)
		}
		b.Run(filepath.Base(path), func(b *testing.B) { benchmarkMarshal(b, res.Doc) })
	}
}

func benchmarkMarshal(b *testing.B, doc *openapi3.T) {
	b.Run("json.Marshal", func(b *testing.B) {
		for b.Loop() {
			if _, err := json.Marshal(doc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("marshalModel", func(b *testing.B) {
		for b.Loop() {
			if _, err := marshalModel(doc); err != nil {
				b.Fatal(err)
			}
		}
	})
}
