package diff

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// sharedDoc is an API whose operations all reach one component, Address,
// some directly and some through User; Node is recursive and A and B
// refer to each other.
const sharedDoc = `
openapi: 3.0.3
info: {title: Shared, version: "1"}
paths:
  /users:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: array, items: {$ref: "#/components/schemas/User"}}
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/User"}
      responses:
        "201":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/User"}
  /users/{id}:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/User"}
  /addresses/{id}:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Address"}
  /tree:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Node"}
  /pair:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/A"}
components:
  schemas:
    User:
      type: object
      required: [id]
      properties:
        id: {type: string}
        home: {$ref: "#/components/schemas/Address"}
        work: {$ref: "#/components/schemas/Address"}
        friends: {type: array, items: {$ref: "#/components/schemas/User"}}
    Address:
      type: object
      required: [city]
      properties:
        city: {type: string}
        zip: {type: string}
    Node:
      type: object
      properties:
        label: {type: string}
        parent: {$ref: "#/components/schemas/Node"}
        children: {type: array, items: {$ref: "#/components/schemas/Node"}}
    A:
      type: object
      properties:
        b: {$ref: "#/components/schemas/B"}
        n: {type: integer}
    B:
      type: object
      properties:
        a: {$ref: "#/components/schemas/A"}
        s: {type: string}
`

func mustDiff(t *testing.T, base, revision string) []Finding {
	t.Helper()
	findings, err := Diff(context.Background(), []byte(base), []byte(revision), DiffOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return findings
}

func findingsWith(fs []Finding, id string) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.ID == id {
			out = append(out, f)
		}
	}
	return out
}

func TestDiffIdenticalDocuments(t *testing.T) {
	if fs := mustDiff(t, sharedDoc, sharedDoc); len(fs) != 0 {
		t.Errorf("identical documents gave findings: %+v", fs)
	}
}

// A change inside a shared component is one finding listing every
// operation that reaches it, not one per operation or per path through
// the schema graph (User reaches Address twice, and itself).
func TestDiffSharedComponentIsOneRootCause(t *testing.T) {
	revision := strings.Replace(sharedDoc, "city: {type: string}", "city: {type: integer}", 1)
	fs := mustDiff(t, sharedDoc, revision)
	response := findingsWith(fs, RuleResponsePropertyTypeChanged)
	if len(response) != 1 {
		t.Fatalf("want one response finding for the Address change, got %d: %+v", len(response), fs)
	}
	got := response[0]
	want := []string{"GET /addresses/{id}", "GET /users", "GET /users/{id}", "POST /users"}
	if !slices.Equal(got.Operations, want) {
		t.Errorf("operations = %v, want %v", got.Operations, want)
	}
	if got.Location != "components.schemas.Address.city" {
		t.Errorf("location = %q", got.Location)
	}
	// POST /users also sends a User (with its addresses): the same change
	// is a request change there, reported once more for that direction.
	request := findingsWith(fs, RuleRequestPropertyTypeChanged)
	if len(request) != 1 || request[0].Operation != "POST /users" {
		t.Errorf("want one request finding for POST /users, got %+v", request)
	}
}

// $ref cycles neither hang nor repeat: a change inside a recursive schema
// and a reference retargeted inside a cycle each give one finding.
func TestDiffCycles(t *testing.T) {
	revision := strings.Replace(sharedDoc, "label: {type: string}", "label: {type: integer}", 1)
	// A.b now points at C, a copy of B without s: compared structurally,
	// through the cycle back to A, without looping.
	revision = strings.Replace(revision, `b: {$ref: "#/components/schemas/B"}`, `b: {$ref: "#/components/schemas/C"}`, 1)
	revision += `    C:
      type: object
      properties:
        a: {$ref: "#/components/schemas/A"}
`
	fs := mustDiff(t, sharedDoc, revision)
	if n := len(findingsWith(fs, RuleResponsePropertyTypeChanged)); n != 1 {
		t.Errorf("recursive Node change: %d findings, want 1: %+v", n, fs)
	}
	removed := findingsWith(fs, RuleResponseOptionalPropertyRemoved)
	if len(removed) != 1 || removed[0].Location != "components.schemas.A.b.s" {
		t.Errorf("retargeted reference in a cycle: %+v", removed)
	}
	seen := make(map[string]bool)
	for _, f := range fs {
		key := f.ID + f.Operation + strings.Join(f.Operations, ",") + f.Location
		if seen[key] {
			t.Errorf("finding repeated: %+v", f)
		}
		seen[key] = true
	}
}

