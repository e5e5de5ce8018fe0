package output

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// A store kept in object storage (an S3 bucket) has the folder's layout as
// object keys and the folder's guarantees, built from the Backend's
// conditional operations instead of link, rename and fsync:
//
//   - blobs and reports are written once with PutIfAbsent;
//   - a snapshot's reports go up first, its manifest after them, so a
//     listing never shows a snapshot whose manifest is missing (Snapshots
//     counts a folder only by its manifest);
//   - latest advances by Swap on the version read when the run began: if
//     another run moved it meanwhile, the manifest just written is taken
//     back and Commit fails with ErrLatestMoved (exit 5), so latest never
//     loses a snapshot and never points backwards;
//   - an ID is reserved by PutIfAbsent of snapshots/<ID>/reservation, so two
//     runners never build into one ID;
//   - the run lock is a lease (S3Backend.Lock) renewed while the run lives.
//
// The methods below are the object-storage halves of the Store's methods;
// each public method hands over to its half when the store is remote.

// ErrLatestMoved means another run advanced latest while this one was
// building its snapshot; this run's snapshot was not published.
var ErrLatestMoved = errors.New("another run advanced latest meanwhile; this snapshot was not published")

// reservationName marks a snapshot ID as taken by a run still building it.
const reservationName = "reservation"

// LeaseTTL is how long a remote run lock lasts without renewal; a live
// run renews it every LeaseTTL/4.
const LeaseTTL = 2 * time.Minute

// OpenBackend opens an existing store kept in b.
func OpenBackend(ctx context.Context, b Backend) (*Store, error) {
	data, _, err := b.Load(ctx, storeFileName)
	if errors.Is(err, ErrObjectNotFound) {
		return nil, fmt.Errorf("open store %s: %w (no %s)", b.Location(), ErrNotStore, storeFileName)
	}
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", b.Location(), err)
	}
	var sf storeFile
	if err := json.Unmarshal(data, &sf); err != nil {
		return nil, fmt.Errorf("open store %s: parse %s: %w", b.Location(), storeFileName, err)
	}
	if sf.Format != StoreFormat {
		return nil, fmt.Errorf("open store %s: format %d is not supported (want %d)", b.Location(), sf.Format, StoreFormat)
	}
	return &Store{dir: b.Location(), remote: b}, nil
}

// CreateBackend opens the store kept in b, writing its store.json first
// when there is none.
func CreateBackend(ctx context.Context, b Backend) (*Store, error) {
	if _, err := b.Stat(ctx, storeFileName); errors.Is(err, ErrObjectNotFound) {
		data, _ := json.Marshal(storeFile{Format: StoreFormat})
		data = append(data, '\n')
		if err := b.PutIfAbsent(ctx, storeFileName, bytes.NewReader(data), int64(len(data))); err != nil && !errors.Is(err, ErrExists) {
			return nil, fmt.Errorf("create store %s: %w", b.Location(), err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("create store %s: %w", b.Location(), err)
	}
	return OpenBackend(ctx, b)
}

// SnapshotLocation names where snapshot id's files are, for messages: a
// folder, or an s3:// URL.
func (s *Store) SnapshotLocation(id string) string {
	if s.remote == nil {
		return filepath.Join(s.dir, snapshotsDir, id)
	}
	if u, ok := s.remote.(interface{ URL() string }); ok {
		return u.URL() + "/" + snapshotsDir + "/" + id
	}
	return s.remote.Location() + " " + snapshotsDir + "/" + id
}

// Backend is where a remote store keeps its objects, nil for a folder.
func (s *Store) Backend() Backend { return s.remote }

func snapshotKey(id, name string) string { return snapshotsDir + "/" + id + "/" + name }

func blobKey(sha string) string { return blobsDir + "/" + sha[:2] + "/" + sha }

func (s *Store) readObject(ctx context.Context, key string) ([]byte, error) {
	rc, err := s.remote.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(contextReader{ctx: ctx, r: rc})
}

func (s *Store) remoteLatest(ctx context.Context) (string, string, error) {
	data, version, err := s.remote.Load(ctx, latestName)
	if errors.Is(err, ErrObjectNotFound) {
		return "", "", nil
	}
	if err != nil {
		return "", "", fmt.Errorf("read latest: %w", err)
	}
	id := strings.TrimSpace(string(data))
	if err := ValidateID(id); err != nil {
		return "", "", fmt.Errorf("read latest: %w", err)
	}
	return id, version, nil
}

func (s *Store) remoteManifestBytes(ctx context.Context, id string) ([]byte, error) {
	data, err := s.readObject(ctx, snapshotKey(id, manifestName))
	if errors.Is(err, ErrObjectNotFound) {
		return nil, fmt.Errorf("snapshot %s: %w", id, ErrNoSnapshot)
	}
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", id, err)
	}
	return data, nil
}

// remoteSnapshotFiles: a remote snapshot's reports are the blobs its
// manifest lists.
func (s *Store) remoteSnapshotFiles(ctx context.Context, id string) ([]string, error) {
	m, err := s.Manifest(ctx, id)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(m.Reports))
	for _, r := range m.Reports {
		names = append(names, r.Name)
	}
	sort.Strings(names)
	return names, nil
}

