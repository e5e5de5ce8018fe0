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
)

func runValidate(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	e := &env{
		stdout: &out,
		stderr: &errOut,
		getenv: func(string) (string, bool) { return "", false },
		now:    time.Now,
	}
	code = runWith(context.Background(), e, append([]string{"specharvest", "validate"}, args...))
	return code, out.String(), errOut.String()
}

func writeDoc(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const cleanDoc = `openapi: 3.0.3
info: {title: Clean, version: "1"}
paths:
  /ping:
    get:
      responses:
        "200": {description: pong}
`

const brokenDoc = `{"openapi": "3.0.3", "info": {"title": "Broken", "version": "1"},
"paths": {"/a": {"get": {"responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Missing"}}}}}}}}}`

func TestValidateCleanDocumentExitsZero(t *testing.T) {
	path := writeDoc(t, "clean.yaml", cleanDoc)
	code, out, _ := runValidate(t, path)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	for _, want := range []string{path, "VALID", "OpenAPI 3.0.3", "1 operation", "0 errors", "0 warnings"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestValidateInvalidDocumentExitsOne(t *testing.T) {
	good := writeDoc(t, "clean.yaml", cleanDoc)
	bad := writeDoc(t, "broken.json", brokenDoc)
	code, out, stderr := runValidate(t, good, bad)
	if code != exitFailure {
		t.Fatalf("exit %d, want %d\n%s", code, exitFailure, out)
	}
	if stderr != "" {
		t.Errorf("the verdict was already printed, yet stderr says %q", stderr)
	}
	if !strings.Contains(out, bad+": INVALID") || !strings.Contains(out, good+": VALID") {
		t.Fatalf("verdicts missing:\n%s", out)
	}
	if !strings.Contains(out, "error unresolved-ref /paths/~1a/get/responses/200/content/application~1json/schema/$ref") {
		t.Fatalf("the error is not listed with its pointer:\n%s", out)
	}
	if !strings.Contains(out, "2 documents: 1 valid, 1 invalid") {
		t.Fatalf("no summary line:\n%s", out)
	}
}

func TestValidateXanoFixtureIsValidWithWarnings(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "harvest", "validate", "testdata", "apigroup-mobile-native.openapi.json"))
	if err != nil {
		t.Fatal(err)
	}
	path := writeDoc(t, "mobile.json", string(data))
	code, out, _ := runValidate(t, path)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if !strings.Contains(out, "VALID") || strings.Contains(out, "INVALID") {
		t.Fatalf("verdict:\n%s", out)
	}
	if !strings.Contains(out, "numeric-keyword-as-string") || !strings.Contains(out, "warnings by rule:") {
		t.Fatalf("the repairs are not summarised:\n%s", out)
	}
	lines := strings.Count(out, "\n  warning ")
	if lines != warningsShown || !strings.Contains(out, "more warnings (-v lists them)") {
		t.Fatalf("%d warnings listed without -v, want %d:\n%s", lines, warningsShown, out)
	}

	code, verbose, _ := runValidate(t, "-v", path)
	if code != exitOK {
		t.Fatalf("exit %d with -v", code)
	}
	if n := strings.Count(verbose, "\n  warning "); n <= warningsShown || strings.Contains(verbose, "more warnings") {
		t.Fatalf("-v listed %d warnings", n)
	}
}

func TestValidateUnparsableInputSaysWhy(t *testing.T) {
	cases := map[string]string{
		"truncated.json": `{"openapi": "3.0.0", "info": {"title": "cut`,
		"page.html":      "<html><body>Bad Gateway</body></html>",
		"binary.bin":     "\x00\xff\xfe\x01",
	}
	for name, content := range cases {
		t.Run(name, func(t *testing.T) {
			path := writeDoc(t, name, content)
			code, out, _ := runValidate(t, path)
			if code != exitFailure {
				t.Fatalf("exit %d\n%s", code, out)
			}
			if !strings.Contains(out, "INVALID") || !strings.Contains(out, "  error ") {
				t.Fatalf("no error listed:\n%s", out)
			}
		})
	}
	code, out, _ := runValidate(t, filepath.Join(t.TempDir(), "absent.json"))
	if code != exitFailure || !strings.Contains(out, "cannot be read") {
		t.Fatalf("missing file: exit %d\n%s", code, out)
	}
}

func TestValidateJSONFormat(t *testing.T) {
	path := writeDoc(t, "broken.json", brokenDoc)
	code, out, _ := runValidate(t, "--format", "json", path)
	if code != exitFailure {
		t.Fatalf("exit %d", code)
	}
	var reports []struct {
		Name     string `json:"name"`
		Valid    bool   `json:"valid"`
		Problems []struct {
			Level, Rule, Pointer string
		} `json:"problems"`
	}
	if err := json.Unmarshal([]byte(out), &reports); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if len(reports) != 1 || reports[0].Name != path || reports[0].Valid || len(reports[0].Problems) == 0 || reports[0].Problems[0].Rule != "unresolved-ref" {
		t.Fatalf("report %+v", reports)
	}
}

func TestValidateListsTheRuleTable(t *testing.T) {
	code, out, _ := runValidate(t, "--rules")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"error    unresolved-ref", "warning  numeric-keyword-as-string", "warning  boolean-required-on-property"} {
		if !strings.Contains(out, want) {
			t.Errorf("rule list lacks %q:\n%s", want, out)
		}
	}
}

func TestValidateUsage(t *testing.T) {
	if code, _, stderr := runValidate(t); code != exitUsage || !strings.Contains(stderr, "usage") {
		t.Fatalf("no arguments: exit %d, %q", code, stderr)
	}
	if code, _, _ := runValidate(t, "--format", "xml", "a.json"); code != exitUsage {
		t.Fatalf("bad format: exit %d", code)
	}
}
