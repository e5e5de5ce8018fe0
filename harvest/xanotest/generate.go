package xanotest

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"sync"
)

// GenOptions describe a generated fleet. Zero counts take the defaults
// noted on each field.
type GenOptions struct {
	Seed       int64
	Instances  int // default 1
	Workspaces int // per instance, default 2
	Groups     int // per workspace, default 6
	Endpoints  int // operations per group, default 8
	Generation int // default 1
}

func (o GenOptions) withDefaults() GenOptions {
	if o.Instances <= 0 {
		o.Instances = 1
	}
	if o.Workspaces <= 0 {
		o.Workspaces = 2
	}
	if o.Groups <= 0 {
		o.Groups = 6
	}
	if o.Endpoints <= 0 {
		o.Endpoints = 8
	}
	if o.Generation <= 0 {
		o.Generation = 1
	}
	return o
}

var instanceNames = []string{"acme-prod", "acme-staging", "partner-eu", "partner-us", "mobile-lab", "sandbox"}

var workspaceNames = []struct{ name, description string }{
	{"Book Marketplace", "This is an example workspace."},
	{"Mobile Backend", ""},
	{"Café Orders", "Point of sale for the cafés"},
	{"数据平台", ""},
	{"Internal Tools", ""},
	{"Payments", "Billing and payouts"},
	{"Données Clients", ""},
	{"Growth", ""},
}

// groupNames starts with two names that collide once made file-safe, so
// any workspace with two or more groups exercises key uniqueness.
var groupNames = []string{
	"Public API", "public-api", "Mobile Native", "Admin Panel", "Authentication", "Paiements €",
	"Événements", "Webhooks", "Reporting", "Internal Tools", "Partner Feed", "用户 API",
	"Search", "Notifications", "Files & Media", "Billing",
}

var addedGroupNames = []string{"Partner Feed v2", "Loyalty", "Experiments", "Kiosk", "Support Desk", "Marketplace Sync"}

// The position of a group in the account decides what kind of document it
// has: one in twelve is Swagger 2.0, one OpenAPI 3.1, one broken (no
// paths and dangling $ref in turn), the rest Xano-style OpenAPI 3.0. A
// quarter are token-protected; with two or more instances, one in ten
// lives on the next instance's host.
func groupKind(i int) (Format, string) {
	switch i % 12 {
	case 5:
		return FormatSwagger20, ""
	case 8:
		return FormatOpenAPI31, ""
	case 11:
		if (i/12)%2 == 0 {
			return FormatOpenAPI30, "missing-paths"
		}
		return FormatOpenAPI30, "dangling-ref"
	}
	return FormatOpenAPI30, ""
}

// generator holds a generated account across generations. Generations are
// planned lazily, one transition at a time, and never change once planned,
// so every Fleet view and every document of a generation is stable.
type generator struct {
	opts     GenOptions
	skeleton []Instance // instances and workspaces, without groups
	base     []*groupDef

	mu     sync.Mutex
	defs   map[int]*groupDef
	steps  []*step // steps[i] turns generation i+1 into i+2
	nextID int
}

type groupDef struct {
	group  Group
	inst   int // index into skeleton
	ws     int // index into the instance's workspaces
	born   int // generation the group first appears in
	died   int // generation the group is gone in; 0 while it lives
	broken string
}

type step struct {
	to      int
	edits   []Edit
	byGroup map[int][]Edit
	removed map[int]bool
	added   []*groupDef
}

// Generate builds a fleet from a seed. The same options give the same
// fleet, the same edits and the same document bytes (apart from the host
// and port inside them).
func Generate(o GenOptions) *Fleet {
	o = o.withDefaults()
	g := &generator{opts: o, defs: map[int]*groupDef{}}
	canonicals := map[string]bool{}
	names := make([]string, o.Instances)
	for i := range names {
		names[i] = instanceNames[i%len(instanceNames)]
		if i >= len(instanceNames) {
			names[i] = fmt.Sprintf("%s-%d", names[i], i/len(instanceNames)+1)
		}
	}
	wsID, groupID, global := 0, 0, 0
	for i, name := range names {
		inst := Instance{ID: i + 1, Name: name, Display: displayName(name), Description: ""}
		for w := 0; w < o.Workspaces; w++ {
			wsID++
			wn := workspaceNames[(i+w)%len(workspaceNames)]
			wsName := wn.name
			if lap := (i + w) / len(workspaceNames); lap > 0 || w >= len(workspaceNames) {
				wsName = fmt.Sprintf("%s %d", wn.name, wsID)
			}
			inst.Workspaces = append(inst.Workspaces, Workspace{ID: wsID, Name: wsName, Description: wn.description})
			offset := 0
			if w > 0 || i > 0 {
				offset = (wsID * 5) % len(groupNames)
			}
			for k := 0; k < o.Groups; k++ {
				groupID++
				name := groupNames[(offset+k)%len(groupNames)]
				if k >= len(groupNames) {
					name = fmt.Sprintf("%s %d", name, k/len(groupNames)+1)
				}
				format, broken := groupKind(global)
				host := i
				if o.Instances > 1 && global%10 == 7 {
					host = (i + 1) % o.Instances
				}
				def := &groupDef{inst: i, ws: w, born: 1, broken: broken, group: Group{
					ID:          groupID,
					Name:        name,
					Description: groupDescription(name, global),
					Canonical:   newCanonical(o.Seed, groupID, canonicals),
					Host:        names[host],
					Format:      format,
					Expect:      ExpectValid,
				}}
				if broken != "" {
					def.group.Expect = ExpectInvalid
				}
				if global%4 == 2 {
					def.group.SwaggerToken = secret(o.Seed, "swagger", groupID, 24)
				}
				g.base = append(g.base, def)
				g.defs[groupID] = def
				global++
			}
		}
		g.skeleton = append(g.skeleton, inst)
	}
	g.nextID = groupID + 1
	return g.fleetAt(o.Generation)
}

