package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runBinaryIn runs the real binary in dir, with only the environment
// given (plus PATH and HOME), so a SPECHARVEST_CONFIG of the machine
// running the tests cannot leak in.
func runBinaryIn(t *testing.T, dir string, env []string, args ...string) binResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, specharvestBinary(t), args...)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := binResult{stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		res.code = exit.ExitCode()
	default:
		t.Fatalf("specharvest %s: %v", strings.Join(args, " "), err)
	}
	return res
}

// TestUnknownCommandsAndFlagsSayOneLine: a typo gets one line naming the
// nearest real command or flag and where the help is, never the whole help.
func TestUnknownCommandsAndFlagsSayOneLine(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"rnu"}, `unknown command "rnu"; did you mean run?`},
		{[]string{"snapshot", "list"}, `did you mean snapshots?`},
		{[]string{"histroy", "x"}, `did you mean history?`},
		{[]string{"diff", "a", "b", "--foramt", "json"}, "unknown flag --foramt; did you mean --format?"},
		{[]string{"run", "--confg", "x.yaml"}, "unknown flag --confg; did you mean --config?"},
		{[]string{"snapshots", "prune", "--keep-lst", "3"}, "did you mean --keep-last?"},
		{[]string{"snapshots", "lst"}, `unknown snapshots command "lst"; did you mean list?`},
		{[]string{"--verison"}, "did you mean --version?"},
		{[]string{"diff", "--format"}, "flag needs an argument: -format"},
	} {
		res := runBinaryIn(t, dir, nil, tc.args...)
		lines := strings.Split(strings.TrimSpace(res.stderr), "\n")
		if res.code != exitUsage || len(lines) != 1 || !strings.Contains(res.stderr, tc.want) || !strings.Contains(res.stderr, "--help") {
			t.Errorf("%v: exit %d, want one line with %q and a pointer to --help; stderr:\n%s", tc.args, res.code, tc.want, res.stderr)
		}
		if res.stdout != "" {
			t.Errorf("%v: wrote %q to stdout", tc.args, res.stdout)
		}
	}
	// Nothing is suggested when nothing is near.
	if res := runBinaryIn(t, dir, nil, "frobnicate"); strings.Contains(res.stderr, "did you mean") {
		t.Errorf("frobnicate: %s", res.stderr)
	}
	// --help itself still prints the help, to stdout for the top level.
	if res := runBinaryIn(t, dir, nil, "--help"); res.code != exitOK || !strings.Contains(res.stdout, "Exit codes:") {
		t.Errorf("--help: exit %d, %q", res.code, res.stdout)
	}
	if res := runBinaryIn(t, dir, nil, "diff", "--help"); res.code != exitOK || !strings.Contains(res.stderr, "-fail-on") {
		t.Errorf("diff --help: exit %d, %q", res.code, res.stderr)
	}
}

// TestMissingSnapshotListsTheNewest: an id that is not in the store is
// answered with the newest ids that are, once each.
func TestMissingSnapshotListsTheNewest(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "store")
	ids := seedSnapshots(t, store, 7)
	for _, args := range [][]string{
		{"snapshots", "show", "20200101T000000Z"},
		{"diff", "20200101T000000Z", "latest"},
		{"snapshots", "export", "20200101T000000Z", "-o", filepath.Join(dir, "x.tar.gz")},
	} {
		res := runBinaryIn(t, dir, nil, append(args, "--store", store)...)
		if res.code == exitOK || strings.Count(res.stderr, "20200101T000000Z") != 1 {
			t.Errorf("%v: exit %d, want the id named once: %s", args, res.code, res.stderr)
		}
		for i, id := range ids {
			shown := strings.Contains(res.stderr, id)
			if newest := i >= len(ids)-newestShown; shown != newest {
				t.Errorf("%v: id %s (newest: %v) shown: %v\n%s", args, id, newest, shown, res.stderr)
			}
		}
		if !strings.Contains(res.stderr, "2 older") {
			t.Errorf("%v: does not say how many are older: %s", args, res.stderr)
		}
	}
}

