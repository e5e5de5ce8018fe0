package output

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// blobPath is where a blob lives: sharded by the first two hex digits so
// no folder holds more than a few hundred files even for a large fleet.
func (s *Store) blobPath(sha string) string {
	return s.path(blobsDir, sha[:2], sha)
}

// BlobPath is the file of blob sha, for callers that stream it themselves.
func (s *Store) BlobPath(sha string) (string, error) {
	if s.remote != nil {
		return "", fmt.Errorf("blob %s is kept in %s, not in a file", sha, s.remote.Location())
	}
	if !validSHA(sha) {
		return "", fmt.Errorf("invalid blob id %q", sha)
	}
	return s.blobPath(sha), nil
}

// HasBlob reports whether blob sha is stored with the given size and its
// bytes hash to its name. A size check alone would let a flipped byte
// through, and a snapshot would then point at bytes that are not the
// document it names. Each blob is hashed once per Store.
func (s *Store) HasBlob(ctx context.Context, sha string, size int64) bool {
	good, _ := s.blobIntact(ctx, sha, size)
	return good
}

// blobIntact says whether the blob is there and intact, and whether a
// file is there at all (intact or not).
func (s *Store) blobIntact(ctx context.Context, sha string, size int64) (intact, present bool) {
	if ctx.Err() != nil || !validSHA(sha) {
		return false, false
	}
	if s.remote != nil {
		ok := s.remoteHasBlob(ctx, sha, size)
		return ok, ok
	}
	s.mu.Lock()
	known, ok := s.verified[sha]
	s.mu.Unlock()
	fi, err := os.Lstat(s.blobPath(sha))
	if err != nil {
		return false, false
	}
	if !fi.Mode().IsRegular() || fi.Size() != size {
		return false, true
	}
	if ok && known == size {
		return true, true
	}
	st, err := s.hashBlob(ctx, sha)
	if err != nil || !st.intact || st.size != size {
		return false, true
	}
	s.mu.Lock()
	if s.verified == nil {
		s.verified = map[string]int64{}
	}
	s.verified[sha] = size
	s.mu.Unlock()
	return true, true
}

// RepairedBlobs lists the blobs this Store found damaged and rewrote from
// good bytes, for the run to report.
func (s *Store) RepairedBlobs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.repaired...)
}

// PutBlob stores the content of r, hashing it while it streams to a temp
// file, so a large document is never held in memory. A blob already
// present is left as it is: blobs are written once.
func (s *Store) PutBlob(ctx context.Context, r io.Reader) (sha string, size int64, err error) {
	if s.remote != nil {
		return s.remotePutBlob(ctx, r)
	}
	root := s.path(blobsDir)
	if err := mkdirSynced(root); err != nil {
		return "", 0, fmt.Errorf("store blob: %w", err)
	}
	f, err := createTemp(root)
	if err != nil {
		return "", 0, fmt.Errorf("store blob: %w", err)
	}
	h := sha256.New()
	err = finishTemp(ctx, f, func(w io.Writer) error {
		n, err := io.Copy(io.MultiWriter(w, h), contextReader{ctx: ctx, r: r})
		size = n
		return err
	})
	if err != nil {
		return "", 0, fmt.Errorf("store blob: %w", err)
	}
	sha = hex.EncodeToString(h.Sum(nil))
	intact, present := s.blobIntact(ctx, sha, size)
	if intact {
		os.Remove(f.Name())
		return sha, size, nil
	}
	// Absent, or damaged: the good bytes in hand replace it atomically
	// (rename over the damaged file), so no reader ever sees a mix.
	if err := s.placeBlob(ctx, f.Name(), sha); err != nil {
		os.Remove(f.Name())
		return "", 0, err
	}
	s.mu.Lock()
	if s.verified == nil {
		s.verified = map[string]int64{}
	}
	s.verified[sha] = size
	if present {
		s.repaired = append(s.repaired, sha)
	}
	s.mu.Unlock()
	return sha, size, nil
}

// PutBlobBytes stores b. It hashes first, so storing an unchanged document
// again costs no write (and, once per Store, a re-hash of the stored copy).
func (s *Store) PutBlobBytes(ctx context.Context, b []byte) (sha string, size int64, err error) {
	sum := sha256.Sum256(b)
	sha = hex.EncodeToString(sum[:])
	if s.HasBlob(ctx, sha, int64(len(b))) {
		return sha, int64(len(b)), nil
	}
	if s.remote != nil {
		return sha, int64(len(b)), s.remotePlaceBlob(ctx, sha, int64(len(b)), bytes.NewReader(b))
	}
	return s.PutBlob(ctx, bytes.NewReader(b))
}

// placeBlob renames a finished temp file to its content address and makes
// the new name durable.
func (s *Store) placeBlob(ctx context.Context, tmp, sha string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	shard := filepath.Dir(s.blobPath(sha))
	if err := mkdirSynced(shard); err != nil {
		return fmt.Errorf("store blob %s: %w", sha, err)
	}
	if err := os.Rename(tmp, s.blobPath(sha)); err != nil {
		return fmt.Errorf("store blob %s: %w", sha, err)
	}
	// Only a new blob costs a folder fsync; an unchanged night writes
	// no blob and so syncs no folder.
	if err := syncDir(shard); err != nil {
		return fmt.Errorf("store blob %s: %w", sha, err)
	}
	return nil
}

// ReadBlob returns the content of blob sha. It does not re-hash: that is
// verify's job, and readers of large fleets should not pay for it twice.
func (s *Store) ReadBlob(ctx context.Context, sha string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !validSHA(sha) {
		return nil, fmt.Errorf("read blob: invalid blob id %q", sha)
	}
	var data []byte
	var err error
	if s.remote != nil {
		data, err = s.readObject(ctx, blobKey(sha))
		if errors.Is(err, ErrObjectNotFound) {
			err = fs.ErrNotExist
		}
	} else {
		data, err = os.ReadFile(s.blobPath(sha))
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read blob %s: %w", sha, ErrNoBlob)
	}
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", sha, err)
	}
	// A blob is its hash: bytes that hash to something else were damaged
	// in the store, and nothing built from them may pass for the document.
	if got := sha256.Sum256(data); hex.EncodeToString(got[:]) != sha {
		return nil, fmt.Errorf("read blob %s: %w (its content hashes to %s); run specharvest verify", sha, ErrDamagedBlob, hex.EncodeToString(got[:]))
	}
	return data, nil
}

// openBlob opens blob sha for streaming, with its stored size.
func (s *Store) openBlob(ctx context.Context, sha string) (io.ReadCloser, int64, error) {
	if s.remote != nil {
		info, err := s.remote.Stat(ctx, blobKey(sha))
		if err != nil {
			return nil, 0, err
		}
		rc, err := s.remote.Get(ctx, blobKey(sha))
		return rc, info.Size, err
	}
	f, err := os.Open(s.blobPath(sha))
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, fi.Size(), nil
}

// ErrNoBlob means a blob is not in the store.
var ErrNoBlob = errors.New("no such blob")

// ErrDamagedBlob is a blob whose bytes no longer hash to its name.
var ErrDamagedBlob = errors.New("the blob is damaged")

// contextReader stops a long copy when ctx is cancelled.
type contextReader struct {
	ctx context.Context
	r   io.Reader
}

func (c contextReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
