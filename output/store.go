package output

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// StoreFormat is the layout version recorded in store.json.
const StoreFormat = 1

// ErrNotStore means a folder has no store.json: it was never a store, or
// the path is wrong. Read-only commands report it instead of creating one.
var ErrNotStore = errors.New("not a specharvest store")

// Store is an opened store folder. It holds no open files, only its path;
// every method reads the folder afresh, so two Stores on one folder agree.
// The one thing it remembers is which blobs it has already re-hashed in
// this process (blobs are written once, so a verdict of "intact" holds)
// and which damaged blobs it rewrote.
type Store struct {
	dir string
	// remote is the object storage a store is kept in, nil for a folder;
	// every method then hands over to its remote half (store_remote.go).
	remote Backend

	mu       sync.Mutex
	verified map[string]int64 // sha → size, hashed and found intact
	repaired []string
}

type storeFile struct {
	Format int `json:"format"`
}

// The store's layout, relative to its folder.
const (
	storeFileName = "store.json"
	latestName    = "latest"
	blobsDir      = "blobs/sha256"
	snapshotsDir  = "snapshots"
	locksDir      = "locks"
	validateDir   = "cache/validate"
	manifestName  = "manifest.json"
)

// Open opens an existing store and refuses a folder that is not one, or
// one written in a format this version does not know.
func Open(ctx context.Context, dir string) (*Store, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(filepath.Join(dir, storeFileName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("open store %s: %w (no %s)", dir, ErrNotStore, storeFileName)
	}
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	var sf storeFile
	if err := json.Unmarshal(data, &sf); err != nil {
		return nil, fmt.Errorf("open store %s: parse %s: %w", dir, storeFileName, err)
	}
	if sf.Format != StoreFormat {
		return nil, fmt.Errorf("open store %s: format %d is not supported (want %d)", dir, sf.Format, StoreFormat)
	}
	return &Store{dir: dir, verified: map[string]int64{}}, nil
}

// Create opens the store in dir, creating the folder and its layout when
// there is none yet. It refuses a non-empty folder that is not a store, so
// a mistyped path never scatters store files among someone's documents.
func Create(ctx context.Context, dir string) (*Store, error) {
	if _, err := os.Stat(filepath.Join(dir, storeFileName)); err == nil {
		return Open(ctx, dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("create store %s: %w", dir, err)
	}
	for _, e := range entries {
		// A crash between creating the layout and store.json leaves
		// only these behind.
		switch {
		case e.Name() == "blobs", e.Name() == snapshotsDir, e.Name() == locksDir, e.Name() == "cache",
			strings.HasPrefix(e.Name(), tmpPrefix):
			continue
		}
		return nil, fmt.Errorf("create store %s: folder is not empty and has no %s", dir, storeFileName)
	}
	for _, sub := range []string{blobsDir, snapshotsDir, locksDir, validateDir} {
		if err := mkdirSynced(filepath.Join(dir, sub)); err != nil {
			return nil, fmt.Errorf("create store %s: %w", dir, err)
		}
	}
	data, _ := json.Marshal(storeFile{Format: StoreFormat})
	if err := writeFileAtomic(ctx, dir, storeFileName, append(data, '\n')); err != nil {
		return nil, fmt.Errorf("create store %s: %w", dir, err)
	}
	return Open(ctx, dir)
}

// Dir is the store's folder.
func (s *Store) Dir() string { return s.dir }

func (s *Store) path(rel ...string) string {
	return filepath.Join(append([]string{s.dir}, rel...)...)
}

// Latest is the ID of the newest complete snapshot, "" when there is none.
func (s *Store) Latest(ctx context.Context) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if s.remote != nil {
		id, _, err := s.remoteLatest(ctx)
		return id, err
	}
	data, err := os.ReadFile(s.path(latestName))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read latest: %w", err)
	}
	id := strings.TrimSpace(string(data))
	if err := ValidateID(id); err != nil {
		return "", fmt.Errorf("read latest: %w", err)
	}
	return id, nil
}

// LatestComplete is the snapshot a new run compares against: the one
// latest names when it is complete, otherwise (latest missing, garbled, or
// pointing at a snapshot that is gone or whose manifest is damaged) the
// newest complete snapshot, with a warning that says what was wrong. ""
// with no warning means the store has no snapshot yet.
func (s *Store) LatestComplete(ctx context.Context) (id, warning string, err error) {
	latest, lerr := s.Latest(ctx)
	if lerr == nil && latest != "" {
		if _, merr := s.Manifest(ctx, latest); merr == nil {
			return latest, "", nil
		} else if ctx.Err() != nil {
			return "", "", ctx.Err()
		} else {
			lerr = merr
		}
	}
	if err := ctx.Err(); err != nil {
		return "", "", err
	}
	infos, err := s.Snapshots(ctx)
	if err != nil && lerr != nil {
		// Snapshots reads latest too; list without it.
		infos, err = s.completeSnapshots(ctx)
	}
	if err != nil {
		return "", "", err
	}
	newest := ""
	if len(infos) > 0 {
		newest = infos[len(infos)-1].ID
	}
	switch {
	case lerr == nil && latest == "" && newest == "":
		return "", "", nil // a new store
	case lerr == nil && latest == "":
		return newest, fmt.Sprintf("latest is missing; comparing against the newest complete snapshot %s", newest), nil
	case newest == "":
		return "", fmt.Sprintf("latest is damaged (%v) and no complete snapshot is left; this run starts afresh", lerr), nil
	}
	return newest, fmt.Sprintf("latest is damaged (%v); comparing against the newest complete snapshot %s", lerr, newest), nil
}

