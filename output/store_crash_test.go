//go:build unix

package output

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// crashWriterEnv names the store a re-executed test binary writes into
// until it is killed.
const crashWriterEnv = "SPECHARVEST_TEST_CRASH_WRITER"

// TestCrashWriter is not a test on its own: run by TestKilledWriter in a
// child process, it takes the lock and commits snapshot after snapshot,
// each with changed documents and reports, until SIGKILL stops it at
// some arbitrary point.
func TestCrashWriter(t *testing.T) {
	dir := os.Getenv(crashWriterEnv)
	if dir == "" {
		t.Skip("runs only as the child of TestKilledWriter")
	}
	ctx := context.Background()
	st, err := Create(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	os.Stdout.WriteString("locked\n")
	for gen := 0; ; gen++ {
		prev, err := st.Latest(ctx)
		if err != nil {
			t.Fatal(err)
		}
		w, err := st.NewSnapshot(ctx, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		m := &Manifest{Previous: prev, Finished: time.Now()}
		for g := 0; g < 20; g++ {
			doc := fleetDoc(g*1000+gen, 8<<10)
			sha, size, err := st.PutBlobBytes(ctx, doc)
			if err != nil {
				t.Fatal(err)
			}
			m.Specs = append(m.Specs, SpecEntry{Key: fmt.Sprintf("prod/i/w/g%d", g), Source: "prod", Status: StatusOK,
				SHA256: sha, Bytes: size, Valid: true, Operations: 1})
		}
		w.WriteFile(ctx, "merged.json", fleetDoc(-gen, 64<<10))
		if err := w.Commit(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
}

// TestKilledWriter kills a writing process at arbitrary moments; after
// every kill the store must verify clean, latest must name a complete
// snapshot, and the next writer must get the (now stale) lock and go on.
func TestKilledWriter(t *testing.T) {
	if os.Getenv(crashWriterEnv) != "" {
		t.Skip("child process")
	}
	dir := filepath.Join(t.TempDir(), "store")
	rnd := rand.New(rand.NewSource(42))
	ctx := context.Background()
	lastLatest := ""
	for kill := 0; kill < 8; kill++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashWriter$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashWriterEnv+"="+dir)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Wait until the child holds the lock, then let it write a while.
		buf := make([]byte, 64)
		n, _ := out.Read(buf)
		if !strings.Contains(string(buf[:n]), "locked") {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("writer %d did not take the lock: %q", kill, buf[:n])
		}
		time.Sleep(time.Duration(20+rnd.Intn(200)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()

		st, err := Open(ctx, dir)
		if err != nil {
			t.Fatal(err)
		}
		rep := mustVerify(t, st)
		t.Logf("after kill %d: %d snapshots, %d blobs, %d leftovers", kill, rep.Snapshots, rep.Blobs, len(rep.Leftovers))
		latest, err := st.Latest(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if latest != "" {
			if _, err := st.Manifest(ctx, latest); err != nil {
				t.Fatalf("after kill %d latest %s is not complete: %v", kill, latest, err)
			}
		}
		if latest < lastLatest {
			t.Fatalf("after kill %d latest went back from %s to %s", kill, lastLatest, latest)
		}
		lastLatest = latest
	}
	if lastLatest == "" {
		t.Fatal("no writer ever committed a snapshot")
	}
	// Prune clears what the kills left, and the store is still sound.
	st, _ := Open(ctx, dir)
	plan, err := st.PlanPrune(ctx, Policy{KeepLast: 2}, time.Now().Add(2*LeftoverGrace))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Prune(ctx, plan); err != nil {
		t.Fatal(err)
	}
	rep := mustVerify(t, st)
	if len(rep.Leftovers) != 0 || rep.Snapshots != 2 {
		t.Fatalf("after prune: %+v", rep)
	}
	assertNoTemp(t, dir)
}
