package output

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"runtime"
	"sort"
	"strings"
	"sync"
)

// VerifyReport is what Verify found. Problems are what is wrong, each
// naming the file (relative to the store) and what is wrong with it;
// Leftovers are what a crash or an interrupted prune left behind, which is
// harmless and removed by the next prune.
type VerifyReport struct {
	Snapshots int      `json:"snapshots"`
	Blobs     int      `json:"blobs"`
	Problems  []string `json:"problems"`
	Leftovers []string `json:"leftovers,omitempty"`
}

// OK is true when nothing is wrong.
func (r *VerifyReport) OK() bool { return len(r.Problems) == 0 }

func (r *VerifyReport) problem(rel, format string, a ...any) {
	r.Problems = append(r.Problems, rel+": "+fmt.Sprintf(format, a...))
}

// blobState is what the blob pass learned about one blob.
type blobState struct {
	size   int64
	intact bool
}

// Verify re-hashes every blob and checks every manifest against the
// blobs, and latest against the snapshots. Only a failure to read the
// store at all is an error; everything found wrong is in the report.
func (s *Store) Verify(ctx context.Context) (*VerifyReport, error) {
	if s.remote != nil {
		return s.remoteVerify(ctx)
	}
	rep := &VerifyReport{}
	if _, err := Open(ctx, s.dir); err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	blobs, err := s.verifyBlobs(ctx, rep)
	if err != nil {
		return nil, err
	}
	complete, err := s.verifySnapshots(ctx, rep, blobs)
	if err != nil {
		return nil, err
	}
	s.verifyLatest(rep, complete)
	sort.Strings(rep.Problems)
	sort.Strings(rep.Leftovers)
	return rep, nil
}

