package main

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionOfEveryBuildShape(t *testing.T) {
	vcs := func(kv ...string) []debug.BuildSetting {
		var out []debug.BuildSetting
		for i := 0; i+1 < len(kv); i += 2 {
			out = append(out, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return out
	}
	for _, tc := range []struct {
		name string
		info debug.BuildInfo
		want string
	}{
		{"go install of a release", debug.BuildInfo{Main: debug.Module{Version: "v1.2.0"}}, "v1.2.0"},
		{"no version control", debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "devel"},
		{"clean checkout", debug.BuildInfo{Main: debug.Module{Version: "v1.2.0"},
			Settings: vcs("vcs.revision", "0123456789abcdef0123", "vcs.time", "2026-12-01T15:00:00Z", "vcs.modified", "false")},
			"v1.2.0 (revision 0123456789ab, 2026-12-01T15:00:00Z)"},
		{"modified checkout without a module version", debug.BuildInfo{Main: debug.Module{Version: "(devel)"},
			Settings: vcs("vcs.revision", "0123456789abcdef0123", "vcs.modified", "true")},
			"devel (revision 0123456789ab, modified)"},
	} {
		if got := versionOf(&tc.info); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestVersionFromARealCheckout builds the real binary with a plain `go
// build` in a fresh git checkout of this module, as a user would, and
// reads --version and a manifest's tool_version: a tagged clean tree
// names its tag and revision, an edited tree says so.
func TestVersionFromARealCheckout(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary twice in a temporary git checkout")
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	src := t.TempDir()
	copyModule(t, root, src)
	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"}, args...)...)
		cmd.Dir = src
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	git("init", "-q")
	git("add", "-A")
	git("commit", "-q", "-m", "release")
	git("tag", "v0.9.0")
	rev := git("rev-parse", "HEAD")[:12]
	build := func() string {
		t.Helper()
		bin := filepath.Join(t.TempDir(), "specharvest")
		cmd := exec.Command("go", "build", "-o", bin, "./cmd/specharvest")
		cmd.Dir = src
		cmd.Env = append(os.Environ(), "GOFLAGS=-buildvcs=true")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
		out, err := exec.Command(bin, "--version").Output()
		if err != nil {
			t.Fatalf("--version: %v", err)
		}
		return strings.TrimSpace(string(out))
	}
	clean := build()
	if !strings.HasPrefix(clean, "specharvest v0.9.0 (revision "+rev) || strings.Contains(clean, "modified") {
		t.Errorf("clean tagged checkout: %q, want v0.9.0 and revision %s, not modified", clean, rev)
	}
	f := filepath.Join(src, "cmd", "specharvest", "doc.go")
	body, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f, append(body, "\n// an uncommitted edit\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	dirty := build()
	if !strings.Contains(dirty, "revision "+rev) || !strings.HasSuffix(dirty, "modified)") || strings.Contains(dirty, "devel") {
		t.Errorf("edited checkout: %q, want revision %s and modified", dirty, rev)
	}
}

// copyModule copies the module's sources (no tests, no test data, no
// version control) into dst.
func copyModule(t *testing.T, root, dst string) {
	t.Helper()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			if d.Name() == ".git" || d.Name() == "testdata" || (strings.HasPrefix(d.Name(), ".") && rel != ".") {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if d.Name() == ".git" || strings.HasSuffix(d.Name(), "_test.go") || !d.Type().IsRegular() {
			return nil
		}
		body, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), body, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}
