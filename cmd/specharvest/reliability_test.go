package main

// The reliability suite: what a night can bring, done to the real binary.
//
// Every fault scenario starts from a copy of one clean baseline store (the
// same fleet harvested without faults), runs `specharvest run` once
// against a simulator that misbehaves in one way, and then checks what a
// cron job relies on:
//
//   - the exit code is the documented one (0 when retries saved every
//     group, 3 when some are failed or stale, 1 when nothing arrived);
//   - `specharvest verify` finds the store clean;
//   - no good group was lost: every key of the baseline is in the new
//     snapshot as ok or stale (with its previous document), none is
//     reported removed — or, on exit 1, the baseline is still latest;
//   - the run ended within its crawl deadline (plus the time to validate,
//     merge and write);
//   - no key or token the simulator issued appears in the store, on
//     stdout or on stderr.
//
// The crash scenarios are in reliability_crash_test.go, the hostile
// inputs in reliability_hostile_test.go. SPECHARVEST_SOAK=1 turns on the
// longer variants. Each test logs a "reliability:" line with its figures.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/specharvest/specharvest/harvest/xanotest"
	"github.com/specharvest/specharvest/output"
)

// soakEnabled turns on the long variants of the suite.
func soakEnabled() bool { return os.Getenv("SPECHARVEST_SOAK") == "1" }

// reliabilityFleet is the account every fault scenario harvests: two
// instances, so one can be down while the other answers. Faults are
// decided from the seed and the URL, so a seed fixes which requests a
// fault rate hits; this one makes each rate of the scenarios hit at least
// two requests (the scenarios check that faults were injected at all).
func reliabilityFleet() xanotest.GenOptions {
	return xanotest.GenOptions{Seed: 61, Instances: 2, Workspaces: 2, Groups: 5, Endpoints: 4}
}

// simulateFleetArgs gives `specharvest simulate` the same fleet.
func simulateFleetArgs(o xanotest.GenOptions) []string {
	return []string{"--instances", strconv.Itoa(o.Instances), "--workspaces", strconv.Itoa(o.Workspaces),
		"--groups", strconv.Itoa(o.Groups), "--endpoints", strconv.Itoa(o.Endpoints), "--seed", strconv.FormatInt(o.Seed, 10)}
}

// crawlLimits is the crawl section of a scenario's config.
type crawlLimits struct {
	timeout, deadline time.Duration
	retries           int
	maxSpecBytes      string
}

func defaultLimits() crawlLimits {
	return crawlLimits{timeout: 2 * time.Second, deadline: 30 * time.Second, retries: 4, maxSpecBytes: "1MiB"}
}

// writeRunConfig writes a config with one Developer API source and the
// given crawl limits; the key travels in the environment, as in cron.
func writeRunConfig(t *testing.T, dir, storeDir, master, apiKey string, l crawlLimits) (string, []string) {
	t.Helper()
	path := filepath.Join(dir, "specharvest.yaml")
	cfg := fmt.Sprintf(`store: %s
sources:
  - name: prod
    type: xano
    master: %s
    api_key: ${TEST_XANO_KEY}
crawl:
  concurrency: 8
  per_host: 4
  timeout: %s
  retries: %d
  max_spec_bytes: %s
  deadline: %s
`, storeDir, master, l.timeout, l.retries, l.maxSpecBytes, l.deadline)
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, []string{"TEST_XANO_KEY=" + apiKey}
}

// baselineStore is a store holding one clean snapshot of a fleet.
type baselineStore struct {
	dir      string
	manifest *output.Manifest
	// requests is how many requests a clean harvest of the fleet takes.
	requests int
	// secrets are every key and token of the fleet's simulator.
	secrets []string
}