func displayName(name string) string {
	b := []byte(name)
	up := true
	for i, c := range b {
		if c == '-' {
			b[i] = ' '
			up = true
			continue
		}
		if up && c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
		up = false
	}
	return string(b)
}

func groupDescription(name string, i int) string {
	if i%3 != 0 {
		return ""
	}
	return "Endpoints of " + name
}

func newCanonical(seed int64, id int, used map[string]bool) string {
	for n := 0; ; n++ {
		c := secret(seed, "canonical", id*1000+n, 8)
		if !used[c] {
			used[c] = true
			return c
		}
	}
}

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// secret derives a token-like string from the seed, a label and a number,
// so a simulator started twice with one seed issues the same values.
func secret(seed int64, label string, n, length int) string {
	rng := newRand(seed, label, n)
	b := make([]byte, length)
	for i := range b {
		b[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return string(b)
}

func newRand(seed int64, label string, n int) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(label))
	return rand.New(rand.NewPCG(uint64(seed), h.Sum64()^uint64(n)*0x9e3779b97f4a7c15))
}

// ensure plans transitions up to generation n. Callers hold g.mu.
func (g *generator) ensure(n int) {
	for len(g.steps)+1 < n {
		g.steps = append(g.steps, g.plan(len(g.steps)+2))
	}
}

// aliveAt lists the groups of generation n in id order. Callers hold g.mu
// and have planned up to n.
func (g *generator) aliveAt(n int) []*groupDef {
	var alive []*groupDef
	for _, d := range g.base {
		if d.aliveAt(n) {
			alive = append(alive, d)
		}
	}
	for _, s := range g.steps {
		if s.to > n {
			break
		}
		for _, d := range s.added {
			if d.aliveAt(n) {
				alive = append(alive, d)
			}
		}
	}
	return alive
}

func (d *groupDef) aliveAt(n int) bool { return d.born <= n && (d.died == 0 || d.died > n) }

// modelLocked builds a group's model at generation n. Callers hold g.mu
// and have planned up to n.
func (g *generator) modelLocked(d *groupDef, n int) groupModel {
	rng := newRand(g.opts.Seed, "model", d.group.ID)
	m := baseModel(d.group.Name, d.group.Description, d.group.Format, g.opts.Endpoints, rng)
	switch d.broken {
	case "missing-paths":
		m.missingPaths = true
	case "dangling-ref":
		m.danglingRef = "ItemRecord"
	}
	for _, s := range g.steps {
		if s.to > n {
			break
		}
		for _, e := range s.byGroup[d.group.ID] {
			applyEdit(&m, e.Kind, s.to)
		}
	}
	return m
}

func (g *generator) modelAt(id, n int) (groupModel, string, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.ensure(n)
	d, ok := g.defs[id]
	if !ok || !d.aliveAt(n) {
		return groupModel{}, "", false
	}
	return g.modelLocked(d, n), d.group.Canonical, true
}

func (g *generator) fleetAt(n int) *Fleet {
	if n <= 0 {
		n = 1
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.ensure(n)
	invalid := map[int]bool{}
	for _, s := range g.steps {
		if s.to > n {
			break
		}
		for _, e := range s.edits {
			if e.Kind == EditBecameInvalid {
				invalid[e.GroupID] = true
			}
		}
	}
	f := &Fleet{Seed: g.opts.Seed, Generation: n, gen: g}
	f.Instances = make([]Instance, len(g.skeleton))
	for i, inst := range g.skeleton {
		inst.Workspaces = append([]Workspace(nil), inst.Workspaces...)
		f.Instances[i] = inst
	}
	for _, d := range g.aliveAt(n) {
		grp := d.group
		if invalid[grp.ID] {
			grp.Expect = ExpectInvalid
		}
		ws := &f.Instances[d.inst].Workspaces[d.ws]
		ws.Groups = append(ws.Groups, grp)
	}
	for i := range f.Instances {
		for j := range f.Instances[i].Workspaces {
			sortGroups(f.Instances[i].Workspaces[j].Groups)
		}
	}
	return f
}

func (g *generator) edits(from, to int) []Edit {
	out := []Edit{}
	if from >= to {
		return out
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.ensure(to)
	for _, s := range g.steps {
		if s.to > from && s.to <= to {
			out = append(out, s.edits...)
		}
	}
	return out
}
