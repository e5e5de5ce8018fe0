package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/specharvest/specharvest/merge/diff"
	"github.com/specharvest/specharvest/output"
)

var updateReadme = flag.Bool("update-readme", false, "rewrite the README's generated rule table")

// TestReadmeListsEveryRule keeps the README's rule table equal to the
// table in the code, so the docs never drift from what the diff reports.
func TestReadmeListsEveryRule(t *testing.T) {
	path := filepath.Join("..", "..", "README.md")
	readme, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var table bytes.Buffer
	if err := output.WriteRuleTable(&table, diff.Rules(), "markdown"); err != nil {
		t.Fatal(err)
	}
	section := regexp.MustCompile(`(?s)(<!-- rules:begin[^\n]*-->\n)(.*?)(<!-- rules:end -->)`)
	m := section.FindSubmatch(readme)
	if m == nil {
		t.Fatal("README.md has no rules:begin/rules:end section")
	}
	if string(m[2]) == table.String() {
		return
	}
	if *updateReadme {
		updated := section.ReplaceAll(readme, []byte("${1}"+strings.ReplaceAll(table.String(), "$", "$$")+"${3}"))
		if err := os.WriteFile(path, updated, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatal("README.md's rule table differs from diff.Rules(); run go test ./cmd/specharvest -run TestReadmeListsEveryRule -update-readme")
}

func TestHelpListsCommandsExitCodesAndRules(t *testing.T) {
	var out bytes.Buffer
	e := &env{stdout: &out, stderr: &out, getenv: func(string) (string, bool) { return "", false }}
	if code := runWith(t.Context(), e, []string{"specharvest", "--help"}); code != exitOK {
		t.Fatalf("--help exited %d", code)
	}
	for _, c := range commands() {
		if !strings.Contains(out.String(), "specharvest "+c.name) {
			t.Errorf("--help does not list %s", c.name)
		}
	}
	for _, want := range []string{"0  success", "3  partial", "4  the --fail-on", "5  the store is locked"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("--help does not list exit code %q", want)
		}
	}
	for _, r := range diff.Rules() {
		if !strings.Contains(out.String(), r.ID) {
			t.Errorf("--help does not list rule %s", r.ID)
		}
	}
}
