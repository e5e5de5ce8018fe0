package diff

import (
	"context"
	"testing"
	"time"

	"github.com/specharvest/specharvest/harvest/validate"
)

// fuzzCallLimit bounds one Diff of small fuzzed documents; they take
// milliseconds, the margin is for a machine busy with fuzz workers.
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

// FuzzDiff compares whatever two documents it is given. Diff must return
// (findings or an error) in bounded time without a panic, and a document
// compared with itself must show no change at all, or every night would
// report changes nobody made.
func FuzzDiff(f *testing.F) {
	f.Add([]byte(fuzzSeedDoc), []byte(fuzzSeedDoc2))
	f.Add([]byte(fuzzSeedDoc2), []byte(fuzzSeedDoc))
	f.Add([]byte("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get: {responses: {'200': {description: ok}}}\n"),
		[]byte("openapi: 3.1.0\ninfo: {title: t, version: '2'}\npaths:\n  /a:\n    post: {responses: {'201': {description: ok}}}\n"))
	f.Add([]byte(`{"openapi":"3.0.0","info":{"title":"c","version":"1"},"paths":{},"components":{"schemas":{"A":{"properties":{"a":{"$ref":"#/components/schemas/A"}}}}}}`), []byte(`{}`))
	f.Fuzz(func(t *testing.T, base, revision []byte) {
		type outcome struct {
			findings []Finding
			err      error
		}
		diff := func(a, b []byte) outcome {
			return within(t, "Diff", func() outcome {
				findings, err := Diff(context.Background(), a, b, DiffOptions{})
				return outcome{findings, err}
			})
		}
		for _, o := range []outcome{diff(base, revision), diff(revision, base)} {
			for _, finding := range o.findings {
				if finding.ID == "" || (finding.Level != LevelBreaking && finding.Level != LevelWarning && finding.Level != LevelInfo) {
					t.Fatalf("finding without a rule or level: %+v", finding)
				}
			}
		}
		for _, doc := range [][]byte{base, revision} {
			if self := diff(doc, doc); self.err == nil && len(self.findings) > 0 {
				t.Fatalf("a document compared with itself has %d findings, first %+v\n%s", len(self.findings), self.findings[0], doc)
			}
			// The pipeline compares the loader's repaired bytes; those
			// must be stable under comparison with themselves too.
			if res := validate.Load(context.Background(), doc, validate.Options{}); res.Repaired != nil {
				if self := diff(res.Repaired, res.Repaired); self.err == nil && len(self.findings) > 0 {
					t.Fatalf("a repaired document compared with itself has %d findings, first %+v", len(self.findings), self.findings[0])
				}
			}
		}
	})
}
