package validate

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"
)

// fuzzLoadLimit is how long one small fuzzed document may take. Load of a
// few kilobytes takes milliseconds; the margin covers a loaded machine
// running several fuzz workers.
const fuzzLoadLimit = 20 * time.Second

// FuzzLoadRepeatable feeds Load whatever bytes a server might answer, and
// asks more of it than FuzzLoad: besides a Result without an internal
// fault, an answer within a time bound, problems in their documented order
// and shape, a model only together with its repaired bytes, and the same
// answer twice (snapshots are compared night after night).
func FuzzLoadRepeatable(f *testing.F) {
	for _, seed := range []string{
		`{"openapi":"3.0.0","info":{"title":"t","version":"1"},"paths":{"/a/{id}":{"get":{"parameters":[{"name":"id","in":"path","schema":{"type":"integer","minimum":"1"}}],"responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"$ref":"#/components/schemas/A"}}}}}}}},"components":{"schemas":{"A":{"type":"object","properties":{"b":{"$ref":"#/components/schemas/A"},"n":{"type":"array","maxItems":"2","items":{"type":"string"}},"r":{"type":"string","required":true,"default":"x"}}}}}}`,
		`{"openapi":"3.1.0","info":{"title":"t","version":"1"},"paths":{},"webhooks":{"w":{"post":{"responses":{"200":{"description":"ok"}}}}},"components":{"schemas":{"A":{"type":["string","null"]}}}}`,
		`{"swagger":"2.0","info":{"title":"t","version":"1"},"basePath":"/v1","paths":{"/p":{"post":{"parameters":[{"in":"body","name":"b","schema":{"$ref":"#/definitions/D"}}],"responses":{"200":{"description":"ok"}}}}},"definitions":{"D":{"type":"object"}}}`,
		"openapi: 3.0.3\ninfo: {title: y, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        '200': &ok {description: ok}\n  /b:\n    get:\n      responses:\n        '200': *ok\n",
		"a: &a [x, x, x, x]\nb: &b [*a, *a, *a, *a]\nc: &c [*b, *b, *b, *b]\nd: [*c, *c, *c, *c]\n",
		`{"openapi":"3.0.0","openapi":"3.1.0","info":{"title":"dup","version":"1"},"paths":{}}`,
		"{\"openapi\":\"3.0.0\",\"info\":{\"title\":\"\xff\xfe\",\"version\":\"1\"},\"paths\":{}}",
		`{"openapi":"3.0.0","info":{"title":"c","version":"1"},"paths":{},"components":{"schemas":{"A":{"$ref":"#/components/schemas/B"},"B":{"$ref":"#/components/schemas/A"}}}}`,
		`{"openapi":"3.0.0","info":{"title":"e","version":"1"},"paths":{"/x":{"$ref":"other.json#/paths/x"}}}`,
		`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`,
		"<!DOCTYPE html><html><body>Swagger UI</body></html>",
		"",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		res := loadBounded(t, data)
		checkResult(t, data, res)
		again := loadBounded(t, data)
		if !bytes.Equal(res.Repaired, again.Repaired) || !slices.Equal(res.Problems, again.Problems) || res.Valid != again.Valid {
			t.Fatalf("two loads of %q differ:\n%v\n%v", data, res.Problems, again.Problems)
		}
	})
}

func loadBounded(t *testing.T, data []byte) *Result {
	t.Helper()
	done := make(chan *Result, 1)
	go func() { done <- Load(context.Background(), data, Options{}) }()
	select {
	case res := <-done:
		if res == nil {
			t.Fatalf("Load(%q) returned nil", data)
		}
		return res
	case <-time.After(fuzzLoadLimit):
		t.Fatalf("Load(%q) did not return within %v", data, fuzzLoadLimit)
		return nil
	}
}

// checkResult checks what every Result promises, whatever the input.
func checkResult(t *testing.T, data []byte, res *Result) {
	t.Helper()
	errs := 0
	for i, p := range res.Problems {
		if p.Rule == RuleInternal {
			t.Fatalf("Load(%q) hit an internal fault: %v", data, p)
		}
		if p.Level != LevelError && p.Level != LevelWarning {
			t.Fatalf("Load(%q): problem %v has level %q", data, p, p.Level)
		}
		if p.Level == LevelError {
			errs++
			if i > 0 && res.Problems[i-1].Level != LevelError {
				t.Fatalf("Load(%q): error %v comes after a warning", data, p)
			}
		}
		if p.Pointer != "" && p.Pointer[0] != '/' {
			t.Fatalf("Load(%q): problem %v has a pointer that is not a JSON pointer", data, p)
		}
	}
	if res.Valid != (errs == 0) {
		t.Fatalf("Load(%q): Valid=%v with %d errors: %v", data, res.Valid, errs, res.Problems)
	}
	if len(res.Problems) > 1001 {
		t.Fatalf("Load(%q): %d problems, past the cap", data, len(res.Problems))
	}
	if res.Doc != nil && res.Repaired == nil {
		t.Fatalf("Load(%q): a model without the repaired bytes it is a model of", data)
	}
	if res.Valid && res.Doc == nil {
		t.Fatalf("Load(%q): valid, but no model", data)
	}
	if res.Operations < 0 {
		t.Fatalf("Load(%q): %d operations", data, res.Operations)
	}
}
