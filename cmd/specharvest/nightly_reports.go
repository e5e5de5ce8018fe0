package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/specharvest/specharvest/merge/diff"
	"github.com/specharvest/specharvest/output"
)

// Report files of a snapshot besides the manifest. Those the catalog
// reads back are named by output, their one owner.
const (
	mergedJSONFile  = "merged.json"
	mergedYAMLFile  = "merged.yaml"
	mergeReportFile = "merge-report.json"
	changesJSONFile = output.ChangesFile
	changesMDFile   = "CHANGES.md"
	catalogJSONFile = output.CatalogFile
	apiCatalogFile  = output.APICatalogFile
	catalogHTMLFile = output.CatalogHTML
)

// writeReports writes merged.*, changes.*, catalog.* and index.html into
// the snapshot before its manifest.
func (n *nightly) writeReports(ctx context.Context, store *output.Store, snap *output.SnapshotWriter, prev *output.Manifest, m *output.Manifest, facts *factsCache, res *nightlyResult) error {
	started := time.Now()
	if err := n.writeMerged(ctx, store, snap, prev, m, facts, res); err != nil {
		return err
	}
	n.stageDone("merge", started)
	started = time.Now()
	changes, err := n.writeChanges(ctx, store, snap, prev, m)
	if err != nil {
		return err
	}
	n.stageDone("diff", started)
	started = time.Now()
	res.changes = changes
	excluded := map[string]string{}
	if res.merge != nil {
		for _, x := range res.merge.Excluded {
			excluded[x.Key] = x.Reason
		}
	}
	if err := n.writeCatalog(ctx, snap, m, facts, changes, excluded); err != nil {
		return err
	}
	n.stageDone("catalog", started)
	started = time.Now()
	if err := n.writePages(ctx, store, snap, prev, m, changes); err != nil {
		return err
	}
	n.stageDone("pages", started)
	return nil
}

func (n *nightly) writeCatalog(ctx context.Context, snap *output.SnapshotWriter, m *output.Manifest, facts *factsCache, changes *diff.Changes, excluded map[string]string) error {
	cat := output.BuildCatalog(output.CatalogInput{Manifest: m, Changes: changes, Excluded: excluded,
		Document: func(e output.SpecEntry) *output.CatalogDocument {
			f := facts.lookup(ctx, e)
			if f == nil {
				return nil
			}
			return &output.CatalogDocument{Operations: f.Operations, Servers: f.Servers, Tags: f.Tags,
				APIVersion: f.Validation.APIVersion, MediaType: f.MediaType}
		}})
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

func jsonIndent(v any) ([]byte, error) {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}
