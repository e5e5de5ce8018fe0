package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/specharvest/specharvest/merge/diff"
	"github.com/specharvest/specharvest/output"
)

const diffBaseDoc = `openapi: 3.0.3
info: {title: Users, version: "1"}
paths:
  /users/{id}:
    get:
      description: Returns a user.
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                required: [id, name]
                properties:
                  id: {type: integer}
                  name: {type: string}
`

func diffCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdout: &out, stderr: &errb, getenv: fakeEnv(nil), now: time.Now}
	code = runWith(context.Background(), e, append([]string{"specharvest", "diff"}, args...))
	return code, out.String(), errb.String()
}

func writeDiffDocs(t *testing.T, revision string) (base, rev string) {
	t.Helper()
	dir := t.TempDir()
	base, rev = filepath.Join(dir, "base.yaml"), filepath.Join(dir, "revision.yaml")
	if err := os.WriteFile(base, []byte(diffBaseDoc), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(rev, []byte(revision), 0o644); err != nil {
		t.Fatal(err)
	}
	return base, rev
}

func TestDiffCommandFiles(t *testing.T) {
	breaking := strings.Replace(diffBaseDoc, "name: {type: string}", "name: {type: integer}", 1)
	base, rev := writeDiffDocs(t, breaking)

	code, out, errs := diffCmd(t, base, rev, "--format", "json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var c diff.Changes
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		t.Fatalf("not changes.json: %v\n%s", err, out)
	}
	if len(c.Groups) != 1 || c.Summary.Breaking != 1 || c.Groups[0].Changes[0].ID != diff.RuleResponsePropertyTypeChanged {
		t.Errorf("unexpected changes: %s", out)
	}

	code, out, _ = diffCmd(t, base, rev)
	if code != exitOK || !strings.Contains(out, "1 breaking change") || !strings.Contains(out, "GET /users/{id}") {
		t.Errorf("text report (exit %d):\n%s", code, out)
	}
	code, out, _ = diffCmd(t, "--format", "markdown", base, rev)
	if code != exitOK || !strings.HasPrefix(out, "# Changes") {
		t.Errorf("markdown report (exit %d):\n%s", code, out)
	}

	code, _, errs = diffCmd(t, base, rev, "--fail-on", "breaking")
	if code != exitThreshold || !strings.Contains(errs, "breaking") {
		t.Errorf("--fail-on breaking with a breaking change: exit %d, stderr %q", code, errs)
	}
}

func TestDiffCommandFailOnDocumentationOnly(t *testing.T) {
	reworded := strings.Replace(diffBaseDoc, "Returns a user.", "Returns one user by id.", 1)
	base, rev := writeDiffDocs(t, reworded)
	if code, out, errs := diffCmd(t, base, rev, "--fail-on", "breaking"); code != exitOK {
		t.Errorf("a reworded description failed the breaking gate: exit %d\n%s%s", code, out, errs)
	}
	if code, _, _ := diffCmd(t, base, rev, "--fail-on", "changes"); code != exitThreshold {
		t.Errorf("--fail-on changes ignored a change: exit %d", code)
	}
	if code, _, _ := diffCmd(t, base, base, "--fail-on", "changes"); code != exitOK {
		t.Errorf("identical documents met --fail-on changes: exit %d", code)
	}
}

func TestDiffCommandRules(t *testing.T) {
	code, out, _ := diffCmd(t, "--rules")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, r := range diff.Rules() {
		if !strings.Contains(out, r.ID) {
			t.Errorf("--rules lacks %s", r.ID)
		}
	}
	code, out, _ = diffCmd(t, "--rules", "--format", "markdown")
	if code != exitOK || !strings.HasPrefix(out, "| Rule | Level |") {
		t.Errorf("markdown rule table (exit %d):\n%s", code, out)
	}
	code, _, errs := diffCmd(t, "--help")
	if code != exitOK || !strings.Contains(errs, diff.RuleAPIPathRemoved) {
		t.Errorf("--help does not list the rules (exit %d):\n%s", code, errs)
	}
}

func TestDiffCommandUsage(t *testing.T) {
	base, rev := writeDiffDocs(t, diffBaseDoc)
	for _, args := range [][]string{
		{base},
		{base, rev, "--format", "xml"},
		{base, rev, "--fail-on", "everything"},
		{base, "not-a-file-nor-id", "--store", t.TempDir()},
	} {
		if code, _, _ := diffCmd(t, args...); code != exitUsage {
			t.Errorf("diff %v: exit %d, want %d", args, code, exitUsage)
		}
	}
	broken := filepath.Join(t.TempDir(), "broken.yaml")
	if err := os.WriteFile(broken, []byte("{ not: [ yaml"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := diffCmd(t, base, broken); code != exitFailure || !strings.Contains(errs, "broken.yaml") {
		t.Errorf("unreadable document: exit %d, stderr %q", code, errs)
	}
}

// TestDiffCommandSnapshots compares two snapshots of a store: a changed
// group with a breaking change, a removed one, a stale one and an
// unchanged one.
func TestDiffCommandSnapshots(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := output.Create(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(diffBaseDoc, "required: [id, name]", "required: [id]", 1)
	nights := []map[string]string{
		{"prod/a/users": diffBaseDoc, "prod/a/same": diffBaseDoc, "prod/a/gone": diffBaseDoc, "prod/a/down": diffBaseDoc},
		{"prod/a/users": changed, "prod/a/same": diffBaseDoc, "prod/a/down": diffBaseDoc},
	}
	var ids []string
	for i, docs := range nights {
		started := time.Date(2026, 11, 26+i, 2, 0, 0, 0, time.UTC)
		prev, _ := st.Latest(ctx)
		w, err := st.NewSnapshot(ctx, started)
		if err != nil {
			t.Fatal(err)
		}
		m := &output.Manifest{Previous: prev, Finished: started.Add(time.Minute), ToolVersion: "test"}
		for _, key := range sortedKeys(docs) {
			sha, size, err := st.PutBlobBytes(ctx, []byte(docs[key]))
			if err != nil {
				t.Fatal(err)
			}
			status := output.StatusOK
			if i == 1 && key == "prod/a/down" {
				status = output.StatusStale
			}
			m.Specs = append(m.Specs, output.SpecEntry{Key: key, Source: "prod", Status: status, SHA256: sha, Bytes: size, Valid: true})
		}
		if err := w.Commit(ctx, m); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, w.ID())
	}

	code, out, errs := diffCmd(t, ids[0], "latest", "--store", dir, "--format", "json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var c diff.Changes
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		t.Fatal(err)
	}
	got := make(map[string]string)
	for _, g := range c.Groups {
		got[g.Key] = g.Change
	}
	want := map[string]string{"prod/a/users": diff.GroupChanged, "prod/a/gone": diff.GroupRemoved, "prod/a/down": diff.GroupStale}
	if len(got) != len(want) {
		t.Errorf("groups %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("group %s: %q, want %q", k, got[k], v)
		}
	}
	if c.Base != ids[0] || c.Revision != ids[1] || c.Summary.Breaking != 1 {
		t.Errorf("changes: %s", out)
	}
	if code, _, _ := diffCmd(t, ids[0], ids[1], "--store", dir, "--fail-on", "breaking"); code != exitThreshold {
		t.Errorf("--fail-on breaking over snapshots: exit %d", code)
	}
}

// Documents are repaired as a run repairs them: Swagger 2.0 is compared
// as the OpenAPI 3.0 it converts to.
func TestDiffCommandSwagger2(t *testing.T) {
	const swagger = `{"swagger":"2.0","info":{"title":"s","version":"1"},"basePath":"/api:v1",
"paths":{"/books":{"get":{"parameters":[{"name":"page","in":"query","type":"integer","required":false}],
"responses":{"200":{"description":"ok","schema":{"type":"array","items":{"type":"string"}}}}}}}}`
	dir := t.TempDir()
	base, rev := filepath.Join(dir, "base.json"), filepath.Join(dir, "revision.json")
	if err := os.WriteFile(base, []byte(swagger), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(rev, []byte(strings.Replace(swagger, `"required":false`, `"required":true`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := diffCmd(t, base, rev, "--format", "json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var c diff.Changes
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		t.Fatal(err)
	}
	if len(c.Groups) != 1 || len(c.Groups[0].Changes) != 1 || c.Groups[0].Changes[0].ID != diff.RuleRequestParameterBecameRequired {
		t.Errorf("Swagger 2.0 pair: %s", out)
	}
}
