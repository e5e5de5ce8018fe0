package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/specharvest/specharvest/harvest/xanotest"
	"github.com/specharvest/specharvest/merge/diff"
)

// freePorts finds n consecutive free loopback ports.
func freePorts(t *testing.T, n int) int {
	t.Helper()
	for attempt := 0; attempt < 50; attempt++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		base := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		if base+n > 65535 {
			continue
		}
		ok := true
		var held []net.Listener
		for p := base; p < base+n; p++ {
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
			if err != nil {
				ok = false
				break
			}
			held = append(held, l)
		}
		for _, l := range held {
			l.Close()
		}
		if ok {
			return base
		}
	}
	t.Fatal("no run of free ports")
	return 0
}

// TestSimulatePortsFromKeepsTheAccount: restarted with --ports-from, the
// simulator serves the next generation on the same ports, so the second
// night finds the fleet's real edits and not one spurious
// server-host-changed per group.
func TestSimulatePortsFromKeepsTheAccount(t *testing.T) {
	dir := t.TempDir()
	base := freePorts(t, 3)
	args := []string{"--instances", "2", "--workspaces", "1", "--groups", "6", "--seed", "3", "--ports-from", fmt.Sprint(base)}
	sim := startSimProcess(t, args...)
	if want := fmt.Sprintf("http://127.0.0.1:%d", base); sim.line.Master != want {
		t.Fatalf("master %s, want %s", sim.line.Master, want)
	}
	cfgPath, env := writeXanoConfig(t, dir, sim.line.Master, sim.line.APIKey, "")
	if res := runBinary(t, env, "run", "--config", cfgPath); res.code != exitOK {
		t.Fatalf("first run: %d %s", res.code, res.stderr)
	}
	sim.stop()
	sim2 := startSimProcess(t, append(args, "--generation", "2")...)
	if sim2.line.Master != sim.line.Master {
		t.Fatalf("restarted master %s, want %s", sim2.line.Master, sim.line.Master)
	}
	if res := runBinary(t, env, "run", "--config", cfgPath); res.code != exitOK {
		t.Fatalf("second run: %d %s", res.code, res.stderr)
	}
	out := runBinary(t, nil, "diff", "latest~1", "latest", "--store", filepath.Join(dir, "store"), "--format", "json")
	var changes diff.Changes
	if err := json.Unmarshal([]byte(out.stdout), &changes); err != nil {
		t.Fatalf("diff latest~1 latest: %v %s", err, out.stderr)
	}
	if changes.Summary.GroupsChanged == 0 {
		t.Fatalf("generation 2 changed nothing: %+v", changes.Summary)
	}
	for _, g := range changes.Groups {
		for _, f := range g.Changes {
			if f.ID == diff.RuleServerHostChanged {
				t.Errorf("%s: %s %s — the ports moved", g.Key, f.ID, f.Message)
			}
		}
	}
}

// TestSimulateControlsAreDocumented: every route the simulator serves
// under /__sim (it lists them when asked for one it does not know) is in
// `simulate --help` and in the README, each with a curl example, and each
// documented example works against a running simulator.
func TestSimulateControlsAreDocumented(t *testing.T) {
	sim := startSimProcess(t, "--instances", "1", "--workspaces", "1", "--groups", "2")
	resp, err := http.Get(sim.line.Master + "/__sim/no-such-control")
	if err != nil {
		t.Fatal(err)
	}
	var listed struct{ Routes []string }
	err = json.NewDecoder(resp.Body).Decode(&listed)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusNotFound || len(listed.Routes) != len(xanotest.SimRoutes) {
		t.Fatalf("unknown control: %d %+v %v", resp.StatusCode, listed, err)
	}
	help := runBinary(t, nil, "simulate", "--help")
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, route := range listed.Routes {
		method, target, _ := strings.Cut(route, " ")
		path, _, _ := strings.Cut(target, "?")
		for where, text := range map[string]string{"simulate --help": help.stderr, "README": strings.ReplaceAll(string(readme), `\|`, "|")} {
			if !strings.Contains(text, route) && !strings.Contains(text, method+"  "+target) {
				t.Errorf("%s does not list %s", where, route)
			}
			example := false
			for _, line := range strings.Split(text, "\n") {
				if strings.Contains(line, "curl -s ") && strings.Contains(line, "$MASTER"+path) && strings.Contains(line, "-X POST") == (method == http.MethodPost) {
					example = true
				}
			}
			if !example {
				t.Errorf("%s has no curl example of %s", where, route)
			}
		}
	}
	// The documented examples do what they say.
	for _, tc := range []struct {
		method, target, want string
	}{
		{"GET", "/__sim/generation", `"generation":1`},
		{"POST", "/__sim/generation?n=2", `"generation":2`},
		{"GET", "/__sim/edits?from=1&to=2", `"kind"`},
		{"POST", "/__sim/expire-tokens", `"expired":true`},
		{"POST", "/__sim/instance?name=acme-prod&down=true", `"down":true`},
		{"GET", "/__sim/fleet", `acme-prod`},
		{"GET", "/__sim/stats", `{`},
	} {
		req, _ := http.NewRequest(tc.method, sim.line.Master+tc.target, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), tc.want) {
			t.Errorf("%s %s: %d %s", tc.method, tc.target, resp.StatusCode, body)
		}
	}
}
