package diff

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
)

// The mutation check proves the first law on real documents: it makes one
// contract edit at a seeded random site of a document, and asks the diff
// for a finding on the edit and on its reverse. A silent edit is a bug.
//
// Each edit is made on the document reduced to one operation and the
// components it reaches, so thousands of edits cost seconds, and every
// site of the operation (its parameters, body, responses, headers and
// the component schemas behind them) can be chosen.

// MutationKinds lists the edits the check makes, one kind of contract
// edit each.
var MutationKinds = []string{
	"type", "format", "enum", "limits", "pattern", "nullable", "required", "additionalProperties",
	"servers", "headers", "parameter-in", "parameter-style", "parameter-required",
	"security", "operationId", "response-codes", "media-types",
}

// MutationOptions tunes RunMutations.
type MutationOptions struct {
	// Edits is how many edits to make, spread over the documents.
	Edits int
	// Seed makes the run repeatable.
	Seed uint64
	// MaxDepth keeps the components within this many $ref hops of the
	// operation; references beyond become {type: object} (a huge API's
	// operations reach hundreds of components, costly to diff thousands
	// of times). 0 means 3.
	MaxDepth int
	// Workers diffs this many edits at once; 0 means 2.
	Workers int
}

// MutationResult is one edit: where it was made and what the diff said.
type MutationResult struct {
	Document  string
	Operation string
	Kind      string
	Edit      string
	// Forward and Reverse count the findings of base → edited and back.
	Forward, Reverse int
	Err              string
}

// Silent reports an edit the diff said nothing about, either way.
func (r MutationResult) Silent() bool {
	return r.Err == "" && (r.Forward == 0 || r.Reverse == 0)
}

// MutationReport sums a run up.
type MutationReport struct {
	Edits   int
	Silent  []MutationResult
	Errors  []MutationResult
	PerKind map[string]int
}

// RunMutations makes opts.Edits single contract edits over the documents
// (OpenAPI 3.x JSON, as a run stores them after repair) and diffs each
// edit both ways. It fails only when no edit can be made at all.
func RunMutations(ctx context.Context, docs map[string][]byte, opts MutationOptions) (*MutationReport, error) {
	if opts.MaxDepth <= 0 {
		opts.MaxDepth = 3
	}
	if opts.Workers <= 0 {
		opts.Workers = 2
	}
	type opRef struct{ doc, path, method string }
	parsed := make(map[string]map[string]any)
	var ops []opRef
	for _, name := range slices.Sorted(maps.Keys(docs)) {
		var d map[string]any
		if err := json.Unmarshal(docs[name], &d); err != nil {
			return nil, fmt.Errorf("mutations: %s is not JSON: %w", name, err)
		}
		parsed[name] = d
		paths, _ := d["paths"].(map[string]any)
		for _, p := range slices.Sorted(maps.Keys(paths)) {
			item, _ := paths[p].(map[string]any)
			for _, m := range slices.Sorted(maps.Keys(item)) {
				if httpMethod(m) {
					ops = append(ops, opRef{name, p, m})
				}
			}
		}
	}
	if len(ops) == 0 {
		return nil, fmt.Errorf("mutations: no operation in the documents")
	}
	rng := rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x5eed))
	type job struct {
		res            MutationResult
		base, revision []byte
	}
	var jobs []job
	for attempts := 0; len(jobs) < opts.Edits && attempts < opts.Edits*50; attempts++ {
		kind := MutationKinds[len(jobs)%len(MutationKinds)]
		op := ops[rng.IntN(len(ops))]
		base, err := reduceToOperation(parsed[op.doc], op.path, op.method, opts.MaxDepth)
		if err != nil {
			return nil, err
		}
		var edited map[string]any
		if err := json.Unmarshal(base, &edited); err != nil {
			return nil, err
		}
		desc, ok := mutate(rng, kind, edited, op.path, op.method)
		if !ok {
			continue
		}
		revision, err := json.Marshal(edited)
		if err != nil {
			return nil, err
		}
		if string(revision) == string(base) {
			continue
		}
		jobs = append(jobs, job{res: MutationResult{Document: op.doc, Operation: strings.ToUpper(op.method) + " " + op.path, Kind: kind, Edit: desc}, base: base, revision: revision})
	}
	if len(jobs) == 0 {
		return nil, fmt.Errorf("mutations: no edit could be made")
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for range opts.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				j := &jobs[i]
				forward, err := Diff(ctx, j.base, j.revision, DiffOptions{SkipDocumentation: true})
				if err == nil {
					var reverse []Finding
					reverse, err = Diff(ctx, j.revision, j.base, DiffOptions{SkipDocumentation: true})
					j.res.Reverse = len(reverse)
				}
				j.res.Forward = len(forward)
				if err != nil {
					j.res.Err = err.Error()
				}
			}
		}()
	}
	for i := range jobs {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	report := &MutationReport{Edits: len(jobs), PerKind: make(map[string]int)}
	for _, j := range jobs {
		report.PerKind[j.res.Kind]++
		switch {
		case j.res.Err != "":
			report.Errors = append(report.Errors, j.res)
		case j.res.Silent():
			report.Silent = append(report.Silent, j.res)
		}
	}
	return report, nil
}

