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
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// LocalBackend keeps a store's objects as files under one folder, with
// the layout the store has always had: a key is a path relative to the
// folder. Every object is written to a temp file in its target folder,
// fsynced, then hard-linked into place (link fails when the name exists,
// which makes the put exclusive) and the folder fsynced, so a crash
// leaves at worst a hidden .tmp- file that List never shows.
type LocalBackend struct {
	dir string
}

var _ Backend = (*LocalBackend)(nil)

// NewLocalBackend opens the folder dir as a backend; it creates nothing
// until something is written.
func NewLocalBackend(dir string) *LocalBackend { return &LocalBackend{dir: dir} }

// Location is the folder.
func (b *LocalBackend) Location() string { return b.dir }

func (b *LocalBackend) path(key string) string {
	return filepath.Join(b.dir, filepath.FromSlash(key))
}

// PutIfAbsent writes the object through a temp file and links it into
// place; an existing object is never touched.
func (b *LocalBackend) PutIfAbsent(ctx context.Context, key string, r io.Reader, size int64) error {
	if err := ValidateObjectKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	target := b.path(key)
	if _, err := os.Lstat(target); err == nil {
		return fmt.Errorf("put %s: %w", key, ErrExists)
	}
	dir := filepath.Dir(target)
	if err := mkdirSynced(dir); err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	f, err := createTemp(dir)
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := finishTemp(ctx, f, func(w io.Writer) error {
		_, err := io.Copy(w, contextReader{ctx: ctx, r: r})
		return err
	}); err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	if err := linkNoReplace(tmp, target); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("put %s: %w", key, ErrExists)
		}
		return fmt.Errorf("put %s: %w", key, err)
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	return nil
}

// linkNoReplace gives tmp the name target unless target exists. A hard
// link is exclusive; where the file system has none, a check and a rename
// is the best left, and content-addressed writers do not mind the race.
func linkNoReplace(tmp, target string) error {
	err := os.Link(tmp, target)
	if err == nil || errors.Is(err, fs.ErrExist) {
		return err
	}
	if _, serr := os.Lstat(target); serr == nil {
		return fs.ErrExist
	}
	return os.Rename(tmp, target)
}

// Get opens the object's file.
func (b *LocalBackend) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := ValidateObjectKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := os.Open(b.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("get %s: %w", key, ErrObjectNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", key, err)
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("get %s: not a regular file", key)
	}
	return f, nil
}

// Stat describes the object's file.
func (b *LocalBackend) Stat(ctx context.Context, key string) (ObjectInfo, error) {
	if err := ValidateObjectKey(key); err != nil {
		return ObjectInfo{}, err
	}
	if err := ctx.Err(); err != nil {
		return ObjectInfo{}, err
	}
	fi, err := os.Stat(b.path(key))
	if errors.Is(err, fs.ErrNotExist) || (err == nil && !fi.Mode().IsRegular()) {
		return ObjectInfo{}, fmt.Errorf("stat %s: %w", key, ErrObjectNotFound)
	}
	if err != nil {
		return ObjectInfo{}, fmt.Errorf("stat %s: %w", key, err)
	}
	return ObjectInfo{Key: key, Size: fi.Size(), Modified: fi.ModTime()}, nil
}

// List walks the folders under prefix. Temp files and anything that is
// not a regular file are not objects.
func (b *LocalBackend) List(ctx context.Context, prefix string, fn func(ObjectInfo) error) error {
	if err := validatePrefix(prefix); err != nil {
		return err
	}
	// Walk from the deepest folder the prefix names in full.
	root := ""
	if i := strings.LastIndex(prefix, "/"); i >= 0 {
		root = prefix[:i]
	}
	var found []ObjectInfo
	err := filepath.WalkDir(b.path(root), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), tmpPrefix) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		rel, err := filepath.Rel(b.dir, p)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if d.IsDir() {
			// Skip folders that cannot hold a match.
			if key != "." && !strings.HasPrefix(key+"/", prefix) && !strings.HasPrefix(prefix, key+"/") {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !strings.HasPrefix(key, prefix) || ValidateObjectKey(key) != nil {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		found = append(found, ObjectInfo{Key: key, Size: fi.Size(), Modified: fi.ModTime()})
		return nil
	})
	if err != nil {
		return fmt.Errorf("list %s: %w", prefix, err)
	}
	sort.Slice(found, func(i, j int) bool { return found[i].Key < found[j].Key })
	for _, o := range found {
		if err := fn(o); err != nil {
			return err
		}
	}
	return nil
}