// One edit, two directions: a property of a component used in requests
// and responses becoming required breaks senders, not readers.
func TestDiffDirection(t *testing.T) {
	revision := strings.Replace(sharedDoc, "required: [id]", "required: [id, friends]", 1)
	fs := mustDiff(t, sharedDoc, revision)
	request := findingsWith(fs, RuleRequestPropertyBecameRequired)
	if len(request) != 1 || request[0].Level != LevelBreaking || request[0].Operation != "POST /users" {
		t.Errorf("request side: %+v", request)
	}
	response := findingsWith(fs, RuleResponsePropertyBecameRequired)
	if len(response) != 1 || response[0].Level != LevelInfo {
		t.Errorf("response side: %+v", response)
	}
	// And back: optional again breaks readers, not senders.
	fs = mustDiff(t, revision, sharedDoc)
	if got := findingsWith(fs, RuleResponsePropertyBecameOptional); len(got) != 1 || got[0].Level != LevelBreaking {
		t.Errorf("reverse, response side: %+v", got)
	}
	if got := findingsWith(fs, RuleRequestPropertyBecameOptional); len(got) != 1 || got[0].Level != LevelInfo {
		t.Errorf("reverse, request side: %+v", got)
	}
}

// Descriptions, summaries, examples and x- extensions are info at most.
func TestDiffDocumentationIsNeverBreaking(t *testing.T) {
	base := strings.Replace(sharedDoc, "    Address:\n      type: object\n", "    Address:\n      type: object\n      description: Where.\n      x-owner: geo\n      example: {city: Paris}\n", 1)
	revision := strings.Replace(base, "description: Where.", "description: Where someone lives.", 1)
	revision = strings.Replace(revision, "x-owner: geo", "x-owner: maps", 1)
	revision = strings.Replace(revision, "example: {city: Paris}", "example: {city: Lyon}", 1)
	revision = strings.Replace(revision, "title: Shared,", "title: Shared API,", 1)
	fs := mustDiff(t, base, revision)
	ids := make(map[string]bool)
	for _, f := range fs {
		if f.Level != LevelInfo {
			t.Errorf("documentation change graded %s: %+v", f.Level, f)
		}
		ids[f.ID] = true
	}
	for _, id := range []string{RuleDescriptionChanged, RuleExtensionChanged, RuleExampleChanged, RuleSummaryChanged} {
		if !ids[id] {
			t.Errorf("no %s finding in %+v", id, fs)
		}
	}
	if fs := mustDiffOpts(t, base, revision, DiffOptions{SkipDocumentation: true}); len(fs) != 0 {
		t.Errorf("SkipDocumentation still reports %+v", fs)
	}
}

func mustDiffOpts(t *testing.T, base, revision string, opts DiffOptions) []Finding {
	t.Helper()
	findings, err := Diff(context.Background(), []byte(base), []byte(revision), opts)
	if err != nil {
		t.Fatal(err)
	}
	return findings
}