// reduceToOperation keeps one operation of a document, its path item's
// parameters and servers, the components it reaches within maxDepth $ref
// hops, and the security schemes, and returns it as JSON. References to
// components left out become {"type": "object"}.
func reduceToOperation(doc map[string]any, path, method string, maxDepth int) ([]byte, error) {
	paths, _ := doc["paths"].(map[string]any)
	item, _ := paths[path].(map[string]any)
	newItem := map[string]any{method: item[method]}
	for _, k := range []string{"parameters", "servers"} {
		if v, ok := item[k]; ok {
			newItem[k] = v
		}
	}
	out := map[string]any{"paths": map[string]any{path: newItem}}
	for _, k := range []string{"openapi", "info", "servers", "security"} {
		if v, ok := doc[k]; ok {
			out[k] = v
		}
	}
	components, _ := doc["components"].(map[string]any)
	kept := make(map[string]any)
	if s, ok := components["securitySchemes"]; ok {
		kept["securitySchemes"] = s
	}
	type entry struct {
		n     any
		depth int
	}
	queue := []entry{{newItem, 0}}
	seen := make(map[string]bool)
	for len(queue) > 0 {
		e := queue[0]
		queue = queue[1:]
		switch v := e.n.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				if rest, ok := strings.CutPrefix(ref, "#/components/"); ok && !seen[ref] && e.depth < maxDepth {
					seen[ref] = true
					kind, name, _ := strings.Cut(rest, "/")
					if src, ok := components[kind].(map[string]any); ok {
						if target, ok := src[name]; ok {
							dst, _ := kept[kind].(map[string]any)
							if dst == nil {
								dst = make(map[string]any)
								kept[kind] = dst
							}
							dst[name] = target
							queue = append(queue, entry{target, e.depth + 1})
						}
					}
				}
			}
			for _, k := range slices.Sorted(maps.Keys(v)) {
				queue = append(queue, entry{v[k], e.depth})
			}
		case []any:
			for _, c := range v {
				queue = append(queue, entry{c, e.depth})
			}
		}
	}
	if len(kept) > 0 {
		out["components"] = kept
	}
	// A fresh copy, its dangling references stubbed.
	data, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	var fresh map[string]any
	if err := json.Unmarshal(data, &fresh); err != nil {
		return nil, err
	}
	stubRefs(fresh, fresh)
	return json.Marshal(fresh)
}

// stubRefs replaces references to components the reduced document lacks.
func stubRefs(root map[string]any, n any) {
	switch v := n.(type) {
	case map[string]any:
		for k, c := range v {
			if m, ok := c.(map[string]any); ok {
				if ref, ok := m["$ref"].(string); ok && strings.HasPrefix(ref, "#/components/") && !refExists(root, ref) {
					v[k] = map[string]any{"type": "object"}
					continue
				}
			}
			stubRefs(root, c)
		}
	case []any:
		for i, c := range v {
			if m, ok := c.(map[string]any); ok {
				if ref, ok := m["$ref"].(string); ok && strings.HasPrefix(ref, "#/components/") && !refExists(root, ref) {
					v[i] = map[string]any{"type": "object"}
					continue
				}
			}
			stubRefs(root, c)
		}
	}
}

func refExists(root map[string]any, ref string) bool {
	kind, name, _ := strings.Cut(strings.TrimPrefix(ref, "#/components/"), "/")
	comps, _ := root["components"].(map[string]any)
	byKind, _ := comps[kind].(map[string]any)
	_, ok := byKind[name]
	return ok
}

