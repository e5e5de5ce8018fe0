package main

import (
	"context"

	"github.com/specharvest/specharvest/output"
)

// writePages writes the pages that sit next to index.html: the API
// reference page and its renderer, identical every night and so stored
// once.
func (n *nightly) writePages(ctx context.Context, snap *output.SnapshotWriter) error {
	files, err := output.SharedFiles()
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := snap.WriteFile(ctx, f.Name, f.Data); err != nil {
			return err
		}
	}
	return nil
}
