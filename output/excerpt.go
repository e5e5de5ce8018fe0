package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/specharvest/specharvest/internal/sniff"
)

// ParseDocument reads a stored document (JSON, or YAML) into plain maps,
// slices and scalars, which is all an excerpt needs.
func ParseDocument(data []byte) (any, error) {
	var doc any
	if sniff.JSON(data) {
		if err := json.Unmarshal(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), &doc); err == nil {
			return doc, nil
		}
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("parse document: %w", err)
	}
	return doc, nil
}

// Locate finds the part of doc a finding is about. A finding names its
// operation ("GET /users/{id}") and a location in the words of the diff,
// segments joined by dots: "request.parameters.query.page",
// "response.200.application/json.items[].total", "paths./auth/signup",
// "components.schemas.Address.city". Keys may hold dots themselves
// (paths, media types), so each step takes the longest key of the node
// that the rest of the location starts with. The diff's words that are
// not keys are read the way OpenAPI nests them: request is the operation,
// response its responses, parameters.<in>.<name> the parameter of that
// name, a media type its schema, a property name the schema's
// properties, items[] the array's items; a $ref is followed.
//
// Locate returns the node reached, the path to it in the document (keys
// as written; a followed $ref restarts the path at its target), and how
// many segments of the location were consumed. A location it cannot
// follow to the end stops at the deepest node it reached; found is false
// only when not even the start (the operation, when named) exists.
func Locate(doc any, operation, location string, limit int) (node any, path []string, depth int, found bool) {
	l := &locator{root: doc}
	node, path = doc, nil
	rest := location
	if method, p, ok := strings.Cut(operation, " "); ok && !strings.HasPrefix(location, "paths.") && !strings.HasPrefix(location, "components.") {
		op := child(child(child(doc, "paths"), p), strings.ToLower(method))
		if op == nil {
			return nil, nil, 0, false
		}
		node, path = op, []string{"paths", p, strings.ToLower(method)}
	}
	for rest != "" && (limit < 0 || depth < limit) {
		next, steps, remaining, ok := l.step(node, rest)
		if !ok {
			break
		}
		node, rest = next, remaining
		for _, s := range steps {
			if strings.HasPrefix(s, "#/") {
				path = refPath(s)
				continue
			}
			path = append(path, s)
		}
		depth++
	}
	// A fragment that is only a $ref says nothing: show what it names.
	node, more := l.deref(node)
	for _, s := range more {
		path = refPath(s)
	}
	if location != "" && depth == 0 && len(path) == 0 {
		// Nothing of the location exists: the whole document is no excerpt.
		return nil, nil, 0, false
	}
	return node, path, depth, true
}

type locator struct{ root any }

// viaContainers are the objects the diff's words pass through without
// naming them: a schema's properties, a response's or body's content, a
// media type's schema, an array's items.
var viaContainers = [][]string{nil, {"properties"}, {"content"}, {"schema", "properties"}, {"schema"}, {"items", "properties"}}

