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
// without --store finds what `run` wrote with the example config.
const defaultStoreDir = "./api-catalog"

// storeFlag registers --store on fs; every command that reads or writes a
// store uses it, so the flag reads the same everywhere.
func storeFlag(fs *flag.FlagSet) *string {
	return fs.String("store", defaultStoreDir, "the store `DIR`")
}

// openStore opens an existing store for a command that only reads it or
// prunes it; a missing store is an error, never created behind the user's
// back.
func openStore(ctx context.Context, dir string) (*output.Store, error) {
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
	return arg, nil
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
