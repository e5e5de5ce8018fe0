package diff

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pb33f/go-yaml"
)

// yamlAgrees fails unless scanYAML reads data as go-yaml and fromYAML do,
// or refuses it (the general parser then reads it).
func yamlAgrees(t testing.TB, data []byte) (accepted bool) {
	t.Helper()
	got, errGot := scanYAML(data)
	if errGot != nil {
		return false
	}
	want, errWant := parseYAML(data)
	if errWant != nil {
		t.Fatalf("scanYAML read %q, which go-yaml and fromYAML refuse (%v)", data, errWant)
	}
	if !sameTree(got, want) {
		t.Fatalf("scanYAML read %q differently:\ngot:  %s\nwant: %s", data, appendNode(nil, got), appendNode(nil, want))
	}
	return true
}

// yamlAccepted are snippets of every construct scanYAML reads; each must
// be read, and read as go-yaml reads it.
var yamlAccepted = []string{
	"a: 1\n", "a: b\nc: d", "---\na: 1\n", "--- # start\na: 1\n", "# head\n\na: 1 # trailing\n# tail\n",
	"  a: 1\n  b: 2\n",
	// Nesting, sequences, indentless sequences, compact forms.
	"a:\n  b:\n    c: 1\n  d: 2\ne: 3\n",
	"a:\n  - 1\n  - x\n  -\n  - - y\n    - z\n  - k: v\n    l: w\n",
	"a:\n- 1\n- b: 2\n  c:\n  - 3\nd: 4\n",
	"a:\n    -   x: 1\n        y: 2\n    -   z\n",
	"a:\n  -\n    b: 1\n  - # comment\n    c: 2\n",
	"a:\nb:\n  # only a comment\nc: ~\n",
	// Plain scalars: multi-line, comments, colons and hashes inside.
	"a: one\n  two\n\n  three\n\n\n   four\nb: 1\n",
	"a:\n  one two\n  three\n", "a: x\n  - y\n  `z`\n  [w]\n  ? v\n  'u'\n  &t\n  *s\n  !r\n  |q\n  %p\n",
	"a: http://x.y/z#frag\nb: a:b\nc: x # c\nd: 'q' # c\n",
	"a: b  c   \nd:   e\n",
	"key with spaces  : v\n-k: -v\n",
	// Types.
	"a: [true, false, null, ~, Null, NULL, 0, -0, -0.0, 1.5, -2e10, 3E+2, 1e400, x, 1.2.3, 12abc, -x, 0.5.1, 2024-01, 2024-01-01x, 20240101]\n",
	"a: yes\nb: no\nc: on\nd: off\ne: y\nf: n\ng: .\nh: .x\ni: +\nj: <\nk: nULL\nl: tRUE\n",
	"a: 123456789012345678901234567890\nb: 9223372036854775808\nc: 18446744073709551616\nd: -9223372036854775809\n",
	"200: ok\n404:\n  x: 1\n~: n\ntrue: t\n1.5: f\n",
	// Quoted scalars.
	`a: "x\"y\\z\n\t\u00e9\U0001F600\x41\0\a\b\v\f\r\e\ \N\_\L\P\'"` + "\n",
	"a: 'it''s'\nb: ''\nc: \"\"\n'k 1': 1\n\"k\\n2\": 2\n'': 3\n",
	"a: \"one\n  two\n\n  three\\\n  four \\\n  five\"\n",
	"a: 'one\n  two   \n\n\n    three'\n",
	"a: \"x\" # c\n", "a: \"x\ny\"\n", "a: 'x\n\n'\nb:\n  - \"y\nz\"\n",
	// Block scalars.
	"a: |\n  one\n  two\n\n  three\nb: 1\n",
	"a: >\n  one\n  two\n\n  three\n    more\n  four\nb: 1\n",
	"a: |-\n  x\n\n\nb: |+\n  y\n\n\nc: >-\n  z\nd: |2\n    w\n   v\n",
	"a: |  # comment\n  x\n\n  # not a comment\n# a comment\nb: >+\n\n  x\n",
	"a: |\n\n  x\n   \n  y\n",
	"a:\n- |\n  x\n- >\n  y\n  z\n",
	"a: |\nb: 1\n", "a: >\n", "a: |+\n\n", "a: |-1\n  x\n", "a: >2-\n    x\n",
	// Flow collections.
	"a: []\nb: {}\nc: [a, 'b', \"c\", [d], {e: f}]\nd: {a: 1, 'b': [2, 3], \"c\": {}}\n",
	"a: [\n    one,\n    two # c\n  ]\nb: {x: 1,\n  y: 2}\n",
	"a: [one two, -1, x-y]\n",
	"a:\n  - [a, b]\n  - {c: d}\n",
	// Duplicate keys are kept in order, as go-yaml keeps them.
	"a: 1\na: 2\n",
	"a: é ü — 😀\n",
	// CR LF line breaks, in every kind of scalar.
	"a: 1\r\nb: |\r\n  x\r\n\r\n  y\r\nc: \"p\r\n  q \\\r\n  r\"\r\nd: s\r\n  t\r\ne: [u,\r\n  v]\r\n",
}

