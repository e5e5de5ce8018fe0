package main

import (
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/specharvest/specharvest/harvest/xanotest"
	"github.com/specharvest/specharvest/output"
)

// TestReliabilityRandomKills kills runs with SIGKILL at random moments
// (seeded, so a failure can be replayed with SPECHARVEST_KILL_SEED) and
// checks after every kill that latest is a complete snapshot, that verify
// is clean and that the next run is not locked out by the dead one.
// The default kills a handful of runs; SPECHARVEST_SOAK=1 kills many.
func TestReliabilityRandomKills(t *testing.T) {
	kills := 10
	if soakEnabled() {
		kills = 200
	}
	seed := time.Now().UnixNano()
	if s := os.Getenv("SPECHARVEST_KILL_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseInt(s, 10, 64); err != nil {
			t.Fatalf("SPECHARVEST_KILL_SEED=%q: %v", s, err)
		}
	}
	t.Logf("kill moments from seed %d (replay with SPECHARVEST_KILL_SEED=%d)", seed, seed)
	rng := rand.New(rand.NewSource(seed))

	dir := t.TempDir()
	fleet := xanotest.GenOptions{Seed: 29, Instances: 2, Workspaces: 2, Groups: 4, Endpoints: 4}
	// Two generations take turns, so that killed runs also die while
	// writing new blobs, not only while re-reading known ones.
	sims := []*simProcess{
		startSimProcess(t, append(simulateFleetArgs(fleet), "--latency", "15ms")...),
		startSimProcess(t, append(simulateFleetArgs(fleet), "--latency", "15ms", "--generation", "2")...),
	}
	storeDir := filepath.Join(dir, "store")
	configs := make([]string, len(sims))
	var env []string
	for i, sim := range sims {
		sub := filepath.Join(dir, strconv.Itoa(i))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		configs[i], env = writeRunConfig(t, sub, storeDir, sim.line.Master, sim.line.APIKey, defaultLimits())
	}
	// The runs' temporary folder, to see what killed runs leave there.
	tmp := filepath.Join(dir, "tmp")
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	env = append(env, "TMPDIR="+tmp)
	started := time.Now()
	if res := runBinary(t, env, "run", "--config", configs[0]); res.code != exitOK {
		t.Fatalf("first run exited %d: %s%s", res.code, res.stdout, res.stderr)
	}
	full := time.Since(started)
	good := readManifest(t, storeDir, "")

	killed, completed, scratchLeft := 0, 0, 0
	for i := 0; killed < kills; i++ {
		if i > 4*kills {
			t.Fatalf("only %d of %d runs could be killed before they finished", killed, kills)
		}
		cfg := configs[rng.Intn(len(configs))]
		at := time.Duration(rng.Int63n(int64(full + full/4)))
		cmd := exec.Command(specharvestBinary(t), "run", "--config", cfg)
		cmd.Env = append(os.Environ(), env...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			// The run beat the kill: it must have succeeded.
			if err != nil {
				t.Fatalf("a run that was not killed failed: %v", err)
			}
			completed++
		case <-time.After(at):
			_ = cmd.Process.Signal(syscall.SIGKILL)
			if err := <-done; err != nil {
				killed++
			} else {
				completed++
			}
		}
		if left, _ := filepath.Glob(filepath.Join(tmp, scratchPrefix+"*")); len(left) > 0 {
			scratchLeft++
		}
		latest := readManifest(t, storeDir, "")
		if latest.Summary.Specs != good.Summary.Specs || latest.Summary.OK != good.Summary.OK {
			t.Fatalf("after a kill at %v latest %s has %+v, want %+v", at, latest.ID, latest.Summary, good.Summary)
		}
		assertVerifyClean(t, storeDir)
	}
	res := runBinary(t, env, "run", "--config", configs[0])
	if res.code != exitOK {
		t.Fatalf("the run after the kills exited %d: %s%s", res.code, res.stdout, res.stderr)
	}
	assertVerifyClean(t, storeDir)
	// Killed runs leave their scratch directories; the next run removes
	// them, and its own.
	if left, _ := filepath.Glob(filepath.Join(tmp, "*")); len(left) > 0 {
		t.Errorf("after the last run the temporary folder still holds %v (%d killed runs had left scratch behind)", left, scratchLeft)
	}
	secrets := []string{}
	for _, sim := range sims {
		secrets = append(secrets, sim.line.APIKey, sim.line.MetaToken)
	}
	assertNoSecrets(t, secrets, "the store or the output", storeText(t, storeDir), res.stdout, res.stderr)
	t.Logf("reliability: random kills: %d runs killed with SIGKILL (%d of them leaving scratch behind), %d finished before their kill, store verified after each, groups lost: 0", killed, scratchLeft, completed)
}

// mountTmpfs mounts a tmpfs of the given size on a new folder, or skips
// the test when this machine does not allow it (mounting needs root).
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "mnt")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a %s tmpfs (needs root): %v %s", size, err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
	return dir
}

