package diff

import (
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/pb33f/go-yaml"
)

// The first law: nothing silent. When two documents' contracts differ, the
// diff returns at least one finding.
//
// The rules above judge what they know on libopenapi's model. After they
// have run, the two documents' YAML trees are compared generically, every
// $ref followed (two references to one component schema stop there: the
// component is compared once, at the component). Each difference left is a
// rawChange. A rawChange some rule's finding already claims (same place,
// same operations, a keyword the rule judges) is done; the others are
// classified by keyword and direction (rule_keywords.go), and what no
// classification knows becomes contract-changed, a warning. So a rule can
// raise a change's level, but no rule is needed for a change to be seen.
//
// The contract is everything but documentation: descriptions, summaries,
// titles, examples, externalDocs and x- extensions (the documentation
// rules report those as info), plus the document's info block and
// openapi version, which describe the document rather than the API.

// changeKind says what happened to a keyword at a place.
type changeKind int

const (
	kindModified changeKind = iota
	kindAdded
	kindRemoved
)

// area is the kind of object a rawChange sits in, for classification.
type area int

const (
	areaSchema area = iota
	areaParameter
	areaBody
	areaResponse
	areaHeader
	areaOperation
	areaDocument
	areaSecurityScheme
	areaLink
	areaOther
)

// rawChange is one contract difference found by the generic comparison.
type rawChange struct {
	scope   findingScope
	dir     direction
	area    area
	param   bool // inside a parameter's own schema
	loc     string
	keyword string
	kind    changeKind
	old     *yaml.Node
	new     *yaml.Node
	// required: for a property added or removed, whether it was (or is)
	// required; for a response header, the same.
	required bool
	// oldText and newText override the rendering of old and new.
	oldText, newText string
}

// dirNone marks a walk over a component no operation uses.
const dirNone direction = -1

// nonContract keywords are documentation; they never make a contract
// change.
func nonContract(key string) bool {
	switch key {
	case "description", "summary", "title", "example", "examples", "externalDocs", "$comment":
		return true
	}
	return strings.HasPrefix(key, "x-")
}

// lawSite is where the generic walk is: direction, scope, area.
type lawSite struct {
	dir   direction
	scope findingScope
	area  area
	param bool
	// prefix goes before every location: "" for an operation's own
	// request and responses, "callbacks.<name>.<expr>.<method>." inside a
	// callback.
	prefix string
}

// flip swaps request and response: in callbacks and webhooks the API
// sends the request and the client answers.
func (s lawSite) flip() lawSite {
	switch s.dir {
	case dirRequest:
		s.dir = dirResponse
	case dirResponse:
		s.dir = dirRequest
	}
	return s
}

func (s lawSite) in(a area) lawSite {
	s.area = a
	return s
}

// lawWalker compares the two YAML trees.
type lawWalker struct {
	base, revision *yaml.Node // the documents' root mappings
	out            []rawChange
	visited        map[string]bool
	depth          int
	// bDocServers and rDocServers are the documents' own servers, which
	// an operation without servers of its own is served from.
	bDocServers, rDocServers *yaml.Node
}

func rootMapping(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	return n
}

func (w *lawWalker) emit(s lawSite, loc, keyword string, kind changeKind, old, new *yaml.Node) *rawChange {
	w.out = append(w.out, rawChange{scope: s.scope, dir: s.dir, area: s.area, param: s.param, loc: s.prefix + loc, keyword: keyword, kind: kind, old: old, new: new})
	return &w.out[len(w.out)-1]
}

