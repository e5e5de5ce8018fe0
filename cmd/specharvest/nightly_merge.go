package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/specharvest/specharvest/merge"
	"github.com/specharvest/specharvest/output"
)

// writeMerged merges every ok and stale group. When the set of documents
// is exactly the previous snapshot's, its merged files are copied instead:
// the merge is a pure function of them.
func (n *nightly) writeMerged(ctx context.Context, store *output.Store, snap *output.SnapshotWriter, prev *output.Manifest, m *output.Manifest, facts *factsCache, res *nightlyResult) error {
	if prev != nil && sameDocuments(prev, m) {
		if copied := copyReports(ctx, store, snap, prev, mergedJSONFile, mergedYAMLFile, mergeReportFile); copied {
			if data, err := store.ReadSnapshotFile(ctx, prev.ID, mergeReportFile); err == nil {
				res.merge = &merge.Report{}
				if err := json.Unmarshal(data, res.merge); err != nil {
					res.merge = nil
				}
			}
			return nil
		}
	}
	inputs, excluded, err := mergeInputs(ctx, facts, m.Specs)
	if err != nil {
		return err
	}
	load := func(i int, each func(*openapi3.T) error) error {
		if err := facts.document(ctx, inputs[i].sha, each); err != nil {
			return fmt.Errorf("read the document of %s: %w", inputs[i].Key, err)
		}
		return nil
	}
	stream := make([]merge.StreamInput, len(inputs))
	for i, in := range inputs {
		stream[i] = in.StreamInput
	}
	opts := merge.StreamOptions{Concurrency: n.modelsAtOnce(), Options: merge.Options{Title: "Merged API", Version: m.ID,
		Description: fmt.Sprintf("Every API group of snapshot %s, merged by specharvest.", m.ID)}}
	// The merged document's encoded fragments wait in a file of the
	// run's scratch directory, so the merge's memory does not grow with
	// the fleet; without one they wait in memory.
	if facts.repairedDir != "" {
		spool, err := os.CreateTemp(facts.repairedDir, "merge-*.spool")
		if err != nil {
			n.logger.Warn("no spool file for the merge; its fragments are kept in memory", "err", err)
		} else {
			defer func() { _ = spool.Close(); _ = os.Remove(spool.Name()) }()
			opts.Spool = spool
		}
	}
	var report *merge.Report
	err = snap.WriteFileFunc(ctx, mergedJSONFile, func(jw io.Writer) error {
		return snap.WriteFileFunc(ctx, mergedYAMLFile, func(yw io.Writer) error {
			var err error
			report, err = merge.MergeStream(stream, load, opts, jw, yw)
			if err != nil {
				return fmt.Errorf("merge: %w", err)
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	report.Excluded = excluded
	res.merge = report
	reportJSON, err := jsonIndent(report)
	if err != nil {
		return err
	}
	return snap.WriteFile(ctx, mergeReportFile, reportJSON)
}

// modelsAtOnce bounds the document models alive at once outside the
// crawl: the crawl's concurrency, and no more than there are cores, since
// building a model is all CPU.
func (n *nightly) modelsAtOnce() int {
	c := runtime.GOMAXPROCS(0)
	if n.cfg.Crawl.Concurrency > 0 {
		c = min(c, n.cfg.Crawl.Concurrency)
	}
	return max(1, c)
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

// copyReports keeps report files of the previous snapshot: each is a
// blob, so it is linked, not read; a store from before reports were blobs
// has them copied. False when any of them is missing, in which case the
// caller builds them afresh.
func copyReports(ctx context.Context, store *output.Store, snap *output.SnapshotWriter, prev *output.Manifest, names ...string) bool {
	for _, name := range names {
		if r := prev.Report(name); r != nil {
			if err := snap.LinkReport(ctx, name, r.SHA256, r.Bytes); err != nil {
				return false
			}
			continue
		}
		data, err := store.ReadSnapshotFile(ctx, prev.ID, name)
		if err != nil {
			return false
		}
		if err := snap.WriteFile(ctx, name, data); err != nil {
			return false
		}
	}
	return true
}

// mergeInput is one group of the merge with the blob it is read from.
type mergeInput struct {
	merge.StreamInput
	sha string
}

// mergeInputs lists the groups of the manifest that have a document the
// merge can read, with their digests. A document that cannot be loaded is
// excluded, and said so: merged.json never drops a group silently.
// Excluding it, rather than merging the last version that loaded, keeps
// merged.json a picture of this snapshot's documents; the exclusion is
// listed in merge-report.json, the catalog and the run's summary, and the
// group's document stays in the store.
func mergeInputs(ctx context.Context, facts *factsCache, specs []output.SpecEntry) ([]mergeInput, []merge.Exclusion, error) {
	var out []mergeInput
	var excluded []merge.Exclusion
	for _, s := range specs {
		if !s.HasBlob() {
			continue
		}
		f := facts.lookup(ctx, s)
		if f == nil {
			return nil, nil, fmt.Errorf("read the document of %s: its facts are missing", s.Key)
		}
		if f.Merge == nil {
			reason := "the document could not be loaded"
			if len(s.Problems) > 0 {
				reason += ": " + s.Problems[0]
			}
			excluded = append(excluded, merge.Exclusion{Key: s.Key, Reason: reason})
			continue
		}
		digest, err := f.Merge.get()
		if err != nil {
			return nil, nil, fmt.Errorf("read the merge digest of %s: %w", s.Key, err)
		}
		out = append(out, mergeInput{StreamInput: merge.StreamInput{Key: s.Key, Instance: s.Instance, Workspace: s.Workspace, Group: s.Group, Digest: digest}, sha: s.SHA256})
	}
	return out, excluded, nil
}
