package oracle

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/oasdiff/oasdiff/checker"
	"github.com/specharvest/specharvest/merge/diff"
)

var (
	oasdiffBin  string
	oasdiffErr  error
	oasdiffOnce sync.Once
)

// oasdiffBinary builds the pinned oasdiff once for the whole test binary.
func oasdiffBinary(t *testing.T) string {
	t.Helper()
	oasdiffOnce.Do(func() {
		dir, err := os.MkdirTemp("", "oracle-oasdiff-")
		if err != nil {
			oasdiffErr = err
			return
		}
		oasdiffBin, oasdiffErr = BuildOasdiff(context.Background(), dir)
	})
	if oasdiffErr != nil {
		t.Fatal(oasdiffErr)
	}
	return oasdiffBin
}

func TestMain(m *testing.M) {
	ServeLaunch()
	code := m.Run()
	if oasdiffBin != "" {
		os.RemoveAll(filepath.Dir(oasdiffBin))
	}
	os.Exit(code)
}

// pairResult is one compared pair, kept for the audit of the
// disagreement file at the end.
type pairResult struct {
	name   string
	oasErr int
	used   map[string]int
}

// comparePair runs both tools on one pair and fails on every uncovered
// oasdiff error. The documents are given as bytes; oasdiff reads them
// from files in a temporary folder.
func comparePair(t *testing.T, name string, base, revision []byte, l lists) pairResult {
	t.Helper()
	dir := t.TempDir()
	basePath, revisionPath := filepath.Join(dir, "base"+extension(base)), filepath.Join(dir, "revision"+extension(revision))
	if err := os.WriteFile(basePath, base, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(revisionPath, revision, 0o600); err != nil {
		t.Fatal(err)
	}
	return compareFiles(t, name, basePath, revisionPath, base, revision, l)
}

// extension names a temporary document file after its syntax.
func extension(doc []byte) string {
	if t := strings.TrimSpace(string(doc[:min(len(doc), 64)])); strings.HasPrefix(t, "{") {
		return ".json"
	}
	return ".yaml"
}

func compareFiles(t *testing.T, name, basePath, revisionPath string, base, revision []byte, l lists) pairResult {
	t.Helper()
	oas, _, err := RunOasdiff(context.Background(), oasdiffBinary(t), basePath, revisionPath)
	if err != nil && strings.Contains(err.Error(), "failed to load") {
		// A document oasdiff cannot load (a fixture made invalid on
		// purpose) leaves it without a verdict to hold ours against.
		t.Logf("%s: oasdiff cannot load it, pair skipped: %v", name, err)
		return pairResult{name: name}
	}
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	ours, err := diff.Diff(context.Background(), base, revision, diff.DiffOptions{})
	if err != nil {
		t.Fatalf("%s: our diff: %v", name, err)
	}
	misses, used := Coverage(oas, ours, l.disagreements, l.knownMisses)
	if len(misses) > 0 {
		t.Errorf("%s: %d operations that oasdiff marks as errors have no breaking or warning finding, and no disagreement covers their rule:\n%s",
			name, len(misses), MissesByRule(misses))
	}
	errs := 0
	for _, c := range oas {
		if c.Level >= OasErr {
			errs++
		}
	}
	return pairResult{name: name, oasErr: errs, used: used}
}

// lists are the two checked-in excuses for an uncovered oasdiff error:
// disagreements (we judge the change differently, and say why) and known
// misses (gaps of our diff, each to be closed by a rule).
type lists struct {
	disagreements, knownMisses Disagreements
}

func readLists(t *testing.T) lists {
	t.Helper()
	d, err := ReadDisagreements("disagreements.txt")
	if err != nil {
		t.Fatal(err)
	}
	k, err := ReadDisagreements("known-misses.txt")
	if err != nil {
		t.Fatal(err)
	}
	return lists{disagreements: d, knownMisses: k}
}

// TestDisagreementFile: each entry names a rule oasdiff really has and
// gives a reason; no rule is both a disagreement and a known miss.
func TestDisagreementFile(t *testing.T) {
	l := readLists(t)
	known := make(map[string]bool)
	for _, r := range checker.GetAllRules() {
		known[r.Id] = true
	}
	for file, entries := range map[string]Disagreements{"disagreements.txt": l.disagreements, "known-misses.txt": l.knownMisses} {
		for id, reason := range entries {
			if !known[id] {
				t.Errorf("%s: %q: oasdiff has no such rule", file, id)
			}
			if len(strings.Fields(reason)) < 5 {
				t.Errorf("%s: %q: the reason %q is too short to hold up", file, id, reason)
			}
		}
	}
	for id := range l.knownMisses {
		if _, ok := l.disagreements[id]; ok {
			t.Errorf("%q is both a disagreement and a known miss", id)
		}
	}
}

// TestDifferentialStripe runs both tools over the development corpus as
// a nightly run sees it (consecutive releases one step at a time) and
// over a long jump (v90 → v120). Every listed disagreement must be needed
// by some pair, so the file cannot keep stale excuses.
func TestDifferentialStripe(t *testing.T) {
	if testing.Short() {
		t.Skip("the Stripe pairs take minutes; run without -short")
	}
	dir := CorpusDir()
	if dir == "" {
		t.Skip("Stripe corpus (shared/corpus/stripe) not found")
	}
	l := readLists(t)
	var results []pairResult
	pairs := [][2]int{{90, 120}}
	for v := 120; v < 127; v++ {
		pairs = append(pairs, [2]int{v, v + 1})
	}
	for _, p := range pairs {
		basePath, revisionPath := StripeRelease(dir, p[0]), StripeRelease(dir, p[1])
		base, err := os.ReadFile(basePath)
		if err != nil {
			t.Fatal(err)
		}
		revision, err := os.ReadFile(revisionPath)
		if err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("stripe v%d→v%d", p[0], p[1])
		r := compareFiles(t, name, basePath, revisionPath, base, revision, l)
		t.Logf("%s: %d oasdiff errors; uncovered but listed, by rule: %v", name, r.oasErr, r.used)
		results = append(results, r)
	}
	results = append(results, generatedResults(t, l)...)
	used := make(map[string]int)
	for _, r := range results {
		for id, n := range r.used {
			used[id] += n
		}
	}
	if stale := unused(l.disagreements, used); len(stale) > 0 {
		t.Errorf("disagreements that no pair needed (remove them): %s", strings.Join(stale, ", "))
	}
	// A known miss that no pair needs any more was closed by a rule: say
	// so, without failing the change that closed it.
	if closed := unused(l.knownMisses, used); len(closed) > 0 {
		t.Logf("known misses now covered (remove them from known-misses.txt): %s", strings.Join(closed, ", "))
	}
}

func unused(entries Disagreements, used map[string]int) []string {
	var out []string
	for id := range entries {
		if used[id] == 0 {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// TestDifferentialGenerated runs both tools over generated pairs: every
// rule fixture of the diff in both directions, and seeded single edits of
// real documents.
func TestDifferentialGenerated(t *testing.T) {
	generatedResults(t, readLists(t))
}

var (
	generatedOnce sync.Once
	generated     []pairResult
)

func generatedResults(t *testing.T, l lists) []pairResult {
	t.Helper()
	generatedOnce.Do(func() {
		var out []pairResult
		for _, p := range fixturePairs(t) {
			out = append(out, comparePair(t, p.name, p.base, p.revision, l))
			out = append(out, comparePair(t, p.name+" (reversed)", p.revision, p.base, l))
		}
		edits := 20
		if testing.Short() {
			edits = 6
		}
		for _, p := range editedPairs(t, edits) {
			out = append(out, comparePair(t, p.name, p.base, p.revision, l))
		}
		generated = out
	})
	return slices.Clone(generated)
}
