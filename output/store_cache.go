package output

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
)

// CachedValidation loads the validation result stored for blob sha into
// v and reports whether there was one. A missing, unreadable or corrupt
// entry is a miss: the cache only ever saves work, it never decides.
//
// A store in object storage keeps its cache there too: its runners are
// often ephemeral, and one small GET per document costs milliseconds
// where validating a real document again costs tens to hundreds of
// milliseconds of CPU.
func (s *Store) CachedValidation(ctx context.Context, sha string, v any) bool {
	if ctx.Err() != nil || !validSHA(sha) {
		return false
	}
	var data []byte
	if s.remote != nil {
		d, _, err := s.remote.Load(ctx, validationCacheKey(sha))
		if err != nil {
			return false
		}
		data = d
	} else {
		d, err := os.ReadFile(s.path(validateDir, sha+".json"))
		if err != nil {
			return false
		}
		data = d
	}
	return json.Unmarshal(data, v) == nil
}

// PutCachedValidation stores v as the validation result of blob sha,
// replacing an older one.
func (s *Store) PutCachedValidation(ctx context.Context, sha string, v any) error {
	if !validSHA(sha) {
		return fmt.Errorf("cache validation: invalid blob id %q", sha)
	}
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("cache validation of %s: %w", sha, err)
	}
	if s.remote != nil {
		return s.remotePutCachedValidation(ctx, sha, data)
	}
	dir := s.path(validateDir)
	if err := mkdirSynced(dir); err != nil {
		return fmt.Errorf("cache validation of %s: %w", sha, err)
	}
	if err := writeFileAtomic(ctx, dir, sha+".json", data); err != nil {
		return fmt.Errorf("cache validation of %s: %w", sha, err)
	}
	return nil
}

// validationCacheKey is where an object store keeps blob sha's
// validation result: the same path as in a folder store.
func validationCacheKey(sha string) string { return validateDir + "/" + sha + ".json" }

// remotePutCachedValidation writes the entry by compare-and-swap: created
// when absent, which is the common case and costs one request, else
// replaced. When another run wrote it meanwhile, theirs stays: it
// describes the same bytes, so either is right.
func (s *Store) remotePutCachedValidation(ctx context.Context, sha string, data []byte) error {
	key := validationCacheKey(sha)
	_, err := s.remote.Swap(ctx, key, data, "")
	if errors.Is(err, ErrConflict) {
		// An older entry (facts of an earlier format): replace it.
		var version string
		if _, version, err = s.remote.Load(ctx, key); err == nil {
			_, err = s.remote.Swap(ctx, key, data, version)
		}
	}
	if err != nil && !errors.Is(err, ErrConflict) && !errors.Is(err, ErrObjectNotFound) {
		return fmt.Errorf("cache validation of %s: %w", sha, err)
	}
	return nil
}
