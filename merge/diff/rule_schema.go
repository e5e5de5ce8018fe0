package diff

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/pb33f/go-yaml"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	"github.com/pb33f/libopenapi/orderedmap"
)

// Schema rules. Direction decides the level: a request schema says what
// the server accepts, so narrowing it breaks clients; a response schema
// says what clients must read, so widening it breaks them.

type direction int

const (
	dirRequest direction = iota
	dirResponse
)

// schemaSite is where a schema sits: request or response, whether it is
// a parameter's own schema (its ids say "parameter", not "property"), and
// which operations a finding concerns.
type schemaSite struct {
	dir   direction
	param bool
	scope findingScope
}

// property is the site of a schema nested under this one.
func (s schemaSite) property() schemaSite {
	s.param = false
	return s
}

// pick chooses the parameter or the property flavour of a rule.
func (s schemaSite) pick(paramRule, propertyRule string) string {
	if s.param {
		return paramRule
	}
	return propertyRule
}

// schemaWalk guards one comparison against $ref cycles: a pair of
// references is compared at most once, and depth is capped as a backstop.
type schemaWalk struct {
	visited map[string]bool
	depth   int
}

func newSchemaWalk() *schemaWalk { return &schemaWalk{visited: make(map[string]bool)} }

const maxSchemaDepth = 64

// compareSchema compares two schemas at one location. Two references to
// the same component stop here: the component is compared once, on its
// own, and its findings list every operation that reaches it.
func (d *differ) compareSchema(site schemaSite, loc string, bp, rp *base.SchemaProxy, w *schemaWalk) {
	if bp == nil || rp == nil {
		return
	}
	if bp.IsReference() || rp.IsReference() {
		if bp.IsReference() && rp.IsReference() && bp.GetReference() == rp.GetReference() {
			return
		}
		pair := bp.GetReference() + "\x00" + rp.GetReference()
		if w.visited[pair] {
			return
		}
		w.visited[pair] = true
	}
	if w.depth >= maxSchemaDepth {
		return
	}
	w.depth++
	defer func() { w.depth-- }()
	b, r := bp.Schema(), rp.Schema()
	if b == nil || r == nil {
		return
	}
	if d.compareAsVariants(site, loc, bp, rp, b, r, w) {
		return
	}
	if d.compareTypes(site, loc, b, r) {
		return
	}
	d.compareNullable(site, loc, b, r)
	d.compareEnum(site, loc, b, r)
	if site.dir == dirRequest {
		d.compareLimits(site, loc, b, r)
	}
	d.compareProperties(site, loc, b, r, w)
	if bi, ri := schemaOf(b.Items), schemaOf(r.Items); bi != nil && ri != nil {
		d.compareSchema(site, loc+"[]", bi, ri, w)
	}
	if ba, ra := schemaOf(b.AdditionalProperties), schemaOf(r.AdditionalProperties); ba != nil && ra != nil {
		d.compareSchema(site.property(), loc+".*", ba, ra, w)
	}
	for i := range min(len(b.AllOf), len(r.AllOf)) {
		d.compareSchema(site, loc+".allOf["+strconv.Itoa(i)+"]", b.AllOf[i], r.AllOf[i], w)
	}
	d.compareVariants(site, loc, "oneOf", b.OneOf, r.OneOf, w)
	d.compareVariants(site, loc, "anyOf", b.AnyOf, r.AnyOf, w)
}

func schemaOf(v *base.DynamicValue[*base.SchemaProxy, bool]) *base.SchemaProxy {
	if v == nil || !v.IsA() {
		return nil
	}
	return v.A
}

