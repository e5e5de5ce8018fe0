package diff

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var kebabCase = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)

// TestRuleTable audits the registry: ids unique and kebab-case, a known
// level and a description each, breaking rules listed first, and a
// base/revision pair in testdata/diff for every rule.
func TestRuleTable(t *testing.T) {
	seen := make(map[string]bool)
	lastRank := 0
	for _, r := range Rules() {
		if !kebabCase.MatchString(r.ID) {
			t.Errorf("rule id %q is not kebab-case", r.ID)
		}
		if seen[r.ID] {
			t.Errorf("rule id %q appears twice", r.ID)
		}
		seen[r.ID] = true
		switch r.Level {
		case LevelBreaking, LevelWarning, LevelInfo:
		default:
			t.Errorf("rule %s has unknown level %q", r.ID, r.Level)
		}
		if r.Level.rank() < lastRank {
			t.Errorf("rule %s (%s) listed after a less severe rule", r.ID, r.Level)
		}
		lastRank = r.Level.rank()
		if len(r.Description) < 10 {
			t.Errorf("rule %s has no real description", r.ID)
		}
		if _, err := os.Stat(filepath.Join("testdata", "diff", r.ID, "base.yaml")); err != nil {
			t.Errorf("rule %s has no testdata pair: %v", r.ID, err)
		}
	}
}

// TestRulePairs runs every testdata/diff/<rule-id> pair: the rule fires
// with its table level, every emitted id is in the table, and a pair
// made for a non-breaking rule yields nothing breaking.
func TestRulePairs(t *testing.T) {
	// symmetricRules break clients whichever way the edit goes.
	symmetricRules := map[string]bool{
		RuleRequestParameterTypeChanged:    true,
		RuleRequestParameterPatternChanged: true,
		RuleRequestPropertyTypeChanged:     true,
		RuleRequestPropertyPatternChanged:  true,
		RuleResponsePropertyTypeChanged:    true,
		RuleSecurityRequirementChanged:     true,
		RuleServerBasePathChanged:          true,
		RuleRequestParameterSerialization:  true,
	}
	dirs, err := os.ReadDir(filepath.Join("testdata", "diff"))
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range dirs {
		id := dir.Name()
		t.Run(id, func(t *testing.T) {
			rule, ok := RuleByID(id)
			if !ok {
				t.Fatalf("testdata/diff/%s names no rule", id)
			}
			base := readTestdata(t, filepath.Join("testdata", "diff", id, "base.yaml"))
			revision := readTestdata(t, filepath.Join("testdata", "diff", id, "revision.yaml"))
			compare := func(a, b []byte) ([]Finding, error) {
				if rule.Direction == "document" && (rule.ID == RuleDocumentBecameInvalid || rule.ID == RuleDocumentBecameValid) {
					return fleetFindings(a, b)
				}
				return Diff(context.Background(), a, b, DiffOptions{})
			}
			findings, err := compare(base, revision)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, f := range findings {
				known, ok := RuleByID(f.ID)
				if !ok {
					t.Errorf("finding with unknown rule id %q", f.ID)
				} else if f.Level != known.Level {
					t.Errorf("finding %s has level %s, the table says %s", f.ID, f.Level, known.Level)
				}
				if f.ID == id {
					found = true
				}
				if rule.Level != LevelBreaking && f.Level == LevelBreaking {
					t.Errorf("pair for %s (%s) produced a breaking finding: %+v", id, rule.Level, f)
				}
			}
			if !found {
				t.Errorf("rule %s did not fire; findings: %+v", id, findings)
			}
			// The reverse edit is a contract change too: nothing silent.
			reverse, err := compare(revision, base)
			if err != nil {
				t.Fatal(err)
			}
			if len(reverse) == 0 {
				t.Errorf("the reverse edit of %s gave no finding", id)
			}
			// It must not report the same rule: direction matters. A few
			// changes break both ways (a type swapped for an unrelated
			// one, another pattern, another base path).
			if symmetricRules[id] {
				return
			}
			for _, f := range reverse {
				if f.ID == id && rule.Level == LevelBreaking {
					t.Errorf("rule %s also fired on the reverse edit: %+v", id, f)
				}
			}
		})
	}
}