// mapGet returns the value under key in a mapping node.
func mapGet(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// mapKeys lists a mapping's keys in document order.
func mapKeys(n *yaml.Node) []string {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	out := make([]string, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		out = append(out, n.Content[i].Value)
	}
	return out
}

// unionKeys lists the keys of both mappings, base order first.
func unionKeys(b, r *yaml.Node) []string {
	keys := mapKeys(b)
	for _, k := range mapKeys(r) {
		if mapGet(b, k) == nil {
			keys = append(keys, k)
		}
	}
	return keys
}

func refOf(n *yaml.Node) string {
	if ref := mapGet(n, "$ref"); ref != nil && ref.Kind == yaml.ScalarNode {
		return ref.Value
	}
	return ""
}

// resolve follows local $refs (a chain of them, bounded) to the node they
// name; a reference it cannot follow is returned as it is, so two
// identical dangling references compare equal.
func resolve(root, n *yaml.Node) *yaml.Node {
	for range 32 {
		for n != nil && n.Kind == yaml.AliasNode {
			n = n.Alias
		}
		ref := refOf(n)
		if ref == "" || !strings.HasPrefix(ref, "#/") {
			return n
		}
		target := pointer(root, ref[2:])
		if target == nil {
			return n
		}
		n = target
	}
	return n
}

// pointer walks a JSON pointer (without its "#/") from root.
func pointer(root *yaml.Node, p string) *yaml.Node {
	n := root
	for _, part := range strings.Split(p, "/") {
		if un, err := url.PathUnescape(part); err == nil {
			part = un
		}
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		switch {
		case n == nil:
			return nil
		case n.Kind == yaml.MappingNode:
			n = mapGet(n, part)
		case n.Kind == yaml.SequenceNode:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(n.Content) {
				return nil
			}
			n = n.Content[i]
		default:
			return nil
		}
	}
	return n
}

// falseByDefault and zeroByDefault keywords mean the same absent as at
// their default, so writing the default out is no change.
func defaultValue(key string) string {
	switch key {
	case "required", "deprecated", "nullable", "readOnly", "writeOnly", "allowEmptyValue", "allowReserved", "uniqueItems", "exclusiveMaximum", "exclusiveMinimum":
		return "false"
	case "minLength", "minItems", "minProperties":
		return "0"
	}
	return ""
}

// canon renders a node canonically for equality: keys sorted, numbers
// normalised, documentation left out, references not followed.
func canon(n *yaml.Node) string {
	var b strings.Builder
	writeCanon(&b, n, 0)
	return b.String()
}

func writeCanon(b *strings.Builder, n *yaml.Node, depth int) {
	if depth > 4*maxSchemaDepth {
		return
	}
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n == nil {
		return
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			writeCanon(b, c, depth+1)
		}
	case yaml.MappingNode:
		keys := mapKeys(n)
		slices.Sort(keys)
		b.WriteByte('{')
		first := true
		for _, k := range keys {
			if nonContract(k) {
				continue
			}
			v := mapGet(n, k)
			if def := defaultValue(k); def != "" && scalarText(v) == def {
				continue
			}
			if !first {
				b.WriteByte(',')
			}
			first = false
			b.WriteString(strconv.Quote(k))
			b.WriteByte(':')
			writeCanon(b, v, depth+1)
		}
		b.WriteByte('}')
	case yaml.SequenceNode:
		b.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				b.WriteByte(',')
			}
			writeCanon(b, c, depth+1)
		}
		b.WriteByte(']')
	default:
		b.WriteString(scalarText(n))
	}
}

// scalarText is a scalar's value, numbers normalised ("1.0" is "1").
func scalarText(n *yaml.Node) string {
	if n == nil {
		return ""
	}
	if n.Kind != yaml.ScalarNode {
		return canon(n)
	}
	if n.Tag == "!!int" || n.Tag == "!!float" {
		if f, err := strconv.ParseFloat(n.Value, 64); err == nil {
			return strconv.FormatFloat(f, 'g', -1, 64)
		}
	}
	// A string is quoted however it was written: `type: string` in YAML
	// and "type": "string" in JSON say the same, and so must their texts.
	if n.ShortTag() == "!!str" {
		return strconv.Quote(n.Value)
	}
	return n.Value
}

// valueText renders a keyword's value for a message, or at its default.
func valueText(key string, n *yaml.Node) string {
	if n == nil {
		if def := defaultValue(key); def != "" {
			return def
		}
		return "(none)"
	}
	s := canon(n)
	if n.Kind == yaml.ScalarNode {
		s = n.Value
	}
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}

// sameValue compares two values of one keyword, defaults included.
func sameValue(key string, b, r *yaml.Node) bool {
	bs, rs := canon(b), canon(r)
	if b != nil && b.Kind == yaml.ScalarNode {
		bs = scalarText(b)
	}
	if r != nil && r.Kind == yaml.ScalarNode {
		rs = scalarText(r)
	}
	if def := defaultValue(key); def != "" {
		if bs == "" {
			bs = def
		}
		if rs == "" {
			rs = def
		}
	}
	return bs == rs
}

// generic compares two objects keyword by keyword, following $refs,
// without knowing what they are. Nested objects become dotted locations.
func (w *lawWalker) generic(s lawSite, loc string, b, r *yaml.Node) {
	b, r = resolve(w.base, b), resolve(w.revision, r)
	if w.depth > 4*maxSchemaDepth {
		return
	}
	w.depth++
	defer func() { w.depth-- }()
	if b == nil || r == nil || b.Kind != yaml.MappingNode || r.Kind != yaml.MappingNode {
		return
	}
	for _, key := range unionKeys(b, r) {
		if nonContract(key) {
			continue
		}
		bv, rv := mapGet(b, key), mapGet(r, key)
		w.genericValue(s, loc, key, bv, rv)
	}
}

