package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/specharvest/specharvest/output"
)

// latestManifest is the snapshot this run compares against: latest, or,
// when latest is missing or damaged, the newest complete snapshot (with
// a warning), so the comparison with the last good night is never lost.
func latestManifest(ctx context.Context, store *output.Store, logger *slog.Logger) (*output.Manifest, error) {
	id, warning, err := store.LatestComplete(ctx)
	if err != nil {
		return nil, err
	}
	if warning != "" {
		logger.Warn(warning)
	}
	if id == "" {
		return nil, nil
	}
	m, err := store.Manifest(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("read the previous snapshot %s: %w", id, err)
	}
	return m, nil
}

func (n *nightly) applyRetention(ctx context.Context, store *output.Store) int {
	policy := output.Policy{KeepLast: n.cfg.Retention.KeepLast, KeepDaily: n.cfg.Retention.KeepDaily,
		KeepWeekly: n.cfg.Retention.KeepWeekly, KeepMonthly: n.cfg.Retention.KeepMonthly}
	// A sharded run holds only its sources' locks; pruning under them
	// could race another shard, so retention is left to full runs and to
	// `snapshots prune`.
	if policy.Empty() || n.only != nil {
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

// dropDamagedBlobs turns a carried-forward entry whose stored document no
// longer hashes to its name into a failed one: a snapshot never points at
// bytes that are not the document it names. Blobs fetched this run were
// rewritten already if damaged (the store reports them).
func dropDamagedBlobs(ctx context.Context, store *output.Store, specs []output.SpecEntry, logger *slog.Logger) {
	for i := range specs {
		e := &specs[i]
		if e.Status != output.StatusStale || store.HasBlob(ctx, e.SHA256, e.Bytes) {
			continue
		}
		logger.Warn("a stored document is damaged", "key", e.Key, "sha256", e.SHA256)
		e.Error = fmt.Sprintf("its last document (blob %s) is damaged in the store and it could not be fetched again: %s", e.SHA256, e.Error)
		e.Status, e.SHA256, e.Bytes = output.StatusFailed, "", 0
	}
}
