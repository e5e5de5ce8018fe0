package main

import (
	"bytes"
	"context"
	"fmt"

	"github.com/specharvest/specharvest/merge/diff"
	"github.com/specharvest/specharvest/output"
)

// writePages writes the pages that sit next to index.html: the API
// reference page and its renderer (identical every night, so stored
// once) and the history page drawn from the last snapshots.
func (n *nightly) writePages(ctx context.Context, store *output.Store, snap *output.SnapshotWriter, m *output.Manifest, changes *diff.Changes) error {
	files, err := output.SharedFiles()
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := snap.WriteFile(ctx, f.Name, f.Data); err != nil {
			return err
		}
	}
	hist, err := output.LoadHistory(ctx, store, m, changes, output.HistorySnapshots)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := output.WriteHistoryHTML(&b, hist); err != nil {
		return fmt.Errorf("render %s: %w", output.HistoryFile, err)
	}
	return snap.WriteFile(ctx, output.HistoryFile, b.Bytes())
}
