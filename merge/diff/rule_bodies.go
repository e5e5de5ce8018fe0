package diff

import (
	"maps"
	"slices"
	"strings"

	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
	"github.com/pb33f/libopenapi/orderedmap"
)

// Request bodies, responses and their content types.

func (d *differ) compareRequestBody(s findingScope, b, r *v3.RequestBody) {
	const loc = "request.body"
	switch {
	case b == nil && r == nil:
		return
	case b == nil && truthy(r.Required):
		d.report(RuleRequestBodyAddedRequired, s, loc, "a required request body was added")
		return
	case b == nil:
		d.report(RuleRequestBodyAdded, s, loc, "an optional request body was added")
		return
	case r == nil:
		d.report(RuleRequestBodyRemoved, s, loc, "the request body was removed")
		return
	}
	switch wasRequired, isRequired := truthy(b.Required), truthy(r.Required); {
	case !wasRequired && isRequired:
		d.report(RuleRequestBodyBecameRequired, s, loc, "the request body became required")
	case wasRequired && !isRequired:
		d.report(RuleRequestBodyBecameOptional, s, loc, "the request body became optional")
	}
	d.compareContent(schemaSite{dir: dirRequest, scope: s}, loc, b.Content, r.Content)
}

// mediaTypeKey ignores case and parameters: "application/json; charset=utf-8"
// is still JSON to a client.
func mediaTypeKey(mt string) string {
	mt, _, _ = strings.Cut(mt, ";")
	return strings.ToLower(strings.TrimSpace(mt))
}

func (d *differ) compareContent(site schemaSite, loc string, b, r *orderedmap.Map[string, *v3.MediaType]) {
	revision := make(map[string]*v3.MediaType)
	for name, mt := range r.FromOldest() {
		revision[mediaTypeKey(name)] = mt
	}
	seen := make(map[string]bool)
	for name, bm := range b.FromOldest() {
		key := mediaTypeKey(name)
		seen[key] = true
		rm, ok := revision[key]
		if !ok {
			if site.dir == dirRequest {
				d.report(RuleRequestMediaTypeRemoved, site.scope, loc, "request content type %s is no longer accepted", name)
			} else {
				d.report(RuleResponseMediaTypeRemoved, site.scope, loc, "response content type %s is no longer returned", name)
			}
			continue
		}
		d.compareSchema(site, loc+"."+key, bm.Schema, rm.Schema, newSchemaWalk())
	}
	for name := range r.KeysFromOldest() {
		if seen[mediaTypeKey(name)] {
			continue
		}
		if site.dir == dirRequest {
			d.report(RuleRequestMediaTypeAdded, site.scope, loc, "request content type %s is now accepted", name)
		} else {
			d.report(RuleResponseMediaTypeAdded, site.scope, loc, "response content type %s was added", name)
		}
	}
}

// successStatus covers 2xx codes and the 2XX range.
func successStatus(code string) bool { return strings.HasPrefix(code, "2") }

func responseCodes(rs *v3.Responses) map[string]*v3.Response {
	out := make(map[string]*v3.Response)
	if rs == nil {
		return out
	}
	for code, r := range rs.Codes.FromOldest() {
		out[strings.ToUpper(code)] = r
	}
	if rs.Default != nil {
		out["default"] = rs.Default
	}
	return out
}

func (d *differ) compareResponses(s findingScope, b, r *v3.Responses) {
	baseCodes, revisionCodes := responseCodes(b), responseCodes(r)
	for _, code := range slices.Sorted(maps.Keys(baseCodes)) {
		loc := "response." + code
		rr, ok := revisionCodes[code]
		if !ok {
			if successStatus(code) {
				d.report(RuleResponseSuccessStatusRemoved, s, loc, "success response %s was removed", code)
			} else {
				d.report(RuleResponseNonSuccessStatusRemoved, s, loc, "response %s is no longer documented", code)
			}
			continue
		}
		d.compareContent(schemaSite{dir: dirResponse, scope: s}, loc, baseCodes[code].Content, rr.Content)
	}
	for _, code := range slices.Sorted(maps.Keys(revisionCodes)) {
		if _, ok := baseCodes[code]; !ok {
			d.report(RuleResponseStatusAdded, s, "response."+code, "response %s was added", code)
		}
	}
}
