package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"golang.org/x/sync/errgroup"

	"github.com/specharvest/specharvest/harvest"
	"github.com/specharvest/specharvest/harvest/validate"
	"github.com/specharvest/specharvest/merge"
	"github.com/specharvest/specharvest/output"
)

// Report files of a snapshot besides the manifest.
const (
	mergedJSONFile   = "merged.json"
	mergedYAMLFile   = "merged.yaml"
	mergeReportFile  = "merge-report.json"
	changesJSONFile  = "changes.json"
	changesMDFile    = "CHANGES.md"
	catalogJSONFile  = "catalog.json"
	apiCatalogFile   = "api-catalog.json"
	catalogHTMLFile  = "index.html"
	timelineSnapshot = 30
)

// nightly is one run of the pipeline of DESIGN §2 against one store:
// crawl → store blobs → validate → carry forward → merge → diff → catalog →
// commit → retention. run and demo both use it.
type nightly struct {
	cfg      *Config
	storeDir string
	failOn   string
	logger   *slog.Logger
	progress *progressLine // nil when not on a terminal
	now      func() time.Time
}

// nightlyResult is what the summary, the hooks and the exit code are made of.
type nightlyResult struct {
	manifest *output.Manifest
	changes  *merge.Changes // nil on the first snapshot
	merge    *merge.Report
	pageDir  string
	pruned   int
	took     time.Duration
}

// errNothingHarvested: not one document arrived and something failed, so
// there is nothing worth a snapshot; the previous one stays latest.
var errNothingHarvested = errors.New("no document could be fetched; nothing written, the previous snapshot is intact")

// documentFacts is what is kept per blob hash so an unchanged document is
// neither validated nor parsed again: the verdict, and what the catalog
// shows of it.
type documentFacts struct {
	Validation validate.Summary      `json:"validation"`
	Operations []merge.OperationInfo `json:"operations"`
	Servers    []string              `json:"servers,omitempty"`
	Tags       []string              `json:"tags,omitempty"`
	MediaType  string                `json:"media_type,omitempty"`
}

func (n *nightly) run(ctx context.Context) (*nightlyResult, error) {
	started := n.now().UTC()
	store, err := output.Create(ctx, n.storeDir)
	if err != nil {
		return nil, err
	}
	unlock, err := store.Lock(ctx)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err := unlock(); err != nil {
			n.logger.Warn("release the store lock", "err", err)
		}
	}()

	prev, err := latestManifest(ctx, store)
	if err != nil {
		return nil, err
	}
	snap, err := store.NewSnapshot(ctx, started)
	if err != nil {
		return nil, err
	}
	defer func() { _ = snap.Abort() }() // a no-op after Commit

	facts := &factsCache{store: store, byKey: map[string]*documentFacts{}, docs: map[string]*openapi3.T{},
		opts: validate.Options{ExternalRefs: n.cfg.Crawl.ExternalRefs}}
	entries, report, err := n.harvest(ctx, store, snap.ID(), prev, facts)
	if err != nil {
		return nil, err
	}
	fetched := 0
	for _, e := range entries {
		if e.Status == output.StatusOK {
			fetched++
		}
	}
	if fetched == 0 && (len(report.Failed) > 0 || len(entries) > 0) {
		return nil, fmt.Errorf("%w: %s", errNothingHarvested, firstFailure(entries, report))
	}

	m := &output.Manifest{
		ID:          snap.ID(),
		Started:     started,
		ToolVersion: toolVersion(),
		Specs:       carryForward(entries, prev, report.Failed),
	}
	if prev != nil {
		m.Previous = prev.ID
	}
	for _, f := range report.Failed {
		m.FailedScopes = append(m.FailedScopes, output.FailedScope{Prefix: f.Prefix, Error: f.Err.Error()})
	}
	sort.Slice(m.Specs, func(i, j int) bool { return m.Specs[i].Key < m.Specs[j].Key })
	m.Summary = output.Summarize(m.Specs)

	res := &nightlyResult{manifest: m}
	if err := n.writeReports(ctx, store, snap, prev, m, facts, res); err != nil {
		return nil, err
	}
	m.Finished = n.now().UTC()
	if err := snap.Commit(ctx, m); err != nil {
		return nil, err
	}
	res.took = m.Finished.Sub(started)
	res.pageDir = filepath.Join(store.Dir(), "snapshots", m.ID)
	res.pruned = n.applyRetention(ctx, store)
	return res, nil
}

