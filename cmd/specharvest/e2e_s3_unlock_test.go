package main

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/specharvest/specharvest/internal/s3test"
)

// `unlock` on a bucket, through the real binary against a real S3
// gateway: an unlocked store says so; a lease whose holder is alive is
// kept without --force and removed with it; the lease of a run killed
// mid-way is removed at once, its holder being provably gone; and a run
// goes through afterwards every time.
func TestEndToEndS3Unlock(t *testing.T) {
	srv := s3test.Start(t)
	dir := t.TempDir()
	sim := startSimProcess(t, "--instances", "2", "--workspaces", "2", "--groups", "4", "--latency", "300ms")
	cfgPath := writeS3Config(t, dir, srv, "api-catalog", "nightly", sim.line.Master, "")
	env := append(s3Env(srv), "TEST_XANO_KEY="+sim.line.APIKey)
	url := s3StoreURL(srv, "api-catalog", "nightly")
	if res := runBinary(t, env, "run", "--config", cfgPath); res.code != exitOK {
		t.Fatalf("first run exited %d: %s%s", res.code, res.stdout, res.stderr)
	}
	if res := runBinary(t, s3Env(srv), "unlock", "--store", url); res.code != exitOK || !strings.Contains(res.stdout, "not locked") {
		t.Fatalf("unlock of an unlocked bucket: exit %d, %q %q", res.code, res.stdout, res.stderr)
	}

	// A lease this test holds: its holder is alive.
	st := openS3(t, srv, "api-catalog", "nightly")
	ctx := context.Background()
	release, err := st.Lock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	res := runBinary(t, s3Env(srv), "unlock", "--store", url)
	if res.code != exitLocked || !strings.Contains(res.stderr, "--force") {
		t.Fatalf("unlock of a live holder's lease: exit %d, stderr %q; want %d and a hint at --force", res.code, res.stderr, exitLocked)
	}
	if _, _, locked, _ := st.LockHolder(ctx); !locked {
		t.Fatal("unlock without --force removed a live holder's lease")
	}
	if res := runBinary(t, env, "run", "--config", cfgPath); res.code != exitLocked {
		t.Fatalf("a run beside a live lease exited %d, want %d: %s", res.code, exitLocked, res.stderr)
	}
	if res := runBinary(t, s3Env(srv), "unlock", "--store", url, "--force"); res.code != exitOK || !strings.Contains(res.stdout, "unlocked") {
		t.Fatalf("unlock --force: exit %d, %q %q", res.code, res.stdout, res.stderr)
	}
	if _, _, locked, _ := st.LockHolder(ctx); locked {
		t.Fatal("unlock --force left the lease")
	}
	_ = release() // the lease is gone; releasing it must not bring it back
	if _, _, locked, _ := st.LockHolder(ctx); locked {
		t.Fatal("releasing a removed lease wrote it again")
	}
	if res := runBinary(t, env, "run", "--config", cfgPath); res.code != exitOK {
		t.Fatalf("the run after unlock --force exited %d: %s%s", res.code, res.stdout, res.stderr)
	}

	// A run killed while it holds its lease: the holder is gone.
	cmd := exec.Command(specharvestBinary(t), "run", "--config", cfgPath)
	cmd.Env = append(os.Environ(), env...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, _, locked, _ := st.LockHolder(ctx); locked {
			break
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatal("the run never took its lease")
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	// The supervised child dies with its supervisor; give it a moment.
	time.Sleep(300 * time.Millisecond)
	if _, _, locked, _ := st.LockHolder(ctx); !locked {
		t.Skip("the run finished before it could be killed; nothing left to unlock")
	}
	res = runBinary(t, s3Env(srv), "unlock", "--store", url)
	if res.code != exitOK || !strings.Contains(res.stdout, "unlocked") {
		t.Fatalf("unlock of a killed run's lease: exit %d, %q %q", res.code, res.stdout, res.stderr)
	}
	if res := runBinary(t, env, "run", "--config", cfgPath); res.code != exitOK {
		t.Fatalf("the run after unlocking a killed run's lease exited %d: %s%s", res.code, res.stdout, res.stderr)
	}
	assertS3VerifyClean(t, s3Env(srv), url)
}
