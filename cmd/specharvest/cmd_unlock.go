package main

import (
	"context"
	"fmt"
	"time"

	"github.com/specharvest/specharvest/output"
)

// cmdUnlock removes the store's run lock for a human who knows the run
// that took it is over. A lock whose holder is provably gone is removed
// at once; one whose holder may still be alive (it is running here, or it
// ran on another host or in another container, where this command cannot
// look) needs --force, since removing a live run's lock lets a second run
// write beside it.
func cmdUnlock(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "unlock")
	store := storeFlag(fs)
	force := fs.Bool("force", false, "remove the lock even though its holder may still be running")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("usage: specharvest unlock [--store DIR] [--force]")
	}
	st, err := store.open(ctx, e)
	if err != nil {
		return err
	}
	holder, state, locked, readErr := st.LockHolder(ctx)
	if !locked {
		fmt.Fprintf(e.stdout, "not locked: %s\n", st.Dir())
		return nil
	}
	who := fmt.Sprintf("pid %d on host %q since %s", holder.PID, holder.Hostname, holder.Time.UTC().Format(time.RFC3339))
	if readErr != nil {
		who = fmt.Sprintf("an unreadable lock (%v)", readErr)
	}
	if state != output.HolderGone && !*force {
		why := "it is still running"
		if state == output.HolderUnknown {
			why = "it ran where this command cannot look (another host, container or an unreadable lock)"
		}
		return &exitError{code: exitLocked, err: fmt.Errorf("the store is locked by %s and %s may still be alive: %s; "+
			"if you are sure it is over, run `specharvest unlock --force`", who, "that run", why)}
	}
	if err := st.ForceUnlock(ctx, holder); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "unlocked %s (the lock of %s, %s)\n", st.Dir(), who, state)
	return nil
}
