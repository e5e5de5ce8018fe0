package output

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// SnapshotWriter builds one snapshot in a hidden folder; nothing of it is
// visible to readers until Commit renames the folder into place.
type SnapshotWriter struct {
	store   *Store
	id      string
	started time.Time
	tmpDir  string
	reports []ReportEntry
	done    bool
	// baseLatest and baseVersion are latest, and its version, when a
	// remote snapshot began: Commit swaps latest only if it is unchanged.
	baseLatest, baseVersion string
}

// NewSnapshot reserves the ID for a run that started at started and makes
// its build folder. The ID is started's UTC second; when that is taken (by
// a snapshot, a build in progress or a crash's leftover) the next free
// suffix after the highest one used in that second is appended, so IDs of
// one second still sort in the order they were reserved. A new ID always
// sorts after every existing one.
func (s *Store) NewSnapshot(ctx context.Context, started time.Time) (*SnapshotWriter, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s.remote != nil {
		return s.remoteNewSnapshot(ctx, started)
	}
	root := s.path(snapshotsDir)
	if err := mkdirSynced(root); err != nil {
		return nil, fmt.Errorf("new snapshot: %w", err)
	}
	base := started.UTC().Format(idLayout)
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("new snapshot: %w", err)
	}
	// A clock that went backwards must not file the new snapshot before
	// the ones it follows: the ID then takes the newest existing second
	// (with a suffix), while the manifest keeps the true start time.
	for _, e := range entries {
		name := strings.TrimPrefix(e.Name(), tmpPrefix)
		if ValidateID(name) == nil && name[:len(idLayout)] > base {
			base = name[:len(idLayout)]
		}
	}
	next := 0
	for _, e := range entries {
		name := strings.TrimPrefix(e.Name(), tmpPrefix)
		if !strings.HasPrefix(name, base) || ValidateID(name) != nil {
			continue
		}
		n := 1
		if len(name) > len(base) {
			n, _ = strconv.Atoi(name[len(base)+1:])
			n++
		}
		next = max(next, n)
	}
	for ; next <= maxIDSuffix; next++ {
		id := base
		if next > 0 {
			id = fmt.Sprintf("%s-%03d", base, next)
		}
		if _, err := os.Lstat(s.path(snapshotsDir, id)); err == nil {
			continue
		}
		tmpDir := s.path(snapshotsDir, tmpPrefix+id)
		// Mkdir fails if the folder exists, which makes it the
		// reservation: two writers never get one ID.
		if err := os.Mkdir(tmpDir, 0o755); err != nil {
			if errors.Is(err, fs.ErrExist) {
				continue
			}
			return nil, fmt.Errorf("new snapshot %s: %w", id, err)
		}
		if err := syncDir(root); err != nil {
			os.Remove(tmpDir)
			return nil, fmt.Errorf("new snapshot %s: %w", id, err)
		}
		return &SnapshotWriter{store: s, id: id, started: started.UTC(), tmpDir: tmpDir}, nil
	}
	return nil, fmt.Errorf("new snapshot: more than %d snapshots started in the second %s", maxIDSuffix+1, base)
}

// ID is the snapshot's ID, known before it is committed so reports can
// name it.
func (w *SnapshotWriter) ID() string { return w.id }

// WriteFile writes a report into the snapshot; name is a plain file name
// like "merged.json". manifest.json is Commit's alone. A report is a blob:
// when an identical one is stored already (last night's, say), nothing is
// written but a link.
func (w *SnapshotWriter) WriteFile(ctx context.Context, name string, data []byte) error {
	if err := w.checkName(name); err != nil {
		return err
	}
	sha, size, err := w.store.PutBlobBytes(ctx, data)
	if err != nil {
		return fmt.Errorf("snapshot %s: write %s: %w", w.id, name, err)
	}
	return w.LinkReport(ctx, name, sha, size)
}

// WriteFileFunc writes a report by streaming it through fill, for reports
// too large to build in memory first; it is hashed on its way to the blob
// store.
func (w *SnapshotWriter) WriteFileFunc(ctx context.Context, name string, fill func(io.Writer) error) error {
	if err := w.checkName(name); err != nil {
		return err
	}
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := fill(pw)
		pw.CloseWithError(err)
		done <- err
	}()
	sha, size, err := w.store.PutBlob(ctx, pr)
	pr.CloseWithError(errors.New("report not stored"))
	if fillErr := <-done; fillErr != nil {
		return fillErr
	}
	if err != nil {
		return fmt.Errorf("snapshot %s: write %s: %w", w.id, name, err)
	}
	return w.LinkReport(ctx, name, sha, size)
}