// yamlRefused are constructs scanYAML leaves to go-yaml.
var yamlRefused = []string{
	"a: &x 1\nb: *x\n", "a: !!str 1\n", "<<: {a: 1}\n", "? a\n: 1\n", "%YAML 1.2\n---\na: 1\n",
	"a: 1\n---\nb: 2\n", "a: 1\n...\n", "a:\tb\n", "a: 1\rb: 2\r", "\ufeffa: 1\n",
	"a: \u0085\n", "a: \x01\n", "a: \xff\n", "- a\n", "a\n", "", "# only\n",
	"a: [b, ]\n", "a: {b}\n", "a: {b: }\n", "a: [b:c]\n", "a: \"x\"y\n", "[a]: b\n",
	"a: b\n  c: d\n", "a:\n  b: 1\n c: 2\n", "a: 1\n- b\n", "a: |\n\n    \n  x\n",
	"\"a\nb\": 1\n", "a: \"\\/\"\n", "a: \"\\q\"\n", "a: \"\\ud800\"\n",
	"a: [\nb]\n", "- [a]\n", "a: 012\n", "a: 0x1F\n", "a: 0o17\n", "a: 1_000\n", "a: +1\n", "a: .5\n",
	"a: 1.\n", "a: 1.e5\n", "a: -.5\n", "a: True\n", "a: .inf\n", "a: -.Inf\n", "a: .NaN\n", "a: 2024-01-01\n",
	"a: 2024-1-1 10:00:00\n", "a: 2001-12-14t21:59:43.10-05:00\n", "a: -\n", "a: [b, .5]\n", "a: {b: 1_0}\n", "- x\n", "a: - x\n", "a: b\n  # c\n  d\n", "a: @x\n", "a: `x`\n", "a: |0\n x\n",
}

// TestScanYAML: every construct of the subset is read as go-yaml reads
// it; what is outside it is refused, and parseTree still reads it (with
// go-yaml) exactly as before.
func TestScanYAML(t *testing.T) {
	for _, doc := range yamlAccepted {
		if !yamlAgrees(t, []byte(doc)) {
			_, err := scanYAML([]byte(doc))
			t.Errorf("scanYAML refused %q: %v", doc, err)
		}
	}
	for _, doc := range yamlRefused {
		if _, err := scanYAML([]byte(doc)); err == nil {
			t.Errorf("scanYAML read %q", doc)
			continue
		}
		got, errGot := parseTree([]byte(doc))
		want, errWant := parseYAML([]byte(doc))
		if (errGot == nil) != (errWant == nil) || !sameTree(got, want) {
			t.Errorf("%q: parseTree (%v) does not fall back to go-yaml (%v)", doc, errGot, errWant)
		}
		if errGot != nil && !errors.Is(errGot, errNoPrune) {
			t.Errorf("%q: parseTree's error %v is not errNoPrune", doc, errGot)
		}
	}
}

// yamlStyles writes a tree as YAML in the styles real documents come in.
var yamlStyles = []struct {
	name string
	opts []yaml.Option
	// node styles: quote every string value, literal blocks for multi-line
	// strings, flow sequences of scalars.
	quoted, blocks, flow bool
}{
	{name: "go-yaml, indent 2", opts: []yaml.Option{yaml.WithV3Defaults(), yaml.WithIndent(2)}},
	{name: "indent 4, quoted, flow lists", opts: []yaml.Option{yaml.WithV3Defaults(), yaml.WithIndent(4), yaml.WithLineWidth(-1)}, quoted: true, flow: true},
	{name: "indentless lists, single quotes, block scalars", opts: []yaml.Option{yaml.WithV4Defaults(), yaml.WithLineWidth(60)}, blocks: true},
}