// step consumes one segment of rest at node.
func (l *locator) step(node any, rest string) (any, []string, string, bool) {
	node, refSteps := l.deref(node)
	m, isMap := node.(map[string]any)
	if !isMap {
		return nil, nil, "", false
	}
	finish := func(n any, steps []string, remaining string, array bool) (any, []string, string, bool) {
		out := append(append([]string(nil), refSteps...), steps...)
		if array {
			n2, more := l.deref(n)
			if items := child(n2, "items"); items != nil {
				n = items
				out = append(append(out, more...), "items")
			}
		}
		return n, out, remaining, true
	}
	first, afterFirst, _ := strings.Cut(rest, ".")
	switch first {
	case "request":
		return finish(m, nil, afterFirst, false)
	case "response", "responses":
		if v := child(m, "responses"); v != nil {
			return finish(v, []string{"responses"}, afterFirst, false)
		}
	case "body", "requestBody":
		if v := child(m, "requestBody"); v != nil {
			return finish(v, []string{"requestBody"}, afterFirst, false)
		}
	case "parameters":
		// parameters.<in>.<name>: the parameter of that name and place.
		in, afterIn, _ := strings.Cut(afterFirst, ".")
		params, _ := child(m, "parameters").([]any)
		for i, p := range params {
			p, more := l.deref(p)
			pn, _ := child(p, "name").(string)
			pin, _ := child(p, "in").(string)
			if pin == in && pn != "" && (afterIn == pn || strings.HasPrefix(afterIn, pn+".")) {
				return finish(p, append([]string{"parameters", strconv.Itoa(i)}, more...), strings.TrimPrefix(strings.TrimPrefix(afterIn, pn), "."), false)
			}
		}
	}
	// The longest key, of the node or of a container it passes through,
	// that the rest of the location starts with (with [] for an array).
	var (
		bestSeg   string
		bestNode  any
		bestSteps []string
	)
	for _, via := range viaContainers {
		n, steps := any(m), []string(nil)
		for _, k := range via {
			var more []string
			n, more = l.deref(n)
			steps = append(append(steps, more...), k)
			n = child(n, k)
		}
		nm, ok := n.(map[string]any)
		if !ok {
			continue
		}
		for k, v := range nm {
			for _, seg := range []string{k, k + "[]"} {
				if len(seg) > len(bestSeg) && (rest == seg || strings.HasPrefix(rest, seg+".")) {
					bestSeg, bestNode = seg, v
					bestSteps = append(append([]string(nil), steps...), k)
				}
			}
		}
	}
	if bestSeg == "" {
		return nil, nil, "", false
	}
	return finish(bestNode, bestSteps, strings.TrimPrefix(strings.TrimPrefix(rest, bestSeg), "."), strings.HasSuffix(bestSeg, "[]"))
}

// deref follows local $refs (at most a few, so a cycle cannot hold it),
// returning the target and a step naming where it jumped.
func (l *locator) deref(n any) (any, []string) {
	var steps []string
	for range 8 {
		ref, ok := child(n, "$ref").(string)
		if !ok || !strings.HasPrefix(ref, "#/") {
			break
		}
		target := l.root
		for _, p := range strings.Split(ref[2:], "/") {
			p = strings.ReplaceAll(strings.ReplaceAll(p, "~1", "/"), "~0", "~")
			target = child(target, p)
		}
		if target == nil {
			break
		}
		n = target
		steps = append(steps, ref)
	}
	return n, steps
}

func refPath(ref string) []string {
	var out []string
	for _, p := range strings.Split(ref[2:], "/") {
		out = append(out, strings.ReplaceAll(strings.ReplaceAll(p, "~1", "/"), "~0", "~"))
	}
	return out
}

func child(n any, key string) any {
	switch v := n.(type) {
	case map[string]any:
		return v[key]
	case []any:
		i, err := strconv.Atoi(key)
		if err == nil && i >= 0 && i < len(v) {
			return v[i]
		}
	}
	return nil
}

// excerptLines renders a fragment as indented JSON, keys sorted, one
// line per slice element.
func excerptLines(node any) []string {
	data, err := json.MarshalIndent(node, "", "  ")
	if err != nil {
		return []string{fmt.Sprint(node)}
	}
	return strings.Split(string(data), "\n")
}

// pointer writes a document path as a JSON pointer.
func pointer(path []string) string {
	if len(path) == 0 {
		return ""
	}
	var b strings.Builder
	for _, p := range path {
		b.WriteByte('/')
		b.WriteString(strings.ReplaceAll(strings.ReplaceAll(p, "~", "~0"), "/", "~1"))
	}
	return b.String()
}

// DiffRow is one row of a side-by-side comparison. A side with Has false
// has no line in that row; Changed marks a line that is not on the other
// side.
type DiffRow struct {
	Left, Right               string
	HasLeft, HasRight         bool
	LeftChanged, RightChanged bool
}

