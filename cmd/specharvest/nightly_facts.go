package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
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
	// Validation's problems are the errors only; Warnings counts the
	// rest. Real documents carry hundreds of repaired defects each, and
	// reading them back for every group made an unchanged night's crawl
	// read several times the documents' own size.
	Validation validate.Summary       `json:"validation"`
	Warnings   int                    `json:"warnings"`
	Operations []output.OperationInfo `json:"operations"`
	Servers    []string               `json:"servers,omitempty"`
	Tags       []string               `json:"tags,omitempty"`
	MediaType  string                 `json:"media_type,omitempty"`
	// Merge is what the merge plans with, so that a document is parsed
	// for the merge only while its part of the merged document is
	// written; nil for a document that cannot be loaded.
	Merge *lazyDigest `json:"merge,omitempty"`
	// Version is factsVersion when these facts were taken; older ones
	// lack a field and are taken again.
	Version int `json:"version,omitempty"`
}

// lazyDigest is a merge digest that a cached entry reads only when the
// merge asks for it: an unchanged night copies last night's merged
// document and never does, and reading 500 digests cost it a quarter of
// its time.
type lazyDigest struct {
	raw    json.RawMessage
	digest *merge.Digest
}

func (l *lazyDigest) UnmarshalJSON(data []byte) error {
	l.raw, l.digest = bytes.Clone(data), nil
	return nil
}

func (l *lazyDigest) MarshalJSON() ([]byte, error) {
	if l.digest != nil {
		return json.Marshal(l.digest)
	}
	return l.raw, nil
}

// get reads the digest, once.
func (l *lazyDigest) get() (*merge.Digest, error) {
	if l.digest == nil {
		d := &merge.Digest{}
		if err := json.Unmarshal(l.raw, d); err != nil {
			return nil, err
		}
		l.digest, l.raw = d, nil
	}
	return l.digest, nil
}

// factsVersion is raised whenever documentFacts gains something that
// older cache entries do not have.
const factsVersion = 3

