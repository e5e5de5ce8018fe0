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

	"gopkg.in/yaml.v3"
)

func mergeCommand(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errs bytes.Buffer
	e := &env{stdout: &out, stderr: &errs, getenv: func(string) (string, bool) { return "", false }, now: time.Now}
	code = runWith(context.Background(), e, append([]string{"specharvest", "merge"}, args...))
	return code, out.String(), errs.String()
}

// writeMergeFixtures writes two documents that collide on one path (no
// servers, like groups on hosts without base paths) and share a schema
// name with different definitions, plus one that loads but is invalid.
func writeMergeFixtures(t *testing.T) (dir string, files []string) {
	t.Helper()
	dir = t.TempDir()
	doc := func(title, idType string) string {
		return `openapi: 3.0.0
info: {title: ` + title + `, version: "1"}
paths:
  /things/{id}:
    get:
      operationId: getThing
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        "200":
          description: ok
          content: {application/json: {schema: {$ref: "#/components/schemas/Thing"}}}
components:
  schemas:
    Thing: {type: object, properties: {id: {type: ` + idType + `}}}
`
	}
	invalid := `openapi: 3.0.0
info: {title: broken, version: "1"}
paths:
  /broken/{id}:
    get:
      responses: {"200": {description: ok}}
`
	for name, body := range map[string]string{
		"alpha.yaml":  doc("alpha", "string"),
		"beta.yaml":   doc("beta", "integer"),
		"broken.yaml": invalid,
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir, []string{filepath.Join(dir, "alpha.yaml"), filepath.Join(dir, "beta.yaml"), filepath.Join(dir, "broken.yaml")}
}

func TestMergeCommandWritesYAMLAndSummarizes(t *testing.T) {
	dir, files := writeMergeFixtures(t)
	out := filepath.Join(dir, "merged.yaml")
	code, stdout, stderr := mergeCommand(t, append(files, "-o", out)...)
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"merged 3 documents: 3 operations in, 3 out",
		"collisions: 1",
		"/things/{id} in alpha-yaml, beta-yaml",
		"renames: 3 (operationId 2, schemas 1)",
		"schemas of beta-yaml: Thing → Thing_beta-yaml",
		"wrote " + out,
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout)
		}
	}
	if !strings.Contains(stderr, "warning: "+files[2]+" is not valid") {
		t.Errorf("no warning for the invalid document:\n%s", stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("output is not YAML: %v", err)
	}
	for _, p := range []string{"/alpha-yaml/things/{id}", "/beta-yaml/things/{id}", "/broken/{id}"} {
		if doc.Paths[p] == nil {
			t.Errorf("merged document lacks %s; has %v", p, doc.Paths)
		}
	}
}

func TestMergeCommandWritesJSONToStdout(t *testing.T) {
	_, files := writeMergeFixtures(t)
	code, stdout, stderr := mergeCommand(t, files[0], files[1], "--title", "Both")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("stdout is not the JSON document: %v\n%s", err, stdout)
	}
	if title := doc["info"].(map[string]any)["title"]; title != "Both" {
		t.Errorf("title = %v", title)
	}
	if !strings.Contains(stderr, "merged 2 documents") {
		t.Errorf("summary not on stderr:\n%s", stderr)
	}
}

func TestMergeCommandFailures(t *testing.T) {
	dir, files := writeMergeFixtures(t)
	garbage := filepath.Join(dir, "garbage.json")
	if err := os.WriteFile(garbage, []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	never := filepath.Join(dir, "never.json")
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{name: "no arguments", args: []string{"-o", never}, code: exitUsage, want: "usage"},
		{name: "unknown output extension", args: []string{files[0], "-o", filepath.Join(dir, "never.txt")}, code: exitUsage, want: ".json, .yaml or .yml"},
		{name: "missing file", args: []string{files[0], filepath.Join(dir, "absent.json"), "-o", never}, code: exitFailure, want: "absent.json"},
		{name: "unloadable document", args: []string{files[0], garbage, "-o", never}, code: exitFailure, want: "garbage.json cannot be loaded"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, stderr := mergeCommand(t, c.args...)
			if code != c.code || !strings.Contains(stderr, c.want) {
				t.Errorf("exit %d (want %d), stderr %q (want %q)", code, c.code, stderr, c.want)
			}
			if written, _ := filepath.Glob(filepath.Join(dir, "never*")); len(written) > 0 {
				t.Errorf("a failed merge wrote %v", written)
			}
		})
	}
}