// fleetFindings compares two documents as one group of two snapshots,
// as a run does; the group rules (a document that became invalid) fire
// only there.
func fleetFindings(base, revision []byte) ([]Finding, error) {
	blobs := map[string][]byte{"b": base, "r": revision}
	load := func(_ context.Context, sha string) ([]byte, error) { return blobs[sha], nil }
	c, err := DiffFleet(context.Background(),
		testFleet{ID: "1", Groups: []testGroup{{Key: "g", Status: StatusOK, SHA256: "b"}}},
		testFleet{ID: "2", Groups: []testGroup{{Key: "g", Status: StatusOK, SHA256: "r"}}}, load, FleetOptions{})
	if err != nil {
		return nil, err
	}
	if len(c.Groups) != 1 {
		return nil, fmt.Errorf("%d groups", len(c.Groups))
	}
	if g := c.Groups[0]; g.Error != "" && len(g.Changes) == 0 {
		return nil, errors.New(g.Error)
	}
	return c.Groups[0].Changes, nil
}

func readTestdata(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRuleRegistry audits the link from each rule to its code: every
// rule names a side, and the function its Check names exists in this
// package and mentions the rule's constant, so a reader going from an id
// to its check lands on the code that fires it.
func TestRuleRegistry(t *testing.T) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi fs.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatal(err)
	}
	constants := make(map[string]string) // rule id -> constant name
	bodies := make(map[string]string)    // function name -> source
	for _, pkg := range pkgs {
		for name, file := range pkg.Files {
			src, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			for _, decl := range file.Decls {
				switch decl := decl.(type) {
				case *ast.FuncDecl:
					bodies[decl.Name.Name] = string(src[fset.Position(decl.Pos()).Offset:fset.Position(decl.End()).Offset])
				case *ast.GenDecl:
					for _, spec := range decl.Specs {
						vs, ok := spec.(*ast.ValueSpec)
						if !ok {
							continue
						}
						for i, n := range vs.Names {
							if i < len(vs.Values) {
								if lit, ok := vs.Values[i].(*ast.BasicLit); ok && strings.HasPrefix(n.Name, "Rule") {
									constants[strings.Trim(lit.Value, "\"")] = n.Name
								}
							}
						}
					}
				}
			}
		}
	}
	for _, r := range Rules() {
		switch r.Direction {
		case "request", "response", "both", "document":
		default:
			t.Errorf("rule %s has direction %q", r.ID, r.Direction)
		}
		body, ok := bodies[r.Check]
		if !ok {
			t.Errorf("rule %s names check %q, which is no function here", r.ID, r.Check)
			continue
		}
		if c := constants[r.ID]; c == "" || !strings.Contains(body, c) {
			t.Errorf("rule %s: its check %s never mentions %s", r.ID, r.Check, c)
		}
	}
}

// TestMergeSorted: the one-pass merge of sorted lists equals sorting the
// concatenation and dropping repeats; unsorted input takes the slow way
// to the same result.
func TestMergeSorted(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 11))
	list := func() []string {
		var out []string
		for range rng.IntN(6) {
			out = append(out, fmt.Sprintf("GET /%c", 'a'+rng.IntN(5)))
		}
		if rng.IntN(4) > 0 {
			slices.Sort(out)
		}
		return out
	}
	for range 2000 {
		a, b := list(), list()
		want := slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(a), b...))))
		got := mergeSorted(a, b)
		if len(want) == 0 {
			want = nil
		}
		if !slices.Equal(got, want) || (got == nil) != (want == nil) {
			t.Fatalf("mergeSorted(%q, %q) = %q, want %q", a, b, got, want)
		}
	}
}