// takeBaseline harvests the fleet once without faults, and checks on the
// way that token-protected document URLs are stored redacted.
func takeBaseline(t *testing.T, opts xanotest.GenOptions) *baselineStore {
	t.Helper()
	dir := t.TempDir()
	fleet := xanotest.Generate(opts)
	srv, err := xanotest.Start(context.Background(), xanotest.Options{Fleet: fleet})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	storeDir := filepath.Join(dir, "store")
	cfg, env := writeRunConfig(t, dir, storeDir, srv.Master(), srv.APIKey(), defaultLimits())
	res := runBinary(t, env, "run", "--config", cfg)
	if res.code != exitOK {
		t.Fatalf("baseline run exited %d\nstdout: %s\nstderr: %s", res.code, res.stdout, res.stderr)
	}
	m := readManifest(t, storeDir, "")
	groups := fleet.Groups()
	if m.Summary.Specs != len(groups) || m.Summary.OK != len(groups) {
		t.Fatalf("baseline has %+v, want all %d groups ok", m.Summary, len(groups))
	}
	b := &baselineStore{dir: storeDir, manifest: m, secrets: srv.Secrets()}
	protected := 0
	for _, g := range groups {
		if g.Group.SwaggerToken != "" {
			protected++
			b.secrets = append(b.secrets, g.Group.SwaggerToken)
		}
	}
	redacted := 0
	for _, s := range m.Specs {
		if strings.Contains(s.URL, "REDACTED") {
			redacted++
		}
	}
	if protected == 0 || redacted != protected {
		t.Fatalf("%d groups are token-protected but %d manifest URLs are redacted", protected, redacted)
	}
	b.requests = totalRequests(srv.Stats())
	assertNoSecrets(t, b.secrets, "the baseline store or output", storeText(t, storeDir), res.stdout, res.stderr)
	return b
}