// firstSnapshotOnTmpfs puts a store on a fresh tmpfs of the given size
// and harvests the fleet into it once; it returns the mount, a folder for
// configs, the store, the simulator and the first snapshot's manifest.
func firstSnapshotOnTmpfs(t *testing.T, size string, fleet xanotest.GenOptions) (string, string, string, *simProcess, *output.Manifest) {
	t.Helper()
	mnt := mountTmpfs(t, size)
	dir := t.TempDir()
	sim := startSimProcess(t, simulateFleetArgs(fleet)...)
	storeDir := filepath.Join(mnt, "store")
	cfg, env := writeRunConfig(t, dir, storeDir, sim.line.Master, sim.line.APIKey, defaultLimits())
	if res := runBinary(t, env, "run", "--config", cfg); res.code != exitOK {
		t.Fatalf("first run exited %d: %s%s", res.code, res.stdout, res.stderr)
	}
	return mnt, dir, storeDir, sim, readManifest(t, storeDir, "")
}

// TestReliabilityFullDisk fills the store's file system between two runs:
// the second fails with a clear "no space left" error and exit 1, the first
// snapshot stays latest and the store verifies; once space is back, the
// next run succeeds.
func TestReliabilityFullDisk(t *testing.T) {
	fleet := xanotest.GenOptions{Seed: 3, Instances: 1, Workspaces: 1, Groups: 3, Endpoints: 3}
	mnt, dir, storeDir, sim1, before := firstSnapshotOnTmpfs(t, "2m", fleet)

	// The next night serves changed documents, so the run must write new
	// blobs; leave room for the lock and little else.
	sim2 := startSimProcess(t, append(simulateFleetArgs(fleet), "--generation", "2")...)
	cfg, env := writeRunConfig(t, dir, storeDir, sim2.line.Master, sim2.line.APIKey, defaultLimits())
	filler := filepath.Join(mnt, "filler")
	var st syscall.Statfs_t
	if err := syscall.Statfs(mnt, &st); err != nil {
		t.Fatal(err)
	}
	free := int64(st.Bavail) * st.Bsize
	if err := os.WriteFile(filler, make([]byte, max(0, free-8<<10)), 0o644); err != nil {
		t.Fatalf("fill the file system: %v", err)
	}
	res := runBinary(t, env, "run", "--config", cfg)
	if res.code != exitFailure {
		t.Fatalf("run on a full disk exited %d, want %d\nstdout: %s\nstderr: %s", res.code, exitFailure, res.stdout, res.stderr)
	}
	if !strings.Contains(res.stderr, "no space left on device") {
		t.Errorf("stderr does not say the disk is full:\n%s", res.stderr)
	}
	if after := readManifest(t, storeDir, ""); after.ID != before.ID {
		t.Fatalf("a run that failed on a full disk moved latest from %s to %s", before.ID, after.ID)
	}
	assertVerifyClean(t, storeDir)

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	again := runBinary(t, env, "run", "--config", cfg)
	if again.code != exitOK {
		t.Fatalf("the run once space was back exited %d: %s%s", again.code, again.stdout, again.stderr)
	}
	if m := readManifest(t, storeDir, ""); m.Previous != before.ID {
		t.Fatalf("the new snapshot's previous is %q, want %s", m.Previous, before.ID)
	}
	assertVerifyClean(t, storeDir)
	assertNoSecrets(t, []string{sim1.line.APIKey, sim1.line.MetaToken, sim2.line.APIKey, sim2.line.MetaToken},
		"the store or the output", storeText(t, storeDir), res.stdout, res.stderr, again.stdout, again.stderr)
	t.Logf("reliability: full disk: exit %d with a clear error, snapshot %s intact, next run exit %d", res.code, before.ID, again.code)
}

// TestReliabilityReadOnlyStore remounts the store's file system read-only
// between two runs: the second fails with a clear error and exit 1 and
// the first snapshot stays latest and verifies. Root ignores permission
// bits, so a read-only mount is the only honest read-only store.
func TestReliabilityReadOnlyStore(t *testing.T) {
	fleet := xanotest.GenOptions{Seed: 4, Instances: 1, Workspaces: 1, Groups: 3, Endpoints: 3}
	mnt, dir, storeDir, sim, before := firstSnapshotOnTmpfs(t, "16m", fleet)
	cfg, env := writeRunConfig(t, dir, storeDir, sim.line.Master, sim.line.APIKey, defaultLimits())
	if out, err := exec.Command("mount", "-o", "remount,ro", mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot remount read-only: %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("mount", "-o", "remount,rw", mnt).Run() })
	if err := os.WriteFile(filepath.Join(mnt, "probe"), nil, 0o644); err == nil {
		t.Fatal("the read-only mount still takes writes")
	}

	res := runBinary(t, env, "run", "--config", cfg)
	if res.code != exitFailure {
		t.Fatalf("run on a read-only store exited %d, want %d\nstdout: %s\nstderr: %s", res.code, exitFailure, res.stdout, res.stderr)
	}
	if !strings.Contains(res.stderr, "read-only file system") {
		t.Errorf("stderr does not say the store is read-only:\n%s", res.stderr)
	}
	if after := readManifest(t, storeDir, ""); after.ID != before.ID {
		t.Fatalf("latest moved from %s to %s", before.ID, after.ID)
	}
	assertVerifyClean(t, storeDir)
	assertNoSecrets(t, []string{sim.line.APIKey, sim.line.MetaToken}, "the store or the output", storeText(t, storeDir), res.stdout, res.stderr)
	t.Logf("reliability: read-only store: exit %d with a clear error, snapshot %s intact", res.code, before.ID)
}
