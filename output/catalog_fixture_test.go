package output

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/specharvest/specharvest/merge/diff"
)

// hostileName is a group name chosen to break out of every context the
// page puts names in: a script element, an attribute, markup, a URL.
const hostileName = `</script><script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">`

// catalogFixtureInput generates a fleet of groups spread over instances
// and workspaces, with operations, some failed, stale and invalid groups,
// one hostile group and findings (breaking ones among them) against a
// previous snapshot. It is seeded, so every run sees the same fleet.
func catalogFixtureInput(groups int) CatalogInput {
	rng := rand.New(rand.NewPCG(7, uint64(groups)))
	m := &Manifest{ID: fixtureSnapshot, Previous: "20261126T020000Z"}
	changes := &diff.Changes{Base: m.Previous, Revision: m.ID}
	docs := map[string]*CatalogDocument{}
	methods := []string{"get", "post", "put", "delete", "patch"}
	resources := []string{"books", "authors", "orders", "invoices", "users", "carts", "reviews", "shelves"}
	for i := 0; i < groups; i++ {
		instance := fmt.Sprintf("instance-%d", i%4)
		workspace := fmt.Sprintf("workspace-%d", (i/4)%5)
		group := fmt.Sprintf("group-%04d", i)
		title := fmt.Sprintf("Group %d API", i)
		if i == 3 {
			group = "hostile"
			title = hostileName
		}
		key := "prod/" + instance + "/" + workspace + "/" + group
		sha := fmt.Sprintf("%016x%016x%016x%016x", rng.Uint64(), rng.Uint64(), rng.Uint64(), rng.Uint64())
		g := SpecEntry{
			Key: key, Source: "prod", Instance: instance, Workspace: workspace, Group: group,
			Title: title, OpenAPI: "3.0.0", Status: StatusOK,
			SHA256: sha, ChangedIn: "20261101T020000Z", Valid: true,
		}
		d := &CatalogDocument{
			APIVersion: "1.0." + fmt.Sprint(i%3), MediaType: "application/json",
			Servers: []string{fmt.Sprintf("https://x%d.example.com/api:%04d", i%4, i)},
			Tags:    []string{resources[i%len(resources)]},
		}
		for k := 0; k < 5+rng.IntN(40); k++ {
			res := resources[(i+k)%len(resources)]
			d.Operations = append(d.Operations, OperationInfo{
				Method:  methods[k%len(methods)],
				Path:    fmt.Sprintf("/%s/%d/{id}", res, k),
				Summary: fmt.Sprintf("%s %s number %d", methods[k%len(methods)], res, k),
			})
		}
		if i == 3 {
			d.Operations[0].Summary = hostileName
		}
		g.Operations = len(d.Operations)
		switch {
		case i%97 == 5:
			g.Status, g.SHA256, g.Operations, g.Error, d = StatusFailed, "", 0, "fetch: 503 Service Unavailable", nil
		case i%89 == 7:
			g.Status, g.Error = StatusStale, "fetch: timeout"
			changes.Groups = append(changes.Groups, diff.GroupChanges{Key: key, Change: diff.GroupStale})
		case i%23 == 1:
			g.Valid, g.Errors, g.Warnings = false, 2, 1
		}
		if i%17 == 2 {
			g.ChangedIn = ""
			ch := diff.GroupChanges{Key: key, Change: diff.GroupChanged, Changes: []diff.Finding{
				{ID: "api-path-removed", Level: diff.LevelBreaking, Operation: "GET /legacy/" + group, Message: "the path /legacy/" + group + " was removed"},
				{ID: "response-property-added", Level: diff.LevelInfo, Operation: "GET /books/0/{id}", Message: "the response property note was added"},
			}}
			if i%2 == 0 {
				ch.Changes = append(ch.Changes, diff.Finding{ID: "request-parameter-became-required", Level: diff.LevelBreaking,
					Operation: "POST /orders", Location: "#/paths/~1orders/post/parameters/0", Message: "the query parameter limit became required"})
			}
			changes.Groups = append(changes.Groups, ch)
		}
		m.Specs = append(m.Specs, g)
		docs[key] = d
	}
	sort.Slice(m.Specs, func(i, j int) bool { return m.Specs[i].Key < m.Specs[j].Key })
	changes.Groups = append(changes.Groups, diff.GroupChanges{Key: "prod/instance-9/gone/old-api", Change: diff.GroupRemoved,
		Changes: []diff.Finding{{ID: "api-group-removed", Level: diff.LevelBreaking, Message: "the group was removed"}}})
	for _, g := range changes.Groups {
		switch g.Change {
		case diff.GroupChanged:
			changes.Summary.GroupsChanged++
		case diff.GroupRemoved:
			changes.Summary.GroupsRemoved++
		case diff.GroupStale:
			changes.Summary.GroupsStale++
		}
		for _, f := range g.Changes {
			if f.Level == diff.LevelBreaking {
				changes.Summary.Breaking++
			} else {
				changes.Summary.NonBreaking++
			}
		}
	}
	return CatalogInput{Manifest: m, Changes: changes, Document: func(e SpecEntry) *CatalogDocument { return docs[e.Key] }}
}

// fixtureSnapshot is the snapshot the fixture catalog belongs to.
const fixtureSnapshot = "20261127T020000Z"

// catalogFixtureSnapshot is the snapshot.js beside the fixture catalog of
// that many groups: its snapshot, the one before and a week's timeline.
func catalogFixtureSnapshot(groups int) SnapshotPage {
	p := SnapshotPage{Snapshot: fixtureSnapshot, Previous: "20261126T020000Z", Generated: time.Date(2026, 11, 27, 2, 3, 4, 0, time.UTC)}
	for d := 0; d < 7; d++ {
		p.Timeline = append(p.Timeline, TimelineEntry{
			ID:      fmt.Sprintf("202611%02dT020000Z", 27-d),
			Started: time.Date(2026, 11, 27-d, 2, 0, 0, 0, time.UTC),
			Specs:   groups, OK: groups - d, Failed: d, Operations: groups * 20, Changed: d * 2, Breaking: d % 3, Compared: true,
		})
	}
	return p
}