func latestManifest(ctx context.Context, store *output.Store) (*output.Manifest, error) {
	id, err := store.Latest(ctx)
	if err != nil || id == "" {
		return nil, err
	}
	m, err := store.Manifest(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("read the previous snapshot %s: %w", id, err)
	}
	return m, nil
}

// harvest crawls every source and streams each document into the store as
// it arrives: only the documents in flight are ever held in memory.
func (n *nightly) harvest(ctx context.Context, store *output.Store, snapID string, prev *output.Manifest, facts *factsCache) ([]output.SpecEntry, *harvest.CrawlReport, error) {
	known := map[string]string{}
	if prev != nil {
		for _, p := range prev.Specs {
			// A 304 is only useful when the blob it stands for is still here.
			if p.ETag != "" && p.Status == output.StatusOK && store.HasBlob(ctx, p.SHA256, p.Bytes) {
				known[p.Key] = p.ETag
			}
		}
	}
	var (
		mu      sync.Mutex
		entries []output.SpecEntry
	)
	crawler := &harvest.Crawler{Options: n.cfg.HarvestOptions(), Logger: n.logger, Known: known}
	if n.progress != nil {
		crawler.Progress = func(ev harvest.ProgressEvent) { n.progress.set(ev.Found, ev.Fetched, ev.Failed) }
	}
	emit := func(ctx context.Context, s harvest.Spec) error {
		e, err := n.entryFor(ctx, store, snapID, prev, facts, s)
		if err != nil {
			return err
		}
		mu.Lock()
		entries = append(entries, e)
		mu.Unlock()
		return nil
	}
	report, err := crawler.Crawl(ctx, n.cfg.HarvestSources(), emit)
	if n.progress != nil {
		n.progress.done()
	}
	if err != nil {
		// Past the crawl deadline the report lists every unfinished source
		// as a failed scope, so what did arrive is still worth a snapshot.
		// Anything else (a signal, a full disk) ends the run with nothing
		// written.
		if !errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil || report == nil {
			return nil, nil, err
		}
		n.logger.Warn("crawl deadline reached; keeping what arrived", "err", err)
	}
	return entries, report, nil
}

// entryFor turns one crawled group into its manifest entry, storing the
// blob and validating it (or reusing the verdict cached for its hash).
func (n *nightly) entryFor(ctx context.Context, store *output.Store, snapID string, prev *output.Manifest, facts *factsCache, s harvest.Spec) (output.SpecEntry, error) {
	e := output.SpecEntry{Key: s.Key, Source: s.Source, Instance: s.Instance, Workspace: s.Workspace,
		Group: s.Group, URL: s.URL, ETag: s.ETag, ChangedIn: snapID}
	var before *output.SpecEntry
	if prev != nil {
		before = prev.Spec(s.Key)
	}
	switch {
	case s.Err != nil:
		e.Status = output.StatusFailed
		e.Error = s.Err.Error()
		return e, nil
	case s.NotModified:
		if before == nil || !before.HasBlob() {
			e.Status = output.StatusFailed
			e.Error = "the server answered 304 Not Modified but there is no previous document"
			return e, nil
		}
		e.SHA256, e.Bytes = before.SHA256, before.Bytes
		if e.ETag == "" {
			e.ETag = before.ETag
		}
	default:
		sha, size, err := store.PutBlobBytes(ctx, s.Body)
		if err != nil {
			return e, fmt.Errorf("store the document of %s: %w", s.Key, err)
		}
		e.SHA256, e.Bytes = sha, size
	}
	e.Status = output.StatusOK
	if before != nil && before.SHA256 == e.SHA256 && before.ChangedIn != "" {
		e.ChangedIn = before.ChangedIn
	}
	f, err := facts.get(ctx, e.SHA256, s.Body)
	if err != nil {
		return e, err
	}
	fillFromFacts(&e, f)
	facts.remember(e.Key, f)
	return e, nil
}

// fillFromFacts copies a document's verdict into its manifest entry. The
// manifest lists a document's errors (capped at Commit) and only counts its
// warnings: a manifest is written every night for every group, and real
// documents carry dozens of repaired defects each, which would make every
// unchanged night cost kilobytes per group. The full list stays with the
// blob (the validation cache) and `specharvest validate` prints it.
func fillFromFacts(e *output.SpecEntry, f *documentFacts) {
	v := f.Validation
	e.OpenAPI, e.Title, e.Operations, e.Valid = v.OpenAPI, v.Title, v.Operations, v.Valid
	e.Problems, e.Errors, e.Warnings = nil, 0, 0
	for _, p := range v.Problems {
		if p.Level == validate.LevelError {
			e.Errors++
			e.Problems = append(e.Problems, p.String())
		} else {
			e.Warnings++
		}
	}
}

