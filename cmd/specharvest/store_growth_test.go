package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/specharvest/specharvest/harvest/validate"
	"github.com/specharvest/specharvest/output"
)

// nightGrowth runs the real binary three nights over one unchanged
// simulated fleet of instances × workspaces × groups, and returns what the
// third night added to the store: its manifest's size, everything else it
// added (counting a file linked into several snapshots once, as the disk
// does), and the names of the reports it did not share with the night
// before.
func nightGrowth(t *testing.T, groups int) (manifest, rest int64, fresh []string) {
	t.Helper()
	dir := t.TempDir()
	sim := startSimProcess(t, "--instances", "2", "--workspaces", "2", "--groups", strconv.Itoa(groups), "--endpoints", "6", "--seed", "5")
	cfgPath, env := writeXanoConfig(t, dir, sim.line.Master, sim.line.APIKey, "")
	storeDir := filepath.Join(dir, "store")
	var before int64
	for night := 1; night <= 3; night++ {
		if night == 3 {
			before = diskUsage(t, storeDir)
		}
		if res := runBinary(t, env, "run", "--config", cfgPath, "--quiet"); res.code != exitOK {
			t.Fatalf("night %d exited %d\nstdout: %s\nstderr: %s", night, res.code, res.stdout, res.stderr)
		}
	}
	last := readManifest(t, storeDir, "")
	prev := readManifest(t, storeDir, last.Previous)
	if last.Summary.OK != 4*groups {
		t.Fatalf("the fleet of %d groups harvested as %+v", 4*groups, last.Summary)
	}
	sameVerdicts(t, storeDir, readManifest(t, storeDir, prev.Previous), last)
	shared := map[string]bool{}
	for _, r := range prev.Reports {
		shared[r.SHA256] = true
	}
	for _, r := range last.Reports {
		if !shared[r.SHA256] {
			fresh = append(fresh, r.Name)
		}
	}
	info, err := os.Stat(filepath.Join(storeDir, "snapshots", last.ID, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	assertVerifyClean(t, storeDir)
	return info.Size(), diskUsage(t, storeDir) - before - info.Size(), fresh
}

// TestUnchangedNightAddsOnlyTheManifest is the law of the store's growth,
// through the real binary: a night that changes nothing adds its manifest
// and nothing whose size depends on the fleet. It is checked on two
// fleets, one three times the other: the manifest grows with the fleet,
// what the night adds besides it must not (a report that names its
// snapshot and holds the fleet, as the catalog once did, adds tens of
// kilobytes more on the larger fleet). verify checks every report of
// every snapshot after each.
func TestUnchangedNightAddsOnlyTheManifest(t *testing.T) {
	smallManifest, small, smallFresh := nightGrowth(t, 2)
	largeManifest, large, largeFresh := nightGrowth(t, 6)
	t.Logf("an unchanged night adds: 8 groups, manifest %d B + %d B %v; 24 groups, manifest %d B + %d B %v",
		smallManifest, small, smallFresh, largeManifest, large, largeFresh)
	if largeManifest < 2*smallManifest {
		t.Fatalf("the manifests (%d and %d bytes) do not grow with the fleet: the two fleets are not what this test needs", smallManifest, largeManifest)
	}
	// Counts in the timeline may take a digit more on the larger fleet.
	if d := large - small; d < -64 || d > 64 {
		t.Errorf("besides its manifest, an unchanged night adds %d bytes on 8 groups and %d on 24 (reports not shared with the night before: %v)", small, large, largeFresh)
	}
	if len(largeFresh) != len(smallFresh) {
		t.Errorf("the nights renew different reports: %v on 8 groups, %v on 24", smallFresh, largeFresh)
	}
	for _, name := range largeFresh {
		if name == output.CatalogFile || name == output.CatalogHTML || name == output.HistoryFile {
			t.Errorf("%s is written anew on a night that changed nothing", name)
		}
	}
}

// sameVerdicts: an unchanged night, which takes each document's verdict
// from the validation cache instead of validating it, reports every group
// as the first night did: validity, operations, errors and warnings
// counted alike, the same problems listed; and both say what validating
// the stored document says. At least one group must carry warnings, or
// the cache's count of them is not tested.
func sameVerdicts(t *testing.T, storeDir string, first, later *output.Manifest) {
	t.Helper()
	st, err := output.Open(t.Context(), storeDir)
	if err != nil {
		t.Fatal(err)
	}
	verdict := func(e output.SpecEntry) string {
		return fmt.Sprintf("valid %v, %d operations, %d errors, %d warnings, problems %q (of %d)", e.Valid, e.Operations, e.Errors, e.Warnings, e.Problems, e.ProblemsTotal)
	}
	firstByKey := map[string]output.SpecEntry{}
	for _, e := range first.Specs {
		firstByKey[e.Key] = e
	}
	warned := 0
	for _, e := range later.Specs {
		f, ok := firstByKey[e.Key]
		if !ok {
			t.Errorf("%s: not in the first night's manifest", e.Key)
			continue
		}
		if a, b := verdict(f), verdict(e); a != b {
			t.Errorf("%s: the first night said %s; an unchanged night says %s", e.Key, a, b)
		}
		if e.Warnings > 0 {
			warned++
		}
		blob, err := st.ReadBlob(t.Context(), e.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		res := validate.Load(t.Context(), blob, validate.Options{})
		if errs, warnings := res.Errors(), res.Warnings(); e.Valid != res.Valid || e.Errors != errs || e.Warnings != warnings {
			t.Errorf("%s: the manifest says valid %v, %d errors, %d warnings; validating the stored document says valid %v, %d errors, %d warnings",
				e.Key, e.Valid, e.Errors, e.Warnings, res.Valid, errs, warnings)
		}
	}
	if len(later.Specs) != len(first.Specs) || warned == 0 {
		t.Fatalf("%d groups on the first night, %d later, %d with warnings: not what this check needs", len(first.Specs), len(later.Specs), warned)
	}
}