// remoteReadSnapshotFile reads a report through the manifest's list.
func (s *Store) remoteReadSnapshotFile(ctx context.Context, id, name string) ([]byte, error) {
	if name == manifestName {
		return s.remoteManifestBytes(ctx, id)
	}
	m, err := s.Manifest(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, r := range m.Reports {
		if r.Name == name && validSHA(r.SHA256) {
			data, err := s.readObject(ctx, blobKey(r.SHA256))
			if err != nil {
				return nil, fmt.Errorf("snapshot %s: %s: %w", id, name, err)
			}
			return data, nil
		}
	}
	return nil, fmt.Errorf("snapshot %s: %s: %w", id, name, ErrObjectNotFound)
}

// remoteSnapshotFolders lists the IDs under snapshots/, each with whether
// its manifest exists, sorted.
func (s *Store) remoteSnapshotFolders(ctx context.Context) (ids []string, complete map[string]bool, modified map[string]time.Time, err error) {
	complete, modified = map[string]bool{}, map[string]time.Time{}
	err = s.remote.List(ctx, snapshotsDir+"/", func(o ObjectInfo) error {
		rest := strings.TrimPrefix(o.Key, snapshotsDir+"/")
		id, name, ok := strings.Cut(rest, "/")
		if !ok || ValidateID(id) != nil {
			return nil
		}
		if _, seen := modified[id]; !seen {
			ids = append(ids, id)
		}
		if o.Modified.After(modified[id]) {
			modified[id] = o.Modified
		}
		if name == manifestName {
			complete[id] = true
		}
		return nil
	})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("list snapshots: %w", err)
	}
	sort.Strings(ids)
	return ids, complete, modified, nil
}

func (s *Store) remoteSnapshotIDs(ctx context.Context) ([]string, error) {
	ids, complete, _, err := s.remoteSnapshotFolders(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, id := range ids {
		if complete[id] {
			out = append(out, id)
		}
	}
	return out, nil
}

func (s *Store) remoteHasBlob(ctx context.Context, sha string, size int64) bool {
	info, err := s.remote.Stat(ctx, blobKey(sha))
	return err == nil && info.Size == size
}

// remotePutBlob spools r to a local temp file while hashing it (the key
// is the hash, known only at the end), then uploads the file unless the
// blob is already there. Memory stays bounded by one upload part.
func (s *Store) remotePutBlob(ctx context.Context, r io.Reader) (string, int64, error) {
	f, err := os.CreateTemp("", "specharvest-blob-*")
	if err != nil {
		return "", 0, fmt.Errorf("store blob: %w", err)
	}
	defer func() { f.Close(); os.Remove(f.Name()) }()
	h := sha256.New()
	size, err := io.Copy(io.MultiWriter(f, h), contextReader{ctx: ctx, r: r})
	if err != nil {
		return "", 0, fmt.Errorf("store blob: %w", err)
	}
	sha := hex.EncodeToString(h.Sum(nil))
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", 0, fmt.Errorf("store blob: %w", err)
	}
	return sha, size, s.remotePlaceBlob(ctx, sha, size, f)
}

func (s *Store) remotePlaceBlob(ctx context.Context, sha string, size int64, r io.Reader) error {
	if s.remoteHasBlob(ctx, sha, size) {
		return nil
	}
	err := s.remote.PutIfAbsent(ctx, blobKey(sha), r, size)
	if errors.Is(err, ErrExists) {
		// Written by a run alongside, or a damaged blob of another size:
		// never overwritten here; verify reports the latter.
		return nil
	}
	if err != nil {
		return fmt.Errorf("store blob %s: %w", sha, err)
	}
	return nil
}