// carryForward keeps the previous snapshot's groups that could not be seen
// this time: a group whose fetch failed, or one under a listing that
// failed, is carried forward as stale with its previous document and the
// error — never reported removed (DESIGN §2 step 5).
func carryForward(entries []output.SpecEntry, prev *output.Manifest, failed []harvest.ScopeFailure) []output.SpecEntry {
	if prev == nil {
		return entries
	}
	index := make(map[string]int, len(entries))
	for i, e := range entries {
		index[e.Key] = i
	}
	for _, p := range prev.Specs {
		if !p.HasBlob() {
			continue
		}
		stale := p
		stale.Status = output.StatusStale
		if i, ok := index[p.Key]; ok {
			if entries[i].Status == output.StatusFailed {
				stale.Error = entries[i].Error
				if entries[i].URL != "" {
					stale.URL = entries[i].URL
				}
				entries[i] = stale
			}
			continue
		}
		if scope, ok := coveringScope(p.Key, failed); ok {
			stale.Error = fmt.Sprintf("not listed this run: %v", scope.Err)
			entries = append(entries, stale)
		}
	}
	return entries
}

func coveringScope(key string, failed []harvest.ScopeFailure) (harvest.ScopeFailure, bool) {
	for _, f := range failed {
		if key == f.Prefix || strings.HasPrefix(key, f.Prefix+"/") {
			return f, true
		}
	}
	return harvest.ScopeFailure{}, false
}

func firstFailure(entries []output.SpecEntry, report *harvest.CrawlReport) string {
	for _, f := range report.Failed {
		return fmt.Sprintf("%s: %v", f.Prefix, f.Err)
	}
	for _, e := range entries {
		if e.Error != "" {
			return fmt.Sprintf("%s: %s", e.Key, e.Error)
		}
	}
	return "nothing found"
}

// factsCache validates each distinct document once per run and once per
// store: the verdict and the catalog's view of a blob are cached by hash.
// The models it parsed this run are kept for the merge, which needs every
// document's model anyway, so a new document is parsed and repaired once,
// not once to validate and again to merge.
type factsCache struct {
	store *output.Store
	opts  validate.Options
	mu    sync.Mutex
	byKey map[string]*documentFacts
	docs  map[string]*openapi3.T
}

func (c *factsCache) get(ctx context.Context, sha string, body []byte) (*documentFacts, error) {
	var f documentFacts
	if c.store.CachedValidation(ctx, sha, &f) {
		return &f, nil
	}
	if body == nil {
		b, err := c.store.ReadBlob(ctx, sha)
		if err != nil {
			return nil, err
		}
		body = b
	}
	res := validate.Load(ctx, body, c.opts)
	f = documentFacts{Validation: res.Summary(), MediaType: output.DocumentMediaType(body)}
	if res.Doc != nil {
		f.Operations = merge.OperationsOf(res.Doc)
		f.Servers = merge.ServersOf(res.Doc)
		f.Tags = merge.TagsOf(res.Doc)
		c.mu.Lock()
		c.docs[sha] = res.Doc
		c.mu.Unlock()
	}
	if err := c.store.PutCachedValidation(ctx, sha, &f); err != nil {
		return nil, fmt.Errorf("cache the validation of blob %s: %w", sha, err)
	}
	return &f, nil
}

// document is the repaired model of blob sha: the one parsed this run, or
// parsed now; nil when the document cannot be built (validation says why).
func (c *factsCache) document(ctx context.Context, sha string) (*openapi3.T, error) {
	c.mu.Lock()
	doc, ok := c.docs[sha]
	c.mu.Unlock()
	if ok {
		return doc, nil
	}
	body, err := c.store.ReadBlob(ctx, sha)
	if err != nil {
		return nil, err
	}
	return validate.Load(ctx, body, c.opts).Doc, nil
}

func (c *factsCache) remember(key string, f *documentFacts) {
	c.mu.Lock()
	c.byKey[key] = f
	c.mu.Unlock()
}

func (c *factsCache) lookup(ctx context.Context, e output.SpecEntry) *documentFacts {
	c.mu.Lock()
	f := c.byKey[e.Key]
	c.mu.Unlock()
	if f != nil || !e.HasBlob() {
		return f
	}
	f, err := c.get(ctx, e.SHA256, nil)
	if err != nil {
		return nil
	}
	return f
}

