package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/specharvest/specharvest/output"
)

// defaultStoreDir is the store of config.example.yaml, so a command run
// without --store or a config finds what `run` wrote with the example config.
const defaultStoreDir = "./api-catalog"

// storeFlags are the flags of every command that touches a store: the
// store itself and the config file to read it (and retention, and the
// ignore list) from. A flag typed on the command line overrides the
// config; the config overrides the defaults.
type storeFlags struct {
	fs     *flag.FlagSet
	store  *string
	config *string
}

// storeFlag registers --store and --config on fs, so they read the same
// in every command.
func storeFlag(fs *flag.FlagSet) *storeFlags {
	return &storeFlags{fs: fs,
		store:  fs.String("store", defaultStoreDir, "the store `DIR` or s3://bucket/prefix (default: the config's store, else "+defaultStoreDir+")"),
		config: fs.String("config", "", "read the store and retention from this config `FILE` (default: $"+configEnvVar+", else ./"+defaultConfigFile+" when it exists)"),
	}
}

// settings reads the config the command should follow, and the store
// folder the flags and the config name together.
func (f *storeFlags) settings(e *env) (dir string, cfg *Config, err error) {
	cfg, err = loadSettings(e, *f.config)
	if err != nil {
		return "", nil, err
	}
	dir = *f.store
	if !flagGiven(f.fs, "store") && cfg.Store != "" {
		dir = withS3Settings(cfg.Store, cfg.S3)
	}
	return dir, cfg, nil
}

// dir is the store folder alone.
func (f *storeFlags) dir(e *env) (string, error) {
	dir, _, err := f.settings(e)
	return dir, err
}

// open opens the existing store the flags and the config name.
func (f *storeFlags) open(ctx context.Context, e *env) (*output.Store, error) {
	dir, err := f.dir(e)
	if err != nil {
		return nil, err
	}
	return openStore(ctx, dir)
}

// openStore opens an existing store for a command that only reads it or
// prunes it; a missing store is an error, never created behind the user's
// back.
func openStore(ctx context.Context, dir string) (*output.Store, error) {
	if isS3Store(dir) {
		return openS3Store(ctx, dir)
	}
	st, err := output.Open(ctx, dir)
	if errors.Is(err, output.ErrNotStore) {
		return nil, fmt.Errorf("no store at %s (no store.json): run `specharvest run` first, or pass --store DIR", dir)
	}
	return st, err
}

// flagGiven reports whether the user gave flag name on the command line,
// which is how a flag overrides the config file only when typed.
func flagGiven(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			set = true
		}
	})
	return set
}

// resolveSnapshotID turns a command-line snapshot ID (or "latest") into a
// checked ID; anything else that could name a path is refused.
func resolveSnapshotID(ctx context.Context, st *output.Store, arg string) (string, error) {
	if arg == "latest" {
		id, err := st.Latest(ctx)
		if err != nil {
			return "", err
		}
		if id == "" {
			return "", fmt.Errorf("store %s has no snapshots yet", st.Dir())
		}
		return id, nil
	}
	if back, ok := strings.CutPrefix(arg, "latest~"); ok {
		return snapshotBeforeLatest(ctx, st, back)
	}
	if err := output.ValidateID(arg); err != nil {
		return "", &usageError{err: err}
	}
	if _, err := st.Manifest(ctx, arg); !errors.Is(err, output.ErrNoSnapshot) {
		return arg, err
	}
	snaps, err := st.Snapshots(ctx)
	if err != nil {
		return "", err
	}
	return "", missingSnapshot(st, arg, snaps)
}

// newestShown is how many snapshot ids an error about a missing one lists.
const newestShown = 5

// missingSnapshot says which snapshots do exist, newest first, so the
// user can pick one without another command.
func missingSnapshot(st *output.Store, id string, snaps []output.SnapshotInfo) error {
	if len(snaps) == 0 {
		return fmt.Errorf("snapshot %s: %w in %s, which has no snapshots yet", id, output.ErrNoSnapshot, st.Dir())
	}
	var ids []string
	for i := len(snaps) - 1; i >= 0 && len(ids) < newestShown; i-- {
		ids = append(ids, snaps[i].ID)
	}
	more := ""
	if len(snaps) > len(ids) {
		more = fmt.Sprintf(", and %d older (specharvest snapshots list)", len(snaps)-len(ids))
	}
	return fmt.Errorf("snapshot %s: %w in %s; the newest are %s%s", id, output.ErrNoSnapshot, st.Dir(), strings.Join(ids, ", "), more)
}

// snapshotBeforeLatest resolves "latest~N", the Nth complete snapshot
// before latest, as people say HEAD~1 of a commit; "latest~1 latest" is
// the last night's change.
func snapshotBeforeLatest(ctx context.Context, st *output.Store, back string) (string, error) {
	n, err := strconv.Atoi(back)
	if err != nil || n < 0 {
		return "", usagef("latest~%s: want latest~N with N a whole number", back)
	}
	snaps, err := st.Snapshots(ctx)
	if err != nil {
		return "", err
	}
	latest := -1
	for i, s := range snaps {
		if s.Latest {
			latest = i
		}
	}
	if latest < 0 {
		return "", fmt.Errorf("store %s has no snapshots yet", st.Dir())
	}
	if n > latest {
		return "", fmt.Errorf("latest~%d: store %s has only %d snapshots before latest", n, st.Dir(), latest)
	}
	return snaps[latest-n].ID, nil
}
