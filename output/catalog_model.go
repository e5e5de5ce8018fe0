package output

import (
	"sort"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/specharvest/specharvest/merge/diff"
)

// CatalogFormat is the version of the catalog.json layout; it changes only
// when a field changes meaning or disappears. Format 2 left out what names
// the snapshot (snapshot, previous, generated, timeline, changes.base):
// the manifest beside it and snapshot.js say that, so the catalog of a
// night that changed nothing is the same bytes as the night before.
const CatalogFormat = 2

// Catalog is the model behind catalog.json, api-catalog.json and
// index.html: every group of one snapshot with what a reader needs to find
// it, judge it and see what changed, plus totals per instance and
// workspace. It is built by BuildCatalog and never mutated afterwards.
// Nothing in it names its snapshot, so identical fleets give identical
// catalogs.
type Catalog struct {
	Format int    `json:"format"`
	Totals Totals `json:"totals"`
	// Instances holds the totals per instance and, inside, per workspace,
	// in key order; the groups themselves are in Groups.
	Instances []InstanceTotals `json:"instances"`
	Groups    []CatalogGroup   `json:"groups"`
	// Changes is nil for the first snapshot of a store: there is nothing to
	// compare with.
	Changes *CatalogChanges `json:"changes,omitempty"`
}

// Totals counts groups by what a reader scans for first.
type Totals struct {
	Groups     int `json:"groups"`
	OK         int `json:"ok"`
	Stale      int `json:"stale"`
	Failed     int `json:"failed"`
	Invalid    int `json:"invalid"`
	Operations int `json:"operations"`
	Changed    int `json:"changed"`
	Breaking   int `json:"breaking"`
}

// InstanceTotals is one instance of one source. Instance names are only
// unique within a source, so both are kept.
type InstanceTotals struct {
	Source     string            `json:"source"`
	Instance   string            `json:"instance"`
	Totals     Totals            `json:"totals"`
	Workspaces []WorkspaceTotals `json:"workspaces"`
}

// WorkspaceTotals is one workspace of an instance.
type WorkspaceTotals struct {
	Workspace string `json:"workspace"`
	Totals    Totals `json:"totals"`
}

// CatalogGroup is one API group as the catalog shows it.
type CatalogGroup struct {
	Key       string   `json:"key"`
	Source    string   `json:"source"`
	Instance  string   `json:"instance,omitempty"`
	Workspace string   `json:"workspace,omitempty"`
	Group     string   `json:"group"`
	Title     string   `json:"title,omitempty"`
	Version   string   `json:"version,omitempty"`
	OpenAPI   string   `json:"openapi,omitempty"`
	Servers   []string `json:"servers,omitempty"`
	Tags      []string `json:"tags,omitempty"`
	Status    string   `json:"status"`
	Valid     bool     `json:"valid"`
	Errors    int      `json:"errors"`
	Warnings  int      `json:"warnings"`
	SHA256    string   `json:"sha256,omitempty"`
	ChangedIn string   `json:"changed_in,omitempty"`
	Error     string   `json:"error,omitempty"`
	Document  string   `json:"document,omitempty"`
	// DocumentType is the media type of Document, when known.
	DocumentType string `json:"document_type,omitempty"`
	Operations   int    `json:"operations"`
	// Change is how the group differs from the previous snapshot: added,
	// changed or stale; empty when it is unchanged or there is no previous
	// snapshot.
	Change    string          `json:"change,omitempty"`
	Findings  []diff.Finding  `json:"findings,omitempty"`
	Endpoints []OperationInfo `json:"endpoints,omitempty"`
	// LastFetched and StaleNights are the age of a stale group.
	LastFetched time.Time `json:"last_fetched,omitzero"`
	StaleNights int       `json:"stale_nights,omitempty"`
	// ExcludedFromMerge says why the group is not in merged.json.
	ExcludedFromMerge string   `json:"excluded_from_merge,omitempty"`
	Flags             []string `json:"flags,omitempty"`
}

// OperationInfo is what a catalog reader needs of one operation.
type OperationInfo struct {
	Method      string   `json:"method"`
	Path        string   `json:"path"`
	Summary     string   `json:"summary,omitempty"`
	OperationID string   `json:"operation_id,omitempty"`
	Tags        []string `json:"tags,omitempty"`
	Deprecated  bool     `json:"deprecated,omitempty"`
}