// schemaTypes is the schema's type set without "null", which nullability
// rules judge separately.
func schemaTypes(s *base.Schema) []string {
	var out []string
	for _, t := range s.Type {
		if t != "null" {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out
}

// accepts reports whether a value valid for every type in small is valid
// for some type in big (an integer is a number).
func accepts(big, small []string) bool {
	for _, t := range small {
		if slices.Contains(big, t) || (t == "integer" && slices.Contains(big, "number")) {
			continue
		}
		return false
	}
	return true
}

// compareTypes reports a type change and says whether the schemas are too
// different to compare further.
func (d *differ) compareTypes(site schemaSite, loc string, b, r *base.Schema) bool {
	bt, rt := schemaTypes(b), schemaTypes(r)
	if len(bt) == 0 || len(rt) == 0 || slices.Equal(bt, rt) {
		return false
	}
	from, to := strings.Join(bt, "|"), strings.Join(rt, "|")
	if site.dir == dirRequest {
		if accepts(rt, bt) {
			d.report(RuleRequestTypeWidened, site.scope, loc, "%s %s now accepts %s (was %s)", site.noun(), lastSegment(loc), to, from)
			return false
		}
		d.report(site.pick(RuleRequestParameterTypeChanged, RuleRequestPropertyTypeChanged), site.scope, loc, "%s %s changed type from %s to %s", site.noun(), lastSegment(loc), from, to)
		return true
	}
	if accepts(bt, rt) {
		return false
	}
	d.report(RuleResponsePropertyTypeChanged, site.scope, loc, "response property %s changed type from %s to %s", lastSegment(loc), from, to)
	return true
}

func (s schemaSite) noun() string {
	switch {
	case s.dir == dirResponse:
		return "response property"
	case s.param:
		return "parameter"
	default:
		return "request property"
	}
}

func nullable(s *base.Schema) bool {
	return truthy(s.Nullable) || slices.Contains(s.Type, "null")
}

func (d *differ) compareNullable(site schemaSite, loc string, b, r *base.Schema) {
	bn, rn := nullable(b), nullable(r)
	switch {
	case site.dir == dirResponse && !bn && rn:
		d.report(RuleResponsePropertyBecameNullable, site.scope, loc, "response property %s may now be null", lastSegment(loc))
	case site.dir == dirRequest && bn && !rn:
		d.report(RuleRequestPropertyBecameNotNullable, site.scope, loc, "%s %s no longer accepts null", site.noun(), lastSegment(loc))
	}
}

// lastSegment names the thing at a location for messages.
func lastSegment(loc string) string {
	if i := strings.LastIndexByte(loc, '.'); i >= 0 {
		return strconv.Quote(loc[i+1:])
	}
	return strconv.Quote(loc)
}

// properties returns a schema's properties; nil-safe.
func properties(s *base.Schema) *orderedmap.Map[string, *base.SchemaProxy] {
	if s.Properties == nil {
		return orderedmap.New[string, *base.SchemaProxy]()
	}
	return s.Properties
}

// hiddenIn reports a property the spec tells one side to ignore:
// readOnly ones are not sent in requests, writeOnly ones not returned.
func hiddenIn(dir direction, p *base.SchemaProxy) bool {
	s := p.Schema()
	if s == nil {
		return false
	}
	if dir == dirRequest {
		return truthy(s.ReadOnly)
	}
	return truthy(s.WriteOnly)
}

func (d *differ) compareProperties(site schemaSite, loc string, b, r *base.Schema, w *schemaWalk) {
	bp, rp := properties(b), properties(r)
	if bp.Len() == 0 && rp.Len() == 0 {
		return
	}
	child := site.property()
	for name, bs := range bp.FromOldest() {
		at := loc + "." + name
		rs, ok := rp.Get(name)
		wasRequired, isRequired := slices.Contains(b.Required, name), slices.Contains(r.Required, name)
		if !ok {
			if hiddenIn(site.dir, bs) {
				continue
			}
			switch {
			case site.dir == dirRequest:
				d.report(RuleRequestPropertyRemoved, site.scope, at, "request property %q was removed", name)
			case wasRequired:
				d.report(RuleResponsePropertyRemoved, site.scope, at, "required response property %q was removed", name)
			default:
				d.report(RuleResponseOptionalPropertyRemoved, site.scope, at, "optional response property %q was removed", name)
			}
			continue
		}
		if !hiddenIn(site.dir, rs) && wasRequired != isRequired {
			switch {
			case site.dir == dirRequest && isRequired:
				d.report(RuleRequestPropertyBecameRequired, site.scope, at, "request property %q became required", name)
			case site.dir == dirRequest:
				d.report(RuleRequestPropertyBecameOptional, site.scope, at, "request property %q became optional", name)
			case isRequired:
				d.report(RuleResponsePropertyBecameRequired, site.scope, at, "response property %q is now always present", name)
			default:
				d.report(RuleResponsePropertyBecameOptional, site.scope, at, "response property %q became optional", name)
			}
		}
		d.compareSchema(child, at, bs, rs, w)
	}
	for name, rs := range rp.FromOldest() {
		if _, ok := bp.Get(name); ok || hiddenIn(site.dir, rs) {
			continue
		}
		at := loc + "." + name
		switch {
		case site.dir == dirResponse:
			d.report(RuleResponsePropertyAdded, site.scope, at, "response property %q was added", name)
		case slices.Contains(r.Required, name):
			d.report(RuleRequestPropertyAddedRequired, site.scope, at, "required request property %q was added", name)
		default:
			d.report(RuleRequestPropertyAdded, site.scope, at, "optional request property %q was added", name)
		}
	}
}

// enumValues renders enum members as comparable text.
func enumValues(s *base.Schema) []string {
	out := make([]string, 0, len(s.Enum))
	for _, n := range s.Enum {
		out = append(out, nodeText(n))
	}
	return out
}

func nodeText(n *yaml.Node) string {
	if n == nil {
		return "null"
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return n.Value
	case yaml.AliasNode:
		return nodeText(n.Alias)
	case yaml.DocumentNode, yaml.SequenceNode, yaml.MappingNode:
		parts := make([]string, 0, len(n.Content))
		for _, c := range n.Content {
			parts = append(parts, nodeText(c))
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	return n.Value
}

// minus lists the members of a missing from b, in a's order.
func minus(a, b []string) []string {
	var out []string
	for _, v := range a {
		if !slices.Contains(b, v) {
			out = append(out, v)
		}
	}
	return out
}

// extensibleEnum reports a schema that tells clients to expect unknown
// enum values (x-extensible-enum: true).
func extensibleEnum(s *base.Schema) bool {
	if s.Extensions == nil {
		return false
	}
	n, ok := s.Extensions.Get(ExtensibleEnumExtension)
	return ok && n != nil && n.Value == "true"
}

func (d *differ) compareEnum(site schemaSite, loc string, b, r *base.Schema) {
	be, re := enumValues(b), enumValues(r)
	if len(be) == 0 && len(re) == 0 {
		return
	}
	removed, added := minus(be, re), minus(re, be)
	name := lastSegment(loc)
	if site.dir == dirRequest {
		removedRule := site.pick(RuleRequestParameterEnumValueRemoved, RuleRequestPropertyEnumValueRemoved)
		switch {
		case len(be) == 0:
			d.report(removedRule, site.scope, loc, "%s %s now only accepts %s", site.noun(), name, listValues(re))
		case len(re) == 0:
			d.report(RuleRequestConstraintRelaxed, site.scope, loc, "%s %s no longer restricts values to an enum", site.noun(), name)
		default:
			if len(removed) > 0 {
				d.report(removedRule, site.scope, loc, "%s %s no longer accepts %s", site.noun(), name, listValues(removed))
			}
			if len(added) > 0 {
				d.report(RuleRequestEnumValueAdded, site.scope, loc, "%s %s accepts new values %s", site.noun(), name, listValues(added))
			}
		}
		return
	}
	addedRule := RuleResponsePropertyEnumValueAdded
	if extensibleEnum(r) {
		addedRule = RuleResponseExtensibleEnumValueAdded
	}
	switch {
	case len(be) == 0:
		// A new enum only narrows what clients read.
	case len(re) == 0:
		d.report(addedRule, site.scope, loc, "response property %s is no longer restricted to an enum", name)
	default:
		if len(added) > 0 {
			d.report(addedRule, site.scope, loc, "response property %s may return new values %s", name, listValues(added))
		}
		if len(removed) > 0 {
			d.report(RuleResponseEnumValueRemoved, site.scope, loc, "response property %s no longer returns %s", name, listValues(removed))
		}
	}
}

func listValues(vs []string) string {
	quoted := make([]string, len(vs))
	for i, v := range vs {
		quoted[i] = strconv.Quote(v)
	}
	return strings.Join(quoted, ", ")
}

// limit is one numeric bound of a schema, with its keyword for messages.
type limit struct {
	keyword string
	base    *float64
	rev     *float64
	// zeroIsNone: minLength 0 and minItems 0 restrict nothing.
	zeroIsNone bool
}

func intLimit(v *int64) *float64 {
	if v == nil {
		return nil
	}
	f := float64(*v)
	return &f
}

// exclusiveBound reads the OpenAPI 3.1 numeric form of exclusiveMaximum /
// exclusiveMinimum; the 3.0 boolean form only qualifies maximum/minimum.
func exclusiveBound(v *base.DynamicValue[bool, float64]) *float64 {
	if v == nil || !v.IsB() {
		return nil
	}
	f := v.B
	return &f
}

func (d *differ) compareLimits(site schemaSite, loc string, b, r *base.Schema) {
	name := lastSegment(loc)
	maxima := []limit{
		{keyword: "maximum", base: b.Maximum, rev: r.Maximum},
		{keyword: "exclusiveMaximum", base: exclusiveBound(b.ExclusiveMaximum), rev: exclusiveBound(r.ExclusiveMaximum)},
		{keyword: "maxLength", base: intLimit(b.MaxLength), rev: intLimit(r.MaxLength)},
		{keyword: "maxItems", base: intLimit(b.MaxItems), rev: intLimit(r.MaxItems)},
	}
	for _, l := range maxima {
		switch {
		case l.rev != nil && l.base == nil:
			d.report(site.pick(RuleRequestParameterMaxDecreased, RuleRequestPropertyMaxDecreased), site.scope, loc, "%s %s gained %s %s", site.noun(), name, l.keyword, number(*l.rev))
		case l.rev != nil && *l.rev < *l.base:
			d.report(site.pick(RuleRequestParameterMaxDecreased, RuleRequestPropertyMaxDecreased), site.scope, loc, "%s %s: %s lowered from %s to %s", site.noun(), name, l.keyword, number(*l.base), number(*l.rev))
		case l.base != nil && (l.rev == nil || *l.rev > *l.base):
			d.report(RuleRequestConstraintRelaxed, site.scope, loc, "%s %s: %s relaxed", site.noun(), name, l.keyword)
		}
	}
	minima := []limit{
		{keyword: "minimum", base: b.Minimum, rev: r.Minimum},
		{keyword: "exclusiveMinimum", base: exclusiveBound(b.ExclusiveMinimum), rev: exclusiveBound(r.ExclusiveMinimum)},
		{keyword: "minLength", base: intLimit(b.MinLength), rev: intLimit(r.MinLength), zeroIsNone: true},
		{keyword: "minItems", base: intLimit(b.MinItems), rev: intLimit(r.MinItems), zeroIsNone: true},
	}
	for _, l := range minima {
		if l.zeroIsNone {
			l.base, l.rev = nonZero(l.base), nonZero(l.rev)
		}
		switch {
		case l.rev != nil && l.base == nil:
			d.report(site.pick(RuleRequestParameterMinIncreased, RuleRequestPropertyMinIncreased), site.scope, loc, "%s %s gained %s %s", site.noun(), name, l.keyword, number(*l.rev))
		case l.rev != nil && *l.rev > *l.base:
			d.report(site.pick(RuleRequestParameterMinIncreased, RuleRequestPropertyMinIncreased), site.scope, loc, "%s %s: %s raised from %s to %s", site.noun(), name, l.keyword, number(*l.base), number(*l.rev))
		case l.base != nil && (l.rev == nil || *l.rev < *l.base):
			d.report(RuleRequestConstraintRelaxed, site.scope, loc, "%s %s: %s relaxed", site.noun(), name, l.keyword)
		}
	}
	switch {
	case b.Pattern == r.Pattern:
	case r.Pattern == "":
		d.report(RuleRequestConstraintRelaxed, site.scope, loc, "%s %s: pattern removed", site.noun(), name)
	case b.Pattern == "":
		d.report(site.pick(RuleRequestParameterPatternChanged, RuleRequestPropertyPatternChanged), site.scope, loc, "%s %s gained pattern %q", site.noun(), name, r.Pattern)
	default:
		d.report(site.pick(RuleRequestParameterPatternChanged, RuleRequestPropertyPatternChanged), site.scope, loc, "%s %s: pattern changed from %q to %q", site.noun(), name, b.Pattern, r.Pattern)
	}
}

func nonZero(f *float64) *float64 {
	if f == nil || *f == 0 {
		return nil
	}
	return f
}

func number(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// variantKey identifies a oneOf/anyOf member across versions: a reference
// by its target, an inline schema by its types and rank among inline
// schemas of those types.
func variantKeys(members []*base.SchemaProxy) []string {
	keys := make([]string, len(members))
	seen := make(map[string]int)
	for i, m := range members {
		if m.IsReference() {
			keys[i] = m.GetReference()
			continue
		}
		types := "any"
		if s := m.Schema(); s != nil && len(s.Type) > 0 {
			types = strings.Join(s.Type, "|")
		}
		keys[i] = fmt.Sprintf("%s#%d", types, seen[types])
		seen[types]++
	}
	return keys
}

func (d *differ) compareVariants(site schemaSite, loc, keyword string, b, r []*base.SchemaProxy, w *schemaWalk) {
	if len(b) == 0 || len(r) == 0 {
		return
	}
	bk, rk := variantKeys(b), variantKeys(r)
	for i, k := range bk {
		j := slices.Index(rk, k)
		if j < 0 {
			if site.dir == dirRequest {
				d.report(RuleRequestPropertyVariantRemoved, site.scope, loc, "%s %s: %s alternative %s was removed", site.noun(), lastSegment(loc), keyword, variantName(k))
			} else {
				d.report(RuleResponsePropertyVariantRemoved, site.scope, loc, "response property %s: %s alternative %s was removed", lastSegment(loc), keyword, variantName(k))
			}
			continue
		}
		d.compareSchema(site, loc+"."+keyword+"["+strconv.Itoa(j)+"]", b[i], r[j], w)
	}
	for _, k := range rk {
		if slices.Contains(bk, k) {
			continue
		}
		if site.dir == dirResponse {
			d.report(RuleResponsePropertyVariantAdded, site.scope, loc, "response property %s: new %s alternative %s", lastSegment(loc), keyword, variantName(k))
		} else {
			d.report(RuleRequestPropertyVariantAdded, site.scope, loc, "%s %s: new %s alternative %s", site.noun(), lastSegment(loc), keyword, variantName(k))
		}
	}
}

// compareAsVariants handles a schema that became (or stopped being) a
// oneOf/anyOf: the plain side is read as a single alternative, so
// "X" → "anyOf [X, Y]" is one new alternative Y, not every property of X
// removed.
func (d *differ) compareAsVariants(site schemaSite, loc string, bp, rp *base.SchemaProxy, b, r *base.Schema, w *schemaWalk) bool {
	bv, bk := variantsOf(b)
	rv, rk := variantsOf(r)
	switch {
	case bv == nil && rv != nil && len(b.AllOf) == 0:
		d.compareVariants(site, loc, rk, []*base.SchemaProxy{bp}, rv, w)
	case bv != nil && rv == nil && len(r.AllOf) == 0:
		d.compareVariants(site, loc, bk, bv, []*base.SchemaProxy{rp}, w)
	default:
		return false
	}
	return true
}

func variantsOf(s *base.Schema) ([]*base.SchemaProxy, string) {
	switch {
	case len(s.OneOf) > 0:
		return s.OneOf, "oneOf"
	case len(s.AnyOf) > 0:
		return s.AnyOf, "anyOf"
	}
	return nil, ""
}

// variantName shows a component name instead of its full reference.
func variantName(key string) string {
	if name, ok := strings.CutPrefix(key, schemaRefPrefix); ok {
		return name
	}
	return key
}