// remoteNewSnapshot picks the ID as the folder does and reserves it with
// a conditional put, which only one runner can win.
func (s *Store) remoteNewSnapshot(ctx context.Context, started time.Time) (*SnapshotWriter, error) {
	latest, version, err := s.remoteLatest(ctx)
	if err != nil {
		return nil, fmt.Errorf("new snapshot: %w", err)
	}
	ids, _, _, err := s.remoteSnapshotFolders(ctx)
	if err != nil {
		return nil, fmt.Errorf("new snapshot: %w", err)
	}
	base := started.UTC().Format(idLayout)
	for _, id := range ids {
		if id[:len(idLayout)] > base {
			base = id[:len(idLayout)]
		}
	}
	next := 0
	for _, id := range ids {
		if !strings.HasPrefix(id, base) {
			continue
		}
		n := 1
		if len(id) > len(base) {
			n, _ = strconv.Atoi(id[len(base)+1:])
			n++
		}
		next = max(next, n)
	}
	host, _ := os.Hostname()
	note, _ := json.Marshal(LockInfo{Time: time.Now().UTC(), Hostname: host, PID: os.Getpid()})
	for ; next <= maxIDSuffix; next++ {
		id := base
		if next > 0 {
			id = fmt.Sprintf("%s-%03d", base, next)
		}
		err := s.remote.PutIfAbsent(ctx, snapshotKey(id, reservationName), bytes.NewReader(note), int64(len(note)))
		if errors.Is(err, ErrExists) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("new snapshot %s: %w", id, err)
		}
		return &SnapshotWriter{store: s, id: id, started: started.UTC(), baseLatest: latest, baseVersion: version}, nil
	}
	return nil, fmt.Errorf("new snapshot: more than %d snapshots started in the second %s", maxIDSuffix+1, base)
}

// remoteCommit: manifest after every report and blob, then latest by
// compare-and-swap on the version read when the snapshot began.
func (w *SnapshotWriter) remoteCommit(ctx context.Context, m *Manifest) error {
	for _, e := range m.Specs {
		if e.HasBlob() && !w.store.remoteHasBlob(ctx, e.SHA256, e.Bytes) {
			return fmt.Errorf("snapshot %s: spec %q: blob %s of %d bytes is not in the store", w.id, e.Key, e.SHA256, e.Bytes)
		}
	}
	for _, r := range m.Reports {
		if !w.store.remoteHasBlob(ctx, r.SHA256, r.Bytes) {
			return fmt.Errorf("snapshot %s: report %s: blob %s of %d bytes is not in the store", w.id, r.Name, r.SHA256, r.Bytes)
		}
	}
	data, err := m.encode()
	if err != nil {
		return err
	}
	b := w.store.remote
	// Checked before the manifest goes up too, so a run that has already
	// lost does not publish a manifest even for a moment.
	if _, version, err := w.store.remoteLatest(ctx); err != nil {
		return fmt.Errorf("snapshot %s: %w", w.id, err)
	} else if version != w.baseVersion {
		return fmt.Errorf("snapshot %s: %w", w.id, ErrLatestMoved)
	}
	if err := b.PutIfAbsent(ctx, snapshotKey(w.id, manifestName), bytes.NewReader(data), int64(len(data))); err != nil {
		return fmt.Errorf("snapshot %s: %w", w.id, err)
	}
	_, err = b.Swap(ctx, latestName, []byte(w.id+"\n"), w.baseVersion)
	if err != nil {
		// Take the manifest back: a snapshot that lost the race is not
		// part of the history its Previous claims.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		b.Delete(dctx, snapshotKey(w.id, manifestName))
		if errors.Is(err, ErrConflict) {
			return fmt.Errorf("snapshot %s: %w", w.id, ErrLatestMoved)
		}
		return fmt.Errorf("snapshot %s: point latest at it: %w", w.id, err)
	}
	w.done = true
	b.Delete(ctx, snapshotKey(w.id, reservationName))
	return nil
}

