package xanotest

import (
	"fmt"
	"sort"
)

// Format is how a group's document is written.
type Format string

const (
	FormatOpenAPI30 Format = "openapi-3.0" // as Xano writes it, defects included
	FormatOpenAPI31 Format = "openapi-3.1"
	FormatSwagger20 Format = "swagger-2.0"
	FormatUnknown   Format = "" // a document read from a directory
)

// Expect says what a validator should conclude about a group's document.
type Expect string

const (
	// ExpectValid: valid once Xano's documented defects are repaired
	// (numeric strings in schema keywords, "required": true on properties,
	// defaults written as strings, path parameters not marked required);
	// Swagger 2.0 after conversion to OpenAPI 3.0.
	ExpectValid Expect = "valid"
	// ExpectInvalid: the contract is broken (no paths, or a $ref that
	// resolves to nothing); no repair makes it valid.
	ExpectInvalid Expect = "invalid"
	// ExpectUnknown: a document read from a directory; nobody said.
	ExpectUnknown Expect = ""
)

// Fleet is the content of a simulated account at one generation:
// instances, their workspaces, and the API groups in each. Names are the
// display names the APIs report; ids are unique across the account and
// stable across generations.
type Fleet struct {
	Seed       int64
	Generation int
	Instances  []Instance

	gen   *generator        // nil for a fleet read from a directory
	files map[int]fleetFile // group id → document, for a fleet read from a directory
}

// Instance is one Xano instance; the server gives each its own listener.
type Instance struct {
	ID          int
	Name        string
	Display     string
	Description string
	Workspaces  []Workspace
}

// Workspace is one workspace of an instance.
type Workspace struct {
	ID          int
	Name        string
	Description string
	Groups      []Group
}

// Group is one API group and what its document is meant to be.
type Group struct {
	ID          int
	Name        string
	Description string
	Canonical   string // the <canonical> of api:<canonical> and apispec:<canonical>
	// Host is the name of the instance whose listener serves the group's
	// API and document. Usually the group's own instance, but as in Xano's
	// own example, a group may live on another host.
	Host   string
	Format Format
	Expect Expect
	// SwaggerToken, when set, protects the document: apispec answers 403
	// unless the request carries ?token=<SwaggerToken>. The swaggerspec and
	// documentation.link URLs the APIs return carry it, as Xano's do.
	SwaggerToken string
}

type fleetFile struct {
	body        []byte
	contentType string
}

// GroupRef is a group together with where it sits.
type GroupRef struct {
	Instance  *Instance
	Workspace *Workspace
	Group     *Group
}

// Groups lists every group of the fleet in listing order.
func (f *Fleet) Groups() []GroupRef {
	var refs []GroupRef
	for i := range f.Instances {
		inst := &f.Instances[i]
		for j := range inst.Workspaces {
			ws := &inst.Workspaces[j]
			for k := range ws.Groups {
				refs = append(refs, GroupRef{Instance: inst, Workspace: ws, Group: &ws.Groups[k]})
			}
		}
	}
	return refs
}

// At returns the same account at another generation. A fleet read from a
// directory has only one generation and returns itself.
func (f *Fleet) At(generation int) *Fleet {
	if f.gen == nil || generation == f.Generation {
		return f
	}
	return f.gen.fleetAt(generation)
}

// Edits lists the edits that turned generation from into generation to,
// oldest first (empty for a fleet read from a directory or when from >= to).
func (f *Fleet) Edits(from, to int) []Edit {
	if f.gen == nil {
		return []Edit{}
	}
	return f.gen.edits(from, to)
}

// Document renders a group's document as served from origin
// ("http://host:port" of the listener that hosts it). Generated documents
// differ between origins only in that host and port.
func (f *Fleet) Document(groupID int, origin string) ([]byte, error) {
	body, _, err := f.document(groupID, origin)
	return body, err
}

func (f *Fleet) document(groupID int, origin string) ([]byte, string, error) {
	if f.gen == nil {
		file, ok := f.files[groupID]
		if !ok {
			return nil, "", fmt.Errorf("no group with id %d", groupID)
		}
		return file.body, file.contentType, nil
	}
	m, canonical, ok := f.gen.modelAt(groupID, f.Generation)
	if !ok {
		return nil, "", fmt.Errorf("no group with id %d in generation %d", groupID, f.Generation)
	}
	return m.render(origin, canonical), "application/json; charset=utf-8", nil
}

// sortGroups keeps listings in id order, which is how Xano lists them.
func sortGroups(groups []Group) {
	sort.Slice(groups, func(i, j int) bool { return groups[i].ID < groups[j].ID })
}

// group finds a group of this generation by id.
func (f *Fleet) group(id int) (GroupRef, bool) {
	for _, ref := range f.Groups() {
		if ref.Group.ID == id {
			return ref, true
		}
	}
	return GroupRef{}, false
}
