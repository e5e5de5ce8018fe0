package diff

import (
	"strconv"
	"strings"

	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
)

// Parameters: a new required one, a removed one, or one that became
// required breaks calls that worked; their schemas are request schemas.

// effectiveParameters merges path-level and operation-level parameters,
// the operation's winning, as OpenAPI defines.
func effectiveParameters(ref operationRef) []*v3.Parameter {
	var out []*v3.Parameter
	index := make(map[string]int)
	add := func(p *v3.Parameter) {
		if p == nil {
			return
		}
		k := strings.ToLower(p.In) + ":" + p.Name
		if i, ok := index[k]; ok {
			out[i] = p
			return
		}
		index[k] = len(out)
		out = append(out, p)
	}
	if ref.item != nil {
		for _, p := range ref.item.Parameters {
			add(p)
		}
	}
	for _, p := range ref.op.Parameters {
		add(p)
	}
	return out
}

// parameterKey identifies a parameter across versions. Header names are
// case-insensitive; a path parameter is known by its position in the
// path, so renaming {id} to {userId} changes nothing for a client.
func parameterKey(p *v3.Parameter, path string) string {
	in := strings.ToLower(p.In)
	switch in {
	case "header":
		return in + ":" + strings.ToLower(p.Name)
	case "path":
		if i := pathParameterIndex(path, p.Name); i >= 0 {
			return in + ":#" + strconv.Itoa(i)
		}
	}
	return in + ":" + p.Name
}

func pathParameterIndex(path, name string) int {
	n := 0
	for {
		open := strings.IndexByte(path, '{')
		if open < 0 {
			return -1
		}
		end := strings.IndexByte(path[open:], '}')
		if end < 0 {
			return -1
		}
		if path[open+1:open+end] == name {
			return n
		}
		n++
		path = path[open+end+1:]
	}
}

// parameterSchema is the parameter's schema, or that of its first content
// entry for parameters described by content.
func parameterSchema(p *v3.Parameter) *base.SchemaProxy {
	if p == nil {
		return nil
	}
	if p.Schema != nil {
		return p.Schema
	}
	for _, mt := range p.Content.FromOldest() {
		return mt.Schema
	}
	return nil
}

func required(p *v3.Parameter) bool {
	return truthy(p.Required) || strings.EqualFold(p.In, "path")
}

func (d *differ) compareParameters(s findingScope, baseRef, revisionRef operationRef) {
	baseParams := make(map[string]*v3.Parameter)
	for _, p := range effectiveParameters(baseRef) {
		baseParams[parameterKey(p, baseRef.path)] = p
	}
	revisionParams := make(map[string]*v3.Parameter)
	for _, p := range effectiveParameters(revisionRef) {
		revisionParams[parameterKey(p, revisionRef.path)] = p
	}
	for key, bp := range baseParams {
		loc := "request.parameters." + strings.ToLower(bp.In) + "." + bp.Name
		rp, ok := revisionParams[key]
		if !ok {
			d.report(RuleRequestParameterRemoved, s, loc, "%s parameter %q was removed", bp.In, bp.Name)
			continue
		}
		switch wasRequired, isRequired := required(bp), required(rp); {
		case !wasRequired && isRequired:
			d.report(RuleRequestParameterBecameRequired, s, loc, "%s parameter %q became required", rp.In, rp.Name)
		case wasRequired && !isRequired:
			d.report(RuleRequestParameterBecameOptional, s, loc, "%s parameter %q became optional", rp.In, rp.Name)
		}
		site := schemaSite{dir: dirRequest, param: true, scope: s}
		d.compareSchema(site, loc, parameterSchema(bp), parameterSchema(rp), newSchemaWalk())
	}
	for key, rp := range revisionParams {
		if _, ok := baseParams[key]; ok {
			continue
		}
		loc := "request.parameters." + strings.ToLower(rp.In) + "." + rp.Name
		if required(rp) {
			d.report(RuleRequestParameterAddedRequired, s, loc, "required %s parameter %q was added", rp.In, rp.Name)
		} else {
			d.report(RuleRequestParameterAdded, s, loc, "optional %s parameter %q was added", rp.In, rp.Name)
		}
	}
}
