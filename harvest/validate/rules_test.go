package validate

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var kebabCase = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

func TestRuleTableIsWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range Rules() {
		if !kebabCase.MatchString(r.ID) {
			t.Errorf("rule id %q is not kebab-case", r.ID)
		}
		if seen[r.ID] {
			t.Errorf("rule id %q appears twice", r.ID)
		}
		seen[r.ID] = true
		if r.Level != LevelError && r.Level != LevelWarning {
			t.Errorf("rule %q has level %q", r.ID, r.Level)
		}
		if strings.TrimSpace(r.Description) == "" {
			t.Errorf("rule %q has no description", r.ID)
		}
	}
}

// TestEveryRuleInCodeIsInTheTable reads the package's own source: every
// Rule* constant must be in the table and used outside rules.go, and no
// problem may be built with a literal rule id that bypasses the table.
func TestEveryRuleInCodeIsInTheTable(t *testing.T) {
	table := map[string]bool{}
	for _, r := range Rules() {
		table[r.ID] = true
	}
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	constants := map[string]string{} // name → id
	used := map[string]bool{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		file, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.ValueSpec:
				for i, id := range n.Names {
					if !strings.HasPrefix(id.Name, "Rule") || i >= len(n.Values) {
						continue
					}
					if lit, ok := n.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						value, _ := strconv.Unquote(lit.Value)
						constants[id.Name] = value
					}
				}
				return false
			case *ast.Ident:
				if strings.HasPrefix(n.Name, "Rule") && name != "rules.go" {
					used[n.Name] = true
				}
			case *ast.KeyValueExpr:
				if key, ok := n.Key.(*ast.Ident); ok && key.Name == "Rule" {
					if lit, ok := n.Value.(*ast.BasicLit); ok {
						t.Errorf("%s: a problem built with the literal rule %s", fset.Position(lit.Pos()), lit.Value)
					}
				}
			}
			return true
		})
	}
	if len(constants) < 10 {
		t.Fatalf("found only %d rule constants; the audit is not reading the source", len(constants))
	}
	ids := map[string]bool{}
	for name, id := range constants {
		if !table[id] {
			t.Errorf("%s = %q is not in the rule table", name, id)
		}
		if !used[name] {
			t.Errorf("%s is in the table but nothing reports it", name)
		}
		ids[id] = true
	}
	for id := range table {
		if !ids[id] {
			t.Errorf("table rule %q has no constant", id)
		}
	}
}
