package main

import (
	"context"
	"fmt"
)

func cmdVerify(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "verify")
	store := storeFlag(fs)
	verbose := fs.Bool("v", false, "also list harmless leftovers (on stderr) that prune removes")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("usage: specharvest verify [--store DIR]")
	}
	st, err := store.open(ctx, e)
	if err != nil {
		return err
	}
	rep, err := st.Verify(ctx)
	if err != nil {
		return err
	}
	if *verbose {
		for _, l := range rep.Leftovers {
			fmt.Fprintf(e.stderr, "leftover: %s\n", l)
		}
	}
	if !rep.OK() {
		for _, p := range rep.Problems {
			fmt.Fprintf(e.stdout, "problem: %s\n", p)
		}
		return &exitError{code: exitFailure, err: fmt.Errorf("%d problems in %s (%d snapshots, %d blobs checked)",
			len(rep.Problems), st.Dir(), rep.Snapshots, rep.Blobs)}
	}
	fmt.Fprintf(e.stdout, "ok: %d snapshots, %d blobs\n", rep.Snapshots, rep.Blobs)
	return nil
}
