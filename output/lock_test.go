package output

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLockExclusive(t *testing.T) {
	ctx := context.Background()
	st := newTestStore(t)
	unlock, err := st.Lock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// A second Store on the same folder stands for a second process.
	other, _ := Open(ctx, st.Dir())
	start := time.Now()
	_, err = other.Lock(ctx)
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Lock: err = %v, want ErrLocked", err)
	}
	if time.Since(start) > time.Second {
		t.Fatalf("second Lock waited %v instead of failing at once", time.Since(start))
	}
	var le *LockedError
	if !errors.As(err, &le) || le.Holder.PID != os.Getpid() || !strings.Contains(err.Error(), "pid") {
		t.Fatalf("lock error does not name its holder: %v", err)
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	unlock2, err := other.Lock(ctx)
	if err != nil {
		t.Fatalf("Lock after unlock: %v", err)
	}
	if err := unlock2(); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(filepath.Join(st.Dir(), "locks")); len(entries) != 0 {
		t.Fatalf("locks/ not empty after unlock: %d entries", len(entries))
	}
}

func TestStaleLockIsReplaced(t *testing.T) {
	ctx := context.Background()
	st := newTestStore(t)
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skipf("cannot run true: %v", err)
	}
	deadPID := cmd.Process.Pid
	host, _ := os.Hostname()
	writeLockFile(t, st, LockInfo{Time: time.Now().Add(-time.Hour), Hostname: host, PID: deadPID})

	unlock, err := st.Lock(ctx)
	if err != nil {
		t.Fatalf("Lock over a stale lock: %v", err)
	}
	info, err := readLock(filepath.Join(st.Dir(), "locks", lockName))
	if err != nil || info.PID != os.Getpid() {
		t.Fatalf("lock now held by %+v, %v", info, err)
	}
	unlock()
	assertNoTemp(t, st.Dir())
}

func TestLiveOrForeignLockIsNotStale(t *testing.T) {
	ctx := context.Background()
	host, _ := os.Hostname()
	me := currentHolder(time.Now())
	parentStart, _ := processStartTime(os.Getppid())
	for name, info := range map[string]LockInfo{
		"live pid on this host": {Time: time.Now(), Hostname: host, PID: os.Getppid(), StartTime: parentStart,
			BootID: me.BootID, PIDNS: me.PIDNS},
		"live pid, written before start times were recorded": {Time: time.Now().Add(-48 * time.Hour), Hostname: host, PID: os.Getppid()},
		"other host, within its expiry":                      {Time: time.Now(), Hostname: host + "-elsewhere", PID: 999999, Expires: time.Now().Add(time.Hour)},
		"pid 1 of another container, within its expiry": {Time: time.Now(), Hostname: host, PID: 1, BootID: me.BootID,
			PIDNS: "pid:[1]", Expires: time.Now().Add(time.Hour)},
	} {
		st := newTestStore(t)
		writeLockFile(t, st, info)
		if _, err := st.Lock(ctx); !errors.Is(err, ErrLocked) {
			t.Errorf("%s: Lock err = %v, want ErrLocked", name, err)
		}
	}
}

// TestUnprovableHoldersAreTakenOver: a holder that cannot be proven
// alive loses the lock once its expiry has passed; a provably gone one
// at once.
func TestUnprovableHoldersAreTakenOver(t *testing.T) {
	ctx := context.Background()
	host, _ := os.Hostname()
	me := currentHolder(time.Now())
	if me.PIDNS == "" || me.StartTime == 0 {
		t.Skip("no /proc: start times and namespaces cannot be read here")
	}
	long := time.Now().Add(-3 * time.Hour)
	for name, info := range map[string]LockInfo{
		"other host, expired":                    {Time: long, Hostname: host + "-elsewhere", PID: 999999, Expires: long.Add(time.Hour)},
		"other host, no expiry, older than hold": {Time: long, Hostname: host + "-elsewhere", PID: 77},
		"pid 1 of a dead container, expired": {Time: long, Hostname: host, PID: 1, BootID: me.BootID, PIDNS: "pid:[1]",
			Expires: long.Add(time.Hour)},
		"reused pid (start time differs)": {Time: time.Now(), Hostname: host, PID: os.Getppid(), StartTime: 1,
			BootID: me.BootID, PIDNS: me.PIDNS, Expires: time.Now().Add(time.Hour)},
		"before a reboot": {Time: time.Now(), Hostname: host, PID: os.Getppid(), BootID: "another-boot",
			PIDNS: me.PIDNS, Expires: time.Now().Add(time.Hour)},
	} {
		st := newTestStore(t)
		writeLockFile(t, st, info)
		unlock, err := st.Lock(ctx)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if err := unlock(); err != nil {
			t.Errorf("%s: unlock: %v", name, err)
		}
	}
}

func writeLockFile(t *testing.T, st *Store, info LockInfo) {
	t.Helper()
	data, _ := json.Marshal(info)
	if err := os.WriteFile(filepath.Join(st.Dir(), "locks", lockName), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestLockContention races many contenders, over a free lock and over a
// stale one: exactly one may win each time.
func TestLockContention(t *testing.T) {
	host, _ := os.Hostname()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skipf("cannot run true: %v", err)
	}
	for _, stale := range []bool{false, true} {
		for round := 0; round < 5; round++ {
			st := newTestStore(t)
			if stale {
				writeLockFile(t, st, LockInfo{Time: time.Now().Add(-time.Hour), Hostname: host, PID: cmd.Process.Pid})
			}
			const n = 8
			start := make(chan struct{})
			results := make(chan error, n)
			for i := 0; i < n; i++ {
				go func() {
					other, _ := Open(context.Background(), st.Dir())
					<-start
					_, err := other.Lock(context.Background())
					results <- err
				}()
			}
			close(start)
			won := 0
			for i := 0; i < n; i++ {
				err := <-results
				switch {
				case err == nil:
					won++
				case !errors.Is(err, ErrLocked):
					t.Fatalf("stale=%v: unexpected error %v", stale, err)
				}
			}
			if won != 1 {
				t.Fatalf("stale=%v round %d: %d contenders got the lock, want 1", stale, round, won)
			}
		}
	}
}

func TestUnreadableLockIsHeld(t *testing.T) {
	st := newTestStore(t)
	os.WriteFile(filepath.Join(st.Dir(), "locks", lockName), []byte("{garbage"), 0o644)
	_, err := st.Lock(context.Background())
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "unreadable") {
		t.Fatalf("Lock over an unreadable lock: %v", err)
	}
}
