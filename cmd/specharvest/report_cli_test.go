package main

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/specharvest/specharvest/merge/diff"
	"github.com/specharvest/specharvest/output"
)

const reportBaseDoc = `openapi: 3.0.3
info: {title: Books, version: "1"}
paths:
  /books/{id}:
    get:
      description: Returns a book.
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  id: {type: integer}
                  title: {type: string}
                  isbn: {type: string}
  /authors:
    get:
      description: Lists authors.
      responses:
        "200": {description: ok}
`

// reportDocs writes a pair with one breaking finding (title's type, GET
// /books/{id}), two warnings (isbn removed from GET /books/{id}, GET
// /authors deprecated) and one info (a description).
func reportDocs(t *testing.T) (dir, base, rev string) {
	t.Helper()
	dir = t.TempDir()
	revision := strings.NewReplacer("title: {type: string}", "title: {type: integer}",
		"                  isbn: {type: string}\n", "",
		"description: Lists authors.", "description: Lists every author.\n      deprecated: true").Replace(reportBaseDoc)
	// The commands run in dir with relative names, so the group key (the
	// revision's name) is the short rev.yaml.
	base, rev = "base.yaml", "rev.yaml"
	for name, body := range map[string]string{base: reportBaseDoc, rev: revision} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir, base, rev
}