func (w *lawWalker) genericValue(s lawSite, loc, key string, bv, rv *yaml.Node) {
	switch {
	case sameValue(key, resolve(w.base, bv), resolve(w.revision, rv)) && canon(bv) == canon(rv):
	case bv == nil && defaultValue(key) == "":
		w.emit(s, loc, key, kindAdded, nil, rv)
	case rv == nil && defaultValue(key) == "":
		w.emit(s, loc, key, kindRemoved, bv, nil)
	default:
		rb, rr := resolve(w.base, bv), resolve(w.revision, rv)
		if rb != nil && rr != nil && rb.Kind == yaml.MappingNode && rr.Kind == yaml.MappingNode {
			if w.enterPair(refOf(bv), refOf(rv)) {
				w.generic(s, join(loc, key), rb, rr)
			}
			return
		}
		if !sameValue(key, rb, rr) {
			w.emit(s, loc, key, kindModified, bv, rv)
		}
	}
}

// enterPair guards a walk against $ref cycles: each pair of references is
// entered once per walk.
func (w *lawWalker) enterPair(bref, rref string) bool {
	if bref == "" && rref == "" {
		return true
	}
	pair := bref + "\x00" + rref
	if w.visited[pair] {
		return false
	}
	w.visited[pair] = true
	return true
}

func join(loc, key string) string {
	if loc == "" {
		return key
	}
	return loc + "." + key
}

// schema compares two schemas the way the schema rules see them, so a
// change lands at the location a rule would report it.
func (w *lawWalker) schema(s lawSite, loc string, bn, rn *yaml.Node) {
	if bn == nil && rn == nil {
		return
	}
	bref, rref := refOf(bn), refOf(rn)
	if bref != "" && bref == rref && strings.HasPrefix(bref, schemaRefPrefix) {
		return
	}
	if !w.enterPair(bref, rref) || w.depth > maxSchemaDepth {
		return
	}
	w.depth++
	defer func() { w.depth-- }()
	s.area = areaSchema
	b, r := resolve(w.base, bn), resolve(w.revision, rn)
	if b == nil || r == nil || b.Kind != yaml.MappingNode || r.Kind != yaml.MappingNode {
		if canon(b) != canon(r) {
			w.emit(s, loc, "schema", kindModified, b, r)
		}
		return
	}
	if w.asVariants(s, loc, bn, rn, b, r) {
		return
	}
	bt, rt := typeSet(b), typeSet(r)
	if !slices.Equal(bt, rt) {
		c := w.emit(s, loc, "type", kindModified, mapGet(b, "type"), mapGet(r, "type"))
		c.oldText, c.newText = typeText(bt), typeText(rt)
	}
	if bnl, rnl := nullableNode(b), nullableNode(r); bnl != rnl {
		c := w.emit(s, loc, "nullable", kindModified, nil, nil)
		c.oldText, c.newText = strconv.FormatBool(bnl), strconv.FormatBool(rnl)
	}
	child := s
	child.param = false
	for _, key := range unionKeys(b, r) {
		if nonContract(key) {
			continue
		}
		bv, rv := mapGet(b, key), mapGet(r, key)
		switch key {
		case "type", "nullable":
		case "properties":
			w.properties(child, loc, b, r)
		case "required":
			w.required(s, loc, b, r)
		case "items":
			if isMapping(w.base, bv) && isMapping(w.revision, rv) {
				w.schema(s, loc+"[]", bv, rv)
			} else {
				w.scalar(s, loc, key, bv, rv)
			}
		case "additionalProperties":
			if isMapping(w.base, bv) && isMapping(w.revision, rv) && additionalText(w.base, bv) == "schema" && additionalText(w.revision, rv) == "schema" {
				w.schema(child, loc+".*", bv, rv)
			} else if a, z := additionalText(w.base, bv), additionalText(w.revision, rv); a != z {
				c := w.emit(s, loc, key, kindModified, bv, rv)
				c.oldText, c.newText = a, z
			}
		case "allOf":
			bl, rl := seq(bv), seq(rv)
			if len(bl) == len(rl) {
				for i := range bl {
					w.schema(s, loc+".allOf["+strconv.Itoa(i)+"]", bl[i], rl[i])
				}
			} else {
				w.scalar(s, loc, key, bv, rv)
			}
		case "oneOf", "anyOf":
			if bv != nil && rv != nil {
				w.variants(s, loc, key, seq(bv), seq(rv))
			} else {
				w.scalar(s, loc, key, bv, rv)
			}
		case "enum":
			if !slices.Equal(sortedTexts(bv), sortedTexts(rv)) {
				w.emit(s, loc, key, kindOf(bv, rv), bv, rv)
			}
		default:
			w.scalar(s, loc, key, bv, rv)
		}
	}
}

// scalar reports a keyword whose value differs as a whole (subschemas of
// the 2020-12 keywords included: their meaning depends on the keyword).
func (w *lawWalker) scalar(s lawSite, loc, key string, bv, rv *yaml.Node) {
	if sameValue(key, bv, rv) && canon(resolveDeep(w.base, bv)) == canon(resolveDeep(w.revision, rv)) {
		return
	}
	if !sameValue(key, bv, rv) || canon(resolveDeep(w.base, bv)) != canon(resolveDeep(w.revision, rv)) {
		w.emit(s, loc, key, kindOf(bv, rv), bv, rv)
	}
}

