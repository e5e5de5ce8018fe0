package output

import (
	"os/exec"
	"testing"
	"time"
)

// A run killed where nobody reaps orphans stays a zombie; its lock must
// still be seen as left by a process that is gone.
func TestZombieHolderIsGone(t *testing.T) {
	cmd := exec.Command("true")
	if err := cmd.Start(); err != nil {
		t.Skipf("cannot start a process: %v", err)
	}
	defer cmd.Wait()
	pid := cmd.Process.Pid
	deadline := time.Now().Add(10 * time.Second)
	for !processZombie(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("process %d never became a zombie", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !processGone(pid) {
		t.Fatalf("a zombie (pid %d) is judged alive", pid)
	}
	holder := currentHolder(time.Now().UTC())
	holder.PID = pid
	holder.StartTime = 0
	if got := JudgeHolder(holder, currentHolder(time.Now().UTC())); got != HolderGone {
		t.Fatalf("JudgeHolder of a zombie = %v, want HolderGone", got)
	}
	if processZombie(currentHolder(time.Now().UTC()).PID) {
		t.Fatal("this live process is judged a zombie")
	}
}
