package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// xanoFixtureDir finds the real Xano documents by walking up from the
// package, falling back to the copies the harvest tests keep.
func xanoFixtureDir(t *testing.T) string {
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if st, err := os.Stat(filepath.Join(d, "shared", "fixtures", "xano")); err == nil && st.IsDir() {
			return filepath.Join(d, "shared", "fixtures", "xano")
		}
		if d == filepath.Dir(d) {
			return filepath.Join("..", "..", "harvest", "xanotest", "testdata")
		}
	}
}

// TestProgressLineOnlyOnATerminal runs validate on a dozen real
// documents, long enough for the delayed status line: on a terminal
// (script(1) gives one) it names the file being loaded and is wiped
// before each verdict; on a pipe, stderr stays empty and stdout clean;
// a command that finishes at once draws nothing even on a terminal.
func TestProgressLineOnlyOnATerminal(t *testing.T) {
	fixtures := xanoFixtureDir(t)
	names := []string{"apigroup-mobile-native.openapi.json", "instance-metadata-api-2025-03.openapi.json"}
	var args []string
	for i := 0; i < 12; i++ {
		args = append(args, filepath.Join(fixtures, names[i%2]))
	}
	status := regexp.MustCompile(`validate (\d+)/12 files: loading (apigroup-mobile-native|instance-metadata-api-2025-03)\.openapi\.json`)

	piped := runBinary(t, nil, append([]string{"validate"}, args...)...)
	if piped.code != 0 || !strings.Contains(piped.stdout, "12 documents: 12 valid, 0 invalid") {
		t.Fatalf("validate on a pipe: exit %d\n%s\n%s", piped.code, piped.stdout, piped.stderr)
	}
	if piped.stderr != "" {
		t.Errorf("progress bytes on a non-terminal stderr: %q", piped.stderr)
	}
	if strings.ContainsAny(piped.stdout, "\r\033") || status.MatchString(piped.stdout) {
		t.Errorf("progress bytes on stdout")
	}

	script, err := exec.LookPath("script")
	if err != nil {
		t.Skip("script(1) is not installed: cannot give the binary a terminal")
	}
	onTerminal := func(args ...string) string {
		cmd := exec.Command(script, "-qec", specharvestBinary(t)+" "+strings.Join(args, " "), "/dev/null")
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "TERM=xterm"}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("script: %v\n%s", err, out)
		}
		return string(out)
	}
	out := onTerminal(append([]string{"validate"}, args...)...)
	if !status.MatchString(out) {
		t.Fatalf("no progress line on a terminal:\n%q", out)
	}
	// Every drawn status is wiped before the next output: no line of
	// output carries status text that was not erased after it.
	for _, line := range strings.Split(out, "\n") {
		if loc := status.FindAllStringIndex(line, -1); loc != nil {
			if rest := line[loc[len(loc)-1][1]:]; !strings.HasPrefix(rest, "\r\033[K") {
				t.Errorf("a status line is not wiped before output: %q", line)
			}
		}
	}
	if !strings.Contains(out, "12 documents: 12 valid, 0 invalid") {
		t.Errorf("the summary is missing on a terminal:\n%q", out)
	}
	small := writeDoc(t, "small.yaml", "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n")
	if out := onTerminal("validate", small); strings.Contains(out, "\033[K") || strings.Contains(out, "files: loading") {
		t.Errorf("a fast command drew a progress line: %q", out)
	}
}
