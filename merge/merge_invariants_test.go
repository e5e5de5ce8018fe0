package merge

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"golang.org/x/sync/errgroup"

	"github.com/specharvest/specharvest/harvest"
	"github.com/specharvest/specharvest/harvest/validate"
	"github.com/specharvest/specharvest/harvest/xanotest"
)

// The invariants every merge keeps, checked on generated fleets and on
// real documents:
//   - as many operations come out as went in;
//   - every $ref of the merged document resolves inside it;
//   - the merged document loads and validates with kin-openapi whenever
//     every input did (example validation off: examples that do not match
//     their schema are the loader's warnings, not the merge's business);
//   - the same inputs in another order give the same bytes;
//   - every operation keeps its effective server URL, path, method and
//     security, a collision prefix aside (which the report lists).
//
// inputsValid says whether the loader found every input valid; only then
// must the merged document be valid.
func checkInvariants(t *testing.T, inputs []Input, inputsValid bool) (*openapi3.T, *Report) {
	t.Helper()
	ctx := context.Background()
	doc, report, err := Merge(inputs, Options{Title: "Fleet"})
	if err != nil {
		t.Fatalf("Merge: %v", err)
	}
	checkStreamMatches(t, inputs, Options{Title: "Fleet"}, doc, report)
	data, err := MarshalDocument(doc)
	if err != nil {
		t.Fatalf("MarshalDocument: %v", err)
	}

	in := 0
	for _, input := range inputs {
		if input.Doc.Paths != nil {
			for _, item := range input.Doc.Paths.Map() {
				in += len(item.Operations())
			}
		}
	}
	out := countOperations(doc)
	if report.OperationsIn != in || report.OperationsOut != out || in != out {
		t.Errorf("operations: %d in, %d out; report says %d in, %d out", in, out, report.OperationsIn, report.OperationsOut)
	}

	var generic any
	if err := json.Unmarshal(data, &generic); err != nil {
		t.Fatalf("merged document is not JSON: %v", err)
	}
	if dangling := danglingRefs(generic); len(dangling) > 0 {
		t.Errorf("%d references do not resolve, first %q", len(dangling), dangling[0])
	}

	// The merged document is read back from its bytes, as a client reads
	// it. kin-openapi's JSON decoding is two orders of magnitude slower
	// under the race detector, so there the model Merge returned is
	// validated instead; the small documents of merge_test.go are still
	// read back under -race.
	reloaded := doc
	if !raceEnabled {
		reloaded, err = openapi3.NewLoader().LoadFromData(data)
		if err != nil {
			t.Fatalf("merged document does not load: %v", err)
		}
	}
	if inputsValid {
		if err := reloaded.Validate(ctx, openapi3.DisableExamplesValidation()); err != nil {
			t.Errorf("merged document is invalid: %v", err)
		}
	}

	shuffled := slices.Clone(inputs)
	rand.New(rand.NewPCG(uint64(len(inputs)), 7)).Shuffle(len(shuffled), func(i, j int) {
		shuffled[i], shuffled[j] = shuffled[j], shuffled[i]
	})
	if len(shuffled) > 1 && slices.EqualFunc(shuffled, inputs, func(a, b Input) bool { return a.Key == b.Key }) {
		shuffled[0], shuffled[1] = shuffled[1], shuffled[0]
	}
	doc2, _, err := Merge(shuffled, Options{Title: "Fleet"})
	if err != nil {
		t.Fatalf("Merge of shuffled inputs: %v", err)
	}
	if raceEnabled {
		// kin-openapi's marshalling crawls under the race detector; the
		// canonical encoding of the two models is compared instead, which
		// covers every field the JSON is written from.
		if canonical(doc) != canonical(doc2) {
			t.Error("shuffling the inputs changes the merged document")
		}
	} else if data2, _ := MarshalDocument(doc2); !bytes.Equal(data, data2) {
		t.Error("shuffling the inputs changes the merged document")
	}

	var before []string
	for _, input := range inputs {
		before = append(before, endpoints(input.Doc, func(*openapi3.Operation, string) (string, string) {
			return input.Key, ""
		})...)
	}
	after := endpoints(reloaded, func(op *openapi3.Operation, path string) (string, string) {
		src, ok := SourceOf(op)
		if !ok {
			t.Fatalf("an operation at %s has no %s", path, SourceExtension)
		}
		prefix := keyPrefix(src.Key)
		if rest, ok := strings.CutPrefix(path, prefix); ok && collided(report, src.Key, rest) {
			return src.Key, prefix
		}
		return src.Key, ""
	})
	sort.Strings(before)
	sort.Strings(after)
	if !slices.Equal(before, after) {
		t.Errorf("operations changed URL, method or security:\n%s", firstDifference(before, after))
	}
	return doc, report
}

