package output

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
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
	// prevDir is the snapshot that was latest when this one began; a
	// report identical to its namesake there is linked, not copied.
	prevDir string
	done    bool
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
		w := &SnapshotWriter{store: s, id: id, started: started.UTC(), tmpDir: tmpDir}
		if latest, err := s.Latest(ctx); err == nil && latest != "" {
			w.prevDir = s.path(snapshotsDir, latest)
		}
		return w, nil
	}
	return nil, fmt.Errorf("new snapshot: more than %d snapshots started in the second %s", maxIDSuffix+1, base)
}

// ID is the snapshot's ID, known before it is committed so reports can
// name it.
func (w *SnapshotWriter) ID() string { return w.id }

// WriteFile writes a report into the snapshot; name is a plain file name
// like "merged.json". manifest.json is Commit's alone.
func (w *SnapshotWriter) WriteFile(ctx context.Context, name string, data []byte) error {
	// A report the previous snapshot already holds byte for byte is linked
	// before anything is written: a large unchanging file (the reference
	// renderer) then needs no room at all, not even for a moment.
	if !w.done && validateFileName(name) == nil && name != manifestName && w.linkSame(ctx, name, data) {
		return nil
	}
	return w.WriteFileFunc(ctx, name, func(wr io.Writer) error {
		_, err := wr.Write(data)
		return err
	})
}

// WriteFileFunc writes a report by streaming it through fill, for reports
// too large to build in memory first.
func (w *SnapshotWriter) WriteFileFunc(ctx context.Context, name string, fill func(io.Writer) error) error {
	if w.done {
		return fmt.Errorf("snapshot %s: write %s after commit or abort", w.id, name)
	}
	if err := validateFileName(name); err != nil {
		return fmt.Errorf("snapshot %s: %w", w.id, err)
	}
	if name == manifestName {
		return fmt.Errorf("snapshot %s: %s is written by commit", w.id, manifestName)
	}
	f, err := createTemp(w.tmpDir)
	if err != nil {
		return fmt.Errorf("snapshot %s: %w", w.id, err)
	}
	if err := finishTemp(ctx, f, fill); err != nil {
		return fmt.Errorf("snapshot %s: %w", w.id, err)
	}
	tmp := w.linkIfUnchanged(ctx, name, f.Name())
	if err := os.Rename(tmp, filepath.Join(w.tmpDir, name)); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("snapshot %s: write %s: %w", w.id, name, err)
	}
	if err := syncDir(w.tmpDir); err != nil {
		return fmt.Errorf("snapshot %s: %w", w.id, err)
	}
	return nil
}

// linkIfUnchanged returns a temp name to move into place as report name:
// a hard link to the previous snapshot's report when the new one (at tmp)
// is byte-identical, so an unchanged fleet does not store its merged
// document, catalog and page again every night; otherwise tmp itself.
// Reports are never modified in place (every write is a rename), so
// sharing the file between snapshots is safe; where links are not
// supported the copy simply stays.
func (w *SnapshotWriter) linkIfUnchanged(ctx context.Context, name, tmp string) string {
	if w.prevDir == "" {
		return tmp
	}
	prev := filepath.Join(w.prevDir, name)
	if !sameContent(ctx, prev, tmp) {
		return tmp
	}
	link := tmp + "-link"
	if err := os.Link(prev, link); err != nil {
		return tmp
	}
	os.Remove(tmp)
	return link
}

// linkSame hard-links the previous snapshot's report name into this one
// when it holds exactly data; false when it does not, or the link fails.
func (w *SnapshotWriter) linkSame(ctx context.Context, name string, data []byte) bool {
	if w.prevDir == "" {
		return false
	}
	prev := filepath.Join(w.prevDir, name)
	info, err := os.Lstat(prev)
	if err != nil || !info.Mode().IsRegular() || info.Size() != int64(len(data)) {
		return false
	}
	old, err := os.ReadFile(prev)
	if err != nil || ctx.Err() != nil || !bytes.Equal(old, data) {
		return false
	}
	if err := os.Link(prev, filepath.Join(w.tmpDir, name)); err != nil {
		return false
	}
	return syncDir(w.tmpDir) == nil
}

// sameContent compares two files byte for byte, cheapest checks first.
func sameContent(ctx context.Context, a, b string) bool {
	fa, err := os.Open(a)
	if err != nil {
		return false
	}
	defer fa.Close()
	fb, err := os.Open(b)
	if err != nil {
		return false
	}
	defer fb.Close()
	sa, errA := fa.Stat()
	sb, errB := fb.Stat()
	if errA != nil || errB != nil || !sa.Mode().IsRegular() || sa.Size() != sb.Size() {
		return false
	}
	bufA, bufB := make([]byte, 64<<10), make([]byte, 64<<10)
	for {
		na, errA := io.ReadFull(fa, bufA)
		nb, errB := io.ReadFull(fb, bufB)
		if ctx.Err() != nil {
			return false
		}
		if na != nb || !bytes.Equal(bufA[:na], bufB[:nb]) {
			return false
		}
		if errA == io.EOF || errA == io.ErrUnexpectedEOF {
			return errB == errA
		}
		if errA != nil || errB != nil {
			return false
		}
	}
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
	if m.Started.IsZero() {
		m.Started = w.started
	}
	if err := m.normalize(); err != nil {
		return fmt.Errorf("snapshot %s: %w", w.id, err)
	}
	for _, e := range m.Specs {
		if e.HasBlob() && !w.store.HasBlob(ctx, e.SHA256, e.Bytes) {
			return fmt.Errorf("snapshot %s: spec %q: blob %s of %d bytes is not in the store", w.id, e.Key, e.SHA256, e.Bytes)
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
	if err := os.RemoveAll(w.tmpDir); err != nil {
		return fmt.Errorf("abort snapshot %s: %w", w.id, err)
	}
	return nil
}
