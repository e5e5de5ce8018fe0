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
// once), the change explorer, the history page drawn from the last
// snapshots, and snapshot.js, the one report that names the snapshot and
// its timeline, which index.html and history.html read when they load.
func (n *nightly) writePages(ctx context.Context, store *output.Store, snap *output.SnapshotWriter, prev, m *output.Manifest, changes *diff.Changes) error {
	files, err := output.SharedFiles()
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := snap.WriteFile(ctx, f.Name, f.Data); err != nil {
			return err
		}
	}
	var b bytes.Buffer
	err = output.WriteChangesHTML(ctx, &b, output.ExplorerInput{Snapshot: m.ID, Changes: changes,
		Before: manifestDocuments(store, prev), After: manifestDocuments(store, m)})
	if err != nil {
		return fmt.Errorf("render %s: %w", output.ChangesHTML, err)
	}
	if err := snap.WriteFile(ctx, output.ChangesHTML, b.Bytes()); err != nil {
		return err
	}
	hist, err := output.LoadHistory(ctx, store, m, changes, output.HistorySnapshots)
	if err != nil {
		return err
	}
	b.Reset()
	if err := output.WriteHistoryHTML(&b, hist); err != nil {
		return fmt.Errorf("render %s: %w", output.HistoryFile, err)
	}
	if err := snap.WriteFile(ctx, output.HistoryFile, b.Bytes()); err != nil {
		return err
	}
	timeline, err := output.Timeline(ctx, store, output.HistorySnapshots-1)
	if err != nil {
		// The timeline is a view; the snapshot still names itself.
		n.logger.Warn("read the snapshot timeline", "err", err)
	}
	b.Reset()
	if err := output.WriteSnapshotScript(&b, output.SnapshotPageOf(m, changes, timeline)); err != nil {
		return err
	}
	return snap.WriteFile(ctx, output.SnapshotScript, b.Bytes())
}

// manifestDocuments reads the stored documents of a manifest's groups.
func manifestDocuments(store *output.Store, m *output.Manifest) output.DocumentReader {
	return func(ctx context.Context, key string) ([]byte, string, error) {
		if m == nil {
			return nil, "", nil
		}
		e := m.Spec(key)
		if e == nil || !e.HasBlob() {
			return nil, "", nil
		}
		data, err := store.ReadBlob(ctx, e.SHA256)
		return data, e.SHA256, err
	}
}