func canonical(doc *openapi3.T) string {
	f := &fingerprinter{types: newTypeTable()}
	f.walk(reflect.ValueOf(doc))
	return string(f.buf)
}

func countOperations(doc *openapi3.T) int {
	n := 0
	for _, item := range doc.Paths.Map() {
		n += len(item.Operations())
	}
	return n
}

func collided(r *Report, key, path string) bool {
	for _, c := range r.Collisions {
		if templateShape(c.Path) == templateShape(path) && slices.Contains(c.Keys, key) {
			return true
		}
	}
	return false
}

// endpoints lists "key method URL security" for every operation, the URL
// being the one a client calls (first server, variables at defaults, plus
// the path without the collision prefix strip returns) and the security
// given by the definitions of its schemes, so that renamed schemes compare
// equal to their originals.
func endpoints(doc *openapi3.T, source func(op *openapi3.Operation, path string) (key, strip string)) []string {
	var out []string
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			servers := doc.Servers
			if len(item.Servers) > 0 {
				servers = item.Servers
			}
			if op.Servers != nil && len(*op.Servers) > 0 {
				servers = *op.Servers
			}
			base := ""
			if len(servers) > 0 {
				base = strings.TrimRight(substituteVariables(servers[0].URL, servers[0].Variables), "/")
			}
			security := doc.Security
			if op.Security != nil {
				security = *op.Security
			}
			key, strip := source(op, path)
			out = append(out, fmt.Sprintf("%s %s %s%s %s", key, method, base, strings.TrimPrefix(path, strip), securitySignature(doc, security)))
		}
	}
	return out
}

func securitySignature(doc *openapi3.T, reqs openapi3.SecurityRequirements) string {
	var alternatives []string
	for _, req := range reqs {
		var parts []string
		for name, scopes := range req {
			def := "undefined:" + name
			if doc.Components != nil {
				if s := doc.Components.SecuritySchemes[name]; s != nil && s.Value != nil {
					b, _ := json.Marshal(s.Value)
					def = string(b)
				}
			}
			parts = append(parts, def+strings.Join(scopes, ","))
		}
		sort.Strings(parts)
		alternatives = append(alternatives, "{"+strings.Join(parts, "&")+"}")
	}
	sort.Strings(alternatives)
	return "[" + strings.Join(alternatives, "|") + "]"
}

func firstDifference(a, b []string) string {
	for i := 0; i < max(len(a), len(b)); i++ {
		var x, y string
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			return fmt.Sprintf("before: %s\nafter:  %s", x, y)
		}
	}
	return ""
}

// danglingRefs walks generic JSON and returns every local $ref (and
// discriminator mapping) that does not point at something in root.
func danglingRefs(root any) []string {
	var bad []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"].(string); ok && resolvePointer(root, ref) == nil {
				bad = append(bad, ref)
			}
			if mapping, ok := x["mapping"].(map[string]any); ok {
				for _, target := range mapping {
					if ref, ok := target.(string); ok && strings.HasPrefix(ref, "#") && resolvePointer(root, ref) == nil {
						bad = append(bad, ref)
					}
				}
			}
			for _, child := range x {
				walk(child)
			}
		case []any:
			for _, child := range x {
				walk(child)
			}
		}
	}
	walk(root)
	return bad
}

func resolvePointer(root any, ref string) any {
	pointer, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return nil
	}
	v := root
	for _, tok := range strings.Split(strings.TrimPrefix(pointer, "/"), "/") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[unescapePointer(tok)]
		if v == nil {
			return nil
		}
	}
	return v
}

// loadThroughValidate loads a document as the pipeline does.
func loadThroughValidate(t testing.TB, data []byte, what string) (*openapi3.T, bool) {
	t.Helper()
	res := validate.Load(context.Background(), data, validate.Options{})
	if res.Doc == nil {
		t.Fatalf("%s does not load: %v", what, res.Problems)
	}
	return res.Doc, res.Valid
}

