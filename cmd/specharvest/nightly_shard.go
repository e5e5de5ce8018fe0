package main

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/specharvest/specharvest/harvest"
	"github.com/specharvest/specharvest/output"
)

// maxRebases bounds how often a sharded run rebuilds its snapshot on a
// latest that other shards keep moving.
const maxRebases = 5

// Sharded runs: `run --source NAME` (repeatable) harvests only the named
// sources into the shared store. The snapshot carries every other source's
// groups forward unchanged from latest, marked carried, so one job per
// source (or a staging and a production job) can publish into one catalog.
// Jobs for different sources that finish together both land: the loser of
// the compare-and-swap on latest rebases onto the winner's snapshot.

// sourcesFlag collects repeated --source values.
type sourcesFlag []string

func (s *sourcesFlag) String() string     { return strings.Join(*s, ",") }
func (s *sourcesFlag) Set(v string) error { *s = append(*s, v); return nil }

// onlySources checks the names against the config and returns the set, nil
// when none was given.
func onlySources(cfg *Config, names []string) (map[string]bool, error) {
	if len(names) == 0 {
		return nil, nil
	}
	known := map[string]bool{}
	var list []string
	for _, s := range cfg.Sources {
		known[s.Name] = true
		list = append(list, s.Name)
	}
	sort.Strings(list)
	only := map[string]bool{}
	for _, n := range names {
		if !known[n] {
			return nil, usagef("--source %q: the config has no such source (it has: %s)", n, strings.Join(list, ", "))
		}
		only[n] = true
	}
	return only, nil
}

// sources are the sources this run harvests.
func (n *nightly) sources() []harvest.Source {
	all := n.cfg.HarvestSources()
	if n.only == nil {
		return all
	}
	var out []harvest.Source
	for _, s := range all {
		if n.only[s.Name] {
			out = append(out, s)
		}
	}
	return out
}

// own keeps the entries of the sources this run harvests (all of them for
// a full run).
func (n *nightly) own(entries []output.SpecEntry) []output.SpecEntry {
	if n.only == nil {
		return entries
	}
	out := make([]output.SpecEntry, 0, len(entries))
	for _, e := range entries {
		if n.only[e.Source] {
			out = append(out, e)
		}
	}
	return out
}

// carryOthers adds, for a sharded run, every group of prev that belongs to
// a source this run did not harvest, unchanged but marked carried.
func (n *nightly) carryOthers(entries []output.SpecEntry, prev *output.Manifest) []output.SpecEntry {
	if n.only == nil || prev == nil {
		return entries
	}
	for _, p := range prev.Specs {
		if n.only[p.Source] {
			continue
		}
		p.Carried = true
		entries = append(entries, p)
	}
	return entries
}

// lock takes the run lock. A sharded run on object storage locks only its
// own sources, so shards run side by side; on a folder, and for a full
// run, it is the store's one run lock.
func (n *nightly) lock(ctx context.Context, store *output.Store) (func() error, error) {
	if n.only == nil || store.Backend() == nil {
		return store.LockForProcess(ctx, n.cfg.HarvestOptions().Deadline+output.LockMargin, childReportFrom(ctx).holderPID())
	}
	names := make([]string, 0, len(n.only))
	for s := range n.only {
		names = append(names, s)
	}
	sort.Strings(names)
	unlock, err := store.LockShard(ctx, names)
	if err != nil {
		return nil, fmt.Errorf("lock sources %s: %w", strings.Join(names, ", "), err)
	}
	return unlock, nil
}
