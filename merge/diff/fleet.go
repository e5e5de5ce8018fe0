package diff

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"
)

// Group change kinds in changes.json.
const (
	GroupAdded   = "added"
	GroupRemoved = "removed"
	GroupChanged = "changed"
	GroupStale   = "stale"
)

// Group statuses in a manifest, as a Fleet reports them.
const (
	StatusOK     = "ok"
	StatusStale  = "stale"
	StatusFailed = "failed"
)

// Changes is what changed between two snapshots of a fleet (or two
// documents, as one group): the changes.json of a snapshot.
type Changes struct {
	Base     string         `json:"base"`
	Revision string         `json:"revision"`
	Summary  ChangeSummary  `json:"summary"`
	Groups   []GroupChanges `json:"groups"`
}

// GroupChanges is one API group that was added, removed, changed or is
// stale. Error says why a changed group could not be compared; such a
// group is reported, never fatal to the rest.
type GroupChanges struct {
	Key     string    `json:"key"`
	Change  string    `json:"change"`
	Error   string    `json:"error,omitempty"`
	Changes []Finding `json:"changes"`
}

// HasBreaking reports whether any client may break: a breaking finding,
// or a whole group gone.
func (c *Changes) HasBreaking() bool {
	return c.Summary.Breaking > 0 || c.Summary.GroupsRemoved > 0
}

// HasChanges reports whether anything at all changed, stale groups aside
// (they are unchanged as far as anyone knows).
func (c *Changes) HasChanges() bool {
	s := c.Summary
	return s.ChangedGroups() > 0 || s.Breaking+s.NonBreaking > 0
}

// ChangedGroups is the one count of changed groups that the summary, the
// catalog's timeline and --fail-on show: added, removed or changed.
func (s ChangeSummary) ChangedGroups() int {
	return s.GroupsAdded + s.GroupsRemoved + s.GroupsChanged
}

// ChangeSummary counts what changed between two snapshots: the summary
// of changes.json.
type ChangeSummary struct {
	GroupsAdded   int `json:"groups_added"`
	GroupsRemoved int `json:"groups_removed"`
	GroupsChanged int `json:"groups_changed"`
	GroupsStale   int `json:"groups_stale"`
	Breaking      int `json:"breaking"`
	NonBreaking   int `json:"non_breaking"`
}

// Fleet is one snapshot of a fleet as DiffFleet reads it. The store's
// manifest is one (output.Manifest), so a caller hands its snapshots over
// as they are; this package keeps no copy of their shape.
type Fleet interface {
	// FleetID names the snapshot in changes.json.
	FleetID() string
	// EachGroup calls fn once for every group: its key, its status
	// (StatusOK, StatusStale or StatusFailed) and the sha256 of its stored
	// document ("" when there is none). invalid marks a stored document
	// that failed validation, and problems are its first errors, which a
	// document-became-invalid finding cites.
	EachGroup(fn func(key, status, sha string, invalid bool, problems []string))
}

// fleetGroup is one group of a Fleet, as DiffFleet works with it.
type fleetGroup struct {
	key, status, sha string
	invalid          bool
	problems         []string
}

// groupsOf reads the groups of f, in its order.
func groupsOf(f Fleet) []fleetGroup {
	var out []fleetGroup
	f.EachGroup(func(key, status, sha string, invalid bool, problems []string) {
		out = append(out, fleetGroup{key: key, status: status, sha: sha, invalid: invalid, problems: problems})
	})
	return out
}

// FleetOptions tunes DiffFleet.
type FleetOptions struct {
	// Concurrency bounds how many groups are compared at once (each holds
	// two parsed documents in memory). 0 means min(GOMAXPROCS, 4).
	Concurrency int
	Diff        DiffOptions
}

// LoadBlob returns the document stored under a sha256 as the diff should
// read it: OpenAPI 3.x, JSON or YAML. A run passes the documents as its
// loader repaired them (Swagger 2.0 converted, Xano's defects fixed), so
// the diff judges the same contract the merge reads; this package stays
// free of the loader and of any I/O.
type LoadBlob func(ctx context.Context, sha string) ([]byte, error)