// CatalogChanges is what changed since the previous snapshot, the groups
// with breaking findings first.
type CatalogChanges struct {
	Summary diff.ChangeSummary   `json:"summary"`
	Groups  []CatalogGroupChange `json:"groups"`
}

// CatalogGroupChange is one group that changed, with its findings counted
// by level so a reader can sort and filter without walking them.
type CatalogGroupChange struct {
	Key    string `json:"key"`
	Change string `json:"change"`
	// Error says why a changed group could not be compared.
	Error    string         `json:"error,omitempty"`
	Breaking int            `json:"breaking"`
	Warning  int            `json:"warning"`
	Info     int            `json:"info"`
	Findings []diff.Finding `json:"findings,omitempty"`
}

// CatalogInput is what BuildCatalog reads: a snapshot's manifest and
// changes as they are, and what only the loaded documents know.
type CatalogInput struct {
	Manifest *Manifest
	// Changes is nil for the first snapshot of a store: there is nothing
	// to compare with.
	Changes *diff.Changes
	// Document gives what was read from a group's document: its
	// operations, servers, tags, version and media type. Without it, or
	// when it returns nil (a failed group), the catalog shows the
	// manifest's operation count.
	Document func(SpecEntry) *CatalogDocument
	// Excluded says, by key, why a group is not in merged.json.
	Excluded map[string]string
}

// CatalogDocument is what the catalog shows of a group's document beyond
// its manifest entry.
type CatalogDocument struct {
	Operations []OperationInfo
	Servers    []string
	Tags       []string
	// APIVersion is the document's info.version.
	APIVersion string
	// MediaType is the document's media type as fetched
	// (application/json or application/yaml), empty when unknown.
	MediaType string
}

// BuildCatalog builds the catalog of a snapshot straight from its manifest
// and changes. It is pure and deterministic: groups are sorted by key,
// operations by path and method, findings by severity, so identical input
// gives identical output; and nothing in the result names the snapshot
// but the ChangedIn of the groups that changed in it.
func BuildCatalog(in CatalogInput) *Catalog {
	c := &Catalog{Format: CatalogFormat, Groups: []CatalogGroup{}, Instances: []InstanceTotals{}}
	if in.Manifest == nil {
		return c
	}
	m := in.Manifest
	c.Groups = make([]CatalogGroup, 0, len(m.Specs))
	changeOf := map[string]diff.GroupChanges{}
	if in.Changes != nil {
		for _, g := range in.Changes.Groups {
			changeOf[g.Key] = g
		}
	}
	for _, e := range m.Specs {
		cg := CatalogGroup{
			Key:               e.Key,
			Source:            e.Source,
			Instance:          e.Instance,
			Workspace:         e.Workspace,
			Group:             e.Group,
			Title:             e.Title,
			OpenAPI:           e.OpenAPI,
			Status:            e.Status,
			Valid:             e.Valid,
			Errors:            e.Errors,
			Warnings:          e.Warnings,
			SHA256:            e.SHA256,
			ChangedIn:         e.ChangedIn,
			Error:             e.Error,
			Operations:        e.Operations,
			LastFetched:       e.LastFetched,
			StaleNights:       e.StaleNights,
			ExcludedFromMerge: in.Excluded[e.Key],
			Flags:             catalogClone(e.Flags),
		}
		if e.HasBlob() {
			cg.Document = BlobLink(e.SHA256)
		}
		if in.Document != nil {
			if d := in.Document(e); d != nil {
				cg.Version, cg.DocumentType = d.APIVersion, d.MediaType
				cg.Servers, cg.Tags = catalogClone(d.Servers), catalogUnique(d.Tags)
				cg.Endpoints = sortCatalogOperations(d.Operations)
				if len(cg.Endpoints) > 0 {
					cg.Operations = len(cg.Endpoints)
				}
			}
		}
		if ch, ok := changeOf[e.Key]; ok {
			cg.Change = ch.Change
			cg.Findings = sortCatalogFindings(ch.Changes)
		}
		// A group that is new or changed changed in this snapshot, whatever
		// the manifest knew before; so did every group of a first snapshot
		// that has a document.
		if cg.Change == diff.GroupAdded || cg.Change == diff.GroupChanged || (in.Changes == nil && cg.ChangedIn == "" && cg.SHA256 != "") {
			cg.ChangedIn = m.ID
		}
		c.Groups = append(c.Groups, cg)
	}
	sort.SliceStable(c.Groups, func(i, j int) bool { return c.Groups[i].Key < c.Groups[j].Key })

	c.Totals, c.Instances = catalogTotalsOf(c.Groups)

	if in.Changes != nil {
		c.Changes = &CatalogChanges{
			Summary: in.Changes.Summary,
			Groups:  make([]CatalogGroupChange, 0, len(in.Changes.Groups)),
		}
		for _, g := range in.Changes.Groups {
			gc := CatalogGroupChange{Key: g.Key, Change: g.Change, Error: g.Error, Findings: sortCatalogFindings(g.Changes)}
			for _, f := range g.Changes {
				switch f.Level {
				case diff.LevelBreaking:
					gc.Breaking++
				case diff.LevelWarning:
					gc.Warning++
				default:
					gc.Info++
				}
			}
			c.Changes.Groups = append(c.Changes.Groups, gc)
		}
		sort.SliceStable(c.Changes.Groups, func(i, j int) bool {
			a, b := c.Changes.Groups[i], c.Changes.Groups[j]
			if (a.Breaking > 0) != (b.Breaking > 0) {
				return a.Breaking > 0
			}
			if catalogChangeRank(a.Change) != catalogChangeRank(b.Change) {
				return catalogChangeRank(a.Change) < catalogChangeRank(b.Change)
			}
			return a.Key < b.Key
		})
	}
	return c
}

