package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/specharvest/specharvest/merge/diff"
)

// sampleChanges is a fleet diff with every kind of group and a finding
// of each level, one of them shared by many operations.
func sampleChanges() *diff.Changes {
	var many []string
	for i := range 8 {
		many = append(many, fmt.Sprintf("GET /v1/items/%d", i))
	}
	c := &diff.Changes{
		Base:     "20261126T020000Z",
		Revision: "20261127T020000Z",
		Groups: []diff.GroupChanges{
			{Key: "prod/a/added", Change: diff.GroupAdded, Changes: []diff.Finding{}},
			{Key: "prod/a/broken", Change: diff.GroupChanged, Error: "revision: blob is not a readable OpenAPI document", Changes: []diff.Finding{}},
			{Key: "prod/a/changed", Change: diff.GroupChanged, Changes: []diff.Finding{
				{ID: diff.RuleResponsePropertyTypeChanged, Level: diff.LevelBreaking, Operations: many, Location: "components.schemas.Item.id", Message: `response property "id" changed type from integer to string`},
				{ID: diff.RuleResponsePropertyEnumValueAdded, Level: diff.LevelWarning, Operation: "GET /v1/items", Location: "response.200.application/json.status", Message: `response property "status" may return new values "a|b"`},
				{ID: diff.RuleDescriptionChanged, Level: diff.LevelInfo, Operation: "GET /v1/items", Message: "description changed"},
			}},
			{Key: "prod/a/removed", Change: diff.GroupRemoved, Changes: []diff.Finding{}},
			{Key: "prod/a/stale", Change: diff.GroupStale, Changes: []diff.Finding{}},
		},
		Summary: diff.ChangeSummary{GroupsAdded: 1, GroupsRemoved: 1, GroupsChanged: 2, GroupsStale: 1, Breaking: 1, NonBreaking: 2},
	}
	return c
}

func TestWriteChangesJSONShape(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteChangesJSON(&buf, sampleChanges()); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Base, Revision string
		Summary        map[string]int
		Groups         []struct {
			Key, Change, Error string
			Changes            []map[string]any
		}
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"groups_added", "groups_removed", "groups_changed", "groups_stale", "breaking", "non_breaking"} {
		if _, ok := doc.Summary[k]; !ok {
			t.Errorf("summary lacks %s", k)
		}
	}
	if doc.Base == "" || doc.Revision == "" || len(doc.Groups) != 5 {
		t.Fatalf("bad document: %s", buf.String())
	}
	changed := doc.Groups[2]
	if changed.Key != "prod/a/changed" || len(changed.Changes) != 3 {
		t.Fatalf("changed group: %+v", changed)
	}
	first := changed.Changes[0]
	for _, k := range []string{"id", "level", "location", "message", "operations"} {
		if _, ok := first[k]; !ok {
			t.Errorf("finding lacks %q: %v", k, first)
		}
	}
	if _, ok := changed.Changes[1]["operation"]; !ok {
		t.Errorf("single-operation finding lacks operation: %v", changed.Changes[1])
	}
	if doc.Groups[1].Error == "" {
		t.Error("the group that could not be compared lost its error")
	}
	if !strings.Contains(buf.String(), `"changes": []`) {
		t.Error("groups without findings should carry an empty list, not null")
	}
}

func TestWriteChangesTextPutsBreakingFirst(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteChangesText(&buf, sampleChanges()); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	order := []string{"1 breaking change, 1 warning, 1 other change", "Groups removed:", "Groups not compared:", "Breaking changes (1)", "Warnings (1)", "Other changes (1)"}
	last := -1
	for _, s := range order {
		i := strings.Index(out, s)
		if i < 0 {
			t.Fatalf("text report lacks %q:\n%s", s, out)
		}
		if i < last {
			t.Errorf("%q comes too early:\n%s", s, out)
		}
		last = i
	}
	if !strings.Contains(out, "and 5 more") {
		t.Errorf("long operation list not shortened:\n%s", out)
	}
}

func TestWriteChangesMarkdown(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteChangesMarkdown(&buf, sampleChanges()); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	breaking, warnings, other := strings.Index(out, "## Breaking changes (1)"), strings.Index(out, "## Warnings (1)"), strings.Index(out, "## Other changes (1)")
	if breaking < 0 || warnings < breaking || other < warnings {
		t.Errorf("sections missing or out of order:\n%s", out)
	}
	if !strings.Contains(out, "<details><summary>8 operations</summary>") {
		t.Errorf("long operation list not folded:\n%s", out)
	}
	if !strings.Contains(out, `"a\|b"`) {
		t.Errorf("a pipe in a message is not escaped:\n%s", out)
	}
	if !strings.Contains(out, "- `prod/a/removed`") || !strings.Contains(out, "## Groups stale") {
		t.Errorf("group lists missing:\n%s", out)
	}
}

func TestWriteChangesNothingChanged(t *testing.T) {
	c := &diff.Changes{Base: "a", Revision: "b", Groups: []diff.GroupChanges{}}
	for name, write := range map[string]func(*bytes.Buffer) error{
		"text":     func(b *bytes.Buffer) error { return WriteChangesText(b, c) },
		"markdown": func(b *bytes.Buffer) error { return WriteChangesMarkdown(b, c) },
	} {
		var buf bytes.Buffer
		if err := write(&buf); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), "No changes.") {
			t.Errorf("%s: empty diff not said plainly:\n%s", name, buf.String())
		}
	}
}

func TestWriteRuleTable(t *testing.T) {
	rules := diff.Rules()
	for _, format := range []string{"text", "markdown"} {
		var buf bytes.Buffer
		if err := WriteRuleTable(&buf, rules, format); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
		wantLines := len(rules)
		if format == "markdown" {
			wantLines += 2
		}
		if len(lines) != wantLines {
			t.Errorf("%s: %d lines for %d rules", format, len(lines), len(rules))
		}
		for _, r := range rules {
			if !strings.Contains(buf.String(), r.ID) {
				t.Errorf("%s table lacks %s", format, r.ID)
			}
		}
	}
	if err := WriteRuleTable(&bytes.Buffer{}, rules, "html"); err == nil {
		t.Error("unknown format accepted")
	}
}