// remoteAbort removes what the writer uploaded and its reservation.
func (w *SnapshotWriter) remoteAbort() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var keys []string
	err := w.store.remote.List(ctx, snapshotsDir+"/"+w.id+"/", func(o ObjectInfo) error {
		keys = append(keys, o.Key)
		return nil
	})
	if err != nil {
		return fmt.Errorf("abort snapshot %s: %w", w.id, err)
	}
	// The reservation goes last, so the ID stays taken until the rest is gone.
	sort.Slice(keys, func(i, j int) bool {
		return !strings.HasSuffix(keys[i], reservationName) && strings.HasSuffix(keys[j], reservationName)
	})
	for _, k := range keys {
		if err := w.store.remote.Delete(ctx, k); err != nil {
			return fmt.Errorf("abort snapshot %s: %w", w.id, err)
		}
	}
	return nil
}

// remoteLock takes the lease and renews it in the background until
// unlock; a renewal that finds the lease taken over stops renewing, and
// the run then loses at Commit (ErrLatestMoved) rather than overwrite.
func (s *Store) remoteLock(ctx context.Context) (func() error, error) {
	lease, err := s.remote.Lock(ctx, currentHolder(time.Now().UTC()), LeaseTTL)
	if err != nil {
		return nil, err
	}
	return holdLease(lease), nil
}

// LockShard takes one lease per source name (locks/source-<name>.json) for
// a sharded run, so runs for different sources go side by side; latest's
// compare-and-swap orders their commits. A folder store has one lock.
func (s *Store) LockShard(ctx context.Context, sources []string) (func() error, error) {
	kl, ok := s.remote.(interface {
		LockKey(ctx context.Context, key string, owner LockInfo, ttl time.Duration) (Lease, error)
	})
	if !ok {
		return s.Lock(ctx)
	}
	owner := currentHolder(time.Now().UTC())
	var held []func() error
	release := func() error {
		var first error
		for _, u := range held {
			if err := u(); err != nil && first == nil {
				first = err
			}
		}
		return first
	}
	for _, name := range sources {
		lease, err := kl.LockKey(ctx, locksDir+"/source-"+name+".json", owner, LeaseTTL)
		if err != nil {
			release()
			return nil, err
		}
		held = append(held, holdLease(lease))
	}
	return release, nil
}

// holdLease renews a lease in the background until the returned unlock
// releases it.
func holdLease(lease Lease) func() error {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(LeaseTTL / 4)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				rctx, cancel := context.WithTimeout(context.Background(), LeaseTTL/4)
				err := lease.Renew(rctx)
				cancel()
				if errors.Is(err, ErrLeaseLost) {
					return
				}
			}
		}
	}()
	var once sync.Once
	return func() error {
		var err error
		once.Do(func() {
			close(stop)
			wg.Wait()
			rctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			err = lease.Release(rctx)
		})
		return err
	}
}

// remoteLockHolder reads the run lease. An expired lease counts as gone:
// the next run takes it over anyway.
func (s *Store) remoteLockHolder(ctx context.Context) (LockInfo, HolderState, bool, error) {
	var holder LockInfo
	data, _, err := s.remote.Load(ctx, leaseKey)
	if errors.Is(err, ErrObjectNotFound) {
		return holder, 0, false, nil
	}
	if err != nil {
		return holder, HolderUnknown, true, err
	}
	if err := json.Unmarshal(data, &holder); err != nil {
		return holder, HolderUnknown, true, fmt.Errorf("parse lease %s: %w", leaseKey, err)
	}
	now := currentHolder(time.Now().UTC())
	if !holder.Expires.IsZero() && now.Time.After(holder.Expires) {
		return holder, HolderGone, true, nil
	}
	return holder, JudgeHolder(holder, now), true, nil
}

// remoteForceUnlock deletes the run lease if it is still the one the user
// was shown (compared by content, then deleted).
func (s *Store) remoteForceUnlock(ctx context.Context, expected LockInfo) error {
	data, _, err := s.remote.Load(ctx, leaseKey)
	if errors.Is(err, ErrObjectNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("unlock store: %w", err)
	}
	var current LockInfo
	if json.Unmarshal(data, &current) == nil && !current.same(expected) {
		return &LockedError{Path: s.remote.Location() + "/" + leaseKey, Holder: current}
	}
	if err := s.remote.Delete(ctx, leaseKey); err != nil {
		return fmt.Errorf("unlock store: %w", err)
	}
	return nil
}
