package oracle

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestMeasureOwnPeak: a small child measured from a process that has held
// hundreds of MB reports its own peak, not its parent's; started
// directly, it would not (which is why Measure goes through a launcher).
// Output and failure pass through the launcher.
func TestMeasureOwnPeak(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	// Raise this process's peak well above any small child's.
	ballast := make([]byte, 400<<20)
	for i := 0; i < len(ballast); i += 4096 {
		ballast[i] = 1
	}
	defer func() { ballast[len(ballast)-1]++ }()

	ctx := context.Background()
	// The launcher is this very program, as a bench measuring itself has it.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if _, u, err := Measure(ctx, self, "-test.run=^$"); err != nil {
		t.Fatal(err)
	} else if u.MaxRSS > 100<<20 {
		t.Errorf("this test binary, run to do nothing, measured at %d MB, want its own peak", u.MaxRSS>>20)
	}
	out, u, err := Measure(ctx, "sh", "-c", "echo measured")
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(string(out)) != "measured" {
		t.Errorf("stdout %q, want the child's", out)
	}
	if u.MaxRSS <= 0 || u.MaxRSS > 100<<20 {
		t.Errorf("a shell's peak measured at %d MB, want its own (a few MB), not this process's", u.MaxRSS>>20)
	}
	if u.Wall <= 0 {
		t.Errorf("wall time %v", u.Wall)
	}
	if _, _, err := Measure(ctx, "sh", "-c", "echo why >&2; exit 3"); err == nil || !strings.Contains(err.Error(), "why") || !strings.Contains(err.Error(), "3") {
		t.Errorf("a failing child: err %v, want its exit status and its stderr", err)
	}

	launcherReady = false
	defer func() { launcherReady = true }()
	if _, direct, err := Measure(ctx, "sh", "-c", "true"); err != nil {
		t.Fatal(err)
	} else if direct.MaxRSS < 300<<20 {
		t.Logf("started directly, the child reported %d MB: this kernel does not carry the parent's peak over", direct.MaxRSS>>20)
	}
}