// completeSnapshots is Snapshots without reading latest.
func (s *Store) completeSnapshots(ctx context.Context) ([]SnapshotInfo, error) {
	ids, err := s.snapshotIDs(ctx)
	if err != nil {
		return nil, err
	}
	var infos []SnapshotInfo
	for _, id := range ids {
		if m, err := s.Manifest(ctx, id); err == nil {
			infos = append(infos, infoOf(m, ""))
		}
	}
	return infos, nil
}

// Manifest reads the manifest of snapshot id.
func (s *Store) Manifest(ctx context.Context, id string) (*Manifest, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := ValidateID(id); err != nil {
		return nil, err
	}
	data, err := s.manifestBytes(ctx, id)
	if err != nil {
		return nil, err
	}
	m, err := decodeManifest(data)
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", id, err)
	}
	if m.ID != id {
		return nil, fmt.Errorf("snapshot %s: manifest names id %q", id, m.ID)
	}
	return m, nil
}

func (s *Store) manifestBytes(ctx context.Context, id string) ([]byte, error) {
	if s.remote != nil {
		return s.remoteManifestBytes(ctx, id)
	}
	data, err := os.ReadFile(s.path(snapshotsDir, id, manifestName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("snapshot %s: %w", id, ErrNoSnapshot)
	}
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", id, err)
	}
	return data, nil
}

// ErrNoSnapshot means the snapshot does not exist (or is not complete).
var ErrNoSnapshot = errors.New("no such snapshot")

// ReadSnapshotFile reads a report of snapshot id by its plain file name.
func (s *Store) ReadSnapshotFile(ctx context.Context, id, name string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := ValidateID(id); err != nil {
		return nil, err
	}
	if name != manifestName {
		if err := validateFileName(name); err != nil {
			return nil, err
		}
	}
	if s.remote != nil {
		return s.remoteReadSnapshotFile(ctx, id, name)
	}
	data, err := os.ReadFile(s.path(snapshotsDir, id, name))
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", id, err)
	}
	return data, nil
}

// SnapshotFiles lists the report files of snapshot id (manifest.json
// excluded), sorted.
func (s *Store) SnapshotFiles(ctx context.Context, id string) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := ValidateID(id); err != nil {
		return nil, err
	}
	if s.remote != nil {
		return s.remoteSnapshotFiles(ctx, id)
	}
	entries, err := os.ReadDir(s.path(snapshotsDir, id))
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", id, err)
	}
	var names []string
	for _, e := range entries {
		if !e.Type().IsRegular() || e.Name() == manifestName || validateFileName(e.Name()) != nil {
			continue
		}
		names = append(names, e.Name())
	}
	return names, nil
}

// SnapshotInfo is what list and retention need of a complete snapshot.
type SnapshotInfo struct {
	ID       string    `json:"id"`
	Previous string    `json:"previous,omitempty"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	Summary  Summary   `json:"summary"`
	// Latest marks the snapshot that latest names.
	Latest bool `json:"latest,omitempty"`
}

// Snapshots lists the complete snapshots, oldest first. Folders without a
// readable manifest (a crash's leftovers, a half-pruned snapshot) are not
// snapshots; verify reports the ones that should have been.
func (s *Store) Snapshots(ctx context.Context) ([]SnapshotInfo, error) {
	ids, err := s.snapshotIDs(ctx)
	if err != nil {
		return nil, err
	}
	latest, err := s.Latest(ctx)
	if err != nil {
		return nil, err
	}
	var infos []SnapshotInfo
	for _, id := range ids {
		m, err := s.Manifest(ctx, id)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			continue
		}
		infos = append(infos, infoOf(m, latest))
	}
	return infos, nil
}

func infoOf(m *Manifest, latest string) SnapshotInfo {
	started := m.Started
	if started.IsZero() {
		started, _ = IDTime(m.ID)
	}
	return SnapshotInfo{ID: m.ID, Previous: m.Previous, Started: started, Finished: m.Finished,
		Summary: m.Summary, Latest: m.ID == latest}
}

// snapshotIDs lists the snapshot folders named like IDs, sorted, whether
// complete or not.
func (s *Store) snapshotIDs(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s.remote != nil {
		return s.remoteSnapshotIDs(ctx)
	}
	entries, err := os.ReadDir(s.path(snapshotsDir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list snapshots: %w", err)
	}
	var ids []string
	for _, e := range entries {
		if e.IsDir() && ValidateID(e.Name()) == nil {
			ids = append(ids, e.Name())
		}
	}
	sort.Strings(ids)
	return ids, nil
}
