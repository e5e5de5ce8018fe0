package main

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/specharvest/specharvest/merge/diff"
	"github.com/specharvest/specharvest/output"
)

func (n *nightly) writeChanges(ctx context.Context, store *output.Store, snap *output.SnapshotWriter, prev *output.Manifest, m *output.Manifest) (*diff.Changes, error) {
	if prev == nil {
		return nil, nil
	}
	changes, err := diffManifests(ctx, store, prev, m)
	if err != nil {
		return nil, err
	}
	for name, write := range map[string]func(io.Writer, *diff.Changes) error{
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

// diffManifests diffs two snapshots group by group; unchanged blobs are
// not even read.
func diffManifests(ctx context.Context, store *output.Store, base, revision *output.Manifest) (*diff.Changes, error) {
	return diff.DiffFleet(ctx, base, revision, repairedBlobs(store), diff.FleetOptions{})
}