func TestDiffRejectsWhatItCannotRead(t *testing.T) {
	for name, doc := range map[string]string{
		"garbage":     "{ not: [ yaml",
		"swagger 2.0": `{"swagger": "2.0", "info": {"title": "x", "version": "1"}, "paths": {}}`,
	} {
		if _, err := Diff(context.Background(), []byte(doc), []byte(sharedDoc), DiffOptions{}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestDiffStripe diffs two real versions of a large, heavily recursive
// API: findings stay in the hundreds (one per root cause), none repeats.
func TestDiffStripe(t *testing.T) {
	if testing.Short() {
		t.Skip("large documents")
	}
	base, revision := stripeCorpus(t)
	fs, err := Diff(context.Background(), base, revision, DiffOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) < 100 || len(fs) > 2000 {
		t.Errorf("%d findings, want hundreds", len(fs))
	}
	breaking := 0
	seen := make(map[string]bool)
	for i, f := range fs {
		if f.Level == LevelBreaking {
			breaking++
		}
		if i > 0 && fs[i-1].Level.rank() > f.Level.rank() {
			t.Errorf("findings not sorted by level at %d", i)
		}
		key := f.ID + "|" + f.Operation + "|" + f.Location + "|" + f.Message
		if seen[key] {
			t.Errorf("finding repeated: %+v", f)
		}
		seen[key] = true
	}
	if breaking == 0 {
		t.Error("no breaking finding between two Stripe versions a year apart")
	}
	t.Logf("%d findings, %d breaking", len(fs), breaking)
}

// Renaming a path parameter changes nothing a client sends.
func TestDiffPathParameterRenamed(t *testing.T) {
	revision := strings.Replace(sharedDoc, "  /users/{id}:\n    get:\n      parameters: [{name: id,", "  /users/{userId}:\n    get:\n      parameters: [{name: userId,", 1)
	if revision == sharedDoc {
		t.Fatal("the edit did not apply")
	}
	if fs := mustDiff(t, sharedDoc, revision); len(fs) != 0 {
		t.Errorf("renamed path parameter reported: %+v", fs)
	}
}

// The format a document is written in is no change, and no finding's text
// depends on it: a YAML pair and the same pair as JSON give the same
// findings, and requoting YAML's strings gives none.
func TestDiffFormatIsNoChange(t *testing.T) {
	toJSON := func(doc string) string {
		var v any
		if err := yaml.Unmarshal([]byte(doc), &v); err != nil {
			t.Fatal(err)
		}
		data, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	// A request property added, reaching a read-only component: the
	// component's text is in a finding.
	base := strings.Replace(sharedDoc, "            schema: {$ref: \"#/components/schemas/User\"}\n      responses:\n        \"201\"",
		"            schema: {type: object, properties: {user: {$ref: \"#/components/schemas/User\"}}}\n      responses:\n        \"201\"", 1)
	base += "    Stamp: {type: object, readOnly: true, properties: {at: {type: string, format: date-time}}}\n"
	revision := strings.Replace(base, "properties: {user: {$ref: \"#/components/schemas/User\"}}", "properties: {user: {$ref: \"#/components/schemas/User\"}, stamp: {$ref: \"#/components/schemas/Stamp\"}}", 1)
	if base == sharedDoc || revision == base {
		t.Fatal("the edits did not apply")
	}
	for _, whole := range []bool{true, false} {
		diff := func(base, revision string) []Finding {
			t.Helper()
			findings, err := Diff(context.Background(), []byte(base), []byte(revision), DiffOptions{Whole: whole})
			if err != nil {
				t.Fatal(err)
			}
			return findings
		}
		fromYAML := diff(base, revision)
		if !slices.ContainsFunc(fromYAML, func(f Finding) bool { return strings.Contains(f.Message, `"date-time"`) }) {
			t.Fatalf("whole %v: no finding quotes the new property's text: %+v", whole, fromYAML)
		}
		if fromJSON := diff(toJSON(base), toJSON(revision)); !reflect.DeepEqual(fromYAML, fromJSON) {
			t.Errorf("whole %v: YAML and JSON give different findings:\nYAML: %+v\nJSON: %+v", whole, fromYAML, fromJSON)
		}
		if fs := diff(base, toJSON(base)); len(fs) != 0 {
			t.Errorf("whole %v: the same document as YAML and as JSON gave findings: %+v", whole, fs)
		}
		requoted := strings.ReplaceAll(revision, "format: date-time", "format: \"date-time\"")
		if requoted == revision {
			t.Fatal("nothing was requoted")
		}
		if fs := diff(revision, requoted); len(fs) != 0 {
			t.Errorf("whole %v: requoting strings gave findings: %+v", whole, fs)
		}
	}
}