// LinkReport makes blob sha report name of the snapshot: listed in its
// manifest, and linked into its folder so that the pages open from there
// (copied where the file system has no hard links). It is how an
// unchanged report of the previous snapshot is kept without reading it.
func (w *SnapshotWriter) LinkReport(ctx context.Context, name, sha string, size int64) error {
	if err := w.checkName(name); err != nil {
		return err
	}
	if !w.store.HasBlob(ctx, sha, size) {
		return fmt.Errorf("snapshot %s: report %s: blob %s of %d bytes is not in the store", w.id, name, sha, size)
	}
	if w.store.remote != nil {
		// In a bucket the manifest's list is the snapshot's reports:
		// nothing to link.
		w.addReport(name, sha, size)
		return nil
	}
	dst := filepath.Join(w.tmpDir, name)
	os.Remove(dst) // a report written twice keeps the last
	if err := os.Link(w.store.blobPath(sha), dst); err != nil {
		if err := copyFile(ctx, w.store.blobPath(sha), w.tmpDir, name); err != nil {
			return fmt.Errorf("snapshot %s: write %s: %w", w.id, name, err)
		}
	}
	if err := syncDir(w.tmpDir); err != nil {
		return fmt.Errorf("snapshot %s: %w", w.id, err)
	}
	w.addReport(name, sha, size)
	return nil
}

func (w *SnapshotWriter) addReport(name, sha string, size int64) {
	for i := range w.reports {
		if w.reports[i].Name == name {
			w.reports[i] = ReportEntry{Name: name, SHA256: sha, Bytes: size}
			return
		}
	}
	w.reports = append(w.reports, ReportEntry{Name: name, SHA256: sha, Bytes: size})
}

func (w *SnapshotWriter) checkName(name string) error {
	if w.done {
		return fmt.Errorf("snapshot %s: write %s after commit or abort", w.id, name)
	}
	if err := validateFileName(name); err != nil {
		return fmt.Errorf("snapshot %s: %w", w.id, err)
	}
	if name == manifestName {
		return fmt.Errorf("snapshot %s: %s is written by commit", w.id, manifestName)
	}
	return nil
}

// copyFile copies src into dir/name atomically.
func copyFile(ctx context.Context, src, dir, name string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	f, err := createTemp(dir)
	if err != nil {
		return err
	}
	if err := finishTemp(ctx, f, func(w io.Writer) error {
		_, err := io.Copy(w, in)
		return err
	}); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), filepath.Join(dir, name)); err != nil {
		os.Remove(f.Name())
		return err
	}
	return nil
}

// Commit writes the manifest, moves the snapshot into place and points
// latest at it, in that order. It fills in the format, the ID and (when
// unset) the start time, sorts the specs, caps their problems, recomputes
// the summary, and refuses a manifest with unsafe or duplicate keys or
// with blobs the store does not hold. After an error before the rename the
// writer can still be aborted; the previous snapshot is untouched either
// way.
func (w *SnapshotWriter) Commit(ctx context.Context, m *Manifest) error {
	if w.done {
		return fmt.Errorf("snapshot %s: already committed or aborted", w.id)
	}
	if m.ID != "" && m.ID != w.id {
		return fmt.Errorf("snapshot %s: manifest names id %q", w.id, m.ID)
	}
	m.ID = w.id
	m.Reports = append([]ReportEntry(nil), w.reports...)
	sort.Slice(m.Reports, func(i, j int) bool { return m.Reports[i].Name < m.Reports[j].Name })
	if m.Started.IsZero() {
		m.Started = w.started
	}
	if err := m.normalize(); err != nil {
		return fmt.Errorf("snapshot %s: %w", w.id, err)
	}
	if w.store.remote != nil {
		return w.remoteCommit(ctx, m)
	}
	for _, e := range m.Specs {
		if e.HasBlob() && !w.store.HasBlob(ctx, e.SHA256, e.Bytes) {
			return fmt.Errorf("snapshot %s: spec %q: blob %s of %d bytes is not in the store", w.id, e.Key, e.SHA256, e.Bytes)
		}
	}
	for _, r := range m.Reports {
		if !w.store.HasBlob(ctx, r.SHA256, r.Bytes) {
			return fmt.Errorf("snapshot %s: report %s: blob %s of %d bytes is not in the store", w.id, r.Name, r.SHA256, r.Bytes)
		}
	}
	data, err := m.encode()
	if err != nil {
		return err
	}
	if err := writeFileAtomic(ctx, w.tmpDir, manifestName, data); err != nil {
		return fmt.Errorf("snapshot %s: %w", w.id, err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	final := w.store.path(snapshotsDir, w.id)
	if err := os.Rename(w.tmpDir, final); err != nil {
		return fmt.Errorf("snapshot %s: move into place: %w", w.id, err)
	}
	w.done = true
	if err := syncDir(w.store.path(snapshotsDir)); err != nil {
		return fmt.Errorf("snapshot %s: %w", w.id, err)
	}
	if err := writeFileAtomic(ctx, w.store.dir, latestName, []byte(w.id+"\n")); err != nil {
		return fmt.Errorf("snapshot %s: point latest at it: %w", w.id, err)
	}
	return nil
}

// Abort removes the unfinished snapshot. It is safe to call after Commit
// (it then does nothing), so callers can defer it.
func (w *SnapshotWriter) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	if w.store.remote != nil {
		return w.remoteAbort()
	}
	if err := os.RemoveAll(w.tmpDir); err != nil {
		return fmt.Errorf("abort snapshot %s: %w", w.id, err)
	}
	return nil
}