// site is one object of the edited document, with what it is.
type site struct {
	m        map[string]any
	schema   bool
	param    bool
	response bool // a response object (under responses)
	content  bool // a content map
	headers  bool // a headers map
	op       bool
	loc      string
}

// sites lists the objects of a reduced document, each once.
func sites(doc map[string]any, path, method string) []site {
	var out []site
	var walk func(n any, loc string, schema, param, response, content, headers, op bool)
	walk = func(n any, loc string, schema, param, response, content, headers, op bool) {
		switch v := n.(type) {
		case map[string]any:
			if _, ref := v["$ref"]; ref {
				return
			}
			out = append(out, site{m: v, schema: schema, param: param, response: response, content: content, headers: headers, op: op, loc: loc})
			for _, k := range slices.Sorted(maps.Keys(v)) {
				if strings.HasPrefix(k, "x-") || k == "example" || k == "examples" {
					continue
				}
				c := v[k]
				at := loc + "/" + k
				switch {
				case content:
					walk(c, at, false, false, false, false, false, false)
				case headers:
					walk(c, at, false, false, false, false, false, false)
				case schema && k == "properties":
					if props, ok := c.(map[string]any); ok {
						for _, p := range slices.Sorted(maps.Keys(props)) {
							walk(props[p], at+"/"+p, true, false, false, false, false, false)
						}
					}
				case k == "schema" || k == "items" || k == "additionalProperties" || k == "not":
					walk(c, at, true, false, false, false, false, false)
				case schema && (k == "allOf" || k == "oneOf" || k == "anyOf"):
					walk(c, at, true, false, false, false, false, false)
				case schema:
					// enum values, defaults: not objects of the contract
				case k == "parameters":
					walk(c, at, false, true, false, false, false, false)
				case k == "responses":
					if rs, ok := c.(map[string]any); ok {
						for _, code := range slices.Sorted(maps.Keys(rs)) {
							walk(rs[code], at+"/"+code, false, false, true, false, false, false)
						}
					}
				case k == "content":
					walk(c, at, false, false, false, true, false, false)
				case k == "headers":
					walk(c, at, false, false, false, false, true, false)
				case k == "schemas" && loc == "/components":
					if ss, ok := c.(map[string]any); ok {
						for _, name := range slices.Sorted(maps.Keys(ss)) {
							walk(ss[name], at+"/"+name, true, false, false, false, false, false)
						}
					}
				default:
					walk(c, at, false, false, false, false, false, false)
				}
			}
		case []any:
			for i, c := range v {
				walk(c, fmt.Sprintf("%s/%d", loc, i), schema, param, response, content, headers, op)
			}
		}
	}
	walk(doc["components"], "/components", false, false, false, false, false, false)
	paths, _ := doc["paths"].(map[string]any)
	item, _ := paths[path].(map[string]any)
	walk(item, "/paths/"+path, false, false, false, false, false, false)
	for i := range out {
		if out[i].loc == "/paths/"+path+"/"+method {
			out[i].op = true
		}
	}
	// Parameters under components.parameters are parameters too.
	if comps, ok := doc["components"].(map[string]any); ok {
		if ps, ok := comps["parameters"].(map[string]any); ok {
			for _, p := range ps {
				if pm, ok := p.(map[string]any); ok {
					for i := range out {
						if sameMap(out[i].m, pm) {
							out[i].param = true
						}
					}
				}
			}
		}
	}
	return out
}

func sameMap(a, b map[string]any) bool {
	return fmt.Sprintf("%p", a) == fmt.Sprintf("%p", b)
}

func pickSite(rng *rand.Rand, all []site, ok func(site) bool) (site, bool) {
	var c []site
	for _, s := range all {
		if ok(s) {
			c = append(c, s)
		}
	}
	if len(c) == 0 {
		return site{}, false
	}
	return c[rng.IntN(len(c))], true
}

func typeOf(s site) string {
	t, _ := s.m["type"].(string)
	return t
}