// resolveDeep resolves a node one level (the value itself, when a $ref).
func resolveDeep(root, n *yaml.Node) *yaml.Node { return resolve(root, n) }

func kindOf(b, r *yaml.Node) changeKind {
	switch {
	case b == nil:
		return kindAdded
	case r == nil:
		return kindRemoved
	}
	return kindModified
}

func isMapping(root, n *yaml.Node) bool {
	n = resolve(root, n)
	return n != nil && n.Kind == yaml.MappingNode
}

// additionalText reduces additionalProperties to what it allows: absent,
// true and {} allow anything; false nothing; a schema some values.
func additionalText(root, n *yaml.Node) string {
	n = resolve(root, n)
	switch {
	case n == nil:
		return "true"
	case n.Kind == yaml.ScalarNode:
		return n.Value
	case n.Kind == yaml.MappingNode && len(n.Content) == 0:
		return "true"
	}
	return "schema"
}

func seq(n *yaml.Node) []*yaml.Node {
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	return n.Content
}

func sortedTexts(n *yaml.Node) []string {
	var out []string
	for _, c := range seq(n) {
		out = append(out, scalarText(c))
	}
	slices.Sort(out)
	return out
}

// typeSet is a schema's types without "null", sorted; nullability is
// judged on its own, as the schema rules do.
func typeSet(s *yaml.Node) []string {
	t := mapGet(s, "type")
	var out []string
	switch {
	case t == nil:
	case t.Kind == yaml.ScalarNode:
		out = []string{t.Value}
	default:
		for _, c := range seq(t) {
			out = append(out, c.Value)
		}
	}
	out = slices.DeleteFunc(out, func(v string) bool { return v == "null" })
	slices.Sort(out)
	return slices.Compact(out)
}

func typeText(ts []string) string {
	if len(ts) == 0 {
		return "any"
	}
	return strings.Join(ts, "|")
}

func nullableNode(s *yaml.Node) bool {
	if n := mapGet(s, "nullable"); n != nil && n.Value == "true" {
		return true
	}
	t := mapGet(s, "type")
	if t != nil && (t.Value == "null" || slices.ContainsFunc(seq(t), func(c *yaml.Node) bool { return c.Value == "null" })) {
		return true
	}
	return false
}

func requiredSet(s *yaml.Node) []string {
	var out []string
	for _, c := range seq(mapGet(s, "required")) {
		out = append(out, c.Value)
	}
	return out
}

func (w *lawWalker) properties(s lawSite, loc string, b, r *yaml.Node) {
	bp, rp := mapGet(b, "properties"), mapGet(r, "properties")
	breq, rreq := requiredSet(b), requiredSet(r)
	for _, name := range unionKeys(bp, rp) {
		bs, rs := mapGet(bp, name), mapGet(rp, name)
		at := loc + "." + name
		switch {
		case bs == nil:
			c := w.emit(s, at, "properties", kindAdded, nil, resolve(w.revision, rs))
			c.required = slices.Contains(rreq, name)
		case rs == nil:
			c := w.emit(s, at, "properties", kindRemoved, resolve(w.base, bs), nil)
			c.required = slices.Contains(breq, name)
		default:
			w.schema(s, at, bs, rs)
		}
	}
}

// required reports each property whose requiredness changed, at the
// property, as the rules do. Names listed without a property count too.
func (w *lawWalker) required(s lawSite, loc string, b, r *yaml.Node) {
	breq, rreq := requiredSet(b), requiredSet(r)
	bp, rp := mapGet(b, "properties"), mapGet(r, "properties")
	for _, name := range append(slices.Clone(breq), rreq...) {
		was, is := slices.Contains(breq, name), slices.Contains(rreq, name)
		if was == is {
			continue
		}
		if (was && mapGet(rp, name) == nil && mapGet(bp, name) != nil) || (is && mapGet(bp, name) == nil && mapGet(rp, name) != nil) {
			continue // the property itself came or went: reported as such
		}
		kind := kindAdded
		if was {
			kind = kindRemoved
		}
		c := w.emit(s, loc+"."+name, "required", kind, resolve(w.base, mapGet(bp, name)), resolve(w.revision, mapGet(rp, name)))
		c.required = is
	}
}

// variantKeysOf mirrors variantKeys on YAML nodes.
func (w *lawWalker) variantKeysOf(root *yaml.Node, members []*yaml.Node) []string {
	keys := make([]string, len(members))
	seen := make(map[string]int)
	for i, m := range members {
		if ref := refOf(m); ref != "" {
			keys[i] = ref
			continue
		}
		types := "any"
		if t := mapGet(m, "type"); t != nil {
			if t.Kind == yaml.ScalarNode {
				types = t.Value
			} else {
				var parts []string
				for _, c := range seq(t) {
					parts = append(parts, c.Value)
				}
				types = strings.Join(parts, "|")
			}
		}
		keys[i] = types + "#" + strconv.Itoa(seen[types])
		seen[types]++
	}
	return keys
}