func yamlNodeOf(n *tnode, quoted, blocks, flow bool) *yaml.Node {
	switch n.kind {
	case 'o':
		y := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		for i, k := range n.keys {
			y.Content = append(y.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k},
				yamlNodeOf(n.items[i], quoted, blocks, flow))
		}
		return y
	case 'a':
		y := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		scalars := len(n.items) > 0
		for _, c := range n.items {
			y.Content = append(y.Content, yamlNodeOf(c, quoted, blocks, flow))
			scalars = scalars && c.kind != 'o' && c.kind != 'a'
		}
		if flow && scalars {
			y.Style = yaml.FlowStyle
		}
		return y
	case 's':
		y := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: n.text}
		switch {
		case blocks && strings.Contains(n.text, "\n"):
			y.Style = yaml.LiteralStyle
		case quoted:
			y.Style = yaml.DoubleQuotedStyle
		}
		return y
	}
	tag := "!!float"
	switch {
	case n.text == "true" || n.text == "false":
		tag = "!!bool"
	case n.text == "null":
		tag = "!!null"
	case !strings.ContainsAny(n.text, ".eE"):
		tag = "!!int"
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: n.text}
}

func toYAML(tb testing.TB, data []byte, style int) []byte {
	tb.Helper()
	tree, err := scanJSON(data)
	if err != nil {
		tb.Fatal(err)
	}
	st := yamlStyles[style]
	out, err := yaml.Dump(yamlNodeOf(tree, st.quoted, st.blocks, st.flow), st.opts...)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// TestScanYAMLStripe: the Stripe releases written as YAML in several
// styles are read by scanYAML — not refused — exactly as go-yaml reads
// them, and as the JSON they came from.
func TestScanYAMLStripe(t *testing.T) {
	dir := stripeCorpusDir(t)
	versions := []int{90, 120, 121, 122, 123, 124, 125, 126, 127}
	if testing.Short() {
		versions = []int{90, 127}
	}
	for _, v := range versions {
		data, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("spec3-v%d.json", v)))
		if err != nil {
			t.Fatal(err)
		}
		fromJSON, err := scanJSON(data)
		if err != nil {
			t.Fatal(err)
		}
		for i, st := range yamlStyles {
			doc := toYAML(t, data, i)
			got, err := scanYAML(doc)
			if err != nil {
				t.Fatalf("v%d as %s: scanYAML refused it: %v", v, st.name, err)
			}
			if !yamlAgrees(t, doc) {
				t.Fatalf("v%d as %s: refused", v, st.name)
			}
			if !sameTree(got, fromJSON) {
				t.Fatalf("v%d as %s: not the tree of the JSON document", v, st.name)
			}
			if i == 0 {
				crlf := bytes.ReplaceAll(doc, []byte("\n"), []byte("\r\n"))
				if got, err := scanYAML(crlf); err != nil || !sameTree(got, fromJSON) {
					t.Fatalf("v%d as %s with CR LF line breaks: refused (%v) or read differently", v, st.name, err)
				}
			}
		}
	}
}

// TestScanYAMLXano: the Xano documents written as YAML in each style are
// read by scanYAML, not refused, as go-yaml reads them.
func TestScanYAMLXano(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(sharedDir(t, filepath.Join("fixtures", "xano")), "*.json"))
	if len(files) == 0 {
		t.Skip("no Xano fixtures")
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for i, st := range yamlStyles {
			doc := toYAML(t, data, i)
			if _, err := scanYAML(doc); err != nil || !yamlAgrees(t, doc) {
				t.Fatalf("%s as %s: refused: %v", filepath.Base(file), st.name, err)
			}
		}
	}
}

