package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/specharvest/specharvest/harvest"
	"github.com/specharvest/specharvest/output"
)

// harvest crawls every source and streams each document into the store as
// it arrives: only the documents in flight are ever held in memory.
func (n *nightly) harvest(ctx context.Context, store *output.Store, snapID string, prev *output.Manifest, facts *factsCache) ([]output.SpecEntry, *harvest.CrawlReport, error) {
	known := map[string]string{}
	if prev != nil {
		for _, p := range prev.Specs {
			// A 304 is only useful when the blob it stands for is still here.
			if p.ETag != "" && p.Status == output.StatusOK && store.HasBlob(ctx, p.SHA256, p.Bytes) {
				known[p.Key] = p.ETag
			}
		}
	}
	var (
		mu      sync.Mutex
		entries []output.SpecEntry
	)
	crawler := &harvest.Crawler{Options: n.cfg.HarvestOptions(), Logger: n.logger, Known: known, Previous: previousKeys(prev)}
	if n.progress != nil {
		crawler.Progress = func(ev harvest.ProgressEvent) { n.progress.set(ev.Found, ev.Fetched, ev.Failed) }
	}
	emit := func(ctx context.Context, s harvest.Spec) error {
		e, err := n.entryFor(ctx, store, snapID, prev, facts, s)
		if err != nil {
			return err
		}
		mu.Lock()
		entries = append(entries, e)
		mu.Unlock()
		return nil
	}
	report, err := crawler.Crawl(ctx, n.sources(), emit)
	if n.progress != nil {
		n.progress.done()
	}
	if err != nil {
		// Past the crawl deadline the report lists every unfinished source
		// as a failed scope, so what did arrive is still worth a snapshot.
		// Anything else (a signal, a full disk) ends the run with nothing
		// written.
		if !errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil || report == nil {
			return nil, nil, err
		}
		n.logger.Warn("crawl deadline reached; keeping what arrived", "err", err)
	}
	return entries, report, nil
}

// entryFor turns one crawled group into its manifest entry, storing the
// blob and validating it (or reusing the verdict cached for its hash).
func (n *nightly) entryFor(ctx context.Context, store *output.Store, snapID string, prev *output.Manifest, facts *factsCache, s harvest.Spec) (output.SpecEntry, error) {
	e := output.SpecEntry{Key: s.Key, Source: s.Source, Instance: s.Instance, Workspace: s.Workspace, IDs: s.IDs,
		Group: s.Group, URL: s.URL, ETag: s.ETag, ChangedIn: snapID}
	var before *output.SpecEntry
	if prev != nil {
		before = prev.Spec(s.Key)
	}
	switch {
	case s.Err != nil:
		e.Status = output.StatusFailed
		e.Error = s.Err.Error()
		return e, nil
	case s.NotModified:
		if before == nil || !before.HasBlob() {
			e.Status = output.StatusFailed
			e.Error = "the server answered 304 Not Modified but there is no previous document"
			return e, nil
		}
		e.SHA256, e.Bytes = before.SHA256, before.Bytes
		if e.ETag == "" {
			e.ETag = before.ETag
		}
	default:
		sha, size, err := store.PutBlobBytes(ctx, s.Body)
		if err != nil {
			return e, fmt.Errorf("store the document of %s: %w", s.Key, err)
		}
		e.SHA256, e.Bytes = sha, size
	}
	e.Status = output.StatusOK
	if before != nil && before.SHA256 == e.SHA256 && before.ChangedIn != "" {
		e.ChangedIn = before.ChangedIn
	}
	f, err := facts.get(ctx, e.SHA256, s.Body)
	if err != nil {
		return e, err
	}
	fillFromFacts(&e, f)
	facts.remember(e.Key, f)
	return e, nil
}

// carryForward keeps the previous snapshot's groups that could not be seen
// this time: a group whose fetch failed, or one under a listing that
// failed, is carried forward as stale with its previous document and the
// error — never reported removed (DESIGN §2 step 5).
func carryForward(entries []output.SpecEntry, prev *output.Manifest, failed []harvest.ScopeFailure) []output.SpecEntry {
	if prev == nil {
		return entries
	}
	index := make(map[string]int, len(entries))
	for i, e := range entries {
		index[e.Key] = i
	}
	for _, p := range prev.Specs {
		if !p.HasBlob() {
			continue
		}
		stale := p
		stale.Status = output.StatusStale
		if i, ok := index[p.Key]; ok {
			if entries[i].Status == output.StatusFailed {
				stale.Error = entries[i].Error
				if entries[i].URL != "" {
					stale.URL = entries[i].URL
				}
				entries[i] = stale
			}
			continue
		}
		if scope, ok := coveringScope(p.Key, failed); ok {
			stale.Error = fmt.Sprintf("not listed this run: %v", scope.Err)
			entries = append(entries, stale)
		}
	}
	return entries
}

func coveringScope(key string, failed []harvest.ScopeFailure) (harvest.ScopeFailure, bool) {
	for _, f := range failed {
		if key == f.Prefix || strings.HasPrefix(key, f.Prefix+"/") {
			return f, true
		}
	}
	return harvest.ScopeFailure{}, false
}

func firstFailure(entries []output.SpecEntry, report *harvest.CrawlReport) string {
	for _, f := range report.Failed {
		return fmt.Sprintf("%s: %v", f.Prefix, f.Err)
	}
	for _, e := range entries {
		if e.Error != "" {
			return fmt.Sprintf("%s: %s", e.Key, e.Error)
		}
	}
	return "nothing found"
}

// previousKeys gives the crawler the keys of the last snapshot, so that
// every group keeps its key (DESIGN §3: keys never move).
func previousKeys(prev *output.Manifest) []harvest.PreviousKey {
	if prev == nil {
		return nil
	}
	out := make([]harvest.PreviousKey, 0, len(prev.Specs))
	for _, p := range prev.Specs {
		k := harvest.PreviousKey{Key: p.Key, Names: [3]string{p.Instance, p.Workspace, p.Group}}
		if len(p.IDs) == 3 {
			copy(k.IDs[:], p.IDs)
		}
		out = append(out, k)
	}
	return out
}