func decodeReport(t *testing.T, res binResult) output.Report {
	t.Helper()
	var r struct {
		diff.Changes
		Ignored []output.IgnoredFinding `json:"ignored"`
		Hidden  int                     `json:"hidden"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &r); err != nil {
		t.Fatalf("not a JSON report: %v\n%s%s", err, res.stdout, res.stderr)
	}
	return output.Report{Changes: &r.Changes, Ignored: r.Ignored, Hidden: r.Hidden}
}

func findingIDs(r output.Report) []string {
	var ids []string
	for _, g := range r.Groups {
		for _, f := range g.Changes {
			ids = append(ids, f.ID)
		}
	}
	return ids
}

// TestReportFiltersThroughTheBinary: --level, --rule and --match narrow
// the report and what --fail-on judges; --fail-on warning fails on a
// warning alone.
func TestReportFiltersThroughTheBinary(t *testing.T) {
	dir, base, rev := reportDocs(t)
	all := decodeReport(t, runBinaryIn(t, dir, nil, "diff", base, rev, "--format", "json"))
	if got := len(findingIDs(all)); got != 4 || all.Summary.Breaking != 1 || all.Hidden != 0 {
		t.Fatalf("unfiltered: %v %+v", findingIDs(all), all.Summary)
	}
	// Expectations follow the rule table's levels, so a rule moving level
	// moves them with it.
	upTo := func(l diff.Level, ids ...string) []string {
		var out []string
		for _, id := range ids {
			if r, ok := diff.RuleByID(id); ok && rankOf(r.Level) <= rankOf(l) {
				out = append(out, id)
			}
		}
		return out
	}
	every := []string{diff.RuleResponsePropertyTypeChanged, diff.RuleResponseOptionalPropertyRemoved, diff.RuleAPIOperationDeprecated, diff.RuleDescriptionChanged}
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"--level", "breaking"}, upTo(diff.LevelBreaking, every...)},
		{[]string{"--level", "warning"}, upTo(diff.LevelWarning, every...)},
		{[]string{"--rule", diff.RuleAPIOperationDeprecated}, []string{diff.RuleAPIOperationDeprecated}},
		{[]string{"--rule", "response-*"}, []string{diff.RuleResponsePropertyTypeChanged, diff.RuleResponseOptionalPropertyRemoved}},
		{[]string{"--match", "GET /books/*"}, []string{diff.RuleResponsePropertyTypeChanged, diff.RuleResponseOptionalPropertyRemoved}},
		{[]string{"--match", "GET /authors", "--match", "nothing"}, []string{diff.RuleAPIOperationDeprecated, diff.RuleDescriptionChanged}},
		{[]string{"--match", "rev.yaml", "--level", "warning", "--rule", "response-*"}, upTo(diff.LevelWarning, diff.RuleResponsePropertyTypeChanged, diff.RuleResponseOptionalPropertyRemoved)},
	} {
		r := decodeReport(t, runBinaryIn(t, dir, nil, append([]string{"diff", base, rev, "--format", "json"}, tc.args...)...))
		got := findingIDs(r)
		if strings.Join(sortedCopy(got), ",") != strings.Join(sortedCopy(tc.want), ",") || r.Hidden != len(every)-len(tc.want) {
			t.Errorf("%v: %v (hidden %d), want %v (hidden %d)", tc.args, got, r.Hidden, tc.want, len(every)-len(tc.want))
		}
		if want := countBreaking(tc.want); r.Summary.Breaking != want {
			t.Errorf("%v: summary counts %d breaking, want %d", tc.args, r.Summary.Breaking, want)
		}
	}
	// The gate judges what is shown.
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"--fail-on", "breaking"}, exitThreshold},
		{[]string{"--fail-on", "breaking", "--rule", diff.RuleResponseOptionalPropertyRemoved}, exitOK},
		{[]string{"--fail-on", "warning", "--rule", diff.RuleResponseOptionalPropertyRemoved}, exitThreshold},
		{[]string{"--fail-on", "warning", "--rule", diff.RuleDescriptionChanged}, exitOK},
		{[]string{"--fail-on", "changes", "--rule", diff.RuleDescriptionChanged}, exitThreshold},
	} {
		if res := runBinaryIn(t, dir, nil, append([]string{"diff", base, rev}, tc.args...)...); res.code != tc.code {
			t.Errorf("%v: exit %d, want %d\n%s", tc.args, res.code, tc.code, res.stderr)
		}
	}
	if res := runBinaryIn(t, dir, nil, "diff", base, rev, "--rule", "response-property-type-chnaged"); res.code != exitUsage || !strings.Contains(res.stderr, "did you mean response-property-type-changed?") {
		t.Errorf("a mistyped --rule: exit %d %s", res.code, res.stderr)
	}
	if res := runBinaryIn(t, dir, nil, "diff", base, rev, "--level", "severe"); res.code != exitUsage {
		t.Errorf("--level severe: exit %d", res.code)
	}
}

func sortedCopy(s []string) []string {
	c := append([]string(nil), s...)
	for i := range c {
		for j := i + 1; j < len(c); j++ {
			if c[j] < c[i] {
				c[i], c[j] = c[j], c[i]
			}
		}
	}
	return c
}

func rankOf(l diff.Level) int {
	return map[diff.Level]int{diff.LevelBreaking: 0, diff.LevelWarning: 1, diff.LevelInfo: 2}[l]
}

func countBreaking(ids []string) int {
	n := 0
	for _, id := range ids {
		if r, ok := diff.RuleByID(id); ok && r.Level == diff.LevelBreaking {
			n++
		}
	}
	return n
}

// TestIgnoreFileThroughTheBinary: an ignore entry takes its findings out
// of the gate and lists them apart with the reason; an expired entry warns
// and its findings count again; the config's ignore: works like --ignore.
func TestIgnoreFileThroughTheBinary(t *testing.T) {
	dir, base, rev := reportDocs(t)
	tomorrow := time.Now().AddDate(0, 0, 1).Format(time.DateOnly)
	ignoreFile := filepath.Join(dir, "ignore.yaml")
	write := func(path, body string) {
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(ignoreFile, `ignore:
  - rule: response-property-type-changed
    operation: "GET /books/*"
    reason: the mobile app reads title as a number since 4.2
    expires: `+tomorrow+`
  - rule: api-operation-deprecated
    key: "*"
    reason: authors move to v2
    expires: 2020-01-31
`)
	res := runBinaryIn(t, dir, nil, "diff", base, rev, "--ignore", ignoreFile, "--fail-on", "breaking")
	if res.code != exitOK {
		t.Fatalf("the only breaking finding is ignored, yet exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if !strings.Contains(res.stdout, "Ignored (1, accepted by the ignore list)") || !strings.Contains(res.stdout, "ignored: the mobile app reads title as a number since 4.2 (") {
		t.Errorf("the ignored finding is not listed with its reason:\n%s", res.stdout)
	}
	if !strings.Contains(res.stderr, "ignore.yaml:6 (rule api-operation-deprecated) expired on 2020-01-31") {
		t.Errorf("no warning for the expired entry: %q", res.stderr)
	}
	r := decodeReport(t, runBinaryIn(t, dir, nil, "diff", base, rev, "--ignore", ignoreFile, "--format", "json"))
	if len(r.Ignored) != 1 || r.Ignored[0].Finding.ID != diff.RuleResponsePropertyTypeChanged || r.Summary.Breaking != 0 {
		t.Errorf("json: ignored %+v, summary %+v", r.Ignored, r.Summary)
	}
	if ids := findingIDs(r); len(ids) != 3 || !strings.Contains(strings.Join(ids, ","), diff.RuleAPIOperationDeprecated) {
		t.Errorf("the expired entry still hides its finding: %v", ids)
	}
	// Expired: the same entry, run as of a day past its expiry, no longer
	// applies, and the gate fails again.
	write(ignoreFile, strings.Replace(mustRead(t, ignoreFile), tomorrow, "2021-06-30", 1))
	res = runBinaryIn(t, dir, nil, "diff", base, rev, "--ignore", ignoreFile, "--fail-on", "breaking")
	if res.code != exitThreshold || !strings.Contains(res.stderr, "expired on 2021-06-30") || strings.Contains(res.stdout, "Ignored") {
		t.Errorf("expired entry: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	// The config's ignore: is the default list.
	write(filepath.Join(dir, "specharvest.yaml"), `ignore:
  - rule: "*"
    key: rev.yaml
    reason: a pair of test documents
`)
	res = runBinaryIn(t, dir, nil, "diff", base, rev, "--fail-on", "changes")
	if res.code != exitOK || !strings.Contains(res.stdout, "Ignored (4,") || !strings.Contains(res.stdout, "No changes.") {
		t.Errorf("config ignore: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	// A bad entry is a config error naming its line.
	write(ignoreFile, "ignore:\n  - rule: x\n    key: y\n  - rule: api-operation-deprecated\n    key: \"*\"\n")
	if res := runBinaryIn(t, dir, nil, "diff", base, rev, "--ignore", ignoreFile); res.code != exitUsage || !strings.Contains(res.stderr, "ignore.yaml:2: ignore[0]: reason is required") {
		t.Errorf("an entry without a reason: exit %d %s", res.code, res.stderr)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestIgnoreEntryUnusedFor30Days: an entry that matched no finding in any
// snapshot of the last 30 days is reported unused; one that did is not.
// The store's own changes.json of each night is the history.
func TestIgnoreEntryUnusedFor30Days(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "store")
	ctx := context.Background()
	st, err := output.Create(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	for i, age := range []int{40, 20, 1} {
		started := now.AddDate(0, 0, -age)
		prev, _ := st.Latest(ctx)
		w, err := st.NewSnapshot(ctx, started)
		if err != nil {
			t.Fatal(err)
		}
		sha, size, err := st.PutBlobBytes(ctx, []byte(fmt.Sprintf(`{"openapi":"3.0.0","info":{"title":"t","version":"%d"},"paths":{}}`, i)))
		if err != nil {
			t.Fatal(err)
		}
		if prev != "" {
			c := diff.Changes{Base: prev, Groups: []diff.GroupChanges{{Key: "prod/a/b/c", Change: diff.GroupChanged}}}
			if age == 20 {
				c.Groups[0].Changes = []diff.Finding{{ID: diff.RuleAPIOperationDeprecated, Level: diff.LevelWarning, Operation: "GET /x", Message: "deprecated"}}
			}
			data, _ := json.Marshal(c)
			if err := w.WriteFile(ctx, changesJSONFile, data); err != nil {
				t.Fatal(err)
			}
		}
		m := &output.Manifest{Previous: prev, Finished: started.Add(time.Minute), ToolVersion: "test",
			Specs: []output.SpecEntry{{Key: "prod/a/b/c", Source: "prod", Status: output.StatusOK, SHA256: sha, Bytes: size, OpenAPI: "3.0.0", Valid: true}}}
		if err := w.Commit(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	ignoreFile := filepath.Join(dir, "ignore.yaml")
	if err := os.WriteFile(ignoreFile, []byte(`ignore:
  - rule: api-operation-deprecated
    key: prod/a/*
    reason: matched twenty days ago
  - rule: request-parameter-became-required
    key: prod/*
    reason: never matched
`), 0o644); err != nil {
		t.Fatal(err)
	}
	res := runBinaryIn(t, dir, nil, "diff", "latest~1", "latest", "--store", store, "--ignore", ignoreFile)
	if !strings.Contains(res.stderr, "ignore.yaml:5 (rule request-parameter-became-required) matched nothing in the last 30 days") {
		t.Errorf("the unused entry is not reported: %s", res.stderr)
	}
	if strings.Contains(res.stderr, "ignore.yaml:2") {
		t.Errorf("an entry used 20 days ago is reported: %s", res.stderr)
	}
	// Two documents have no history: nothing can be called unused.
	ddir, base, rev := reportDocs(t)
	if res := runBinaryIn(t, ddir, nil, "diff", base, rev, "--ignore", ignoreFile); strings.Contains(res.stderr, "matched nothing") {
		t.Errorf("unused reported without a store: %s", res.stderr)
	}
}

// TestReportFormatsThroughTheBinary: GitHub workflow commands with a
// title per finding, and JUnit XML valid against a JUnit XSD by xmllint,
// one test case per group and a failure per breaking finding.
func TestReportFormatsThroughTheBinary(t *testing.T) {
	dir, base, rev := reportDocs(t)
	gh := runBinaryIn(t, dir, nil, "diff", base, rev, "--format", "github", "--fail-on", "breaking")
	if gh.code != exitThreshold {
		t.Errorf("github format with --fail-on breaking: exit %d", gh.code)
	}
	lines := strings.Split(strings.TrimSpace(gh.stdout), "\n")
	counts := map[string]int{}
	for _, l := range lines {
		for _, cmd := range []string{"::error title=", "::warning title=", "::notice title="} {
			if strings.HasPrefix(l, cmd) {
				counts[cmd]++
				if !strings.Contains(l, " in rev.yaml::") {
					t.Errorf("a workflow command without its rule and group as title: %q", l)
				}
			}
		}
	}
	levels := map[diff.Level]int{}
	for _, id := range []string{diff.RuleResponsePropertyTypeChanged, diff.RuleResponseOptionalPropertyRemoved, diff.RuleAPIOperationDeprecated, diff.RuleDescriptionChanged} {
		r, _ := diff.RuleByID(id)
		levels[r.Level]++
	}
	if counts["::error title="] != levels[diff.LevelBreaking] || counts["::warning title="] != levels[diff.LevelWarning] || counts["::notice title="] != levels[diff.LevelInfo] {
		t.Errorf("github: %v\n%s", counts, gh.stdout)
	}
	if !strings.Contains(gh.stdout, "::error title=response-property-type-changed in rev.yaml::GET /books/{id}: ") {
		t.Errorf("github: the breaking finding reads\n%s", gh.stdout)
	}

	junit := runBinaryIn(t, dir, nil, "diff", base, rev, "--format", "junit")
	var doc struct {
		Suites []struct {
			Cases []struct {
				Name     string `xml:"name,attr"`
				Failures []struct {
					Type string `xml:"type,attr"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal([]byte(junit.stdout), &doc); err != nil {
		t.Fatalf("junit: %v\n%s", err, junit.stdout)
	}
	if len(doc.Suites) != 1 || len(doc.Suites[0].Cases) != 1 || len(doc.Suites[0].Cases[0].Failures) != 1 ||
		doc.Suites[0].Cases[0].Failures[0].Type != diff.RuleResponsePropertyTypeChanged {
		t.Errorf("junit: %+v\n%s", doc, junit.stdout)
	}
	xmllintValidates(t, junit.stdout)

	// A fleet with several groups, a removed one and a stale one, through
	// the JUnit writer, is valid too.
	fleet := &diff.Changes{Base: "a", Revision: "b", Groups: []diff.GroupChanges{
		{Key: "prod/x/y/gone", Change: diff.GroupRemoved},
		{Key: "prod/x/y/new", Change: diff.GroupAdded},
		{Key: "prod/x/y/stale", Change: diff.GroupStale},
		{Key: "prod/x/y/bad", Change: diff.GroupChanged, Error: "not <readable> & \"odd\"", Changes: []diff.Finding{
			{ID: "a", Level: diff.LevelBreaking, Message: "one ]]> two"}, {ID: "b", Level: diff.LevelBreaking, Message: "\x01 control"}}},
	}}
	var b strings.Builder
	r, _ := output.NarrowReport(fleet, output.ReportFilter{}, nil, time.Now())
	if err := output.WriteReport(&b, r, "junit", output.Style{}); err != nil {
		t.Fatal(err)
	}
	if strings.Count(b.String(), "<failure") != 3 || strings.Count(b.String(), "<testcase") != 4 || !strings.Contains(b.String(), "<skipped") {
		t.Errorf("fleet junit:\n%s", b.String())
	}
	xmllintValidates(t, b.String())
}

// xmllintValidates checks a report against testdata/junit.xsd with
// xmllint (Debian's libxml2-utils). CI installs it; a machine without it
// skips, saying so, unless SPECHARVEST_REQUIRE_XMLLINT is set (.ci/run sets it).
func xmllintValidates(t *testing.T, report string) {
	t.Helper()
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		if os.Getenv("SPECHARVEST_REQUIRE_XMLLINT") != "" {
			t.Fatal("xmllint is not installed; .ci/run installs libxml2-utils")
		}
		t.Skip("xmllint is not installed (apt-get install libxml2-utils): the JUnit report was not checked against the XSD")
	}
	path := filepath.Join(t.TempDir(), "report.xml")
	if err := os.WriteFile(path, []byte(report), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(xmllint, "--noout", "--schema", "testdata/junit.xsd", path).CombinedOutput()
	if err != nil {
		t.Fatalf("xmllint rejects the JUnit report: %v\n%s\n%s", err, out, report)
	}
}

// TestColourFollowsTheTerminalAndNO_COLOR runs the binary on a real
// terminal (script(1) gives it one): colour by default there, none with
// NO_COLOR or --color never, and --color always colours a pipe too.
func TestColourFollowsTheTerminalAndNO_COLOR(t *testing.T) {
	dir, base, rev := reportDocs(t)
	const esc = "\033["
	if res := runBinaryIn(t, dir, nil, "diff", base, rev); strings.Contains(res.stdout, esc) {
		t.Errorf("colour on a pipe by default")
	}
	if res := runBinaryIn(t, dir, nil, "diff", base, rev, "--color", "always"); !strings.Contains(res.stdout, "\033[1m\033[31mBREAKING") {
		t.Errorf("--color always: no red breaking badge:\n%q", res.stdout)
	}
	if res := runBinaryIn(t, dir, []string{"NO_COLOR=1"}, "diff", base, rev, "--color", "always"); !strings.Contains(res.stdout, esc) {
		t.Errorf("--color always loses to NO_COLOR; the flag is the more explicit")
	}
	script, err := exec.LookPath("script")
	if err != nil {
		t.Skip("script(1) is not installed: cannot give the binary a terminal")
	}
	onTerminal := func(env ...string) string {
		cmdline := fmt.Sprintf("%s diff %s %s", specharvestBinary(t), base, rev)
		cmd := exec.Command(script, "-qec", cmdline, "/dev/null")
		cmd.Dir = dir
		cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "TERM=xterm"}, env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("script: %v\n%s", err, out)
		}
		return string(out)
	}
	if out := onTerminal(); !strings.Contains(out, esc) || !strings.Contains(out, "BREAKING") {
		t.Errorf("no colour on a terminal:\n%q", out)
	}
	if out := onTerminal("NO_COLOR=1"); strings.Contains(out, esc) || !strings.Contains(out, "BREAKING") {
		t.Errorf("colour despite NO_COLOR:\n%q", out)
	}
}
