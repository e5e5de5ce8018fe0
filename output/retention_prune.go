package output

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// LeftoverGrace is how old a temp file or build folder must be before
// prune removes it. Prune runs under the lock, so no live run owns one;
// the grace only guards against clocks and writers that ignore the lock.
const LeftoverGrace = time.Hour

// Plan is what Prune will do: the policy's verdict on the snapshots, the
// blobs no kept snapshot references, and the leftovers of crashes.
type Plan struct {
	Policy  Policy
	Keep    []SnapshotInfo
	Remove  []SnapshotInfo
	Reasons map[string][]string
	// Blobs lists the blobs no kept manifest references, and BlobBytes
	// their total size.
	Blobs     []string
	BlobBytes int64
	// BlobsHeld says why no blob will be removed, when some manifest
	// cannot be read and its references are therefore unknown.
	BlobsHeld string
	// Leftovers are paths relative to the store: temp files and build
	// folders older than LeftoverGrace, snapshot folders without a
	// manifest, and cache entries of blobs that are gone.
	Leftovers []string
}

// PlanPrune applies p to the store's snapshots at time now and works out
// what removing the others would free. It changes nothing.
func (s *Store) PlanPrune(ctx context.Context, p Policy, now time.Time) (*Plan, error) {
	if s.remote != nil {
		return s.remotePlanPrune(ctx, p, now)
	}
	infos, err := s.Snapshots(ctx)
	if err != nil {
		return nil, fmt.Errorf("plan prune: %w", err)
	}
	plan := &Plan{Policy: p}
	plan.Keep, plan.Remove, plan.Reasons = ApplyPolicy(infos, p, now)
	removing := map[string]bool{}
	for _, r := range plan.Remove {
		removing[r.ID] = true
	}

	referenced, held, err := s.referencedBlobs(ctx, removing)
	if err != nil {
		return nil, fmt.Errorf("plan prune: %w", err)
	}
	plan.BlobsHeld = held
	blobs, err := s.listBlobs(ctx)
	if err != nil {
		return nil, fmt.Errorf("plan prune: %w", err)
	}
	if held == "" {
		for _, b := range blobs {
			if !referenced[b.sha] {
				plan.Blobs = append(plan.Blobs, b.sha)
				plan.BlobBytes += b.size
			}
		}
	}
	plan.Leftovers, err = s.findLeftovers(ctx, now, blobs)
	if err != nil {
		return nil, fmt.Errorf("plan prune: %w", err)
	}
	return plan, nil
}

// referencedBlobs collects the blobs referenced by every snapshot folder
// not being removed. A folder named like a snapshot whose manifest exists
// but cannot be read holds back all blob removal: better to keep garbage
// than to delete what a damaged snapshot still needs.
func (s *Store) referencedBlobs(ctx context.Context, except map[string]bool) (map[string]bool, string, error) {
	ids, err := s.snapshotIDs(ctx)
	if err != nil {
		return nil, "", err
	}
	referenced := map[string]bool{}
	for _, id := range ids {
		if except[id] {
			continue
		}
		m, err := s.Manifest(ctx, id)
		if errors.Is(err, ErrNoSnapshot) {
			continue // a half-pruned folder references nothing
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil, "", ctx.Err()
			}
			return nil, fmt.Sprintf("snapshot %s cannot be read (%v); run verify", id, err), nil
		}
		for _, e := range m.Specs {
			if e.HasBlob() {
				referenced[e.SHA256] = true
			}
		}
		for _, r := range m.Reports {
			referenced[r.SHA256] = true
		}
	}
	return referenced, "", nil
}

type blobFile struct {
	sha  string
	size int64
}