// TestScanYAMLFallback: a real document with one construct scanYAML
// refuses gets the same pre-pass result as when the general parser
// reads it, and the pre-pass still prunes it.
func TestScanYAMLFallback(t *testing.T) {
	dir := stripeCorpusDir(t)
	var docs [2][]byte
	for i, v := range []int{126, 127} {
		data, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("spec3-v%d.json", v)))
		if err != nil {
			t.Fatal(err)
		}
		docs[i] = toYAML(t, data, 0)
	}
	for _, construct := range []string{
		"x-anchor: &a 1\n", "x-tag: !!str 1\n", "x-tab: \"a\tb\"\n", "x-comma: [a, ]\n",
		"? x-complex\n: 1\n", "x-bom: \"\ufeff\"\n",
	} {
		var edited [2][]byte
		for i, doc := range docs {
			edited[i] = append([]byte(construct), doc...)
			if _, err := scanYAML(edited[i]); err == nil {
				t.Fatalf("%q: scanYAML read it", construct)
			}
		}
		b, r, n, err := pruneUnchanged(edited[0], edited[1])
		if err != nil || n.dropped+n.stubbed == 0 {
			t.Fatalf("%q: the pre-pass did not prune (%v, %+v)", construct, err, n)
		}
		// The same, reading both sides with go-yaml alone.
		var trees [2]*tnode
		for i := range edited {
			if trees[i], err = parseYAML(edited[i]); err != nil {
				t.Fatal(err)
			}
		}
		bu, err := newUnitIndex(trees[0])
		if err != nil {
			t.Fatal(err)
		}
		ru, err := newUnitIndex(trees[1])
		if err != nil {
			t.Fatal(err)
		}
		plan := plan(bu, ru)
		if string(b) != string(emitJSON(bu, plan.drop, plan.baseStubs)) || string(r) != string(emitJSON(ru, plan.drop, plan.revisionStubs)) {
			t.Fatalf("%q: the pre-pass's documents differ from go-yaml's", construct)
		}
	}
}

