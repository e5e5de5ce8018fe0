package diff

import (
	"slices"
	"strings"

	"github.com/pb33f/libopenapi/datamodel/high/base"
)

// Security: each requirement object is one way to authenticate (its
// schemes all together); a client that used a way that is gone fails.

// securityAlternatives renders requirements as sorted, comparable
// alternatives; "" is the anonymous one ({} in the document).
func securityAlternatives(reqs []*base.SecurityRequirement) []string {
	var out []string
	for _, req := range reqs {
		var parts []string
		if req != nil {
			for name, scopes := range req.Requirements.FromOldest() {
				sorted := slices.Clone(scopes)
				slices.Sort(sorted)
				parts = append(parts, name+"["+strings.Join(sorted, " ")+"]")
			}
		}
		slices.Sort(parts)
		out = append(out, strings.Join(parts, " + "))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func anonymous(alternatives []string) bool {
	return len(alternatives) == 0 || slices.Contains(alternatives, "")
}

// compareSecurity reports how the ways to authenticate changed.
func (d *differ) compareSecurity(s findingScope, loc string, b, r []string) {
	if slices.Equal(b, r) {
		return
	}
	switch {
	case anonymous(b) && !anonymous(r):
		d.report(RuleSecurityRequirementAdded, s, loc, "authentication is now required: %s", strings.Join(r, " or "))
	case !anonymous(b) && anonymous(r):
		d.report(RuleSecurityRequirementRelaxed, s, loc, "authentication is no longer required")
	default:
		if gone := minus(b, r); len(gone) > 0 {
			d.report(RuleSecurityRequirementChanged, s, loc, "authentication %s is no longer accepted; now %s", strings.Join(gone, " or "), strings.Join(r, " or "))
		} else {
			d.report(RuleSecurityRequirementRelaxed, s, loc, "authentication gained alternatives %s", strings.Join(minus(r, b), " or "))
		}
	}
}

// compareOperationSecurity handles operations that declare their own
// security on either side; operations inheriting the document's on both
// sides are judged once, in compareDocumentSecurity.
func (d *differ) compareOperationSecurity(s findingScope, baseRef, revisionRef operationRef) {
	bOwn, rOwn := baseRef.op.Security != nil, revisionRef.op.Security != nil
	if !bOwn && !rOwn {
		return
	}
	b := securityAlternatives(d.base.doc.Security)
	if bOwn {
		b = securityAlternatives(baseRef.op.Security)
	}
	r := securityAlternatives(d.revision.doc.Security)
	if rOwn {
		r = securityAlternatives(revisionRef.op.Security)
	}
	d.compareSecurity(s, "security", b, r)
}

func (d *differ) compareDocumentSecurity() {
	b, r := securityAlternatives(d.base.doc.Security), securityAlternatives(d.revision.doc.Security)
	if slices.Equal(b, r) {
		return
	}
	var inheriting []string
	for _, key := range sortedOperationKeys(d.base, d.revision) {
		revisionRef := d.revision.operations[key]
		baseRef, _ := d.base.matchOperation(d.revision, revisionRef)
		if baseRef.op.Security == nil && revisionRef.op.Security == nil {
			inheriting = append(inheriting, key)
		}
	}
	if len(inheriting) == 0 {
		return
	}
	d.compareSecurity(findingScope{operations: inheriting}, "security", b, r)
}

// compareSecuritySchemes catches a scheme that keeps its name but changes
// how credentials are sent (another header, bearer instead of basic).
func (d *differ) compareSecuritySchemes() {
	if d.base.doc.Components == nil || d.revision.doc.Components == nil {
		return
	}
	for name, bs := range d.base.doc.Components.SecuritySchemes.FromOldest() {
		rs, ok := d.revision.doc.Components.SecuritySchemes.Get(name)
		if !ok || bs == nil || rs == nil {
			continue
		}
		before := strings.Join([]string{bs.Type, bs.In, bs.Name, strings.ToLower(bs.Scheme)}, " ")
		after := strings.Join([]string{rs.Type, rs.In, rs.Name, strings.ToLower(rs.Scheme)}, " ")
		if before != after {
			d.report(RuleSecurityRequirementChanged, findingScope{}, "components.securitySchemes."+name,
				"security scheme %q changed from %q to %q", name, strings.TrimSpace(before), strings.TrimSpace(after))
		}
	}
}
