package xanotest

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// The model is what a generated document is rendered from. Nightly edits
// change the model, never the rendered bytes, so one edit shows the same
// way in every output format.

type groupModel struct {
	title       string
	description string
	format      Format
	ops         []opModel
	// missingPaths and danglingRef break the contract: the document has
	// no paths object, or one response refers to a schema that is not there.
	missingPaths bool
	danglingRef  string
	// pathParamsUnmarked reproduces Xano's defect of omitting
	// "required" on path parameters (OpenAPI 3.0 output only).
	pathParamsUnmarked bool
}

type opModel struct {
	verb    string // upper case, as in operationIds
	path    string
	summary string
	auth    bool
	params  []paramModel
	body    []prop // nil: no request body
	resp    prop   // schema of the 200 response
	// listing marks the operation whose query parameter, request enum and
	// response properties the nightly edits aim at.
	listing bool
}

func (o opModel) name() string { return o.verb + " " + o.path }

func (o opModel) tag() string {
	seg, _, _ := strings.Cut(strings.TrimPrefix(o.path, "/"), "/")
	return seg
}

type paramModel struct {
	name     string
	in       string // path | query
	required bool
	schema   prop
}

// prop is a schema node in Xano's vocabulary. Defaults and array bounds
// are kept as strings because that is how Xano writes them; the clean
// renderers convert them.
type prop struct {
	name        string
	typ         string // object, array, string, integer, number, boolean
	format      string
	description string
	nullable    bool
	def         string
	hasDef      bool
	enum        []string
	props       []prop
	items       *prop
	minItems    string
	maxItems    string
	// required reproduces Xano's `"required": true` on a property.
	required bool
}

func (p prop) clone() prop {
	c := p
	c.enum = append([]string(nil), p.enum...)
	if p.props != nil {
		c.props = make([]prop, len(p.props))
		for i, q := range p.props {
			c.props[i] = q.clone()
		}
	}
	if p.items != nil {
		it := p.items.clone()
		c.items = &it
	}
	return c
}

var resources = []string{"books", "orders", "checkins", "pairs", "courses", "events", "invoices", "reviews", "files", "members"}

var statusValues = []string{"draft", "active", "paused", "closed"}

func str(name string) prop { return prop{name: name, typ: "string"} }

func int64Prop(name string) prop { return prop{name: name, typ: "integer", format: "int64"} }

func boolProp(name string) prop {
	return prop{name: name, typ: "boolean", def: "false", hasDef: true}
}

func timestampProp(name string) prop {
	return prop{name: name, typ: "number", format: "timestamptz", def: "now", hasDef: true}
}

// record is the row of a resource table as Xano describes it.
func record(res string, rng *rand.Rand) prop {
	props := []prop{
		int64Prop("id"),
		timestampProp("created_at"),
		{name: "name", typ: "string"},
		{name: "status", typ: "string", enum: append([]string(nil), statusValues...), def: statusValues[0], hasDef: true},
		{name: "total", typ: "integer", format: "int64", def: "0", hasDef: true},
		boolProp("is_public"),
		{name: "owner_email", typ: "string", format: "email", nullable: true},
		{name: "tags", typ: "array", items: &prop{typ: "string"}, minItems: "0", maxItems: fmt.Sprint(4 + rng.IntN(60))},
	}
	if rng.IntN(2) == 0 {
		props = append(props, prop{name: "guid", typ: "string", format: "uuid"})
	}
	return prop{typ: "object", props: props}
}

func authMe() prop {
	return prop{typ: "object", props: []prop{
		int64Prop("id"),
		timestampProp("created_at"),
		{name: "email", typ: "string", format: "email", nullable: true},
		{name: "access", typ: "string", enum: []string{"Free", "Activator", "Workplace"}, def: "Free", hasDef: true},
		boolProp("email_verified"),
		{name: "onboarding_step", typ: "integer", format: "int64", def: "1", hasDef: true},
	}}
}

func credentials(requiredDefect bool) []prop {
	return []prop{
		{name: "email", typ: "string", format: "email", required: requiredDefect},
		{name: "password", typ: "string", format: "password", required: requiredDefect},
	}
}

