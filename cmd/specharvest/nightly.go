package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/specharvest/specharvest/harvest/validate"
	"github.com/specharvest/specharvest/merge"
	"github.com/specharvest/specharvest/merge/diff"
	"github.com/specharvest/specharvest/output"
)

// nightly is one run of the pipeline of DESIGN §2 against one store:
// crawl → store blobs → validate → carry forward → merge → diff → catalog →
// commit → retention. run and demo both use it. Each stage has its own
// file: nightly_crawl.go, nightly_facts.go, nightly_store.go,
// nightly_merge.go, nightly_diff.go, nightly_reports.go and
// nightly_notify.go; this file only strings them together.
type nightly struct {
	cfg      *Config
	storeDir string
	failOn   string
	logger   *slog.Logger
	progress *progressLine // nil when not on a terminal
	now      func() time.Time
	// only, when set, names the sources a sharded run harvests; the
	// others are carried forward from latest (nightly_shard.go).
	only map[string]bool
	// acceptRemovals confirms removals the removal guard would hold back.
	acceptRemovals bool
}

// nightlyResult is what the summary, the hooks and the exit code are made of.
type nightlyResult struct {
	manifest *output.Manifest
	changes  *diff.Changes // nil on the first snapshot
	merge    *merge.Report
	pageDir  string
	pruned   int
	took     time.Duration
	// repaired lists blobs found damaged and rewritten from good bytes.
	repaired []string
	// heldBack counts, per source, the removals the guard held back.
	heldBack map[string]int
	sources  []sourceHealth
	// tooStale lists groups stale for longer than stale_max_age.
	tooStale []string
}

// errNothingHarvested: not one document arrived and something failed, so
// there is nothing worth a snapshot; the previous one stays latest.
var errNothingHarvested = errors.New("no document could be fetched; nothing written, the previous snapshot is intact")

func (n *nightly) run(ctx context.Context) (*nightlyResult, error) {
	started := n.now().UTC()
	store, err := createStore(ctx, n.cfg, n.storeDir)
	if err != nil {
		return nil, err
	}
	unlock, err := n.lock(ctx, store)
	if err != nil {
		return nil, err
	}
	childReportFrom(ctx).locked(store.Dir())
	defer func() {
		if err := unlock(); err != nil {
			n.logger.Warn("release the store lock", "err", err)
		}
	}()

	prev, err := latestManifest(ctx, store, n.logger)
	if err != nil {
		return nil, err
	}
	snap, err := store.NewSnapshot(ctx, started)
	if err != nil {
		return nil, err
	}
	defer func() { _ = snap.Abort() }() // a no-op after Commit

	facts := &factsCache{store: store, byKey: map[string]*documentFacts{},
		opts: validate.Options{ExternalRefs: n.cfg.Crawl.ExternalRefs}}
	defer facts.keepRepaired(n.logger)()
	crawlStarted := time.Now()
	entries, report, err := n.harvest(ctx, store, snap.ID(), prev, facts)
	if err != nil {
		return nil, err
	}
	n.stageDone("crawl", crawlStarted)
	fetched := 0
	for _, e := range entries {
		if e.Status == output.StatusOK {
			fetched++
		}
	}
	if fetched == 0 && (len(report.Failed) > 0 || len(entries) > 0) {
		return nil, fmt.Errorf("%w: %s", errNothingHarvested, firstFailure(entries, report))
	}

	var m *output.Manifest
	var res *nightlyResult
	// A sharded run that finds latest moved by another shard rebases onto
	// it: same harvest, the other sources taken from the new latest, new
	// reports, a new ID after it. Any other run that loses latest exits 5.
	for attempt := 1; ; attempt++ {
		m = &output.Manifest{
			ID:          snap.ID(),
			Started:     started,
			ToolVersion: toolVersion(),
			Specs:       n.carryOthers(carryForward(n.own(entries), prev, report.Failed), prev),
		}
		if prev != nil {
			m.Previous = prev.ID
		}
		share, atLeast := n.cfg.RemovalLimits()
		var held map[string]int
		m.Specs, held = removalGuard(m.Specs, prev, share, atLeast, n.acceptRemovals)
		ageStale(m.Specs, prev)
		markSuspect(m.Specs, held)
		dropDamagedBlobs(ctx, store, m.Specs, n.logger)
		for _, f := range report.Failed {
			m.FailedScopes = append(m.FailedScopes, output.FailedScope{Prefix: f.Prefix, Error: f.Err.Error()})
		}
		sort.Slice(m.Specs, func(i, j int) bool { return m.Specs[i].Key < m.Specs[j].Key })
		m.Summary = output.Summarize(m.Specs)

		res = &nightlyResult{manifest: m, repaired: store.RepairedBlobs(), heldBack: held,
			sources: sourcesHealth(report), tooStale: tooStale(m.Specs, started, n.cfg.StaleLimit())}
		for _, sha := range res.repaired {
			n.logger.Warn("a damaged blob was rewritten from the document fetched again", "sha256", sha)
		}
		if err := n.writeReports(ctx, store, snap, prev, m, facts, res); err != nil {
			return nil, err
		}
		m.Finished = n.now().UTC()
		commitStarted := time.Now()
		err := snap.Commit(ctx, m)
		n.stageDone("commit", commitStarted)
		if err == nil {
			break
		}
		if !errors.Is(err, output.ErrLatestMoved) || n.only == nil || attempt >= maxRebases {
			return nil, err
		}
		_ = snap.Abort()
		if prev, err = latestManifest(ctx, store, n.logger); err != nil {
			return nil, err
		}
		n.logger.Info("latest moved while this sharded run worked; rebasing onto it", "latest", prev.ID)
		if snap, err = store.NewSnapshot(ctx, started); err != nil {
			return nil, err
		}
	}
	res.took = m.Finished.Sub(started)
	res.pageDir = store.SnapshotLocation(m.ID)
	res.pruned = n.applyRetention(ctx, store)
	return res, nil
}

// stageDone logs how long a stage of the run took, so the logs of a slow
// night say where the time went.
func (n *nightly) stageDone(stage string, started time.Time) {
	n.logger.Info("stage finished", "stage", stage, "took", time.Since(started).Round(time.Millisecond))
}