func (w *lawWalker) variants(s lawSite, loc, keyword string, b, r []*yaml.Node) {
	bk, rk := w.variantKeysOf(w.base, b), w.variantKeysOf(w.revision, r)
	var removed, added []string
	for i, k := range bk {
		j := slices.Index(rk, k)
		if j < 0 {
			removed = append(removed, variantName(k))
			continue
		}
		w.schema(s, loc+"."+keyword+"["+strconv.Itoa(j)+"]", b[i], r[j])
	}
	for _, k := range rk {
		if !slices.Contains(bk, k) {
			added = append(added, variantName(k))
		}
	}
	if len(removed) > 0 {
		c := w.emit(s, loc, keyword, kindRemoved, nil, nil)
		c.oldText = strings.Join(removed, ", ")
	}
	if len(added) > 0 {
		c := w.emit(s, loc, keyword, kindAdded, nil, nil)
		c.newText = strings.Join(added, ", ")
	}
}

// asVariants mirrors compareAsVariants: a plain schema that became a
// oneOf/anyOf (or the reverse) is read as one alternative, and the
// wrapping itself is a change.
func (w *lawWalker) asVariants(s lawSite, loc string, bn, rn, b, r *yaml.Node) bool {
	bv, bk := variantsNode(b)
	rv, rk := variantsNode(r)
	switch {
	case bv == nil && rv != nil && mapGet(b, "allOf") == nil:
		w.variants(s, loc, rk, []*yaml.Node{bn}, seq(rv))
		c := w.emit(s, loc, rk, kindModified, nil, nil)
		c.oldText, c.newText = "a single schema", rk
	case bv != nil && rv == nil && mapGet(r, "allOf") == nil:
		w.variants(s, loc, bk, seq(bv), []*yaml.Node{rn})
		c := w.emit(s, loc, bk, kindModified, nil, nil)
		c.oldText, c.newText = bk, "a single schema"
	default:
		return false
	}
	return true
}

func variantsNode(s *yaml.Node) (*yaml.Node, string) {
	if v := mapGet(s, "oneOf"); v != nil && len(seq(v)) > 0 {
		return v, "oneOf"
	}
	if v := mapGet(s, "anyOf"); v != nil && len(seq(v)) > 0 {
		return v, "anyOf"
	}
	return nil, ""
}

// operation compares one operation present on both sides, its path item's
// parameters and servers included.
func (w *lawWalker) operation(s lawSite, bItem, bOp, rItem, rOp *yaml.Node, bPath, rPath string, bDocSecurity, rDocSecurity *yaml.Node) {
	bItem, rItem = resolve(w.base, bItem), resolve(w.revision, rItem)
	bOp, rOp = resolve(w.base, bOp), resolve(w.revision, rOp)
	w.parameters(s, bItem, bOp, rItem, rOp, bPath, rPath)
	w.requestBody(s, mapGet(bOp, "requestBody"), mapGet(rOp, "requestBody"))
	w.responses(s, mapGet(bOp, "responses"), mapGet(rOp, "responses"))
	// Security: an operation's own, else the document's (judged once, at
	// the document, when both inherit).
	bs, rs := mapGet(bOp, "security"), mapGet(rOp, "security")
	if bs != nil || rs != nil {
		if bs == nil {
			bs = bDocSecurity
		}
		if rs == nil {
			rs = rDocSecurity
		}
		if a, z := securityText(bs), securityText(rs); !slices.Equal(a, z) {
			c := w.emit(s.in(areaOperation), "security", "security", kindModified, bs, rs)
			c.oldText, c.newText = strings.Join(a, " or "), strings.Join(z, " or ")
		}
	}
	// Servers: the operation's own, else its path item's; the document's
	// are compared once.
	bsv, rsv := mapGet(bOp, "servers"), mapGet(rOp, "servers")
	if bsv == nil {
		bsv = mapGet(bItem, "servers")
	}
	if rsv == nil {
		rsv = mapGet(rItem, "servers")
	}
	if (bsv != nil || rsv != nil) && s.prefix == "" {
		if bsv == nil {
			bsv = w.bDocServers
		}
		if rsv == nil {
			rsv = w.rDocServers
		}
	}
	if (bsv != nil || rsv != nil) && serversText(bsv) != serversText(rsv) {
		c := w.emit(s.in(areaOperation), "servers", "servers", kindOf(bsv, rsv), bsv, rsv)
		c.oldText, c.newText = serversText(bsv), serversText(rsv)
	}
	for _, key := range unionKeys(bOp, rOp) {
		if nonContract(key) {
			continue
		}
		bv, rv := mapGet(bOp, key), mapGet(rOp, key)
		switch key {
		case "parameters", "requestBody", "responses", "security", "servers":
		case "callbacks":
			w.callbacks(s, bv, rv)
		case "tags":
			if !slices.Equal(sortedTexts(bv), sortedTexts(rv)) {
				w.emit(s.in(areaOperation), key, key, kindOf(bv, rv), bv, rv)
			}
		default:
			if !sameValue(key, bv, rv) {
				w.emit(s.in(areaOperation), key, key, kindOf(bv, rv), bv, rv)
			}
		}
	}
}