// mutate makes one edit of a kind at a random site; it reports what it
// did, or false when the document has no site for that kind.
func mutate(rng *rand.Rand, kind string, doc map[string]any, path, method string) (string, bool) {
	all := sites(doc, path, method)
	op := opOf(doc, path, method)
	switch kind {
	case "type":
		s, ok := pickSite(rng, all, func(s site) bool { return s.schema && typeOf(s) != "" })
		if !ok {
			return "", false
		}
		types := []string{"string", "integer", "boolean", "object", "array", "number"}
		old := typeOf(s)
		next := types[rng.IntN(len(types))]
		for next == old {
			next = types[rng.IntN(len(types))]
		}
		s.m["type"] = next
		if next == "array" {
			if _, ok := s.m["items"]; !ok {
				s.m["items"] = map[string]any{"type": "string"}
			}
		}
		return fmt.Sprintf("%s type %s → %s", s.loc, old, next), true
	case "format":
		s, ok := pickSite(rng, all, func(s site) bool { return s.schema && (typeOf(s) == "string" || typeOf(s) == "integer") })
		if !ok {
			return "", false
		}
		old, _ := s.m["format"].(string)
		switch {
		case old == "" && typeOf(s) == "integer":
			s.m["format"] = "int32"
		case old == "":
			s.m["format"] = "date-time"
		case rng.IntN(3) == 0:
			delete(s.m, "format")
		case old == "date":
			s.m["format"] = "date-time"
		default:
			s.m["format"] = "date"
			if old == "date" || typeOf(s) == "integer" {
				s.m["format"] = "int64"
			}
		}
		if s.m["format"] == old {
			s.m["format"] = old + "-mutated"
		}
		return fmt.Sprintf("%s format %q → %v", s.loc, old, s.m["format"]), true
	case "enum":
		s, ok := pickSite(rng, all, func(s site) bool {
			e, _ := s.m["enum"].([]any)
			return s.schema && (len(e) >= 2 || (typeOf(s) == "string" && e == nil))
		})
		if !ok {
			return "", false
		}
		if e, _ := s.m["enum"].([]any); len(e) >= 2 {
			if rng.IntN(2) == 0 {
				s.m["enum"] = e[:len(e)-1]
				return fmt.Sprintf("%s enum lost %v", s.loc, e[len(e)-1]), true
			}
			s.m["enum"] = append(e, "mutated-value")
			return fmt.Sprintf("%s enum gained a value", s.loc), true
		}
		s.m["enum"] = []any{"a", "b"}
		return fmt.Sprintf("%s gained an enum", s.loc), true
	case "limits":
		s, ok := pickSite(rng, all, func(s site) bool {
			t := typeOf(s)
			return s.schema && (t == "string" || t == "integer" || t == "number" || t == "array")
		})
		if !ok {
			return "", false
		}
		var keys []string
		switch typeOf(s) {
		case "string":
			keys = []string{"maxLength", "minLength"}
		case "array":
			keys = []string{"maxItems", "minItems"}
		default:
			keys = []string{"maximum", "minimum", "exclusiveMinimum", "exclusiveMaximum"}
		}
		k := keys[rng.IntN(len(keys))]
		old, had := s.m[k].(float64)
		switch {
		case k == "exclusiveMinimum" || k == "exclusiveMaximum":
			// The OpenAPI 3.0 form: a flag on minimum or maximum.
			bound := "minimum"
			if k == "exclusiveMaximum" {
				bound = "maximum"
			}
			if _, ok := s.m[bound]; !ok {
				s.m[bound] = 5.0
			}
			b, _ := s.m[k].(bool)
			s.m[k] = !b
		case had && rng.IntN(3) == 0:
			delete(s.m, k)
		case had:
			s.m[k] = old + float64(rng.IntN(2)*2-1)
			if s.m[k].(float64) < 0 {
				s.m[k] = old + 1
			}
		default:
			s.m[k] = float64(1 + rng.IntN(50))
		}
		return fmt.Sprintf("%s %s %v → %v", s.loc, k, old, s.m[k]), true
	case "pattern":
		s, ok := pickSite(rng, all, func(s site) bool { return s.schema && typeOf(s) == "string" })
		if !ok {
			return "", false
		}
		old, had := s.m["pattern"].(string)
		switch {
		case had && rng.IntN(2) == 0:
			delete(s.m, "pattern")
		case had:
			s.m["pattern"] = old + "x?"
		default:
			s.m["pattern"] = "^[a-z0-9]+$"
		}
		return fmt.Sprintf("%s pattern %q → %v", s.loc, old, s.m["pattern"]), true
	case "nullable":
		s, ok := pickSite(rng, all, func(s site) bool { return s.schema && typeOf(s) != "" })
		if !ok {
			return "", false
		}
		if strings.HasPrefix(fmt.Sprint(doc["openapi"]), "3.1") {
			s.m["type"] = []any{typeOf(s), "null"}
			return s.loc + " type gained null", true
		}
		if n, _ := s.m["nullable"].(bool); n {
			delete(s.m, "nullable")
			return s.loc + " nullable removed", true
		}
		s.m["nullable"] = true
		return s.loc + " nullable: true", true
	case "required":
		s, ok := pickSite(rng, all, func(s site) bool {
			props, _ := s.m["properties"].(map[string]any)
			return s.schema && len(props) > 0
		})
		if !ok {
			return "", false
		}
		props := s.m["properties"].(map[string]any)
		names := slices.Sorted(maps.Keys(props))
		name := names[rng.IntN(len(names))]
		req, _ := s.m["required"].([]any)
		if i := slices.Index(req, any(name)); i >= 0 {
			req = slices.Delete(req, i, i+1)
			if len(req) == 0 {
				delete(s.m, "required")
			} else {
				s.m["required"] = req
			}
			return fmt.Sprintf("%s %s no longer required", s.loc, name), true
		}
		s.m["required"] = append(req, name)
		return fmt.Sprintf("%s %s now required", s.loc, name), true
	case "additionalProperties":
		s, ok := pickSite(rng, all, func(s site) bool { return s.schema && typeOf(s) == "object" })
		if !ok {
			return "", false
		}
		old := s.m["additionalProperties"]
		switch v := old.(type) {
		case bool:
			if v {
				s.m["additionalProperties"] = false
			} else {
				delete(s.m, "additionalProperties")
			}
		case map[string]any:
			if len(v) == 0 {
				s.m["additionalProperties"] = false
			} else {
				s.m["additionalProperties"] = true
			}
		default:
			s.m["additionalProperties"] = false
		}
		return fmt.Sprintf("%s additionalProperties %v → %v", s.loc, old, s.m["additionalProperties"]), true
	case "servers":
		switch rng.IntN(3) {
		case 0:
			servers, _ := doc["servers"].([]any)
			if len(servers) == 0 {
				doc["servers"] = []any{map[string]any{"url": "https://mutated.example.com/api"}}
				return "document servers added", true
			}
			first, _ := servers[0].(map[string]any)
			first["url"] = fmt.Sprint(first["url"]) + "/v2"
			return "document server path changed", true
		case 1:
			item := doc["paths"].(map[string]any)[path].(map[string]any)
			item["servers"] = []any{map[string]any{"url": "https://paths.example.com/other"}}
			return "path servers set", true
		default:
			op["servers"] = []any{map[string]any{"url": "https://ops.example.com/other"}}
			return "operation servers set", true
		}
	case "headers":
		s, ok := pickSite(rng, all, func(s site) bool { return s.response })
		if !ok {
			return "", false
		}
		headers, _ := s.m["headers"].(map[string]any)
		if len(headers) > 0 && rng.IntN(2) == 0 {
			names := slices.Sorted(maps.Keys(headers))
			name := names[rng.IntN(len(names))]
			h, _ := headers[name].(map[string]any)
			if h == nil || h["$ref"] != nil {
				delete(headers, name)
				return fmt.Sprintf("%s header %s removed", s.loc, name), true
			}
			switch rng.IntN(3) {
			case 0:
				delete(headers, name)
				return fmt.Sprintf("%s header %s removed", s.loc, name), true
			case 1:
				r, _ := h["required"].(bool)
				h["required"] = !r
				return fmt.Sprintf("%s header %s required %v", s.loc, name, !r), true
			default:
				sch, _ := h["schema"].(map[string]any)
				if sch == nil || sch["$ref"] != nil {
					h["schema"] = map[string]any{"type": "integer"}
				} else if sch["type"] == "integer" {
					sch["type"] = "string"
				} else {
					sch["type"] = "integer"
				}
				return fmt.Sprintf("%s header %s schema type changed", s.loc, name), true
			}
		}
		if headers == nil {
			headers = make(map[string]any)
			s.m["headers"] = headers
		}
		headers["X-Mutated"] = map[string]any{"required": rng.IntN(2) == 0, "schema": map[string]any{"type": "string"}}
		return s.loc + " header X-Mutated added", true
	case "parameter-in", "parameter-style", "parameter-required":
		s, ok := pickSite(rng, all, func(s site) bool {
			in, _ := s.m["in"].(string)
			if !s.param || in == "" || in == "path" {
				return false
			}
			return kind != "parameter-style" || in == "query" || in == "cookie"
		})
		if !ok {
			return "", false
		}
		switch kind {
		case "parameter-in":
			ins := []string{"query", "header", "cookie"}
			old := s.m["in"].(string)
			next := ins[rng.IntN(3)]
			for next == old {
				next = ins[rng.IntN(3)]
			}
			s.m["in"] = next
			delete(s.m, "style")
			return fmt.Sprintf("%s in %s → %s", s.loc, old, next), true
		case "parameter-style":
			if e, ok := s.m["explode"].(bool); ok && rng.IntN(2) == 0 {
				s.m["explode"] = !e
				return fmt.Sprintf("%s explode → %v", s.loc, !e), true
			}
			old, _ := s.m["style"].(string)
			next := "spaceDelimited"
			if old == "spaceDelimited" {
				next = "pipeDelimited"
			}
			if s.m["in"] == "cookie" {
				if e, _ := s.m["explode"].(bool); true {
					s.m["explode"] = !e
					return fmt.Sprintf("%s explode → %v", s.loc, !e), true
				}
			}
			s.m["style"] = next
			return fmt.Sprintf("%s style %q → %s", s.loc, old, next), true
		default:
			r, _ := s.m["required"].(bool)
			s.m["required"] = !r
			return fmt.Sprintf("%s required → %v", s.loc, !r), true
		}
	case "security":
		comps, _ := doc["components"].(map[string]any)
		if comps == nil {
			comps = make(map[string]any)
			doc["components"] = comps
		}
		schemes, _ := comps["securitySchemes"].(map[string]any)
		if schemes == nil {
			schemes = make(map[string]any)
			comps["securitySchemes"] = schemes
		}
		if len(schemes) > 0 && rng.IntN(3) == 0 {
			names := slices.Sorted(maps.Keys(schemes))
			s, _ := schemes[names[rng.IntN(len(names))]].(map[string]any)
			if s != nil && s["type"] == "http" {
				if s["scheme"] == "basic" {
					s["scheme"] = "bearer"
				} else {
					s["scheme"] = "basic"
				}
				return "security scheme changed", true
			}
		}
		schemes["mutatedKey"] = map[string]any{"type": "apiKey", "in": "header", "name": "X-Mutated-Key"}
		if sec, ok := op["security"].([]any); ok && len(sec) > 0 {
			op["security"] = []any{}
			return "operation security removed", true
		}
		op["security"] = []any{map[string]any{"mutatedKey": []any{}}}
		return "operation security now an API key", true
	case "operationId":
		old, _ := op["operationId"].(string)
		op["operationId"] = old + "Mutated"
		return fmt.Sprintf("operationId %q → %q", old, op["operationId"]), true
	case "response-codes":
		rs, _ := op["responses"].(map[string]any)
		if len(rs) == 0 {
			return "", false
		}
		codes := slices.Sorted(maps.Keys(rs))
		code := codes[rng.IntN(len(codes))]
		switch {
		case rng.IntN(3) == 0:
			rs["418"] = map[string]any{"description": "mutated"}
			return "response 418 added", true
		case len(rs) > 1 && rng.IntN(2) == 0:
			delete(rs, code)
			return "response " + code + " removed", true
		default:
			for _, next := range []string{"299", "499", "203"} {
				if _, taken := rs[next]; !taken {
					rs[next] = rs[code]
					delete(rs, code)
					return "response " + code + " → " + next, true
				}
			}
			return "", false
		}
	case "media-types":
		s, ok := pickSite(rng, all, func(s site) bool { return s.content && len(s.m) > 0 })
		if !ok {
			return "", false
		}
		types := slices.Sorted(maps.Keys(s.m))
		mt := types[rng.IntN(len(types))]
		switch {
		case len(types) > 1 && rng.IntN(2) == 0:
			delete(s.m, mt)
			return fmt.Sprintf("%s media type %s removed", s.loc, mt), true
		case rng.IntN(2) == 0:
			s.m["application/x-mutated"] = map[string]any{"schema": map[string]any{"type": "string"}}
			return fmt.Sprintf("%s media type added", s.loc), true
		default:
			s.m["application/x-mutated"] = s.m[mt]
			delete(s.m, mt)
			return fmt.Sprintf("%s media type %s renamed", s.loc, mt), true
		}
	}
	return "", false
}

func opOf(doc map[string]any, path, method string) map[string]any {
	paths, _ := doc["paths"].(map[string]any)
	item, _ := paths[path].(map[string]any)
	op, _ := item[method].(map[string]any)
	return op
}
