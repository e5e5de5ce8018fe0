package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/specharvest/specharvest/harvest"
	"github.com/specharvest/specharvest/harvest/xanotest"
	"github.com/specharvest/specharvest/output"
)

const (
	defaultDemoStore = "./specharvest-demo"
	// demoMarker marks a store the demo made, so the demo may start it
	// afresh without ever deleting a folder it did not create.
	demoMarker = ".specharvest-demo"
)

// demoFleet is the simulated account of the demo: two instances, every
// kind of nightly edit between generations 1 and 2, and Xano's real defects.
var demoFleet = xanotest.GenOptions{Seed: 7, Instances: 2, Workspaces: 2, Groups: 6, Endpoints: 8}

func cmdDemo(ctx context.Context, e *env, args []string) error {
	fset := newFlagSet(e, "demo")
	storeDir := fset.String("store", defaultDemoStore, "the store folder the demo writes")
	if rest, err := parseFlags(fset, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usagef("demo takes no arguments, got %q", rest)
	}
	if err := freshDemoStore(*storeDir); err != nil {
		return err
	}
	if err := markDemoStore(ctx, *storeDir); err != nil {
		return err
	}
	srv, err := xanotest.Start(ctx, xanotest.Options{Fleet: xanotest.Generate(demoFleet)})
	if err != nil {
		return fmt.Errorf("start the simulated Xano account: %w", err)
	}
	defer srv.Close()

	cfg := &Config{
		Store:     *storeDir,
		Sources:   []SourceConfig{{Name: "demo", Type: harvest.SourceXano, Master: srv.Master(), APIKey: srv.APIKey()}},
		Retention: RetentionConfig{KeepLast: 10},
	}
	logger := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	fmt.Fprintf(e.stdout, "A simulated Xano account is listening at %s: %d instances, %d API groups.\n\n",
		srv.Master(), len(srv.Fleet().Instances), len(srv.Fleet().Groups()))

	fmt.Fprintln(e.stdout, "Night 1 — the first snapshot:")
	if err := demoNight(ctx, e, cfg, logger); err != nil {
		return err
	}
	srv.SetGeneration(2)
	edits := srv.Edits(1, 2)
	fmt.Fprintf(e.stdout, "\nDuring the day the account changed (%d edits: endpoints removed and added, a parameter made required, a type changed, groups added and removed, ...).\n\n", len(edits))
	fmt.Fprintln(e.stdout, "Night 2 — the second snapshot, and what changed:")
	if err := demoNight(ctx, e, cfg, logger); err != nil {
		return err
	}
	store, err := output.Open(ctx, *storeDir)
	if err != nil {
		return err
	}
	latest, err := latestManifest(ctx, store, logger)
	if err != nil || latest == nil {
		return fmt.Errorf("read the demo's latest snapshot: %v", err)
	}
	snapDir := filepath.Join(*storeDir, "snapshots", latest.ID)
	fmt.Fprintf(e.stdout, `
Where to look:
  %s    the catalog page: open it in a browser
  %s    what changed, breaking first
  %s    every group merged into one OpenAPI document
Try:
  go run ./cmd/specharvest snapshots list --store %s
  go run ./cmd/specharvest diff --store %s latest~1 latest
  go run ./cmd/specharvest verify --store %s
`, filepath.Join(snapDir, catalogHTMLFile), filepath.Join(snapDir, changesMDFile), filepath.Join(snapDir, mergedJSONFile),
		*storeDir, *storeDir, *storeDir)
	return nil
}

// demoNight runs the nightly job once; partial runs (exit 3) are part of
// what the demo shows, not a failure of the demo.
func demoNight(ctx context.Context, e *env, cfg *Config, logger *slog.Logger) error {
	err := runNightly(ctx, e, cfg, logger, runOptions{})
	var x *exitError
	if errors.As(err, &x) && (x.code == exitPartial || x.code == exitThreshold) {
		return nil
	}
	return err
}

// freshDemoStore empties a store the demo made before, and refuses any
// other non-empty folder.
func freshDemoStore(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return err
	case len(entries) == 0:
	default:
		if _, err := os.Stat(filepath.Join(dir, demoMarker)); err != nil {
			return usagef("%s is not empty and was not made by the demo; give another --store", dir)
		}
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("clear the previous demo store: %w", err)
		}
	}
	return nil
}

// markDemoStore creates the store and marks it as the demo's.
func markDemoStore(ctx context.Context, dir string) error {
	if _, err := output.Create(ctx, dir); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, demoMarker), []byte("made by specharvest demo; the demo empties this folder when it runs again\n"), 0o644)
}