// TestStoreCommandsReadTheConfig: every command that touches the store
// finds it through --config, $SPECHARVEST_CONFIG or ./specharvest.yaml,
// in that order, and --store overrides them all.
func TestStoreCommandsReadTheConfig(t *testing.T) {
	dir := t.TempDir()
	fromDefault := filepath.Join(dir, "default-store")
	fromEnv := filepath.Join(dir, "env-store")
	fromFlag := filepath.Join(dir, "flag-store")
	fromStore := filepath.Join(dir, "store-flag")
	for i, s := range []string{fromDefault, fromEnv, fromFlag, fromStore} {
		seedSnapshots(t, s, i+1) // the number of snapshots tells the stores apart
	}
	config := func(name, store string, keepLast int) string {
		path := filepath.Join(dir, name)
		body := "store: " + store + "\nretention: {keep_last: " + string(rune('0'+keepLast)) + "}\n" +
			"sources:\n  - name: prod\n    type: xano\n    master: https://x.example.com\n    api_key: ${UNSET_IN_THIS_SHELL}\n"
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	config("specharvest.yaml", fromDefault, 1)
	envConfig := config("env.yaml", fromEnv, 1)
	flagConfig := config("flag.yaml", fromFlag, 1)
	env := []string{configEnvVar + "=" + envConfig}

	count := func(res binResult) int { return strings.Count(res.stdout, "\n") - 1 } // minus the header
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		want int
	}{
		{"./specharvest.yaml", nil, nil, 1},
		{"$SPECHARVEST_CONFIG", env, nil, 2},
		{"--config beats the environment", env, []string{"--config", flagConfig}, 3},
		{"--store beats every config", env, []string{"--config", flagConfig, "--store", fromStore}, 4},
	} {
		res := runBinaryIn(t, dir, tc.env, append([]string{"snapshots", "list"}, tc.args...)...)
		if res.code != exitOK || count(res) != tc.want {
			t.Errorf("snapshots list with %s: exit %d, %d snapshots, want %d\n%s%s", tc.name, res.code, count(res), tc.want, res.stdout, res.stderr)
		}
		// The other store commands follow the same lookup.
		verify := runBinaryIn(t, dir, tc.env, append([]string{"verify"}, tc.args...)...)
		if !strings.Contains(verify.stdout, "ok: "+string(rune('0'+tc.want))+" snapshots") {
			t.Errorf("verify with %s: %s%s", tc.name, verify.stdout, verify.stderr)
		}
		show := runBinaryIn(t, dir, tc.env, append([]string{"snapshots", "show", "latest"}, tc.args...)...)
		if !strings.Contains(show.stdout, storeT0.AddDate(0, 0, tc.want-1).Format("20060102T150405Z")) {
			t.Errorf("snapshots show latest with %s: %s%s", tc.name, show.stdout, show.stderr)
		}
		history := runBinaryIn(t, dir, tc.env, append([]string{"history", "prod/main/books/admin", "--format", "json"}, tc.args...)...)
		if !strings.Contains(history.stdout, `"snapshots": `+string(rune('0'+tc.want))) {
			t.Errorf("history with %s: %s%s", tc.name, history.stdout, history.stderr)
		}
		diff := runBinaryIn(t, dir, tc.env, append([]string{"diff", "latest", "latest", "--format", "json"}, tc.args...)...)
		if diff.code != exitOK || !strings.Contains(diff.stdout, storeT0.AddDate(0, 0, tc.want-1).Format("20060102T150405Z")) {
			t.Errorf("diff latest latest with %s: exit %d %s%s", tc.name, diff.code, diff.stdout, diff.stderr)
		}
	}

	// prune takes retention from the config found the same way, and a
	// flag overrides it.
	res := runBinaryIn(t, dir, env, "snapshots", "prune", "--dry-run")
	if res.code != exitOK || !strings.Contains(res.stdout, "would remove 1 snapshots") {
		t.Errorf("prune with keep_last 1 from $SPECHARVEST_CONFIG over 2 snapshots: %s%s", res.stdout, res.stderr)
	}
	res = runBinaryIn(t, dir, env, "snapshots", "prune", "--dry-run", "--keep-last", "2")
	if res.code != exitOK || !strings.Contains(res.stdout, "would remove 0 snapshots") {
		t.Errorf("prune --keep-last 2 over the config: %s%s", res.stdout, res.stderr)
	}

	// A config named explicitly must exist; the default one may not.
	if res := runBinaryIn(t, dir, []string{configEnvVar + "=" + filepath.Join(dir, "nope.yaml")}, "snapshots", "list"); res.code != exitUsage || !strings.Contains(res.stderr, "nope.yaml") {
		t.Errorf("a missing $SPECHARVEST_CONFIG: exit %d %s", res.code, res.stderr)
	}
	empty := t.TempDir()
	if res := runBinaryIn(t, empty, nil, "snapshots", "list"); res.code != exitFailure || !strings.Contains(res.stderr, "no store at ./api-catalog") {
		t.Errorf("no config at all: exit %d %s", res.code, res.stderr)
	}
	// run reads $SPECHARVEST_CONFIG too: its error names that file.
	if res := runBinaryIn(t, empty, env, "run"); res.code != exitUsage || !strings.Contains(res.stderr, "env.yaml") || !strings.Contains(res.stderr, "UNSET_IN_THIS_SHELL") {
		t.Errorf("run with $SPECHARVEST_CONFIG: exit %d %s", res.code, res.stderr)
	}
}