func securityText(n *yaml.Node) []string {
	var out []string
	for _, req := range seq(n) {
		var parts []string
		for _, name := range mapKeys(req) {
			scopes := sortedTexts(mapGet(req, name))
			parts = append(parts, name+"["+strings.Join(scopes, " ")+"]")
		}
		slices.Sort(parts)
		out = append(out, strings.Join(parts, " + "))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func serversText(n *yaml.Node) string {
	var parts []string
	for _, s := range seq(n) {
		u := ""
		if v := mapGet(s, "url"); v != nil {
			u = v.Value
		}
		if vars := mapGet(s, "variables"); vars != nil {
			u += canon(vars)
		}
		parts = append(parts, u)
	}
	return strings.Join(parts, " ")
}

type lawParam struct {
	node *yaml.Node
	in   string
	name string
}

func (w *lawWalker) effectiveParams(root, item, op *yaml.Node, path string) map[string]lawParam {
	out := make(map[string]lawParam)
	byName := make(map[string]string)
	for _, list := range []*yaml.Node{mapGet(item, "parameters"), mapGet(op, "parameters")} {
		for _, pn := range seq(list) {
			p := resolve(root, pn)
			in, name := "", ""
			if v := mapGet(p, "in"); v != nil {
				in = strings.ToLower(v.Value)
			}
			if v := mapGet(p, "name"); v != nil {
				name = v.Value
			}
			key := in + ":" + name
			switch in {
			case "header":
				key = in + ":" + strings.ToLower(name)
			case "path":
				if i := pathParameterIndex(path, name); i >= 0 {
					key = in + ":#" + strconv.Itoa(i)
				}
			}
			if old, ok := byName[in+":"+name]; ok {
				delete(out, old)
			}
			byName[in+":"+name] = key
			out[key] = lawParam{node: p, in: in, name: name}
		}
	}
	return out
}

func (w *lawWalker) parameters(s lawSite, bItem, bOp, rItem, rOp *yaml.Node, bPath, rPath string) {
	bp := w.effectiveParams(w.base, bItem, bOp, bPath)
	rp := w.effectiveParams(w.revision, rItem, rOp, rPath)
	ps := s.in(areaParameter)
	for _, key := range slices.Sorted(maps.Keys(bp)) {
		b := bp[key]
		loc := "request.parameters." + b.in + "." + b.name
		r, ok := rp[key]
		if !ok {
			c := w.emit(ps, loc, "parameters", kindRemoved, b.node, nil)
			c.required = paramRequired(b)
			continue
		}
		if paramRequired(b) != paramRequired(r) {
			c := w.emit(ps, loc, "required", kindModified, nil, nil)
			c.oldText, c.newText = strconv.FormatBool(paramRequired(b)), strconv.FormatBool(paramRequired(r))
			c.required = paramRequired(r)
		}
		for _, k := range []string{"style", "explode", "allowReserved", "allowEmptyValue"} {
			if k == "explode" && mapGet(b.node, k) == nil && mapGet(r.node, k) == nil {
				continue // follows the style, reported on its own
			}
			if a, z := paramSerialization(b, k), paramSerialization(r, k); a != z {
				c := w.emit(ps, loc, k, kindModified, nil, nil)
				c.oldText, c.newText = a, z
			}
		}
		sch := ps
		sch.param = true
		w.schema(sch, loc, paramSchemaNode(b.node), paramSchemaNode(r.node))
		for _, k := range unionKeys(b.node, r.node) {
			switch {
			case nonContract(k), k == "name", k == "in", k == "required", k == "schema", k == "style", k == "explode", k == "allowReserved", k == "allowEmptyValue":
			case k == "content":
				w.content(ps, loc, mapGet(b.node, k), mapGet(r.node, k), false)
			default:
				w.genericValue(ps, loc, k, mapGet(b.node, k), mapGet(r.node, k))
			}
		}
	}
	for _, key := range slices.Sorted(maps.Keys(rp)) {
		if _, ok := bp[key]; ok {
			continue
		}
		r := rp[key]
		c := w.emit(ps, "request.parameters."+r.in+"."+r.name, "parameters", kindAdded, nil, r.node)
		c.required = paramRequired(r)
	}
}

func paramRequired(p lawParam) bool {
	if p.in == "path" {
		return true
	}
	v := mapGet(p.node, "required")
	return v != nil && v.Value == "true"
}

// paramSerialization is a parameter's style, explode or allowReserved
// with OpenAPI's defaults filled in.
func paramSerialization(p lawParam, key string) string {
	if v := mapGet(p.node, key); v != nil {
		return v.Value
	}
	style := "simple"
	if p.in == "query" || p.in == "cookie" {
		style = "form"
	}
	if v := mapGet(p.node, "style"); v != nil {
		style = v.Value
	}
	switch key {
	case "style":
		return style
	case "explode":
		return strconv.FormatBool(style == "form")
	}
	return "false"
}

// paramSchemaNode is the parameter's schema, or its first content entry's.
func paramSchemaNode(p *yaml.Node) *yaml.Node {
	if s := mapGet(p, "schema"); s != nil {
		return s
	}
	content := mapGet(p, "content")
	if keys := mapKeys(content); len(keys) > 0 {
		return mapGet(mapGet(content, keys[0]), "schema")
	}
	return nil
}

func (w *lawWalker) requestBody(s lawSite, bn, rn *yaml.Node) {
	const loc = "request.body"
	bs := s.in(areaBody)
	b, r := resolve(w.base, bn), resolve(w.revision, rn)
	switch {
	case b == nil && r == nil:
		return
	case b == nil || r == nil:
		c := w.emit(bs, loc, "requestBody", kindOf(b, r), b, r)
		c.required = mapGet(r, "required") != nil && mapGet(r, "required").Value == "true"
		return
	}
	if !sameValue("required", mapGet(b, "required"), mapGet(r, "required")) {
		c := w.emit(bs, loc, "required", kindModified, mapGet(b, "required"), mapGet(r, "required"))
		c.required = mapGet(r, "required") != nil && mapGet(r, "required").Value == "true"
	}
	for _, k := range unionKeys(b, r) {
		switch {
		case nonContract(k), k == "required":
		case k == "content":
			w.content(bs, loc, mapGet(b, k), mapGet(r, k), true)
		default:
			w.genericValue(bs, loc, k, mapGet(b, k), mapGet(r, k))
		}
	}
}

// content compares media type maps; added and removed types are reported
// at loc, as the content rules do. withMedia puts the media type in the
// schema's location (bodies), parameters leave it out.
func (w *lawWalker) content(s lawSite, loc string, b, r *yaml.Node, withMedia bool) {
	bm, rm := mediaMap(b), mediaMap(r)
	for _, key := range slices.Sorted(maps.Keys(bm)) {
		rv, ok := rm[key]
		if !ok {
			c := w.emit(s, loc, "content", kindRemoved, nil, nil)
			c.oldText = key
			continue
		}
		at := loc
		if withMedia {
			at = loc + "." + key
		}
		bv := resolve(w.base, bm[key])
		rv = resolve(w.revision, rv)
		w.schema(s, at, mapGet(bv, "schema"), mapGet(rv, "schema"))
		ms := s
		for _, k := range unionKeys(bv, rv) {
			if nonContract(k) || k == "schema" {
				continue
			}
			w.genericValue(ms, at, k, mapGet(bv, k), mapGet(rv, k))
		}
	}
	for _, key := range slices.Sorted(maps.Keys(rm)) {
		if _, ok := bm[key]; !ok {
			c := w.emit(s, loc, "content", kindAdded, nil, nil)
			c.newText = key
		}
	}
}

func mediaMap(n *yaml.Node) map[string]*yaml.Node {
	out := make(map[string]*yaml.Node)
	for _, k := range mapKeys(n) {
		out[mediaTypeKey(k)] = mapGet(n, k)
	}
	return out
}

func (w *lawWalker) responses(s lawSite, bn, rn *yaml.Node) {
	b, r := resolve(w.base, bn), resolve(w.revision, rn)
	// s.dir is the operation's orientation: dirRequest for the API's own
	// operations, dirResponse in callbacks and webhooks. Responses go the
	// other way.
	rs := s.flip().in(areaResponse)
	codes := func(n *yaml.Node) map[string]*yaml.Node {
		out := make(map[string]*yaml.Node)
		for _, k := range mapKeys(n) {
			if nonContract(k) {
				continue
			}
			out[strings.ToUpper(k)] = mapGet(n, k)
			if k == "default" {
				out["default"] = mapGet(n, k)
			}
		}
		delete(out, "DEFAULT")
		return out
	}
	bc, rc := codes(b), codes(r)
	for _, code := range slices.Sorted(maps.Keys(bc)) {
		loc := "response." + code
		rv, ok := rc[code]
		if !ok {
			w.emit(rs, loc, "responses", kindRemoved, bc[code], nil)
			continue
		}
		bv := resolve(w.base, bc[code])
		rv = resolve(w.revision, rv)
		for _, k := range unionKeys(bv, rv) {
			switch {
			case nonContract(k):
			case k == "content":
				w.content(rs, loc, mapGet(bv, k), mapGet(rv, k), true)
			case k == "headers":
				w.headers(rs, loc+".headers", mapGet(bv, k), mapGet(rv, k))
			case k == "links":
				w.generic(rs.in(areaLink), loc+".links", mapGet(bv, k), mapGet(rv, k))
				if bl, rl := mapGet(bv, k), mapGet(rv, k); (bl == nil) != (rl == nil) {
					w.emit(rs.in(areaLink), loc, k, kindOf(bl, rl), bl, rl)
				}
			default:
				w.genericValue(rs, loc, k, mapGet(bv, k), mapGet(rv, k))
			}
		}
	}
	for _, code := range slices.Sorted(maps.Keys(rc)) {
		if _, ok := bc[code]; !ok {
			w.emit(rs, "response."+code, "responses", kindAdded, nil, rc[code])
		}
	}
}

func (w *lawWalker) headers(s lawSite, loc string, bn, rn *yaml.Node) {
	hs := s.in(areaHeader)
	lower := func(n *yaml.Node) map[string]*yaml.Node {
		out := make(map[string]*yaml.Node)
		for _, k := range mapKeys(n) {
			out[strings.ToLower(k)] = mapGet(n, k)
		}
		return out
	}
	bh, rh := lower(resolve(w.base, bn)), lower(resolve(w.revision, rn))
	isRequired := func(root, h *yaml.Node) bool {
		v := mapGet(resolve(root, h), "required")
		return v != nil && v.Value == "true"
	}
	for _, name := range slices.Sorted(maps.Keys(bh)) {
		at := loc + "." + name
		rv, ok := rh[name]
		if !ok {
			c := w.emit(hs, at, "headers", kindRemoved, bh[name], nil)
			c.required = isRequired(w.base, bh[name])
			continue
		}
		if a, z := isRequired(w.base, bh[name]), isRequired(w.revision, rv); a != z {
			c := w.emit(hs, at, "required", kindModified, nil, nil)
			c.oldText, c.newText, c.required = strconv.FormatBool(a), strconv.FormatBool(z), z
		}
		b, r := resolve(w.base, bh[name]), resolve(w.revision, rv)
		w.schema(hs, at, mapGet(b, "schema"), mapGet(r, "schema"))
		for _, k := range unionKeys(b, r) {
			switch {
			case nonContract(k), k == "schema", k == "required":
			case k == "content":
				w.content(hs, at, mapGet(b, k), mapGet(r, k), false)
			default:
				w.genericValue(hs, at, k, mapGet(b, k), mapGet(r, k))
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(rh)) {
		if _, ok := bh[name]; !ok {
			c := w.emit(hs, loc+"."+name, "headers", kindAdded, nil, rh[name])
			c.required = isRequired(w.revision, rh[name])
		}
	}
}

// callbacks compares each callback's operations with the roles reversed:
// the API sends the request, the client answers.
func (w *lawWalker) callbacks(s lawSite, bn, rn *yaml.Node) {
	b, r := resolve(w.base, bn), resolve(w.revision, rn)
	for _, name := range unionKeys(b, r) {
		if nonContract(name) {
			continue
		}
		bc, rc := resolve(w.base, mapGet(b, name)), resolve(w.revision, mapGet(r, name))
		if bc == nil || rc == nil {
			w.emit(s.in(areaOperation), "callbacks."+name, "callbacks", kindOf(bc, rc), bc, rc)
			continue
		}
		for _, expr := range unionKeys(bc, rc) {
			if nonContract(expr) {
				continue
			}
			w.pathItem(s.flip(), "callbacks."+name+"."+expr+".", "callbacks", mapGet(bc, expr), mapGet(rc, expr), expr, expr)
		}
	}
}

// pathItem compares the operations of a path item in a callback or a
// webhook; prefix goes before their locations.
func (w *lawWalker) pathItem(s lawSite, prefix, what string, bn, rn *yaml.Node, bPath, rPath string) {
	b, r := resolve(w.base, bn), resolve(w.revision, rn)
	if b == nil || r == nil {
		s.prefix = ""
		w.emit(s.in(areaOperation), strings.TrimSuffix(prefix, "."), what, kindOf(b, r), b, r)
		return
	}
	for _, method := range unionKeys(b, r) {
		if !httpMethod(method) {
			continue
		}
		bo, ro := mapGet(b, method), mapGet(r, method)
		ms := s
		ms.prefix = prefix + method + "."
		if bo == nil || ro == nil {
			ms.prefix = ""
			w.emit(ms.in(areaOperation), prefix+method, what, kindOf(bo, ro), bo, ro)
			continue
		}
		w.operation(ms, b, bo, r, ro, bPath, rPath, nil, nil)
	}
}

func httpMethod(m string) bool {
	switch strings.ToLower(m) {
	case "get", "put", "post", "delete", "options", "head", "patch", "trace":
		return true
	}
	return false
}
