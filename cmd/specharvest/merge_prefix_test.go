package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

func prefixDoc(title, path, extra string) string {
	return `openapi: 3.0.3
info: {title: ` + title + `, version: "1"}
tags: [{name: Users}]
paths:
  ` + path + `:
    get:
      tags: [Users]
      security: [{apiKey: []}]
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/User"}
components:
  securitySchemes:
    apiKey: {type: apiKey, in: header, name: X-Key}
  schemas:
    User:
      type: object
      properties:
        friend: {$ref: "#/components/schemas/User"}
        ` + extra + `
`
}

// TestMergePrefixesThroughTheBinary: --prefix-components and --prefix-tags
// give every component and tag of each input its key or file name as a
// prefix; every $ref and security requirement follows, and the merged
// document is valid.
func TestMergePrefixesThroughTheBinary(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"users.yaml":  prefixDoc("Users", "/users/{id}", "name: {type: string}"),
		"admins.yaml": prefixDoc("Admins", "/admins/{id}", "role: {type: string}"),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res := runBinaryIn(t, dir, nil, "merge", "users.yaml", "admins.yaml", "--prefix-components", "file", "--prefix-tags", "key", "-o", "merged.json")
	if res.code != exitOK {
		t.Fatalf("merge: %d %s", res.code, res.stderr)
	}
	data, err := os.ReadFile(filepath.Join(dir, "merged.json"))
	if err != nil {
		t.Fatal(err)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Errorf("the merged document is not valid: %v", err)
	}
	for _, want := range []string{"users_User", "admins_User"} {
		if doc.Components.Schemas[want] == nil {
			t.Errorf("no schema %s: %v", want, mapKeysOf(doc.Components.Schemas))
		}
	}
	if len(doc.Components.Schemas) != 2 || len(doc.Components.SecuritySchemes) != 2 || doc.Components.SecuritySchemes["users_apiKey"] == nil {
		t.Errorf("components: %v %v", mapKeysOf(doc.Components.Schemas), mapKeysOf(doc.Components.SecuritySchemes))
	}
	// Every reference names a prefixed component that exists.
	for _, ref := range regexp.MustCompile(`#/components/schemas/([A-Za-z0-9_.-]+)`).FindAllStringSubmatch(string(data), -1) {
		if doc.Components.Schemas[ref[1]] == nil || !strings.Contains(ref[1], "_") {
			t.Errorf("a $ref to %s", ref[1])
		}
	}
	for path, item := range doc.Paths.Map() {
		op := item.Get
		prefix := strings.TrimSuffix(strings.Trim(path, "/{id}"), "s") + "s" // users, admins
		if len(op.Tags) != 1 || op.Tags[0] != prefix+"-yaml_Users" {
			t.Errorf("%s tags %v", path, op.Tags)
		}
		if op.Security == nil || len(*op.Security) != 1 || (*op.Security)[0][prefix+"_apiKey"] == nil {
			t.Errorf("%s security %v", path, op.Security)
		}
	}
	if res := runBinaryIn(t, dir, nil, "merge", "users.yaml", "--prefix-tags", "title"); res.code != exitUsage {
		t.Errorf("--prefix-tags title: exit %d", res.code)
	}
}

func mapKeysOf[V any](m map[string]V) []string { return sortedKeys(m) }