// fillFromFacts copies a document's verdict into its manifest entry. The
// manifest lists a document's errors (capped at Commit) and only counts its
// warnings: a manifest is written every night for every group, and real
// documents carry dozens of repaired defects each, which would make every
// unchanged night cost kilobytes per group. `specharvest validate` prints
// the full list.
func fillFromFacts(e *output.SpecEntry, f *documentFacts) {
	v := f.Validation
	e.OpenAPI, e.Title, e.Operations, e.Valid = v.OpenAPI, v.Title, v.Operations, v.Valid
	// The facts keep the errors only (get), and count the warnings.
	e.Problems, e.Errors, e.Warnings = nil, len(v.Problems), f.Warnings
	for _, p := range v.Problems {
		e.Problems = append(e.Problems, p.String())
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
	dir, release, err := newScratchDir(logger)
	if err != nil {
		logger.Warn("no scratch directory for repaired documents; the merge reads each document again", "err", err)
		return func() {}
	}
	c.repairedDir = dir
	return release
}

// A run's scratch directory is named with scratchPrefix in the temporary
// folder, and holds scratchLock, locked while the run lives.
const (
	scratchPrefix = "specharvest-repaired-"
	scratchLock   = "run.lock"
)

func (c *factsCache) repairedPath(sha string) string {
	return filepath.Join(c.repairedDir, sha+".json")
}

func (c *factsCache) get(ctx context.Context, sha string, body []byte) (*documentFacts, error) {
	// Even cached, a large document's facts are large.
	paceFor(len(body))
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
	// The model comes in parts, so that a document of many thousands of
	// paths never has its whole model alive; what the facts need of the
	// paths is gathered in an outline as the parts go by.
	paceFor(len(body))
	var outline *openapi3.T
	digest := &merge.Digest{}
	res, _ := validate.LoadParts(ctx, body, c.opts, func(part *openapi3.T) error {
		if outline == nil {
			outline = &openapi3.T{OpenAPI: part.OpenAPI, Servers: part.Servers, Tags: part.Tags, Paths: openapi3.NewPaths()}
		}
		digest.AddPart(part)
		for path, item := range part.Paths.Map() {
			if item != nil {
				outline.Paths.Set(path, outlineOf(item))
			}
		}
		return nil
	})
	if c.repairedDir != "" && res.Modeled && len(res.Repaired) > 0 {
		// Best effort: without it the merge reads the blob again.
		_ = os.WriteFile(c.repairedPath(sha), res.Repaired, 0o600)
	}
	f = documentFacts{Validation: res.Summary(), MediaType: output.DocumentMediaType(body), Version: factsVersion}
	errorsOnly := f.Validation.Problems[:0:0]
	for _, p := range f.Validation.Problems {
		if p.Level == validate.LevelError {
			errorsOnly = append(errorsOnly, p)
		} else {
			f.Warnings++
		}
	}
	f.Validation.Problems = errorsOnly
	if res.Modeled {
		f.Operations = output.OperationsOf(outline)
		f.Servers = output.ServersOf(outline)
		f.Tags = output.TagsOf(outline)
		f.Merge = &lazyDigest{digest: digest}
	}
	if err := c.store.PutCachedValidation(ctx, sha, &f); err != nil {
		return nil, fmt.Errorf("cache the validation of blob %s: %w", sha, err)
	}
	return &f, nil
}

// outlineOf keeps of a path item what the catalog shows of its operations.
func outlineOf(item *openapi3.PathItem) *openapi3.PathItem {
	out := &openapi3.PathItem{}
	for method, op := range item.Operations() {
		out.SetOperation(method, &openapi3.Operation{Summary: op.Summary, OperationID: op.OperationID, Tags: op.Tags, Deprecated: op.Deprecated})
	}
	return out
}

// document gives the repaired model of blob sha to each, in parts (see
// validate.LoadParts), for the merge, which has its verdict already: built
// from the repaired form this run kept, or else read, repaired and
// modeled from the blob again, without validating it. A document that
// cannot be built gives nothing (validation says why).
func (c *factsCache) document(ctx context.Context, sha string, each func(*openapi3.T) error) error {
	if c.repairedDir != "" {
		if repaired, err := os.ReadFile(c.repairedPath(sha)); err == nil {
			paceFor(len(repaired))
			given := 0
			err := validate.LoadRepairedParts(ctx, repaired, c.opts, func(part *openapi3.T) error {
				given++
				return each(part)
			})
			if err == nil || given > 0 {
				return err // a part given cannot be taken back
			}
		}
	}
	body, err := c.store.ReadBlob(ctx, sha)
	if err != nil {
		return err
	}
	paceFor(len(body))
	opts := c.opts
	opts.ModelOnly = true
	_, err = validate.LoadParts(ctx, body, opts, each)
	return err
}

// remember keeps what the later stages read of a group's facts for the
// rest of the run: the catalog's view and the merge's digest. The list of
// problems stays out: the manifest entry already holds the errors, and a
// document can have many, which kept for every group made the run's
// memory grow with the fleet.
func (c *factsCache) remember(key string, f *documentFacts) {
	kept := *f
	kept.Validation.Problems = nil
	c.mu.Lock()
	c.byKey[key] = &kept
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

// A large document makes a large heap: its parts, its share of the
// merged document and its catalog entries are tens of megabytes, and
// reading and writing them makes several times that in garbage. At the
// collector's default pace (GOGC=100) the heap grows to twice what was
// live before the collector runs again, so a run with one large document
// would peak at some thirty times its size. Once a run meets a document
// of at least largeDocument bytes, the collector runs after every
// largeDocumentGCPercent % of growth instead, for the rest of the run, so
// the peak stays near what is live. Runs of small documents, the common
// case, keep the default and its lower CPU cost; a GOGC lower than this
// pace, or off, is kept.
const (
	largeDocument          = 1 << 20
	largeDocumentGCPercent = 25
)

var paceOnce sync.Once

// paceFor sets the collector's pace for a document of size bytes.
func paceFor(size int) {
	if size < largeDocument {
		return
	}
	paceOnce.Do(func() {
		if before := debug.SetGCPercent(largeDocumentGCPercent); before < largeDocumentGCPercent {
			debug.SetGCPercent(before) // lower already, or off (-1)
		}
	})
}