// writeReports writes merged.*, changes.*, catalog.* and index.html into
// the snapshot before its manifest.
func (n *nightly) writeReports(ctx context.Context, store *output.Store, snap *output.SnapshotWriter, prev *output.Manifest, m *output.Manifest, facts *factsCache, res *nightlyResult) error {
	if err := n.writeMerged(ctx, store, snap, prev, m, facts, res); err != nil {
		return err
	}
	changes, err := n.writeChanges(ctx, store, snap, prev, m)
	if err != nil {
		return err
	}
	res.changes = changes
	return n.writeCatalog(ctx, store, snap, m, facts, changes)
}

// writeMerged merges every ok and stale group. When the set of documents
// is exactly the previous snapshot's, its merged files are copied instead:
// the merge is a pure function of them.
func (n *nightly) writeMerged(ctx context.Context, store *output.Store, snap *output.SnapshotWriter, prev *output.Manifest, m *output.Manifest, facts *factsCache, res *nightlyResult) error {
	if prev != nil && sameDocuments(prev, m) {
		if copied := copyReports(ctx, store, snap, prev.ID, mergedJSONFile, mergedYAMLFile, mergeReportFile); copied {
			if data, err := store.ReadSnapshotFile(ctx, prev.ID, mergeReportFile); err == nil {
				res.merge = &merge.Report{}
				if err := json.Unmarshal(data, res.merge); err != nil {
					res.merge = nil
				}
			}
			return nil
		}
	}
	inputs, err := loadInputs(ctx, facts, m.Specs)
	if err != nil {
		return err
	}
	doc, report, err := merge.Merge(inputs, merge.Options{Title: "Merged API", Version: m.ID,
		Description: fmt.Sprintf("Every API group of snapshot %s, merged by specharvest.", m.ID)})
	if err != nil {
		return fmt.Errorf("merge: %w", err)
	}
	res.merge = report
	jsonDoc, err := merge.MarshalDocument(doc)
	if err != nil {
		return err
	}
	yamlDoc, err := merge.JSONToYAML(jsonDoc)
	if err != nil {
		return err
	}
	reportJSON, err := jsonIndent(report)
	if err != nil {
		return err
	}
	for name, data := range map[string][]byte{mergedJSONFile: jsonDoc, mergedYAMLFile: yamlDoc, mergeReportFile: reportJSON} {
		if err := snap.WriteFile(ctx, name, data); err != nil {
			return err
		}
	}
	return nil
}

// sameDocuments reports whether two manifests merge the same documents
// under the same keys and names.
func sameDocuments(a, b *output.Manifest) bool {
	sig := func(m *output.Manifest) []string {
		var out []string
		for _, s := range m.Specs {
			if s.HasBlob() {
				out = append(out, strings.Join([]string{s.Key, s.SHA256, s.Instance, s.Workspace, s.Group}, "\x00"))
			}
		}
		sort.Strings(out)
		return out
	}
	x, y := sig(a), sig(b)
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		if x[i] != y[i] {
			return false
		}
	}
	return true
}

// copyReports copies report files of an earlier snapshot; false when any
// of them is missing, in which case the caller builds them afresh.
func copyReports(ctx context.Context, store *output.Store, snap *output.SnapshotWriter, fromID string, names ...string) bool {
	datas := make([][]byte, len(names))
	for i, name := range names {
		data, err := store.ReadSnapshotFile(ctx, fromID, name)
		if err != nil {
			return false
		}
		datas[i] = data
	}
	for i, name := range names {
		if err := snap.WriteFile(ctx, name, datas[i]); err != nil {
			return false
		}
	}
	return true
}

