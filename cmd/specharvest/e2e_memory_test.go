package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// memoryLimitMB is the memory the run below may use: GOMEMLIMIT is set to
// it and its peak RSS must stay under it. A run that kept every
// document's model (about 190× the documents' bytes) needs well over a
// gigabyte for the fleet below; one that holds at most a few models at a
// time fits under the limit. ulimit -v (address space, which Go reserves
// generously beyond what it uses) stops a runaway run outright.
const (
	memoryLimitMB  = 768
	addressLimitMB = 6144
)

// TestEndToEndRunUnderAMemoryLimit runs the real binary over a fleet of
// real-size Xano documents with its address space capped (ulimit -v) and
// GOMEMLIMIT set below the cap: the run must succeed, verify clean, and
// merge every group; and its peak RSS must stay under the cap.
func TestEndToEndRunUnderAMemoryLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 30-group real-size fleet")
	}
	const groups = 30
	dir := t.TempDir()
	fleet := filepath.Join(dir, "fleet")
	size := writeRealSizeFleet(t, fleet, groups, 3)
	store := filepath.Join(dir, "store")
	cfg := writeFilesConfig(t, dir, fleet, store)
	limit := fmt.Sprintf("ulimit -v %d", addressLimitMB<<10)
	env := []string{fmt.Sprintf("GOMEMLIMIT=%dMiB", memoryLimitMB)}
	run := runChild(t, env, limit, "run", "--config", cfg, "--quiet")
	if run.code != exitOK {
		t.Fatalf("run of %d groups (%.1f MB) under a %d MB limit exited %d:\n%s", groups, float64(size)/(1<<20), memoryLimitMB, run.code, lastLines(run.stderr, 20))
	}
	if run.peakRSS > memoryLimitMB<<20 {
		t.Fatalf("peak RSS %d MB is over the %d MB limit", run.peakRSS>>20, memoryLimitMB)
	}
	m := readManifest(t, store, "")
	if m.Summary.OK != groups {
		t.Fatalf("manifest summary %+v, want %d ok groups", m.Summary, groups)
	}
	if m.Report(mergedJSONFile) == nil {
		t.Fatalf("manifest lists no %s: %+v", mergedJSONFile, m.Reports)
	}
	assertVerifyClean(t, store)
	t.Logf("%d groups, %.1f MB of documents, GOMEMLIMIT %d MiB, ulimit -v %d MB: peak RSS %d MB, %.1fs",
		groups, float64(size)/(1<<20), memoryLimitMB, addressLimitMB, run.peakRSS>>20, run.took.Seconds())
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