func (s *Store) verifyBlobs(ctx context.Context, rep *VerifyReport) (map[string]blobState, error) {
	root := s.path(blobsDir)
	shards, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		rep.problem(blobsDir, "missing")
		return map[string]blobState{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	var shas []string
	for _, shard := range shards {
		rel := path.Join(blobsDir, shard.Name())
		switch {
		case strings.HasPrefix(shard.Name(), tmpPrefix):
			rep.Leftovers = append(rep.Leftovers, rel)
			continue
		case !shard.IsDir() || len(shard.Name()) != 2 || !validSHA(shard.Name()+strings.Repeat("0", 62)):
			rep.problem(rel, "unexpected entry in the blob store")
			continue
		}
		files, err := os.ReadDir(s.path(blobsDir, shard.Name()))
		if err != nil {
			return nil, fmt.Errorf("verify: %w", err)
		}
		for _, f := range files {
			frel := path.Join(rel, f.Name())
			switch {
			case strings.HasPrefix(f.Name(), tmpPrefix):
				rep.Leftovers = append(rep.Leftovers, frel)
			case !f.Type().IsRegular() || !validSHA(f.Name()) || f.Name()[:2] != shard.Name():
				rep.problem(frel, "unexpected entry in the blob store")
			default:
				shas = append(shas, f.Name())
			}
		}
	}

	// Hashing is the slow part of verify; spread it over the CPUs.
	states := make([]blobState, len(shas))
	errs := make([]error, len(shas))
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				states[i], errs[i] = s.hashBlob(ctx, shas[i])
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
		rel := path.Join(blobsDir, sha[:2], sha)
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
	return blobs, nil
}

func (s *Store) hashBlob(ctx context.Context, sha string) (blobState, error) {
	got, n, err := hashFile(ctx, s.blobPath(sha))
	if err != nil {
		return blobState{}, err
	}
	return blobState{size: n, intact: got == sha}, nil
}

func hashFile(ctx context.Context, name string) (string, int64, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, contextReader{ctx: ctx, r: f})
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// verifySnapshots checks every manifest and returns the IDs of the
// complete snapshots.
func (s *Store) verifySnapshots(ctx context.Context, rep *VerifyReport, blobs map[string]blobState) (map[string]bool, error) {
	entries, err := os.ReadDir(s.path(snapshotsDir))
	if errors.Is(err, fs.ErrNotExist) {
		rep.problem(snapshotsDir, "missing")
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	complete := map[string]bool{}
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rel := path.Join(snapshotsDir, e.Name())
		switch {
		case strings.HasPrefix(e.Name(), tmpPrefix):
			rep.Leftovers = append(rep.Leftovers, rel)
			continue
		case !e.IsDir() || ValidateID(e.Name()) != nil:
			rep.problem(rel, "unexpected entry among the snapshots")
			continue
		}
		mrel := path.Join(rel, manifestName)
		data, err := os.ReadFile(s.path(snapshotsDir, e.Name(), manifestName))
		if errors.Is(err, fs.ErrNotExist) {
			// Prune removes the manifest first; so does nothing else.
			rep.Leftovers = append(rep.Leftovers, rel+" (no manifest: an interrupted prune)")
			continue
		}
		if err != nil {
			rep.problem(mrel, "cannot read: %v", err)
			continue
		}
		m, err := decodeManifest(data)
		if err != nil {
			rep.problem(mrel, "%v", err)
			continue
		}
		complete[e.Name()] = true
		checkManifest(rep, mrel, e.Name(), m, blobs)
		s.checkReportFiles(ctx, rep, e.Name(), m, blobs)
	}
	rep.Snapshots = len(complete)
	return complete, nil
}

func checkManifest(rep *VerifyReport, rel, id string, m *Manifest, blobs map[string]blobState) {
	if m.ID != id {
		rep.problem(rel, "id is %q, but the folder is %s", m.ID, id)
	}
	if m.Previous != "" {
		if err := ValidateID(m.Previous); err != nil {
			rep.problem(rel, "previous: %v", err)
		} else if m.Previous >= id {
			rep.problem(rel, "previous %s is not older than the snapshot", m.Previous)
		}
		// A previous snapshot that no longer exists was pruned, which
		// is fine.
	}
	for i, e := range m.Specs {
		if err := ValidateKey(e.Key); err != nil {
			rep.problem(rel, "%v", err)
		}
		if i > 0 && m.Specs[i-1].Key >= e.Key {
			rep.problem(rel, "specs not sorted by key or key repeated at %q", e.Key)
		}
		switch e.Status {
		case StatusOK, StatusStale:
		case StatusFailed:
			continue
		default:
			rep.problem(rel, "spec %q: unknown status %q", e.Key, e.Status)
			continue
		}
		if !validSHA(e.SHA256) {
			rep.problem(rel, "spec %q: invalid sha256 %q", e.Key, e.SHA256)
			continue
		}
		blobRel := path.Join(blobsDir, e.SHA256[:2], e.SHA256)
		b, ok := blobs[e.SHA256]
		switch {
		case !ok:
			rep.problem(rel, "spec %q: blob %s is missing", e.Key, blobRel)
		case !b.intact:
			rep.problem(rel, "spec %q: blob %s is corrupt", e.Key, blobRel)
		case b.size != e.Bytes:
			rep.problem(rel, "spec %q: blob %s has %d bytes, manifest says %d", e.Key, blobRel, b.size, e.Bytes)
		}
	}
	for i, r := range m.Reports {
		if err := validateFileName(r.Name); err != nil || r.Name == manifestName {
			rep.problem(rel, "report %q: not a report file name", r.Name)
			continue
		}
		if i > 0 && m.Reports[i-1].Name >= r.Name {
			rep.problem(rel, "reports not sorted by name or name repeated at %q", r.Name)
		}
		if !validSHA(r.SHA256) {
			rep.problem(rel, "report %q: invalid sha256 %q", r.Name, r.SHA256)
			continue
		}
		blobRel := path.Join(blobsDir, r.SHA256[:2], r.SHA256)
		b, ok := blobs[r.SHA256]
		switch {
		case !ok:
			rep.problem(rel, "report %q: blob %s is missing", r.Name, blobRel)
		case !b.intact:
			rep.problem(rel, "report %q: blob %s is corrupt", r.Name, blobRel)
		case b.size != r.Bytes:
			rep.problem(rel, "report %q: blob %s has %d bytes, manifest says %d", r.Name, blobRel, b.size, r.Bytes)
		}
	}
	if want := Summarize(m.Specs); m.Summary != want {
		rep.problem(rel, "summary %+v does not match its specs %+v", m.Summary, want)
	}
}

func (s *Store) verifyLatest(rep *VerifyReport, complete map[string]bool) {
	data, err := os.ReadFile(s.path(latestName))
	if errors.Is(err, fs.ErrNotExist) {
		if len(complete) > 0 {
			// A crash between the first snapshot's rename and the
			// flip of latest; the next run writes it.
			rep.Leftovers = append(rep.Leftovers, latestName+" (missing: the first snapshot was never published)")
		}
		return
	}
	if err != nil {
		rep.problem(latestName, "cannot read: %v", err)
		return
	}
	id := strings.TrimSpace(string(data))
	if err := ValidateID(id); err != nil {
		rep.problem(latestName, "%v", err)
		return
	}
	if !complete[id] {
		rep.problem(latestName, "names snapshot %s, which is not a complete snapshot", id)
	}
}

// checkReportFiles checks that each report a manifest lists is in the
// snapshot's folder with the content of its blob: the same file (a hard
// link, which the blob's own re-hash covers) or, where the file system
// made a copy, one that hashes to the blob's address.
func (s *Store) checkReportFiles(ctx context.Context, rep *VerifyReport, id string, m *Manifest, blobs map[string]blobState) {
	for _, r := range m.Reports {
		if validateFileName(r.Name) != nil || r.Name == manifestName || !validSHA(r.SHA256) {
			continue // checkManifest said why
		}
		rel := path.Join(snapshotsDir, id, r.Name)
		fi, err := os.Stat(s.path(snapshotsDir, id, r.Name))
		if err != nil {
			rep.problem(rel, "report listed in the manifest is missing")
			continue
		}
		if bi, err := os.Stat(s.blobPath(r.SHA256)); err == nil && os.SameFile(fi, bi) {
			continue
		}
		sha, size, err := hashFile(ctx, s.path(snapshotsDir, id, r.Name))
		if err != nil {
			rep.problem(rel, "cannot read: %v", err)
			continue
		}
		if sha != r.SHA256 || size != r.Bytes {
			rep.problem(rel, "report does not match its blob %s: the file was changed", r.SHA256)
		}
	}
}