// baseModel builds a group's document model at its first generation.
// Every group starts with a listing operation, so even a one-endpoint
// group can carry each kind of nightly edit; after that come the paths
// many Xano groups share (/auth/login, /auth/me, /auth/signup) and CRUD
// operations over resources.
func baseModel(title, description string, format Format, endpoints int, rng *rand.Rand) groupModel {
	m := groupModel{title: title, description: description, format: format, pathParamsUnmarked: rng.IntN(3) == 0}
	first := rng.IntN(len(resources))
	requiredDefect := rng.IntN(2) == 0
	seen := map[string]bool{}
	add := func(o opModel) {
		if len(m.ops) < endpoints && !seen[o.name()] {
			seen[o.name()] = true
			m.ops = append(m.ops, o)
		}
	}
	for round := 0; len(m.ops) < endpoints; round++ {
		res := resources[(first+round)%len(resources)]
		if round >= len(resources) {
			res = fmt.Sprintf("%s_%d", res, round/len(resources)+1)
		}
		rec := record(res, rng)
		idParam := paramModel{name: res + "_id", in: "path", required: true, schema: int64Prop("")}
		add(opModel{verb: "GET", path: "/" + res, summary: "Query all " + res + " records", auth: true, listing: round == 0,
			params: []paramModel{
				{name: "page", in: "query", schema: prop{typ: "integer", format: "int64", def: "1", hasDef: true}},
				{name: "status", in: "query", schema: prop{typ: "string", enum: append([]string(nil), statusValues...)}},
				{name: "search", in: "query", schema: str("")},
			},
			resp: prop{typ: "object", props: []prop{
				{name: "itemsReceived", typ: "integer", format: "int64"},
				{name: "curPage", typ: "integer", format: "int64"},
				{name: "nextPage", typ: "integer", format: "int64", nullable: true},
				{name: "items", typ: "array", items: &rec, minItems: "0", maxItems: "100"},
			}}})
		if round == 0 {
			add(opModel{verb: "POST", path: "/auth/login", summary: "Login and retrieve an authentication token",
				body: credentials(requiredDefect),
				resp: prop{typ: "object", props: []prop{str("authToken")}}})
			add(opModel{verb: "GET", path: "/auth/me", summary: "Get the record belonging to the authentication token", auth: true, resp: authMe()})
		}
		add(opModel{verb: "GET", path: "/" + res + "/{" + res + "_id}", summary: "Get " + res + " record", auth: rng.IntN(4) != 0,
			params: []paramModel{idParam}, resp: rec.clone()})
		body := []prop{{name: "name", typ: "string", required: requiredDefect}, rec.props[3].clone(), boolProp("is_public")}
		add(opModel{verb: "POST", path: "/" + res, summary: "Add " + res + " record", auth: true, body: body, resp: rec.clone()})
		add(opModel{verb: "PATCH", path: "/" + res + "/{" + res + "_id}", summary: "Edit " + res + " record", auth: true,
			params: []paramModel{idParam}, body: body, resp: rec.clone()})
		add(opModel{verb: "DELETE", path: "/" + res + "/{" + res + "_id}", summary: "Delete " + res + " record", auth: true,
			params: []paramModel{idParam}, resp: prop{typ: "object", props: []prop{}}})
		if round == 0 {
			add(opModel{verb: "POST", path: "/auth/signup", summary: "Signup and retrieve an authentication token",
				body: append(credentials(requiredDefect), prop{name: "avatar", typ: "string", format: "binary", nullable: true}),
				resp: prop{typ: "object", props: []prop{str("authToken")}}})
		}
		add(opModel{verb: "GET", path: "/" + res + "/stats/{" + res + "_id}/", summary: "", auth: false,
			params: []paramModel{idParam}, resp: prop{typ: "object", props: []prop{int64Prop("count"), {name: "average", typ: "number"}}}})
	}
	return m
}

// listingOp is the index of the operation nightly edits aim at, or -1.
func (m groupModel) listingOp() int {
	for i, o := range m.ops {
		if o.listing {
			return i
		}
	}
	return -1
}