// copyInto copies the baseline store into dir/store for one scenario.
func (b *baselineStore) copyInto(t *testing.T, dir string) string {
	t.Helper()
	dst := filepath.Join(dir, "store")
	err := filepath.WalkDir(b.dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(b.dir, path)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// reliabilityFigures adds up what a test did, for its summary line.
type reliabilityFigures struct {
	mu          sync.Mutex
	scenarios   int
	runs        int
	faults      int
	groupsSeen  int
	groupsStale int
	groupsLost  int
}

func (f *reliabilityFigures) add(faults, seen, stale, lost int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.scenarios++
	f.runs++
	f.faults += faults
	f.groupsSeen += seen
	f.groupsStale += stale
	f.groupsLost += lost
}

func (f *reliabilityFigures) log(t *testing.T, what string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t.Logf("reliability: %s: %d scenarios, %d runs, %d faults injected, %d groups checked, %d carried forward stale, groups lost: %d",
		what, f.scenarios, f.runs, f.faults, f.groupsSeen, f.groupsStale, f.groupsLost)
}

// postCrawlSlack is the time a run may take after its crawl deadline:
// validating, merging, diffing and writing a small fleet, on a busy
// machine.
const postCrawlSlack = 30 * time.Second

// checkAfterFault checks one finished run against the baseline and
// returns the number of stale groups; it fails the test on anything else.
func checkAfterFault(t *testing.T, b *baselineStore, storeDir string, res binResult, took, deadline time.Duration, wantCode int, secrets []string) (stale int) {
	t.Helper()
	if res.code != wantCode {
		t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", res.code, wantCode, res.stdout, res.stderr)
	}
	if took > deadline+postCrawlSlack {
		t.Errorf("the run took %v; its crawl deadline is %v", took.Round(time.Millisecond), deadline)
	}
	assertVerifyClean(t, storeDir)
	assertNoSecrets(t, secrets, "the store, stdout or stderr", storeText(t, storeDir), res.stdout, res.stderr)

	m := readManifest(t, storeDir, "")
	if wantCode == exitFailure {
		// Nothing written: the baseline is still latest and alone.
		if m.ID != b.manifest.ID {
			t.Fatalf("a failed run moved latest to %s; the baseline %s must stay latest", m.ID, b.manifest.ID)
		}
		st, err := output.Open(context.Background(), storeDir)
		if err != nil {
			t.Fatal(err)
		}
		if snaps, err := st.Snapshots(context.Background()); err != nil || len(snaps) != 1 {
			t.Fatalf("snapshots after a failed run: %v, %v; want only the baseline", snaps, err)
		}
		return 0
	}
	if m.Previous != b.manifest.ID {
		t.Fatalf("snapshot %s has previous %q, want the baseline %s", m.ID, m.Previous, b.manifest.ID)
	}
	for _, was := range b.manifest.Specs {
		now := m.Spec(was.Key)
		switch {
		case now == nil:
			t.Errorf("group %s of the baseline is missing", was.Key)
		case now.Status == output.StatusStale:
			stale++
			if now.SHA256 != was.SHA256 || now.Error == "" {
				t.Errorf("stale group %s lost its previous document or its error: %+v", was.Key, now)
			}
		case now.Status != output.StatusOK:
			t.Errorf("group %s of the baseline is %s: %s", was.Key, now.Status, now.Error)
		}
	}
	if len(m.Specs) != len(b.manifest.Specs) {
		t.Errorf("snapshot has %d groups, the baseline %d", len(m.Specs), len(b.manifest.Specs))
	}
	if (wantCode == exitOK) != (m.Summary.Failed+m.Summary.Stale == 0) {
		t.Errorf("exit %d with summary %+v", res.code, m.Summary)
	}
	changes := readChanges(t, storeDir, m.ID)
	if changes.Summary.GroupsRemoved != 0 || changes.Summary.GroupsStale != stale {
		t.Errorf("changes.json reports %d removed and %d stale; want 0 removed and %d stale", changes.Summary.GroupsRemoved, changes.Summary.GroupsStale, stale)
	}
	return stale
}

// simStats reads a simulator process's counters.
func simStats(t *testing.T, master string) xanotest.Stats {
	t.Helper()
	resp, err := http.Get(master + "/__sim/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s xanotest.Stats
	data, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatalf("sim stats %q: %v", data, err)
	}
	return s
}

// spoiled counts the answers a simulator spoiled: error statuses and hung
// requests, or, for faults that answer 200 (truncated bodies, HTML), the
// requests beyond what a clean harvest takes — each such answer costs one
// more request.
func spoiled(s xanotest.Stats, cleanRequests int) int {
	return max(faultStatuses(s), totalRequests(s)-cleanRequests)
}

// faultStatuses counts the answers that were errors or never came.
func faultStatuses(s xanotest.Stats) int {
	bad := 0
	for status, n := range s.Statuses {
		if status != "200" && status != "304" {
			bad += n
		}
	}
	return bad
}

func totalRequests(s xanotest.Stats) int {
	n := 0
	for _, h := range s.Hosts {
		n += h.Requests
	}
	return n
}

// faultScenario is one way a night goes wrong.
type faultScenario struct {
	name     string
	limits   crawlLimits
	wantCode int
	// simulate, when set, runs `specharvest simulate` with these flags;
	// otherwise an in-process simulator with opts serves the run.
	simulate []string
	opts     xanotest.Options
	// during, when set, is called with the in-process simulator while
	// the run goes on.
	during func(t *testing.T, srv *xanotest.Server)
	// before, when set, prepares the in-process simulator before the run.
	before func(t *testing.T, srv *xanotest.Server)
	// check, when set, looks further at the outcome.
	check func(t *testing.T, res binResult, stats xanotest.Stats, storeDir string)
	// faults, when set, counts the faults injected where spoiled cannot
	// tell (every answer spoiled, say).
	faults func(stats xanotest.Stats) int
}

func TestReliabilityFaults(t *testing.T) {
	base := takeBaseline(t, reliabilityFleet())
	fleetOpts := reliabilityFleet()
	figures := &reliabilityFigures{}
	short := defaultLimits()
	short.deadline = 20 * time.Second

	scenarios := []faultScenario{
		{
			name: "10% of answers are 5xx", simulate: []string{"--fail-rate", "0.1"}, limits: defaultLimits(), wantCode: exitOK,
		},
		{
			name: "429 storm with Retry-After", simulate: []string{"--too-many-rate", "0.3"}, limits: defaultLimits(), wantCode: exitOK,
		},
		{
			name: "every URL answers 429 twice with Retry-After", limits: defaultLimits(), wantCode: exitOK,
			opts: xanotest.Options{Faults: []xanotest.Fault{{Kind: xanotest.FaultTooManyRequests, Rate: 1, Attempts: 2, RetryAfter: time.Second}}},
		},
		{
			// Without Retry-After the crawler waits Xano's 20-second
			// window, so documents, not the listings in front of them,
			// take the storm: the run stays within its deadline.
			name: "429 storm without Retry-After", wantCode: exitOK,
			limits: crawlLimits{timeout: 2 * time.Second, deadline: 60 * time.Second, retries: 4, maxSpecBytes: "1MiB"},
			opts:   xanotest.Options{Faults: []xanotest.Fault{{Kind: xanotest.FaultTooManyRequests, Rate: 0.5, Attempts: 1, Routes: xanotest.RouteDocument}}},
		},
		{
			name: "1% of requests hang", simulate: []string{"--hang-rate", "0.01"}, limits: defaultLimits(), wantCode: exitOK,
		},
		{
			name: "every document hangs: the deadline ends the run", wantCode: exitFailure,
			limits: crawlLimits{timeout: 2 * time.Second, deadline: 8 * time.Second, retries: 10, maxSpecBytes: "1MiB"},
			opts:   xanotest.Options{Faults: []xanotest.Fault{{Kind: xanotest.FaultHang, Rate: 1, Routes: xanotest.RouteDocument}}},
		},
		{
			name: "truncated bodies", simulate: []string{"--truncate-rate", "0.2"}, limits: defaultLimits(), wantCode: exitOK,
		},
		{
			name: "an instance is down for the whole run", limits: short, wantCode: exitPartial,
			before: func(t *testing.T, srv *xanotest.Server) {
				if err := srv.SetInstanceDown(srv.Fleet().Instances[1].Name, true); err != nil {
					t.Fatal(err)
				}
			},
			check: func(t *testing.T, res binResult, _ xanotest.Stats, storeDir string) {
				// Stale: the down instance's groups (it cannot be
				// listed) and the groups it hosts for the other one.
				fleet := xanotest.Generate(fleetOpts)
				down := fleet.Instances[1].Name
				want := 0
				for _, g := range fleet.Groups() {
					if g.Instance.Name == down || g.Group.Host == down {
						want++
					}
				}
				m := readManifest(t, storeDir, "")
				if m.Summary.Stale != want || m.Summary.OK != len(m.Specs)-want {
					t.Errorf("with one of two instances down: %+v, want %d stale and the rest ok", m.Summary, want)
				}
			},
		},
		{
			name: "the master answers 503 to everything", limits: short, wantCode: exitFailure,
			opts: xanotest.Options{Faults: []xanotest.Fault{{Kind: xanotest.FaultServerError, Rate: 1, Status: http.StatusServiceUnavailable, Routes: xanotest.RouteListing}}},
			check: func(t *testing.T, res binResult, _ xanotest.Stats, _ string) {
				if !strings.Contains(res.stderr, "nothing written") {
					t.Errorf("stderr does not say that nothing was written:\n%s", res.stderr)
				}
			},
		},
		{
			name: "the authToken expires in the middle of the run", limits: defaultLimits(), wantCode: exitOK,
			opts: xanotest.Options{Latency: 500 * time.Millisecond},
			during: func(t *testing.T, srv *xanotest.Server) {
				// Expire every token once the first workspace listing
				// is on its way with one (the simulator's latency holds
				// it before the token is checked).
				deadline := time.Now().Add(20 * time.Second)
				for srv.Stats().Routes["developer-workspaces"] == 0 {
					if time.Now().After(deadline) {
						t.Error("the run never asked for a token")
						return
					}
					time.Sleep(5 * time.Millisecond)
				}
				srv.ExpireTokens()
			},
			check: func(t *testing.T, _ binResult, stats xanotest.Stats, _ string) {
				if stats.Statuses["401"] == 0 {
					t.Error("no request met an expired token; the scenario proved nothing")
				}
			},
		},
		{
			name: "HTML pages instead of documents", wantCode: exitPartial,
			limits: crawlLimits{timeout: 2 * time.Second, deadline: 20 * time.Second, retries: 1, maxSpecBytes: "1MiB"},
			opts:   xanotest.Options{Faults: []xanotest.Fault{{Kind: xanotest.FaultHTML, Rate: 0.5, Routes: xanotest.RouteDocument}}},
			check: func(t *testing.T, res binResult, _ xanotest.Stats, storeDir string) {
				m := readManifest(t, storeDir, "")
				for _, s := range m.Specs {
					if s.Status == output.StatusStale && !strings.Contains(s.Error, "HTML") {
						t.Errorf("stale group %s says %q, not that it got an HTML page", s.Key, s.Error)
					}
				}
			},
		},
		{
			name: "every answer is an HTML page", limits: short, wantCode: exitFailure,
			opts:   xanotest.Options{Faults: []xanotest.Fault{{Kind: xanotest.FaultHTML, Rate: 1}}},
			faults: totalRequests,
		},
		{
			name: "documents of 10x max_spec_bytes", wantCode: exitPartial,
			limits: crawlLimits{timeout: 5 * time.Second, deadline: 20 * time.Second, retries: 2, maxSpecBytes: "64KiB"},
			opts:   xanotest.Options{Faults: []xanotest.Fault{{Kind: xanotest.FaultOversize, Rate: 0.3, Size: 10 * 64 << 10}}},
			check: func(t *testing.T, res binResult, _ xanotest.Stats, storeDir string) {
				m := readManifest(t, storeDir, "")
				for _, s := range m.Specs {
					if s.Status == output.StatusOK && s.Bytes > 64<<10 {
						t.Errorf("group %s stored %d bytes, past max_spec_bytes", s.Key, s.Bytes)
					}
					if s.Status == output.StatusStale && !strings.Contains(s.Error, "limit") {
						t.Errorf("stale group %s says %q, not that the document was too large", s.Key, s.Error)
					}
				}
			},
		},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			storeDir := base.copyInto(t, dir)
			secrets := append([]string(nil), base.secrets...)
			var (
				master, apiKey string
				stats          func() xanotest.Stats
				srv            *xanotest.Server
			)
			if sc.simulate != nil {
				sim := startSimProcess(t, append(simulateFleetArgs(fleetOpts), sc.simulate...)...)
				master, apiKey = sim.line.Master, sim.line.APIKey
				secrets = append(secrets, sim.line.APIKey, sim.line.MetaToken)
				stats = func() xanotest.Stats { return simStats(t, master) }
			} else {
				opts := sc.opts
				opts.Fleet = xanotest.Generate(fleetOpts)
				var err error
				srv, err = xanotest.Start(context.Background(), opts)
				if err != nil {
					t.Fatal(err)
				}
				defer srv.Close()
				if sc.before != nil {
					sc.before(t, srv)
				}
				master, apiKey = srv.Master(), srv.APIKey()
				stats = srv.Stats
			}
			cfg, env := writeRunConfig(t, dir, storeDir, master, apiKey, sc.limits)
			var wg sync.WaitGroup
			if sc.during != nil {
				wg.Add(1)
				go func() { defer wg.Done(); sc.during(t, srv) }()
			}
			started := time.Now()
			res := runBinary(t, env, "run", "--config", cfg, "--log-format", "json")
			took := time.Since(started)
			wg.Wait()
			st := stats()
			if srv != nil {
				secrets = append(secrets, srv.Secrets()...)
			}
			stale := checkAfterFault(t, base, storeDir, res, took, sc.limits.deadline, sc.wantCode, secrets)
			if sc.check != nil {
				sc.check(t, res, st, storeDir)
			}
			injected := max(spoiled(st, base.requests), stale)
			if sc.faults != nil {
				injected = sc.faults(st)
			}
			if injected == 0 {
				t.Errorf("no fault was injected; the scenario proved nothing (stats %+v)", st.Statuses)
			}
			t.Logf("%s: exit %d in %v; %d faults injected; %d of %d groups stale", sc.name, res.code, took.Round(time.Millisecond), injected, stale, len(base.manifest.Specs))
			figures.add(injected, len(base.manifest.Specs), stale, 0)
		})
	}
	t.Cleanup(func() { figures.log(t, "fault scenarios") })
}