// loadInputs gathers the model of every stored document of the manifest
// for the merge, parsing on every core those not parsed this run.
func loadInputs(ctx context.Context, facts *factsCache, specs []output.SpecEntry) ([]merge.Input, error) {
	inputs := make([]merge.Input, len(specs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, s := range specs {
		if !s.HasBlob() {
			continue
		}
		g.Go(func() error {
			doc, err := facts.document(gctx, s.SHA256)
			if err != nil {
				return fmt.Errorf("read the document of %s: %w", s.Key, err)
			}
			if doc == nil {
				return nil // unloadable: reported by validation, left out of the merge
			}
			inputs[i] = merge.Input{Key: s.Key, Instance: s.Instance, Workspace: s.Workspace, Group: s.Group, Doc: doc}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	out := inputs[:0]
	for _, in := range inputs {
		if in.Doc != nil {
			out = append(out, in)
		}
	}
	return out, nil
}

func (n *nightly) writeChanges(ctx context.Context, store *output.Store, snap *output.SnapshotWriter, prev *output.Manifest, m *output.Manifest) (*merge.Changes, error) {
	if prev == nil {
		return nil, nil
	}
	changes, err := diffManifests(ctx, store, prev, m)
	if err != nil {
		return nil, err
	}
	for name, write := range map[string]func(io.Writer, *merge.Changes) error{
		changesJSONFile: output.WriteChangesJSON,
		changesMDFile:   output.WriteChangesMarkdown,
	} {
		var b bytes.Buffer
		if err := write(&b, changes); err != nil {
			return nil, fmt.Errorf("render %s: %w", name, err)
		}
		if err := snap.WriteFile(ctx, name, b.Bytes()); err != nil {
			return nil, err
		}
	}
	return changes, nil
}

func (n *nightly) writeCatalog(ctx context.Context, store *output.Store, snap *output.SnapshotWriter, m *output.Manifest, facts *factsCache, changes *merge.Changes) error {
	in := merge.CatalogInput{Snapshot: m.ID, Previous: m.Previous, Generated: m.Started}
	for _, s := range m.Specs {
		g := output.CatalogGroupOf(s)
		if f := facts.lookup(ctx, s); f != nil {
			g.Operations, g.Servers, g.Tags = f.Operations, f.Servers, f.Tags
			g.APIVersion, g.DocumentType = f.Validation.APIVersion, f.MediaType
		}
		in.Groups = append(in.Groups, g)
	}
	if changes != nil {
		in.Changes = catalogChanges(changes)
	}
	timeline, err := output.Timeline(ctx, store, timelineSnapshot-1)
	if err != nil {
		n.logger.Warn("read the snapshot timeline", "err", err)
	}
	in.Timeline = append(timeline, timelineEntryOf(m, changes))
	cat := merge.BuildCatalog(in)
	for name, write := range map[string]func(*bytes.Buffer) error{
		catalogJSONFile: func(b *bytes.Buffer) error { return output.WriteCatalogJSON(b, cat) },
		apiCatalogFile:  func(b *bytes.Buffer) error { return output.WriteAPICatalog(b, cat, "") },
		catalogHTMLFile: func(b *bytes.Buffer) error { return output.WriteCatalogHTML(b, cat) },
	} {
		var b bytes.Buffer
		if err := write(&b); err != nil {
			return fmt.Errorf("render %s: %w", name, err)
		}
		if err := snap.WriteFile(ctx, name, b.Bytes()); err != nil {
			return err
		}
	}
	return nil
}

func timelineEntryOf(m *output.Manifest, c *merge.Changes) merge.TimelineEntry {
	t := merge.TimelineEntry{ID: m.ID, Started: m.Started, Specs: m.Summary.Specs, OK: m.Summary.OK,
		Failed: m.Summary.Failed, Stale: m.Summary.Stale, Invalid: m.Summary.Invalid, Operations: m.Summary.Operations}
	if c != nil {
		t.Changed = c.Summary.GroupsChanged + c.Summary.GroupsAdded + c.Summary.GroupsRemoved
		t.Breaking, t.NonBreaking = c.Summary.Breaking, c.Summary.NonBreaking
	}
	return t
}

func (n *nightly) applyRetention(ctx context.Context, store *output.Store) int {
	policy := output.Policy{KeepLast: n.cfg.Retention.KeepLast, KeepDaily: n.cfg.Retention.KeepDaily,
		KeepWeekly: n.cfg.Retention.KeepWeekly, KeepMonthly: n.cfg.Retention.KeepMonthly}
	if policy.Empty() {
		return 0
	}
	plan, err := store.PlanPrune(ctx, policy, n.now())
	if err != nil {
		n.logger.Warn("plan retention", "err", err)
		return 0
	}
	if err := store.Prune(ctx, plan); err != nil {
		n.logger.Warn("apply retention", "err", err)
		return 0
	}
	return len(plan.Remove)
}

// diffManifests diffs two snapshots group by group; unchanged blobs are
// not even read.
func diffManifests(ctx context.Context, store *output.Store, base, revision *output.Manifest) (*merge.Changes, error) {
	return merge.DiffFleet(ctx, fleetSide(base), fleetSide(revision), repairedBlobs(store), merge.FleetOptions{})
}

// catalogChanges gives the catalog the diff in its own input shape.
func catalogChanges(c *merge.Changes) *merge.CatalogChangesInput {
	in := &merge.CatalogChangesInput{Base: c.Base, Summary: c.Summary}
	for _, g := range c.Groups {
		in.Groups = append(in.Groups, merge.CatalogGroupChangeInput{Key: g.Key, Change: g.Change, Error: g.Error, Findings: g.Changes})
	}
	return in
}

func jsonIndent(v any) ([]byte, error) {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}