// Relinked returns a copy of the catalog whose groups link their
// documents where link says; a group without a document keeps none. An
// exported bundle uses it to point the catalog at its own copies (such as
// specs/<key>.json) instead of the store's blobs.
func (c *Catalog) Relinked(link func(CatalogGroup) string) *Catalog {
	out := *c
	out.Groups = make([]CatalogGroup, len(c.Groups))
	for i, g := range c.Groups {
		if g.Document != "" {
			g.Document = link(g)
		}
		out.Groups[i] = g
	}
	return &out
}

// catalogChangeRank orders the kinds of change by how much a reader must act:
// a removed group breaks every client, a stale one may hide anything.
func catalogChangeRank(change string) int {
	switch change {
	case diff.GroupRemoved:
		return 0
	case diff.GroupChanged:
		return 1
	case diff.GroupStale:
		return 2
	case diff.GroupAdded:
		return 3
	}
	return 4
}

func catalogLevelRank(level diff.Level) int {
	switch level {
	case diff.LevelBreaking:
		return 0
	case diff.LevelWarning:
		return 1
	case diff.LevelInfo:
		return 2
	}
	return 3
}

func sortCatalogFindings(in []diff.Finding) []diff.Finding {
	if len(in) == 0 {
		return nil
	}
	out := append([]diff.Finding(nil), in...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if catalogLevelRank(a.Level) != catalogLevelRank(b.Level) {
			return catalogLevelRank(a.Level) < catalogLevelRank(b.Level)
		}
		if a.Operation != b.Operation {
			return a.Operation < b.Operation
		}
		if a.ID != b.ID {
			return a.ID < b.ID
		}
		return a.Location < b.Location
	})
	return out
}

