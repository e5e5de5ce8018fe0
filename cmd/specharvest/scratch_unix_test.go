//go:build unix

package main

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestScratchOfKilledRunsIsRemoved, through the real binary: a run removes
// the scratch directory a killed run left (its lock held by nobody), keeps
// one whose run is alive (its lock held) and one it cannot judge (no lock
// file), and leaves none of its own.
func TestScratchOfKilledRunsIsRemoved(t *testing.T) {
	tmp := t.TempDir()
	makeScratch := func(name string, withLock bool) (string, *os.File) {
		dir := filepath.Join(tmp, scratchPrefix+name)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "repaired.json"), []byte("{}"), 0o600); err != nil {
			t.Fatal(err)
		}
		if !withLock {
			return dir, nil
		}
		lock, err := os.OpenFile(filepath.Join(dir, scratchLock), os.O_CREATE|os.O_RDWR, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		return dir, lock
	}
	killed, killedLock := makeScratch("killed", true)
	_ = killedLock.Close() // its run is gone: nobody holds the lock
	live, liveLock := makeScratch("live", true)
	defer liveLock.Close()
	if err := syscall.Flock(int(liveLock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	unknown, _ := makeScratch("unknown", false)

	dir := t.TempDir()
	sim := startSimProcess(t, "--instances", "1", "--workspaces", "1", "--groups", "2", "--endpoints", "3", "--seed", "3")
	cfg, env := writeXanoConfig(t, dir, sim.line.Master, sim.line.APIKey, "")
	env = append(env, "TMPDIR="+tmp)
	if res := runBinary(t, env, "run", "--config", cfg); res.code != exitOK {
		t.Fatalf("run exited %d\nstdout: %s\nstderr: %s", res.code, res.stdout, res.stderr)
	}
	if _, err := os.Stat(killed); !os.IsNotExist(err) {
		t.Errorf("the killed run's scratch directory is still there (%v)", err)
	}
	for _, keep := range []string{live, unknown} {
		if _, err := os.Stat(filepath.Join(keep, "repaired.json")); err != nil {
			t.Errorf("%s was touched: %v", filepath.Base(keep), err)
		}
	}
	left, _ := filepath.Glob(filepath.Join(tmp, scratchPrefix+"*"))
	if len(left) != 2 {
		t.Errorf("scratch directories left: %v, want only the live and the unknown one", left)
	}
}