// DiffFleet compares two snapshots group by group. A group whose blob has
// the same sha256 on both sides is not read at all, so the cost follows
// the number of changed groups, not the size of the fleet. A group stale
// in the revision (not reachable this time, carried forward) is reported
// as stale and never as removed; a group absent from the revision is
// removed. Changed groups are compared concurrently; the result is sorted
// by key and is the same whatever the scheduling.
//
// Only a cancelled ctx makes DiffFleet fail; a blob that cannot be read or
// a document that cannot be parsed is recorded on its group.
func DiffFleet(ctx context.Context, base, revision Fleet, load LoadBlob, opts FleetOptions) (*Changes, error) {
	if load == nil {
		return nil, errors.New("diff fleet: no blob loader")
	}
	baseList, revisionList := groupsOf(base), groupsOf(revision)
	baseGroups := make(map[string]fleetGroup, len(baseList))
	for _, g := range baseList {
		baseGroups[g.key] = g
	}
	revisionGroups := make(map[string]fleetGroup, len(revisionList))
	var groups []GroupChanges
	var toDiff []int
	for _, rg := range revisionList {
		revisionGroups[rg.key] = rg
		bg, existed := baseGroups[rg.key]
		switch {
		case rg.status == StatusStale || (rg.status == StatusFailed && existed):
			groups = append(groups, GroupChanges{Key: rg.key, Change: GroupStale, Changes: []Finding{}})
		case !existed || bg.sha == "":
			added := GroupChanges{Key: rg.key, Change: GroupAdded, Changes: []Finding{}}
			if rg.sha == "" {
				added.Error = "no document yet: the group was listed but its document could not be fetched"
			}
			groups = append(groups, added)
		case rg.sha == bg.sha || rg.sha == "":
			// Unchanged: not even read.
		default:
			toDiff = append(toDiff, len(groups))
			groups = append(groups, GroupChanges{Key: rg.key, Change: GroupChanged, Changes: []Finding{}})
		}
	}
	for _, bg := range baseList {
		if _, ok := revisionGroups[bg.key]; !ok {
			groups = append(groups, GroupChanges{Key: bg.key, Change: GroupRemoved, Changes: []Finding{}})
		}
	}

	repaired := newRepairedCache(load)
	limit := opts.Concurrency
	if limit <= 0 {
		limit = min(runtime.GOMAXPROCS(0), 4)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(limit)
	for _, i := range toDiff {
		key := groups[i].Key
		bg, rg := baseGroups[key], revisionGroups[key]
		g.Go(func() error {
			findings, err := diffGroup(gctx, repaired, bg, rg, opts.Diff)
			if gctx.Err() != nil {
				return gctx.Err()
			}
			// Each goroutine writes only its own element. An unreadable
			// side leaves an error saying why the group was not compared,
			// and may still carry a finding (document-became-invalid).
			if err != nil {
				groups[i].Error = err.Error()
			}
			if findings != nil {
				groups[i].Changes = findings
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, fmt.Errorf("diff fleet %s..%s: %w", base.FleetID(), revision.FleetID(), err)
	}

	sort.Slice(groups, func(i, j int) bool { return groups[i].Key < groups[j].Key })
	c := &Changes{Base: base.FleetID(), Revision: revision.FleetID(), Groups: groups}
	if c.Groups == nil {
		c.Groups = []GroupChanges{}
	}
	c.Summary = Summarize(c.Groups)
	return c, nil
}

// Summarize counts groups by change and findings by level: the one
// summary of a list of group changes, full or narrowed.
func Summarize(groups []GroupChanges) ChangeSummary {
	var s ChangeSummary
	for _, g := range groups {
		switch g.Change {
		case GroupAdded:
			s.GroupsAdded++
		case GroupRemoved:
			s.GroupsRemoved++
		case GroupChanged:
			s.GroupsChanged++
		case GroupStale:
			s.GroupsStale++
		}
		for _, f := range g.Changes {
			if f.Level == LevelBreaking {
				s.Breaking++
			} else {
				s.NonBreaking++
			}
		}
	}
	return s
}

// DocumentChanges wraps the findings of one document pair in the
// changes.json shape, as a single changed group.
func DocumentChanges(baseName, revisionName, key string, findings []Finding) *Changes {
	if findings == nil {
		findings = []Finding{}
	}
	c := &Changes{
		Base:     baseName,
		Revision: revisionName,
		Groups:   []GroupChanges{{Key: key, Change: GroupChanged, Changes: findings}},
	}
	if len(findings) == 0 {
		c.Groups = []GroupChanges{}
	}
	c.Summary = Summarize(c.Groups)
	return c
}

// diffGroup compares one changed group. A document that became invalid
// or unreadable is a breaking finding on its group, citing its first
// errors: a client of an API whose contract no longer reads cannot trust
// it. Becoming valid again is info. Both documents unreadable is an error
// on the group, as before.
func diffGroup(ctx context.Context, cache *repairedCache, bg, rg fleetGroup, opts DiffOptions) ([]Finding, error) {
	findings, err := diffBlobs(ctx, cache, bg.sha, rg.sha, opts)
	baseBad, revisionBad := bg.invalid, rg.invalid
	var baseErr, revisionErr error
	if err != nil {
		if ctx.Err() != nil {
			return nil, err
		}
		baseErr = cache.readable(ctx, bg.sha)
		revisionErr = cache.readable(ctx, rg.sha)
		if baseErr == nil && revisionErr == nil {
			return nil, err
		}
		baseBad = baseBad || baseErr != nil
		revisionBad = revisionBad || revisionErr != nil
		findings = nil
	}
	switch {
	case !baseBad && revisionBad && err != nil:
		return []Finding{becameInvalid(rg, revisionErr)}, err
	case !baseBad && revisionBad:
		findings = append(findings, becameInvalid(rg, revisionErr))
	case baseBad && !revisionBad && err != nil:
		return []Finding{becameValid()}, err
	case baseBad && !revisionBad:
		findings = append(findings, becameValid())
	case err != nil:
		return nil, err
	}
	sortFindings(findings)
	return findings, nil
}

func becameInvalid(rg fleetGroup, readErr error) Finding {
	problems := rg.problems
	if readErr != nil {
		problems = append([]string{readErr.Error()}, problems...)
	}
	return Finding{ID: RuleDocumentBecameInvalid, Level: LevelBreaking, Location: "document",
		Message: "the document became invalid: " + firstProblems(problems)}
}

func becameValid() Finding {
	return Finding{ID: RuleDocumentBecameValid, Level: LevelInfo, Location: "document", Message: "the document is valid again"}
}

// firstProblems cites up to three problems.
func firstProblems(problems []string) string {
	if len(problems) == 0 {
		return "no details"
	}
	out := strings.Join(problems[:min(3, len(problems))], "; ")
	if len(problems) > 3 {
		out += fmt.Sprintf(" (and %d more)", len(problems)-3)
	}
	return out
}

func diffBlobs(ctx context.Context, cache *repairedCache, baseSHA, revisionSHA string, opts DiffOptions) ([]Finding, error) {
	base, err := cache.get(ctx, baseSHA)
	if err != nil {
		return nil, fmt.Errorf("base: %w", err)
	}
	revision, err := cache.get(ctx, revisionSHA)
	if err != nil {
		return nil, fmt.Errorf("revision: %w", err)
	}
	return Diff(ctx, base, revision, opts)
}

// repairedCache loads each document at most once per fleet diff: groups
// cloned from one template share blobs, and a failure is as worth
// remembering as a success.
type repairedCache struct {
	load LoadBlob
	mu   sync.Mutex
	byID map[string]*repairedEntry
}

type repairedEntry struct {
	once sync.Once
	doc  []byte
	err  error
}

func newRepairedCache(load LoadBlob) *repairedCache {
	return &repairedCache{load: load, byID: make(map[string]*repairedEntry)}
}

// readable says why the document behind sha cannot be compared, or nil.
func (c *repairedCache) readable(ctx context.Context, sha string) error {
	doc, err := c.get(ctx, sha)
	if err != nil {
		return err
	}
	return survive("read document", func() error {
		_, err := buildModel(doc)
		return err
	})
}

// get returns the document behind sha, as the caller's loader gives it.
func (c *repairedCache) get(ctx context.Context, sha string) ([]byte, error) {
	c.mu.Lock()
	e := c.byID[sha]
	if e == nil {
		e = &repairedEntry{}
		c.byID[sha] = e
	}
	c.mu.Unlock()
	e.once.Do(func() {
		doc, err := c.load(ctx, sha)
		if err != nil {
			e.err = fmt.Errorf("read blob %.12s: %w", sha, err)
			return
		}
		e.doc = doc
	})
	return e.doc, e.err
}