// FuzzScanYAML: whatever scanYAML accepts, go-yaml and fromYAML read to
// the same tree.
func FuzzScanYAML(f *testing.F) {
	for _, doc := range yamlAccepted {
		f.Add([]byte(doc))
	}
	for _, doc := range yamlRefused {
		f.Add([]byte(doc))
	}
	f.Add([]byte(exampleYAMLDocument))
	// The Xano documents written as YAML in two styles, when the shared
	// fixtures are there.
	if dir, err := filepath.Abs("."); err == nil {
		for ; filepath.Dir(dir) != dir; dir = filepath.Dir(dir) {
			files, _ := filepath.Glob(filepath.Join(dir, "shared", "fixtures", "xano", "*.json"))
			for _, file := range files {
				data, err := os.ReadFile(file)
				if err != nil {
					f.Fatal(err)
				}
				f.Add(toYAML(f, data, 0))
				f.Add(toYAML(f, data, 2))
			}
			if len(files) > 0 {
				break
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		yamlAgrees(t, data)
	})
}

// exampleYAMLDocument is a small vendor-style document, as a fuzz seed.
const exampleYAMLDocument = `openapi: 3.0.3
info:
  title: Pets
  version: "1.0"
  description: >-
    A sample API
    for pets.
servers:
- url: https://api.example.com/v1
paths:
  /pets/{id}:
    get:
      operationId: getPet
      tags: [pets]
      parameters:
        - name: id
          in: path
          required: true
          schema:
            type: string
            pattern: '^[a-z]+$'
      responses:
        '200':
          description: OK
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Pet'
components:
  schemas:
    Pet:
      type: object
      required: [id, name]
      properties:
        id: {type: integer, format: int64, minimum: 1}
        name:
          type: string
          example: "Rex"
        tag:
          type: string
          nullable: true
          description: |
            A free-form tag.
            Several lines.
`

// BenchmarkParseTreeYAML reads a Stripe release written as YAML (3.2 MB)
// with go-yaml and fromYAML, and with scanYAML.
func BenchmarkParseTreeYAML(b *testing.B) {
	_, revision := stripeCorpus(b)
	doc := toYAML(b, revision, 0)
	b.SetBytes(int64(len(doc)))
	for _, reader := range []struct {
		name string
		read func([]byte) (*tnode, error)
	}{{"go-yaml", parseYAML}, {"scanYAML", scanYAML}} {
		b.Run(reader.name, func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := reader.read(doc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// randomTree builds a document of every shape scanYAML must read, with
// strings that look like other things (numbers, booleans, dates,
// comments, indicators) and strings over several lines.
func randomTree(rng *rand.Rand, depth int) *tnode {
	words := []string{"a", "id", "the value", "x: y", "a #b", "#c", "- d", "? e", "[f]", "{g}", "h,i", "'j'", `"k"`,
		"012", "0x1F", "1e5", "1_000", "true", "True", "yes", "null", "~", "2024-01-01", ".inf", "-", "", " lead", "trail ",
		"é ü — 😀", "line one\nline two", "para\n\nnext", "ends\n", "a\\b", "tab-less", "<<", "%x", "@y", "`z`", "*w", "&v", "!u",
		"long text that goes on and on past the width at which an emitter folds its lines, and then some more",
		"  indented\n    more\n  back", "a: b\nc: d", "x\n\n\n", "\n", "---", "...", "- [a, b]"}
	word := func() string { return words[rng.IntN(len(words))] }
	if depth > 4 || depth > 0 && rng.IntN(3) == 0 {
		switch rng.IntN(4) {
		case 0:
			lits := []string{"0", "-0", "1", "-17", "3.25", "-2e-3", "1E+10", "true", "false", "null", "123456789012345678901234567890"}
			return &tnode{kind: 'l', text: lits[rng.IntN(len(lits))]}
		default:
			return &tnode{kind: 's', text: word()}
		}
	}
	n := &tnode{kind: 'o'}
	if depth > 0 && rng.IntN(3) == 0 {
		n.kind = 'a'
	}
	for range rng.IntN(5) + boolInt(depth == 0) {
		if n.kind == 'o' {
			// Keys on one line: the emitter writes others as complex keys.
			n.keys = append(n.keys, strings.ReplaceAll(word(), "\n", " "))
		}
		n.items = append(n.items, randomTree(rng, depth+1))
	}
	return n
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestScanYAMLEmitted: random documents, written by go-yaml's emitter in
// random styles (indentation, compact sequences, line width, quoting,
// flow collections, literal and folded blocks), are read by scanYAML as
// go-yaml reads them; and most of them are read, not refused.
func TestScanYAMLEmitted(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 2026))
	cases := 3000
	if testing.Short() {
		cases = 600
	}
	accepted := 0
	for range cases {
		tree := randomTree(rng, 0)
		y := yamlNodeOf(tree, false, false, false)
		var restyle func(n *yaml.Node)
		restyle = func(n *yaml.Node) {
			switch n.Kind {
			case yaml.ScalarNode:
				if n.Tag == "!!str" {
					n.Style = []yaml.Style{0, 0, yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle, yaml.LiteralStyle, yaml.FoldedStyle}[rng.IntN(6)]
				}
			case yaml.MappingNode, yaml.SequenceNode:
				if rng.IntN(6) == 0 {
					n.Style = yaml.FlowStyle
				}
			}
			for _, c := range n.Content {
				restyle(c)
			}
		}
		restyle(y)
		y.Style = 0 // a flow mapping at the top is JSON's path
		opts := []yaml.Option{yaml.WithV3Defaults(), yaml.WithIndent(2 + rng.IntN(5)), yaml.WithLineWidth([]int{-1, 20, 40, 80}[rng.IntN(4)]),
			yaml.WithCompactSeqIndent(rng.IntN(2) == 0)}
		doc, err := yaml.Dump(y, opts...)
		if err != nil {
			continue
		}
		if rng.IntN(8) == 0 {
			doc = bytes.ReplaceAll(doc, []byte("\n"), []byte("\r\n"))
		}
		if yamlAgrees(t, doc) {
			accepted++
		}
	}
	t.Logf("scanYAML read %d of %d emitted documents", accepted, cases)
	if accepted < cases/2 {
		t.Fatalf("scanYAML refused most emitted documents (%d of %d read)", accepted, cases)
	}
}

// TestScanYAMLLimits: long keys (go-yaml has no simple-key length limit
// for block keys on one line) and deep nesting read as go-yaml reads
// them; nesting past maxTreeDepth is refused, as fromYAML refuses it.
func TestScanYAMLLimits(t *testing.T) {
	for _, n := range []int{1000, 1030, 5000, 100000} {
		k := strings.Repeat("k", n)
		for _, doc := range []string{k + ": 1\n", "'" + k + "': 1\n", "a: [" + k + "]\n", "a: {" + k + ": 1}\n", "a:\n- " + k + ": 1\n"} {
			if !yamlAgrees(t, []byte(doc)) {
				t.Errorf("a %d-byte key refused", n)
			}
		}
	}
	nested := func(depth int) (block, flow string) {
		var b strings.Builder
		for i := range depth {
			b.WriteString(strings.Repeat(" ", i) + "k:\n")
		}
		return b.String(), "a: " + strings.Repeat("[", depth) + strings.Repeat("]", depth) + "\n"
	}
	for _, depth := range []int{maxTreeDepth - 1, maxTreeDepth + 1} {
		block, flow := nested(depth)
		for _, doc := range []string{block, flow} {
			if got := yamlAgrees(t, []byte(doc)); got != (depth < maxTreeDepth) {
				t.Errorf("depth %d: read %v", depth, got)
			}
		}
	}
}
