package output

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"
)

// staleUploads is implemented by backends that can hold unfinished
// uploads (S3's multipart uploads), which verify reports and prune aborts.
type staleUploads interface {
	AbortStaleUploads(ctx context.Context, olderThan time.Duration) (int, error)
}

// remoteVerify is Verify for a store in object storage: the same checks,
// reading objects instead of files.
func (s *Store) remoteVerify(ctx context.Context) (*VerifyReport, error) {
	rep := &VerifyReport{}
	if _, err := OpenBackend(ctx, s.remote); err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	var shas []string
	sizes := map[string]int64{}
	err := s.remote.List(ctx, blobsDir+"/", func(o ObjectInfo) error {
		shard, sha, ok := strings.Cut(strings.TrimPrefix(o.Key, blobsDir+"/"), "/")
		if !ok || !validSHA(sha) || sha[:2] != shard {
			rep.problem(o.Key, "unexpected entry in the blob store")
			return nil
		}
		shas = append(shas, sha)
		sizes[sha] = o.Size
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	states := make([]blobState, len(shas))
	errs := make([]error, len(shas))
	var wg sync.WaitGroup
	next := make(chan int)
	// Downloads wait on the network more than on the CPU.
	for range 2 * runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				states[i], errs[i] = s.remoteHashBlob(ctx, shas[i])
			}
		}()
	}
	for i := range shas {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	blobs := make(map[string]blobState, len(shas))
	for i, sha := range shas {
		rel := blobKey(sha)
		if errs[i] != nil {
			rep.problem(rel, "cannot read: %v", errs[i])
			continue
		}
		if !states[i].intact {
			rep.problem(rel, "content does not match its name (corrupt blob)")
		}
		blobs[sha] = states[i]
	}
	rep.Blobs = len(blobs)

	ids, complete, _, err := s.remoteSnapshotFolders(ctx)
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	good := map[string]bool{}
	for _, id := range ids {
		rel := path.Join(snapshotsDir, id)
		if !complete[id] {
			rep.Leftovers = append(rep.Leftovers, rel+" (no manifest: a run that did not finish, or an interrupted prune)")
			continue
		}
		mrel := path.Join(rel, manifestName)
		data, err := s.readObject(ctx, snapshotKey(id, manifestName))
		if err != nil {
			rep.problem(mrel, "cannot read: %v", err)
			continue
		}
		m, err := decodeManifest(data)
		if err != nil {
			rep.problem(mrel, "%v", err)
			continue
		}
		good[id] = true
		checkManifest(rep, mrel, id, m, blobs)
	}
	rep.Snapshots = len(good)

	latest, _, err := s.remoteLatest(ctx)
	switch {
	case err != nil:
		rep.problem(latestName, "%v", err)
	case latest == "" && len(good) > 0:
		rep.Leftovers = append(rep.Leftovers, latestName+" (missing: the first snapshot was never published)")
	case latest != "" && !good[latest]:
		rep.problem(latestName, "names snapshot %s, which is not a complete snapshot", latest)
	}
	sort.Strings(rep.Problems)
	sort.Strings(rep.Leftovers)
	return rep, nil
}

func (s *Store) remoteHashBlob(ctx context.Context, sha string) (blobState, error) {
	rc, err := s.remote.Get(ctx, blobKey(sha))
	if err != nil {
		return blobState{}, err
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.Copy(h, contextReader{ctx: ctx, r: rc})
	if err != nil {
		return blobState{}, err
	}
	return blobState{size: n, intact: hex.EncodeToString(h.Sum(nil)) == sha}, nil
}

// remotePlanPrune is PlanPrune for object storage. Leftovers are snapshot
// folders without a manifest whose newest object is older than
// LeftoverGrace: runs that died before publishing.
func (s *Store) remotePlanPrune(ctx context.Context, p Policy, now time.Time) (*Plan, error) {
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
	if held == "" {
		err := s.remote.List(ctx, blobsDir+"/", func(o ObjectInfo) error {
			sha := path.Base(o.Key)
			if validSHA(sha) && !referenced[sha] {
				plan.Blobs = append(plan.Blobs, sha)
				plan.BlobBytes += o.Size
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("plan prune: %w", err)
		}
	}
	ids, complete, modified, err := s.remoteSnapshotFolders(ctx)
	if err != nil {
		return nil, fmt.Errorf("plan prune: %w", err)
	}
	for _, id := range ids {
		if !complete[id] && now.Sub(modified[id]) > LeftoverGrace {
			plan.Leftovers = append(plan.Leftovers, path.Join(snapshotsDir, id))
		}
	}
	return plan, nil
}

// remotePrune carries out a plan: each snapshot loses its manifest first,
// blobs are checked again against the manifests that remain, and
// unfinished uploads older than LeftoverGrace are aborted.
func (s *Store) remotePrune(ctx context.Context, plan *Plan) error {
	latest, _, err := s.remoteLatest(ctx)
	if err != nil {
		return fmt.Errorf("prune: %w", err)
	}
	for _, r := range plan.Remove {
		if ValidateID(r.ID) != nil || r.ID == latest {
			continue
		}
		if err := s.remote.Delete(ctx, snapshotKey(r.ID, manifestName)); err != nil {
			return fmt.Errorf("prune: remove snapshot %s: %w", r.ID, err)
		}
		if err := s.remoteDeleteFolder(ctx, r.ID); err != nil {
			return err
		}
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
			if referenced[sha] || !validSHA(sha) {
				continue
			}
			if err := s.remote.Delete(ctx, blobKey(sha)); err != nil {
				return fmt.Errorf("prune: remove blob %s: %w", sha, err)
			}
			// Only a cache entry: a failure costs one validation later.
			_ = s.remote.Delete(ctx, validationCacheKey(sha))
		}
	}
	for _, rel := range plan.Leftovers {
		id, ok := strings.CutPrefix(rel, snapshotsDir+"/")
		if !ok || ValidateID(id) != nil {
			continue
		}
		if _, err := s.remote.Stat(ctx, snapshotKey(id, manifestName)); !errors.Is(err, ErrObjectNotFound) {
			continue // published meanwhile, or unreadable: not garbage
		}
		if err := s.remoteDeleteFolder(ctx, id); err != nil {
			return err
		}
	}
	if su, ok := s.remote.(staleUploads); ok {
		if _, err := su.AbortStaleUploads(ctx, LeftoverGrace); err != nil {
			return fmt.Errorf("prune: %w", err)
		}
	}
	return nil
}

func (s *Store) remoteDeleteFolder(ctx context.Context, id string) error {
	var keys []string
	if err := s.remote.List(ctx, snapshotsDir+"/"+id+"/", func(o ObjectInfo) error {
		keys = append(keys, o.Key)
		return nil
	}); err != nil {
		return fmt.Errorf("prune: remove snapshot %s: %w", id, err)
	}
	for _, k := range keys {
		if err := s.remote.Delete(ctx, k); err != nil {
			return fmt.Errorf("prune: remove snapshot %s: %w", id, err)
		}
	}
	return nil
}
