package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

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
	if err := output.ValidateID(arg); err != nil {
		return "", &usageError{err: err}
	}
	return arg, nil
}
