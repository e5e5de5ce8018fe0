package output

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
)

// CachedValidation loads the validation result stored for blob sha into
// v and reports whether there was one. A missing, unreadable or corrupt
// entry is a miss: the cache only ever saves work, it never decides.
func (s *Store) CachedValidation(ctx context.Context, sha string, v any) bool {
	// A store in object storage keeps no cache: its runners are
	// ephemeral, and a round trip per document would cost more than
	// validating again.
	if ctx.Err() != nil || !validSHA(sha) || s.remote != nil {
		return false
	}
	data, err := os.ReadFile(s.path(validateDir, sha+".json"))
	if err != nil {
		return false
	}
	return json.Unmarshal(data, v) == nil
}

// PutCachedValidation stores v as the validation result of blob sha.
func (s *Store) PutCachedValidation(ctx context.Context, sha string, v any) error {
	if !validSHA(sha) {
		return fmt.Errorf("cache validation: invalid blob id %q", sha)
	}
	if s.remote != nil {
		return nil
	}
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("cache validation of %s: %w", sha, err)
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