// TestReliabilityMasterUnreachable stops the simulator between two runs:
// the master refuses connections, nothing can be fetched, and the run
// must say so with exit 1 and leave the previous snapshot as it was.
func TestReliabilityMasterUnreachable(t *testing.T) {
	dir := t.TempDir()
	opts := xanotest.GenOptions{Seed: 5, Instances: 1, Workspaces: 1, Groups: 3, Endpoints: 2}
	sim := startSimProcess(t, simulateFleetArgs(opts)...)
	storeDir := filepath.Join(dir, "store")
	limits := defaultLimits()
	limits.deadline = 15 * time.Second
	cfg, env := writeRunConfig(t, dir, storeDir, sim.line.Master, sim.line.APIKey, limits)
	first := runBinary(t, env, "run", "--config", cfg)
	if first.code != exitOK {
		t.Fatalf("first run exited %d: %s%s", first.code, first.stdout, first.stderr)
	}
	before := readManifest(t, storeDir, "")
	latestBefore, err := os.ReadFile(filepath.Join(storeDir, "latest"))
	if err != nil {
		t.Fatal(err)
	}
	manifestBefore, err := os.ReadFile(filepath.Join(storeDir, "snapshots", before.ID, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	sim.stop()

	started := time.Now()
	res := runBinary(t, env, "run", "--config", cfg)
	took := time.Since(started)
	if res.code != exitFailure {
		t.Fatalf("run with the master down exited %d, want %d\nstdout: %s\nstderr: %s", res.code, exitFailure, res.stdout, res.stderr)
	}
	if took > limits.deadline+postCrawlSlack {
		t.Errorf("the run took %v; its crawl deadline is %v", took, limits.deadline)
	}
	if !strings.Contains(res.stderr, "nothing written") {
		t.Errorf("stderr does not say that nothing was written:\n%s", res.stderr)
	}
	latestAfter, _ := os.ReadFile(filepath.Join(storeDir, "latest"))
	manifestAfter, _ := os.ReadFile(filepath.Join(storeDir, "snapshots", before.ID, "manifest.json"))
	if string(latestAfter) != string(latestBefore) || string(manifestAfter) != string(manifestBefore) {
		t.Fatal("a run that fetched nothing changed latest or the previous manifest")
	}
	entries, err := os.ReadDir(filepath.Join(storeDir, "snapshots"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != before.ID {
			t.Errorf("a run that fetched nothing left %s in snapshots/", e.Name())
		}
	}
	assertVerifyClean(t, storeDir)
	assertNoSecrets(t, []string{sim.line.APIKey, sim.line.MetaToken}, "the store or the output",
		storeText(t, storeDir), first.stdout, first.stderr, res.stdout, res.stderr)
	t.Logf("reliability: master unreachable: exit %d in %v, previous snapshot %s intact, groups lost: 0", res.code, took.Round(time.Millisecond), before.ID)
}

// TestReliabilityBothRoutesKeepSecrets harvests one account through both
// Xano routes at once, the Metadata API with its token and the Developer
// API with its key, while 10% of answers fail: no key, token, authToken
// or swagger token may reach the store or the output, and the documents
// behind swagger tokens are recorded with their URLs redacted.
func TestReliabilityBothRoutesKeepSecrets(t *testing.T) {
	dir := t.TempDir()
	fleet := reliabilityFleet()
	srv, err := xanotest.Start(context.Background(), xanotest.Options{Fleet: xanotest.Generate(fleet),
		Faults: []xanotest.Fault{{Kind: xanotest.FaultServerError, Rate: 0.1}}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	storeDir := filepath.Join(dir, "store")
	cfg := filepath.Join(dir, "specharvest.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`store: %s
sources:
  - name: dev
    type: xano
    master: %s
    api_key: ${TEST_XANO_KEY}
  - name: meta
    type: xano-meta
    master: %s
    token: ${TEST_XANO_META_TOKEN}
crawl:
  timeout: 2s
  retries: 4
  deadline: 30s
`, storeDir, srv.Master(), srv.Master())), 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{"TEST_XANO_KEY=" + srv.APIKey(), "TEST_XANO_META_TOKEN=" + srv.MetaToken()}
	res := runBinary(t, env, "run", "--config", cfg, "--log-format", "json")
	if res.code != exitOK {
		t.Fatalf("run exited %d\nstdout: %s\nstderr: %s", res.code, res.stdout, res.stderr)
	}
	m := readManifest(t, storeDir, "")
	groups := xanotest.Generate(fleet).Groups()
	protected := 0
	for _, g := range groups {
		if g.Group.SwaggerToken != "" {
			protected++
		}
	}
	redacted := map[string]int{}
	for _, s := range m.Specs {
		if strings.Contains(s.URL, "REDACTED") {
			redacted[s.Source]++
		}
	}
	if m.Summary.OK != 2*len(groups) || redacted["dev"] != protected {
		t.Fatalf("snapshot %+v with %v redacted URLs; want %d groups ok per source and the %d protected ones of the Developer API redacted",
			m.Summary, redacted, len(groups), protected)
	}
	assertVerifyClean(t, storeDir)
	secrets := append(srv.Secrets(), srv.APIKey(), srv.MetaToken())
	for _, g := range groups {
		secrets = append(secrets, g.Group.SwaggerToken)
	}
	assertNoSecrets(t, secrets, "the store, stdout or stderr", storeText(t, storeDir), res.stdout, res.stderr)
	t.Logf("reliability: both routes: %d groups, %d secrets searched for, %d faults injected, none leaked", len(m.Specs), len(secrets), faultStatuses(srv.Stats()))
}