func (s *Store) listBlobs(ctx context.Context) ([]blobFile, error) {
	shards, err := os.ReadDir(s.path(blobsDir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var blobs []blobFile
	for _, shard := range shards {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if !shard.IsDir() || len(shard.Name()) != 2 {
			continue
		}
		files, err := os.ReadDir(s.path(blobsDir, shard.Name()))
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			if !validSHA(f.Name()) || f.Name()[:2] != shard.Name() || !f.Type().IsRegular() {
				continue
			}
			fi, err := f.Info()
			if err != nil {
				continue
			}
			blobs = append(blobs, blobFile{sha: f.Name(), size: fi.Size()})
		}
	}
	return blobs, nil
}

// findLeftovers lists what crashes leave behind.
func (s *Store) findLeftovers(ctx context.Context, now time.Time, blobs []blobFile) ([]string, error) {
	var out []string
	old := func(e fs.DirEntry) bool {
		fi, err := e.Info()
		return err == nil && now.Sub(fi.ModTime()) > LeftoverGrace
	}
	// Temp files and build folders may sit in any of these.
	dirs := []string{".", snapshotsDir, blobsDir, locksDir, validateDir}
	if shards, err := os.ReadDir(s.path(blobsDir)); err == nil {
		for _, sh := range shards {
			if sh.IsDir() && !strings.HasPrefix(sh.Name(), tmpPrefix) {
				dirs = append(dirs, path.Join(blobsDir, sh.Name()))
			}
		}
	}
	for _, dir := range dirs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		entries, err := os.ReadDir(s.path(dir))
		if err != nil {
			continue
		}
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), tmpPrefix) && old(e) {
				out = append(out, path.Join(dir, e.Name()))
			}
		}
	}
	ids, err := s.snapshotIDs(ctx)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if _, err := os.Lstat(s.path(snapshotsDir, id, manifestName)); errors.Is(err, fs.ErrNotExist) {
			out = append(out, path.Join(snapshotsDir, id))
		}
	}
	have := make(map[string]bool, len(blobs))
	for _, b := range blobs {
		have[b.sha] = true
	}
	if entries, err := os.ReadDir(s.path(validateDir)); err == nil {
		for _, e := range entries {
			sha, ok := strings.CutSuffix(e.Name(), ".json")
			if ok && validSHA(sha) && !have[sha] {
				out = append(out, path.Join(validateDir, e.Name()))
			}
		}
	}
	return out, nil
}

// Prune carries out a plan. Callers hold the lock. Each snapshot loses
// its manifest first, so an interrupted prune leaves a folder that is
// plainly not a snapshot rather than one that looks complete but is not.
// The blob list is checked again against the manifests that remain, so a
// plan that has gone out of date cannot delete what a snapshot needs.
func (s *Store) Prune(ctx context.Context, plan *Plan) error {
	if s.remote != nil {
		return s.remotePrune(ctx, plan)
	}
	latest, err := s.Latest(ctx)
	if err != nil {
		return fmt.Errorf("prune: %w", err)
	}
	for _, r := range plan.Remove {
		if err := ctx.Err(); err != nil {
			return err
		}
		if ValidateID(r.ID) != nil || r.ID == latest {
			continue
		}
		if err := s.removeSnapshot(ctx, r.ID); err != nil {
			return err
		}
	}
	if err := syncDir(s.path(snapshotsDir)); err != nil {
		return fmt.Errorf("prune: %w", err)
	}

	if plan.BlobsHeld == "" && len(plan.Blobs) > 0 {
		referenced, held, err := s.referencedBlobs(ctx, nil)
		if err != nil {
			return fmt.Errorf("prune: %w", err)
		}
		if held != "" {
			return fmt.Errorf("prune: no blobs removed: %s", held)
		}
		for _, sha := range plan.Blobs {
			if err := ctx.Err(); err != nil {
				return err
			}
			if referenced[sha] || !validSHA(sha) {
				continue
			}
			if err := os.Remove(s.blobPath(sha)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("prune: remove blob %s: %w", sha, err)
			}
			os.Remove(s.path(validateDir, sha+".json"))
		}
	}

	for _, rel := range plan.Leftovers {
		if err := ctx.Err(); err != nil {
			return err
		}
		if !s.stillLeftover(rel) {
			continue
		}
		if err := os.RemoveAll(s.path(filepath.FromSlash(rel))); err != nil {
			return fmt.Errorf("prune: remove %s: %w", rel, err)
		}
	}
	return nil
}

func (s *Store) removeSnapshot(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	dir := s.path(snapshotsDir, id)
	if err := os.Remove(filepath.Join(dir, manifestName)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("prune: remove snapshot %s: %w", id, err)
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("prune: remove snapshot %s: %w", id, err)
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("prune: remove snapshot %s: %w", id, err)
	}
	return nil
}

// stillLeftover accepts only the kinds of path findLeftovers produces,
// and checks again that each is still garbage, so a hand-made or stale
// plan can never point Prune at a snapshot or at a live cache entry.
func (s *Store) stillLeftover(rel string) bool {
	if !fs.ValidPath(rel) || rel == "." {
		return false
	}
	dir, base := path.Dir(rel), path.Base(rel)
	switch {
	case strings.HasPrefix(base, tmpPrefix):
		return true
	case dir == snapshotsDir && ValidateID(base) == nil:
		_, err := os.Lstat(s.path(snapshotsDir, base, manifestName))
		return errors.Is(err, fs.ErrNotExist)
	case dir == validateDir:
		sha, ok := strings.CutSuffix(base, ".json")
		if !ok || !validSHA(sha) {
			return false
		}
		_, err := os.Lstat(s.blobPath(sha))
		return errors.Is(err, fs.ErrNotExist)
	}
	return false
}
