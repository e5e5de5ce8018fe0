package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/specharvest/specharvest/harvest/validate"
	"github.com/specharvest/specharvest/merge"
	"github.com/specharvest/specharvest/output"
)

// documentFacts is what is kept per blob hash so an unchanged document is
// neither validated nor parsed again: the verdict, and what the catalog
// shows of it.
type documentFacts struct {
	Validation validate.Summary      `json:"validation"`
	Operations []merge.OperationInfo `json:"operations"`
	Servers    []string              `json:"servers,omitempty"`
	Tags       []string              `json:"tags,omitempty"`
	MediaType  string                `json:"media_type,omitempty"`
	// Merge is what the merge plans with, so that a document is parsed
	// for the merge only while its part of the merged document is
	// written; nil for a document that cannot be loaded.
	Merge *merge.Digest `json:"merge,omitempty"`
	// Version is factsVersion when these facts were taken; older ones
	// lack a field and are taken again.
	Version int `json:"version,omitempty"`
}

// factsVersion is raised whenever documentFacts gains something that
// older cache entries do not have.
const factsVersion = 2

// fillFromFacts copies a document's verdict into its manifest entry. The
// manifest lists a document's errors (capped at Commit) and only counts its
// warnings: a manifest is written every night for every group, and real
// documents carry dozens of repaired defects each, which would make every
// unchanged night cost kilobytes per group. The full list stays with the
// blob (the validation cache) and `specharvest validate` prints it.
func fillFromFacts(e *output.SpecEntry, f *documentFacts) {
	v := f.Validation
	e.OpenAPI, e.Title, e.Operations, e.Valid = v.OpenAPI, v.Title, v.Operations, v.Valid
	e.Problems, e.Errors, e.Warnings = nil, 0, 0
	for _, p := range v.Problems {
		if p.Level == validate.LevelError {
			e.Errors++
			e.Problems = append(e.Problems, p.String())
		} else {
			e.Warnings++
		}
	}
}

// factsCache validates each distinct document once per run and once per
// store: the verdict, the catalog's view of a blob and the merge's digest
// are cached by hash. It keeps no model: each is let go as soon as its
// facts are taken, so at most as many models are alive as documents are
// in flight.
type factsCache struct {
	store *output.Store
	opts  validate.Options
	mu    sync.Mutex
	byKey map[string]*documentFacts
	// repairedDir, when set, keeps for this run the repaired form of each
	// document validated in it, so the merge builds its model from that
	// instead of parsing, repairing and validating the blob a second time.
	// It is a scratch directory, removed when the run ends.
	repairedDir string
}

// keepRepaired gives the cache a scratch directory for repaired documents;
// the returned function removes it. Without one (it could not be made),
// the merge reads each blob as the crawl did.
func (c *factsCache) keepRepaired(logger *slog.Logger) func() {
	dir, err := os.MkdirTemp("", "specharvest-repaired-")
	if err != nil {
		logger.Warn("no scratch directory for repaired documents; the merge reads each document again", "err", err)
		return func() {}
	}
	c.repairedDir = dir
	return func() { _ = os.RemoveAll(dir) }
}

func (c *factsCache) repairedPath(sha string) string {
	return filepath.Join(c.repairedDir, sha+".json")
}

func (c *factsCache) get(ctx context.Context, sha string, body []byte) (*documentFacts, error) {
	var f documentFacts
	if c.store.CachedValidation(ctx, sha, &f) && f.Version == factsVersion {
		return &f, nil
	}
	if body == nil {
		b, err := c.store.ReadBlob(ctx, sha)
		if err != nil {
			return nil, err
		}
		body = b
	}
	res := validate.Load(ctx, body, c.opts)
	if c.repairedDir != "" && res.Doc != nil && len(res.Repaired) > 0 {
		// Best effort: without it the merge reads the blob again.
		_ = os.WriteFile(c.repairedPath(sha), res.Repaired, 0o600)
	}
	f = documentFacts{Validation: res.Summary(), MediaType: output.DocumentMediaType(body), Version: factsVersion}
	if res.Doc != nil {
		f.Operations = merge.OperationsOf(res.Doc)
		f.Servers = merge.ServersOf(res.Doc)
		f.Tags = merge.TagsOf(res.Doc)
		f.Merge = merge.DigestOf(res.Doc)
	}
	if err := c.store.PutCachedValidation(ctx, sha, &f); err != nil {
		return nil, fmt.Errorf("cache the validation of blob %s: %w", sha, err)
	}
	return &f, nil
}

// document is the repaired model of blob sha, parsed now for the merge;
// nil when the document cannot be built (validation says why).
func (c *factsCache) document(ctx context.Context, sha string) (*openapi3.T, error) {
	if c.repairedDir != "" {
		if repaired, err := os.ReadFile(c.repairedPath(sha)); err == nil {
			if doc, err := validate.LoadRepaired(ctx, repaired, c.opts); err == nil {
				return doc, nil
			}
		}
	}
	body, err := c.store.ReadBlob(ctx, sha)
	if err != nil {
		return nil, err
	}
	return validate.Load(ctx, body, c.opts).Doc, nil
}

func (c *factsCache) remember(key string, f *documentFacts) {
	c.mu.Lock()
	c.byKey[key] = f
	c.mu.Unlock()
}

func (c *factsCache) lookup(ctx context.Context, e output.SpecEntry) *documentFacts {
	c.mu.Lock()
	f := c.byKey[e.Key]
	c.mu.Unlock()
	if f != nil || !e.HasBlob() {
		return f
	}
	f, err := c.get(ctx, e.SHA256, nil)
	if err != nil {
		return nil
	}
	return f
}
