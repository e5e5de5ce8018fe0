package main

import (
	"context"
	"fmt"

	"github.com/specharvest/specharvest/output"
)

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
