package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/specharvest/specharvest/harvest"
	"github.com/specharvest/specharvest/harvest/xanotest"
)

// diskUsage is the space a folder takes, counting each hard-linked file
// once, as du does.
func diskUsage(tb testing.TB, dir string) int64 {
	tb.Helper()
	seen := map[uint64]bool{}
	var total int64
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if ino, ok := inodeOf(info); ok {
			if seen[ino] {
				return nil
			}
			seen[ino] = true
		}
		total += info.Size()
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return total
}

// BenchmarkUnchangedNights runs the nightly job 30 times over an unchanged
// 500-group fleet (SPECHARVEST_BENCH_GROUPS=N for another multiple of 50)
// and reports what the 29 later runs cost against the first: store growth
// (aim ≤ 1.05×) and wall time (aim ≤ 0.05×). The fleet is the simulator's
// small groups (about 17 KB each) over loopback HTTP, or with
// SPECHARVEST_BENCH_REAL_SIZE=1 real-size groups built from the Xano
// fixtures (about 220 KB each) read as files. An unchanged night adds its
// manifest, about 500 bytes a group, so the small groups show the
// manifest's share at its largest.
func BenchmarkUnchangedNights(b *testing.B) {
	groups := 500
	if v := os.Getenv("SPECHARVEST_BENCH_GROUPS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 50 || n%50 != 0 {
			b.Fatalf("SPECHARVEST_BENCH_GROUPS=%q: want a multiple of 50", v)
		}
		groups = n
	}
	for i := 0; i < b.N; i++ {
		ctx := context.Background()
		dir := b.TempDir()
		var source SourceConfig
		if os.Getenv("SPECHARVEST_BENCH_REAL_SIZE") != "" {
			fleet := b.TempDir()
			writeRealSizeFleet(b, fleet, groups, 7)
			source = SourceConfig{Name: "bench", Type: harvest.SourceFiles, Paths: []string{fleet + "/**/*.json"}}
		} else {
			// Five instances of ten groups per workspace; the workspaces make up the count.
			srv, err := xanotest.Start(ctx, xanotest.Options{Fleet: xanotest.Generate(xanotest.GenOptions{Seed: 11, Instances: 5, Workspaces: groups / 50, Groups: 10, Endpoints: 8})})
			if err != nil {
				b.Fatal(err)
			}
			defer srv.Close()
			source = SourceConfig{Name: "bench", Type: harvest.SourceXano, Master: srv.Master(), APIKey: srv.APIKey()}
		}
		cfg := &Config{Store: dir, Sources: []SourceConfig{source}}
		n := &nightly{cfg: cfg, storeDir: dir, logger: slog.New(slog.NewTextHandler(io.Discard, nil)), now: time.Now}

		start := time.Now()
		if _, err := n.run(ctx); err != nil {
			b.Fatal(err)
		}
		first := time.Since(start)
		oneRun := diskUsage(b, dir)

		var later time.Duration
		const nights = 30
		for night := 1; night < nights; night++ {
			start := time.Now()
			res, err := n.run(ctx)
			if err != nil {
				b.Fatal(err)
			}
			later += time.Since(start)
			if res.manifest.Summary.OK != groups {
				b.Fatalf("night %d: %+v", night, res.manifest.Summary)
			}
		}
		allRuns := diskUsage(b, dir)
		rerun := later / (nights - 1)
		b.ReportMetric(float64(oneRun)/1e6, "MB-after-1-run")
		b.ReportMetric(float64(allRuns)/1e6, "MB-after-30-runs")
		b.ReportMetric(float64(allRuns)/float64(oneRun), "size-ratio")
		b.ReportMetric(first.Seconds(), "s-first-run")
		b.ReportMetric(rerun.Seconds(), "s-unchanged-rerun")
		b.ReportMetric(rerun.Seconds()/first.Seconds(), "time-ratio")
	}
}