// generatedFleet loads every group of a simulated Xano fleet that loads at
// all, keyed like the crawler keys them, and tells apart those the loader
// found valid (the simulator also serves broken documents on purpose).
func generatedFleet(t testing.TB, opts xanotest.GenOptions) (loadable, valid []Input) {
	t.Helper()
	fleet := xanotest.Generate(opts)
	refs := fleet.Groups()
	results := make([]*validate.Result, len(refs))
	// Loading is most of the cost of a large fleet; spread it over the
	// cores, in order-independent slots.
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, ref := range refs {
		g.Go(func() error {
			origin := "http://" + harvest.Slug(ref.Group.Host) + ".example.test"
			data, err := fleet.Document(ref.Group.ID, origin)
			if err != nil {
				return fmt.Errorf("document of group %d: %w", ref.Group.ID, err)
			}
			results[i] = validate.Load(context.Background(), data, validate.Options{})
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	for i, ref := range refs {
		res := results[i]
		if res.Doc == nil {
			continue
		}
		in := Input{
			Key:       harvest.Key("sim", harvest.Slug(ref.Instance.Name), harvest.Slug(ref.Workspace.Name), fmt.Sprintf("%s-%d", harvest.Slug(ref.Group.Name), ref.Group.ID)),
			Instance:  ref.Instance.Name,
			Workspace: ref.Workspace.Name,
			Group:     ref.Group.Name,
			Doc:       res.Doc,
		}
		loadable = append(loadable, in)
		if res.Valid {
			valid = append(valid, in)
		}
	}
	if len(valid) < 2 || len(loadable) == len(valid) {
		t.Fatalf("generated fleet has %d loadable and %d valid groups; the test wants both kinds", len(loadable), len(valid))
	}
	return loadable, valid
}

func TestInvariantsGeneratedFleets(t *testing.T) {
	t.Parallel()
	seeds := []int64{1, 2, 3}
	if raceEnabled || testing.Short() {
		seeds = seeds[:1]
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			loadable, valid := generatedFleet(t, xanotest.GenOptions{Seed: seed, Instances: 2, Workspaces: 2, Groups: 4, Endpoints: 6})
			t.Run("valid groups", func(t *testing.T) { checkInvariants(t, valid, true) })
			t.Run("every loadable group", func(t *testing.T) { checkInvariants(t, loadable, false) })
			t.Run("groups on their own hosts without base paths", func(t *testing.T) {
				hosted := withoutBasePaths(valid)
				_, report := checkInvariants(t, hosted, true)
				if len(report.Collisions) == 0 {
					t.Error("groups with the same paths and no base paths must collide")
				}
			})
		})
	}
}

// withoutBasePaths moves every input to a host of its own with no base
// path, so that groups generated from the same templates share paths.
func withoutBasePaths(inputs []Input) []Input {
	out := make([]Input, len(inputs))
	for i, in := range inputs {
		doc := *in.Doc
		doc.Servers = openapi3.Servers{{URL: "https://" + harvest.Slug(in.Key) + ".example.test"}}
		in.Doc = &doc
		out[i] = in
	}
	return out
}

func TestInvariantsXanoFixtures(t *testing.T) {
	t.Parallel()
	names := []string{"apigroup-mobile-native.openapi.json", "instance-metadata-api-2025-03.openapi.json"}
	results := make([]*validate.Result, len(names))
	var g errgroup.Group
	for i, name := range names {
		g.Go(func() error {
			data, err := os.ReadFile(filepath.Join("testdata", "merge", name))
			if err != nil {
				return err
			}
			results[i] = validate.Load(context.Background(), data, validate.Options{})
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	var inputs []Input
	for i, name := range names {
		if results[i].Doc == nil || !results[i].Valid {
			t.Fatalf("the loader finds %s invalid after its repairs: %v", name, results[i].Problems)
		}
		inputs = append(inputs, Input{Key: harvest.Slug(name), Doc: results[i].Doc})
	}
	doc, report := checkInvariants(t, inputs, true)
	// Both documents define bearerAuth the same way: one shared scheme.
	if got := orderedKeys(doc.Components.SecuritySchemes); !slices.Equal(got, []string{"bearerAuth"}) {
		t.Errorf("security schemes = %v", got)
	}
	// Their base paths differ, so "/auth/me" of both coexist unprefixed.
	if len(report.Collisions) != 0 {
		t.Errorf("collisions = %+v", report.Collisions)
	}
	for _, p := range []string{"/api:LmTnxskw/auth/me", "/api:meta/auth/me"} {
		if doc.Paths.Value(p) == nil {
			t.Errorf("path %s missing", p)
		}
	}
}

// stripePair finds the two Stripe versions of the shared corpus, beside
// the module; the test skips when they are not there.
func stripePair(t testing.TB) [][]byte {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("module root not found")
		}
		dir = parent
	}
	for d := dir; ; d = filepath.Dir(d) {
		corpus := filepath.Join(d, "shared", "corpus", "stripe")
		a, errA := os.ReadFile(filepath.Join(corpus, "spec3-v90.json"))
		b, errB := os.ReadFile(filepath.Join(corpus, "spec3-v120.json"))
		if errA == nil && errB == nil {
			return [][]byte{a, b}
		}
		if filepath.Dir(d) == d {
			t.Skip("the Stripe corpus (shared/corpus/stripe) is not beside the module")
		}
	}
}

func TestInvariantsStripePair(t *testing.T) {
	if testing.Short() {
		t.Skip("the Stripe pair is large; skipped with -short")
	}
	if raceEnabled {
		t.Skip("the Stripe pair takes minutes under the race detector; the generated fleets cover the same code")
	}
	pair := stripePair(t)
	v90, valid90 := loadThroughValidate(t, pair[0], "spec3-v90.json")
	v120, valid120 := loadThroughValidate(t, pair[1], "spec3-v120.json")
	if !valid90 || !valid120 {
		t.Fatalf("the loader finds the Stripe documents invalid (%v, %v)", valid90, valid120)
	}
	inputs := []Input{{Key: "stripe-v90", Doc: v90}, {Key: "stripe-v120", Doc: v120}}
	_, report := checkInvariants(t, inputs, true)
	if len(report.Collisions) == 0 {
		t.Error("two versions of one API on one host must collide")
	}
}

func TestInvariantsSwaggerAndOpenAPI31(t *testing.T) {
	// Swagger 2.0 reaches the merge converted by the loader, its basePath
	// becomes a server; an OpenAPI 3.1 input makes the result 3.1.
	swagger := []byte(`{"swagger":"2.0","info":{"title":"legacy","version":"1"},"host":"legacy.example.com","basePath":"/v1","schemes":["https"],
"securityDefinitions":{"key":{"type":"apiKey","in":"header","name":"X-Key"}},"security":[{"key":[]}],
"paths":{"/books/{id}":{"get":{"operationId":"getBook","parameters":[{"name":"id","in":"path","required":true,"type":"string"}],
"responses":{"200":{"description":"ok","schema":{"$ref":"#/definitions/Book"}}}}}},
"definitions":{"Book":{"type":"object","properties":{"title":{"type":"string"}}}}}`)
	v31 := []byte(`openapi: 3.1.0
info: {title: new, version: "2"}
servers: [{url: "https://new.example.com/v2"}]
paths:
  /books/{id}:
    get:
      operationId: getBook
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        "200":
          description: ok
          content: {application/json: {schema: {$ref: "#/components/schemas/Book"}}}
components:
  schemas:
    Book: {type: object, properties: {title: {type: [string, "null"]}}}
`)
	legacy, okLegacy := loadThroughValidate(t, swagger, "swagger")
	modern, okModern := loadThroughValidate(t, v31, "3.1")
	if !okLegacy || !okModern {
		t.Fatalf("the loader finds the inputs invalid (swagger %v, 3.1 %v)", okLegacy, okModern)
	}
	doc, report := checkInvariants(t, []Input{{Key: "legacy", Doc: legacy}, {Key: "new", Doc: modern}}, true)
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %s, want 3.1.0", doc.OpenAPI)
	}
	if !hasRename(report, Rename{Kind: "schemas", Key: "new", From: "Book", To: "Book_new"}) && !hasRename(report, Rename{Kind: "schemas", Key: "legacy", From: "Book", To: "Book_legacy"}) {
		t.Errorf("the two different Books are not told apart: %+v", report.Renames)
	}
}