// sameLine compares two lines of indented JSON as a reader would: a
// trailing comma only says something follows, so an element that gained
// a neighbour is not shown as changed.
func sameLine(a, b string) bool {
	return strings.TrimSuffix(a, ",") == strings.TrimSuffix(b, ",")
}

// maxDiffLines bounds the quadratic alignment; longer excerpts are
// compared after trimming their common head and tail, and what is still
// longer is shown as removed and added rather than aligned.
const maxDiffLines = 3000

// SideBySide aligns two excerpts line by line along a longest common
// subsequence: the lines both share are shown in one row unmarked; a
// line only one side has is marked, and a run of removed lines is paired
// with the run of added lines that replaces it. Reading the left column
// gives a, the right gives b.
func SideBySide(a, b []string) []DiffRow {
	head := 0
	for head < len(a) && head < len(b) && sameLine(a[head], b[head]) {
		head++
	}
	tail := 0
	for tail < len(a)-head && tail < len(b)-head && sameLine(a[len(a)-1-tail], b[len(b)-1-tail]) {
		tail++
	}
	var rows []DiffRow
	for i := 0; i < head; i++ {
		rows = append(rows, DiffRow{Left: a[i], Right: b[i], HasLeft: true, HasRight: true})
	}
	rows = append(rows, alignMiddle(a[head:len(a)-tail], b[head:len(b)-tail])...)
	for i := tail; i > 0; i-- {
		rows = append(rows, DiffRow{Left: a[len(a)-i], Right: b[len(b)-i], HasLeft: true, HasRight: true})
	}
	return rows
}

func alignMiddle(a, b []string) []DiffRow {
	if len(a) == 0 && len(b) == 0 {
		return nil
	}
	// lcs[i][j]: the length of the LCS of a[i:] and b[j:].
	var same [][2]int
	if len(a) <= maxDiffLines && len(b) <= maxDiffLines {
		lcs := make([][]int32, len(a)+1)
		for i := range lcs {
			lcs[i] = make([]int32, len(b)+1)
		}
		for i := len(a) - 1; i >= 0; i-- {
			for j := len(b) - 1; j >= 0; j-- {
				if sameLine(a[i], b[j]) {
					lcs[i][j] = lcs[i+1][j+1] + 1
				} else {
					lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
				}
			}
		}
		for i, j := 0, 0; i < len(a) && j < len(b); {
			switch {
			case sameLine(a[i], b[j]):
				same = append(same, [2]int{i, j})
				i++
				j++
			case lcs[i+1][j] >= lcs[i][j+1]:
				i++
			default:
				j++
			}
		}
	}
	same = append(same, [2]int{len(a), len(b)})
	var rows []DiffRow
	i, j := 0, 0
	for _, s := range same {
		// a[i:s[0]] removed, b[j:s[1]] added: paired row by row.
		for k := 0; i+k < s[0] || j+k < s[1]; k++ {
			r := DiffRow{}
			if i+k < s[0] {
				r.Left, r.HasLeft, r.LeftChanged = a[i+k], true, true
			}
			if j+k < s[1] {
				r.Right, r.HasRight, r.RightChanged = b[j+k], true, true
			}
			rows = append(rows, r)
		}
		if s[0] < len(a) {
			rows = append(rows, DiffRow{Left: a[s[0]], Right: b[s[1]], HasLeft: true, HasRight: true})
		}
		i, j = s[0]+1, s[1]+1
	}
	return rows
}

// Hunks keeps the rows within context rows of a changed one, and returns
// them with the index of each kept row, so gaps can be shown; with no
// changed row it keeps the first context*2 rows.
func Hunks(rows []DiffRow, context int) []int {
	keep := make([]bool, len(rows))
	any := false
	for i, r := range rows {
		if r.LeftChanged || r.RightChanged {
			any = true
			for k := max(0, i-context); k <= min(len(rows)-1, i+context); k++ {
				keep[k] = true
			}
		}
	}
	var out []int
	for i := range rows {
		if keep[i] || (!any && i < 2*context) {
			out = append(out, i)
		}
	}
	return out
}
