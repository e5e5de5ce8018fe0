package output

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
)

// tmpPrefix marks every temporary file and folder in a store. Nothing a
// reader looks at starts with it, so a crash's leftovers never confuse
// list or verify, and prune can find them.
const tmpPrefix = ".tmp-"

// writeFileAtomic replaces dir/name with data so that a reader (or a
// crash) sees either the old content or all of the new, never a part.
func writeFileAtomic(ctx context.Context, dir, name string, data []byte) error {
	return writeAtomic(ctx, dir, name, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// writeAtomic writes through fill into a temp file in dir, fsyncs and
// closes it, renames it to name and fsyncs dir. The temp file is removed on
// every path that does not end in the rename.
func writeAtomic(ctx context.Context, dir, name string, fill func(io.Writer) error) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	f, err := createTemp(dir)
	if err != nil {
		return err
	}
	if err := finishTemp(ctx, f, fill); err != nil {
		return err
	}
	target := filepath.Join(dir, name)
	if err := os.Rename(f.Name(), target); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("rename into %s: %w", target, err)
	}
	return syncDir(dir)
}

// storeFileMode lets anyone read what the store writes, like the folders.
const storeFileMode = 0o644

func createTemp(dir string) (*os.File, error) {
	f, err := os.CreateTemp(dir, tmpPrefix+"*")
	if err != nil {
		return nil, fmt.Errorf("create temporary file in %s: %w", dir, err)
	}
	// CreateTemp makes files only their owner can read; the store holds no
	// secrets and its catalog pages are meant to be served as static files.
	if err := f.Chmod(storeFileMode); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("chmod %s: %w", f.Name(), err)
	}
	return f, nil
}

// finishTemp fills, fsyncs and closes a temp file; on failure it removes
// the file.
func finishTemp(ctx context.Context, f *os.File, fill func(io.Writer) error) error {
	err := fill(f)
	if err == nil {
		err = ctx.Err()
	}
	if err == nil {
		if err = f.Sync(); err != nil {
			err = fmt.Errorf("fsync %s: %w", f.Name(), err)
		}
	} else {
		err = fmt.Errorf("write %s: %w", f.Name(), err)
	}
	if cerr := f.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("close %s: %w", f.Name(), cerr)
	}
	if err != nil {
		os.Remove(f.Name())
		return err
	}
	return nil
}

// syncDir makes a rename or a new entry in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open folder %s to fsync: %w", dir, err)
	}
	err = d.Sync()
	// Some file systems cannot fsync a folder; the rename is still
	// atomic there, only its durability is the system's business.
	if err != nil && (errors.Is(err, os.ErrInvalid) || errors.Is(err, syscall.EINVAL)) {
		err = nil
	}
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("fsync folder %s: %w", dir, err)
	}
	return nil
}

// mkdirSynced creates dir (and parents) and makes the new entries durable.
func mkdirSynced(dir string) error {
	if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
		return nil
	}
	parent := filepath.Dir(dir)
	if err := mkdirSynced(parent); err != nil && parent != dir {
		return err
	}
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("create folder %s: %w", dir, err)
	}
	return syncDir(parent)
}
