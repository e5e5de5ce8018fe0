package output

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"time"
)

// Backend is where a store keeps its objects: a flat namespace of
// slash-separated keys such as "blobs/sha256/ab/abcd…", "snapshots/<ID>/
// manifest.json" or "latest". A folder on disk (LocalBackend) and an
// S3-compatible bucket (S3Backend) implement it, and one conformance suite
// (backend_conformance_test.go) holds both to the same contract:
//
//   - PutIfAbsent is the only way to create an object, and it never
//     replaces one: content-addressed blobs and manifests are written once.
//     A reader sees all of an object or nothing, and a failed put leaves
//     nothing behind, not even an unfinished upload.
//   - Swap is a compare-and-swap of a small object (latest): it replaces
//     the object only if it is still the version the caller read, so two
//     writers that race cannot both win and neither can move it backwards.
//   - Lock takes the run lock; a second holder gets a *LockedError at once.
//
// Keys are checked (ValidateObjectKey) by every method, so no key can
// name anything outside the store.
type Backend interface {
	// PutIfAbsent stores the content of r under key unless an object of
	// that key exists, in which case it returns an error matching
	// ErrExists and leaves the object as it is. size is the length of r,
	// or -1 when unknown.
	PutIfAbsent(ctx context.Context, key string, r io.Reader, size int64) error
	// Get opens an object; an absent one is ErrObjectNotFound.
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	// Stat describes an object; an absent one is ErrObjectNotFound.
	Stat(ctx context.Context, key string) (ObjectInfo, error)
	// List calls fn for every object whose key starts with prefix, in key
	// order. Objects being written are never listed.
	List(ctx context.Context, prefix string, fn func(ObjectInfo) error) error
	// Delete removes an object; an absent one is not an error.
	Delete(ctx context.Context, key string) error
	// Load reads a small object with the version that Swap compares. An
	// absent object is ErrObjectNotFound.
	Load(ctx context.Context, key string) (data []byte, version string, err error)
	// Swap replaces a small object with data only if its current version
	// is version, or creates it only if it is absent when version is "".
	// Otherwise it returns an error matching ErrConflict and changes
	// nothing. It returns the new version.
	Swap(ctx context.Context, key string, data []byte, version string) (string, error)
	// Lock takes the store's run lock for owner, or fails at once with a
	// *LockedError (errors.Is ErrLocked) naming the holder. ttl is how
	// long a lease lasts without renewal on backends that cannot tell
	// whether the holder still lives.
	Lock(ctx context.Context, owner LockInfo, ttl time.Duration) (Lease, error)
	// Location names the backend for messages, never with a secret.
	Location() string
}

// Lease is a held run lock.
type Lease interface {
	// Renew extends the lease; it fails with ErrLeaseLost when someone
	// else took the lock over after it expired.
	Renew(ctx context.Context) error
	// Release gives the lock up if it is still ours.
	Release(ctx context.Context) error
}

// ObjectInfo describes one stored object.
type ObjectInfo struct {
	Key      string
	Size     int64
	Modified time.Time
}

var (
	// ErrExists means PutIfAbsent found an object under the key.
	ErrExists = errors.New("object exists")
	// ErrObjectNotFound means there is no object under the key. It also
	// matches fs.ErrNotExist, so callers that read a folder store's files
	// treat a missing object as they treat a missing file.
	ErrObjectNotFound error = objectNotFound{}
	// ErrConflict means Swap found another version than the one given.
	ErrConflict = errors.New("object changed since it was read")
	// ErrLeaseLost means a lease expired and another run took the lock.
	ErrLeaseLost = errors.New("run lock lost: the lease expired and another run took it over")
)

type objectNotFound struct{}

func (objectNotFound) Error() string        { return "no such object" }
func (objectNotFound) Is(target error) bool { return target == fs.ErrNotExist }

// ValidateObjectKey accepts only clean relative slash paths whose
// segments are not ".", ".." or hidden temporary names, so a key can name
// neither a place outside the store nor a write in progress.
func ValidateObjectKey(key string) error {
	if key == "" || strings.HasPrefix(key, "/") || strings.HasSuffix(key, "/") {
		return fmt.Errorf("invalid object key %q", key)
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." || strings.HasPrefix(seg, tmpPrefix) ||
			strings.ContainsAny(seg, "\\\x00") {
			return fmt.Errorf("invalid object key %q", key)
		}
		for _, r := range seg {
			if r < 0x20 || r == 0x7f {
				return fmt.Errorf("invalid object key %q", key)
			}
		}
	}
	return nil
}

// validatePrefix accepts "" and any prefix of a valid key.
func validatePrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	if err := ValidateObjectKey(strings.TrimSuffix(prefix, "/") + "/x"); err != nil {
		return fmt.Errorf("invalid object prefix %q", prefix)
	}
	return nil
}