// Delete removes the object's file and makes the removal durable.
func (b *LocalBackend) Delete(ctx context.Context, key string) error {
	if err := ValidateObjectKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	p := b.path(key)
	if err := os.Remove(p); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("delete %s: %w", key, err)
	}
	return syncDir(filepath.Dir(p))
}

// Load reads a small object; its version is the SHA-256 of its content,
// which changes whenever the content does, like an S3 ETag.
func (b *LocalBackend) Load(ctx context.Context, key string) ([]byte, string, error) {
	if err := ValidateObjectKey(key); err != nil {
		return nil, "", err
	}
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	data, err := os.ReadFile(b.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, "", fmt.Errorf("load %s: %w", key, ErrObjectNotFound)
	}
	if err != nil {
		return nil, "", fmt.Errorf("load %s: %w", key, err)
	}
	return data, contentVersion(data), nil
}

func contentVersion(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// swapGuard is a file in locks/ that is never written, only flocked, so
// that compare and replace happen as one step among local writers.
const swapGuard = "swap.guard"

// Swap compares and replaces under an flock the kernel drops if the
// holder dies; the replacement itself is an atomic rename, so readers
// that take no lock still see the old content or all of the new.
func (b *LocalBackend) Swap(ctx context.Context, key string, data []byte, version string) (string, error) {
	if err := ValidateObjectKey(key); err != nil {
		return "", err
	}
	guardDir := b.path(locksDir)
	if err := mkdirSynced(guardDir); err != nil {
		return "", fmt.Errorf("swap %s: %w", key, err)
	}
	var newVersion string
	err := withFlock(ctx, filepath.Join(guardDir, swapGuard), func() error {
		current, err := os.ReadFile(b.path(key))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			if version != "" {
				return fmt.Errorf("swap %s: %w (it is gone)", key, ErrConflict)
			}
		case err != nil:
			return fmt.Errorf("swap %s: %w", key, err)
		case version == "" || contentVersion(current) != version:
			return fmt.Errorf("swap %s: %w", key, ErrConflict)
		}
		dir := filepath.Dir(b.path(key))
		if err := mkdirSynced(dir); err != nil {
			return fmt.Errorf("swap %s: %w", key, err)
		}
		if err := writeFileAtomic(ctx, dir, filepath.Base(key), data); err != nil {
			return fmt.Errorf("swap %s: %w", key, err)
		}
		newVersion = contentVersion(data)
		return nil
	})
	return newVersion, err
}

// Lock takes the store's lock file (locks/run.json). A local lock needs
// no lease: its holder is alive exactly while its pid is, which the
// lock's takeover rules check, so ttl is not used and Renew only checks
// that the lock is still ours.
func (b *LocalBackend) Lock(ctx context.Context, owner LockInfo, ttl time.Duration) (Lease, error) {
	unlock, err := (&Store{dir: b.dir}).Lock(ctx)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(b.dir, locksDir, lockName)
	mine, err := readLock(path)
	if err != nil {
		unlock()
		return nil, fmt.Errorf("lock store: read back %s: %w", path, err)
	}
	return &localLease{path: path, unlock: unlock, mine: mine}, nil
}

type localLease struct {
	path   string
	unlock func() error
	mine   LockInfo
}

func (l *localLease) Renew(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	holder, err := readLock(l.path)
	if err != nil {
		return fmt.Errorf("renew lock: %w: %v", ErrLeaseLost, err)
	}
	if !holder.same(l.mine) {
		return fmt.Errorf("renew lock: %w", ErrLeaseLost)
	}
	return nil
}

func (l *localLease) Release(ctx context.Context) error { return l.unlock() }