func catalogTotalsOf(groups []CatalogGroup) (Totals, []InstanceTotals) {
	var all Totals
	instances := []InstanceTotals{}
	index := map[[2]string]int{}
	workspaceIndex := map[[3]string]int{}
	for _, g := range groups {
		ik := [2]string{g.Source, g.Instance}
		i, ok := index[ik]
		if !ok {
			i = len(instances)
			index[ik] = i
			instances = append(instances, InstanceTotals{Source: g.Source, Instance: g.Instance, Workspaces: []WorkspaceTotals{}})
		}
		wk := [3]string{g.Source, g.Instance, g.Workspace}
		w, ok := workspaceIndex[wk]
		if !ok {
			w = len(instances[i].Workspaces)
			workspaceIndex[wk] = w
			instances[i].Workspaces = append(instances[i].Workspaces, WorkspaceTotals{Workspace: g.Workspace})
		}
		all.add(g)
		instances[i].Totals.add(g)
		instances[i].Workspaces[w].Totals.add(g)
	}
	sort.SliceStable(instances, func(a, b int) bool {
		if instances[a].Source != instances[b].Source {
			return instances[a].Source < instances[b].Source
		}
		return instances[a].Instance < instances[b].Instance
	})
	for _, in := range instances {
		sort.SliceStable(in.Workspaces, func(a, b int) bool { return in.Workspaces[a].Workspace < in.Workspaces[b].Workspace })
	}
	return all, instances
}

func (t *Totals) add(g CatalogGroup) {
	t.Groups++
	switch g.Status {
	case StatusOK:
		t.OK++
	case StatusStale:
		t.Stale++
	case StatusFailed:
		t.Failed++
	}
	if g.Status != StatusFailed && !g.Valid {
		t.Invalid++
	}
	t.Operations += g.Operations
	if g.Change == diff.GroupAdded || g.Change == diff.GroupChanged {
		t.Changed++
	}
	for _, f := range g.Findings {
		if f.Level == diff.LevelBreaking {
			t.Breaking++
		}
	}
}

// catalogMethodRank orders the operations of one path the way people read API
// references, not by the alphabet.
func catalogMethodRank(m string) int {
	switch m {
	case "GET":
		return 0
	case "PUT":
		return 1
	case "POST":
		return 2
	case "DELETE":
		return 3
	case "OPTIONS":
		return 4
	case "HEAD":
		return 5
	case "PATCH":
		return 6
	case "TRACE":
		return 7
	}
	return 8
}

func sortCatalogOperations(in []OperationInfo) []OperationInfo {
	if len(in) == 0 {
		return nil
	}
	out := make([]OperationInfo, len(in))
	for i, op := range in {
		op.Method = strings.ToUpper(op.Method)
		op.Tags = catalogClone(op.Tags)
		out[i] = op
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		if catalogMethodRank(out[i].Method) != catalogMethodRank(out[j].Method) {
			return catalogMethodRank(out[i].Method) < catalogMethodRank(out[j].Method)
		}
		return out[i].Method < out[j].Method
	})
	return out
}

// OperationsOf lists the operations of a document, sorted by path and then
// method, so the catalog is the same for the same document.
func OperationsOf(doc *openapi3.T) []OperationInfo {
	if doc == nil || doc.Paths == nil {
		return nil
	}
	var ops []OperationInfo
	for path, item := range doc.Paths.Map() {
		if item == nil {
			continue
		}
		for method, op := range item.Operations() {
			if op == nil {
				continue
			}
			ops = append(ops, OperationInfo{
				Method:      strings.ToUpper(method),
				Path:        path,
				Summary:     op.Summary,
				OperationID: op.OperationID,
				Tags:        catalogClone(op.Tags),
				Deprecated:  op.Deprecated,
			})
		}
	}
	return sortCatalogOperations(ops)
}

// ServersOf lists the server URLs of a document in document order, with
// server variables left as written.
func ServersOf(doc *openapi3.T) []string {
	if doc == nil {
		return nil
	}
	var out []string
	for _, s := range doc.Servers {
		if s != nil && s.URL != "" {
			out = append(out, s.URL)
		}
	}
	return out
}

// TagsOf lists the tags of a document: those declared at the top and those
// used by operations, sorted and without repeats.
func TagsOf(doc *openapi3.T) []string {
	if doc == nil {
		return nil
	}
	var tags []string
	for _, t := range doc.Tags {
		if t != nil {
			tags = append(tags, t.Name)
		}
	}
	for _, op := range OperationsOf(doc) {
		tags = append(tags, op.Tags...)
	}
	return catalogUnique(tags)
}

func catalogUnique(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	seen := map[string]bool{}
	out := make([]string, 0, len(in))
	for _, s := range in {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	if len(out) == 0 {
		return nil
	}
	return out
}

func catalogClone(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	return append([]string(nil), in...)
}
