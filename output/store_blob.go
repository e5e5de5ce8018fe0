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

// HasBlob reports whether blob sha is stored with the given size.
func (s *Store) HasBlob(ctx context.Context, sha string, size int64) bool {
	if ctx.Err() != nil || !validSHA(sha) {
		return false
	}
	if s.remote != nil {
		return s.remoteHasBlob(ctx, sha, size)
	}
	fi, err := os.Stat(s.blobPath(sha))
	return err == nil && fi.Mode().IsRegular() && fi.Size() == size
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
	if s.HasBlob(ctx, sha, size) {
		os.Remove(f.Name())
		return sha, size, nil
	}
	if err := s.placeBlob(ctx, f.Name(), sha); err != nil {
		os.Remove(f.Name())
		return "", 0, err
	}
	return sha, size, nil
}

// PutBlobBytes stores b. It hashes first, so storing an unchanged document
// again costs one stat and no write.
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
	if s.remote != nil {
		data, err := s.readObject(ctx, blobKey(sha))
		if errors.Is(err, ErrObjectNotFound) {
			return nil, fmt.Errorf("read blob %s: %w", sha, ErrNoBlob)
		}
		if err != nil {
			return nil, fmt.Errorf("read blob %s: %w", sha, err)
		}
		return data, nil
	}
	data, err := os.ReadFile(s.blobPath(sha))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read blob %s: %w", sha, ErrNoBlob)
	}
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", sha, err)
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
