package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/specharvest/specharvest/harvest/xanotest"
	"github.com/specharvest/specharvest/merge/diff"
	"github.com/specharvest/specharvest/output"
)

// The end-to-end tests drive the real binary, built once per test run.
var (
	binaryOnce sync.Once
	binaryPath string
	binaryErr  error
)

func specharvestBinary(t *testing.T) string {
	t.Helper()
	binaryOnce.Do(func() {
		dir, err := os.MkdirTemp("", "specharvest-bin-")
		if err != nil {
			binaryErr = err
			return
		}
		binaryPath = filepath.Join(dir, "specharvest")
		out, err := exec.Command("go", "build", "-o", binaryPath, ".").CombinedOutput()
		if err != nil {
			binaryErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binaryErr != nil {
		t.Fatal(binaryErr)
	}
	return binaryPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binaryPath != "" {
		os.RemoveAll(filepath.Dir(binaryPath))
	}
	os.Exit(code)
}

// binResult is one finished command of the real binary.
type binResult struct {
	code           int
	stdout, stderr string
}

func runBinary(t *testing.T, env []string, args ...string) binResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, specharvestBinary(t), args...)
	cmd.Env = append(os.Environ(), env...)
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

// simProcess is `specharvest simulate` running as its own process.
type simProcess struct {
	line simulateLine
	cmd  *exec.Cmd
}

func startSimProcess(t *testing.T, args ...string) *simProcess {
	t.Helper()
	cmd := exec.Command(specharvestBinary(t), append([]string{"simulate"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &simProcess{cmd: cmd}
	t.Cleanup(p.stop)
	lineCh := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		lineCh <- line
	}()
	select {
	case line := <-lineCh:
		if err := json.Unmarshal([]byte(line), &p.line); err != nil {
			t.Fatalf("simulate printed %q: %v", line, err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("simulate printed nothing")
	}
	return p
}

func (p *simProcess) stop() {
	if p.cmd.ProcessState != nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
}

// writeXanoConfig writes a config with one Developer API source and
// returns its path and the environment that holds the key.
func writeXanoConfig(t *testing.T, dir, master, apiKey, extra string) (string, []string) {
	t.Helper()
	path := filepath.Join(dir, "specharvest.yaml")
	cfg := fmt.Sprintf(`store: %s
sources:
  - name: prod
    type: xano
    master: %s
    api_key: ${TEST_XANO_KEY}
crawl:
  timeout: 5s
  retries: 2
  deadline: 2m
%s`, filepath.Join(dir, "store"), master, extra)
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, []string{"TEST_XANO_KEY=" + apiKey}
}

func readManifest(t *testing.T, storeDir, id string) *output.Manifest {
	t.Helper()
	st, err := output.Open(context.Background(), storeDir)
	if err != nil {
		t.Fatal(err)
	}
	if id == "" {
		if id, err = st.Latest(context.Background()); err != nil || id == "" {
			t.Fatalf("latest: %q, %v", id, err)
		}
	}
	m, err := st.Manifest(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// readChanges reads the changes.json of a snapshot.
func readChanges(t *testing.T, storeDir, id string) *diff.Changes {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(storeDir, "snapshots", id, "changes.json"))
	if err != nil {
		t.Fatal(err)
	}
	var c diff.Changes
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatalf("changes.json of %s: %v", id, err)
	}
	return &c
}

func assertVerifyClean(t *testing.T, storeDir string) {
	t.Helper()
	st, err := output.Open(context.Background(), storeDir)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := st.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("verify found problems: %v", rep.Problems)
	}
	if res := runBinary(t, nil, "verify", "--store", storeDir); res.code != exitOK {
		t.Fatalf("specharvest verify exited %d: %s%s", res.code, res.stdout, res.stderr)
	}
}

func assertNoSecrets(t *testing.T, secrets []string, where string, texts ...string) {
	t.Helper()
	for _, s := range secrets {
		if len(s) < 6 {
			continue
		}
		for _, text := range texts {
			if strings.Contains(text, s) {
				t.Fatalf("a secret (%.4s…) appears in %s", s, where)
			}
		}
	}
}

// storeText concatenates every file of a store, for secret searches.
func storeText(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		b.Write(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestEndToEndTwoNightsAgainstSimulate(t *testing.T) {
	dir := t.TempDir()
	sim := startSimProcess(t, "--instances", "2", "--workspaces", "2", "--groups", "6", "--seed", "7")
	cfgPath, env := writeXanoConfig(t, dir, sim.line.Master, sim.line.APIKey, "")
	storeDir := filepath.Join(dir, "store")

	first := runBinary(t, env, "run", "--config", cfgPath, "--log-format", "json")
	if first.code != exitOK {
		t.Fatalf("first run exited %d\nstdout: %s\nstderr: %s", first.code, first.stdout, first.stderr)
	}
	m1 := readManifest(t, storeDir, "")
	if m1.Summary.Specs != sim.line.Groups || m1.Summary.OK != sim.line.Groups {
		t.Fatalf("first snapshot has %+v, want all %d groups ok", m1.Summary, sim.line.Groups)
	}
	for _, s := range m1.Specs {
		if s.Key == "" || s.SHA256 == "" || s.Bytes == 0 || s.Status != output.StatusOK || s.URL == "" || s.Title == "" {
			t.Fatalf("incomplete manifest entry: %+v", s)
		}
	}
	for _, name := range []string{"merged.json", "merged.yaml", "catalog.json", "api-catalog.json", "index.html"} {
		if _, err := os.Stat(filepath.Join(storeDir, "snapshots", m1.ID, name)); err != nil {
			t.Errorf("first snapshot lacks %s: %v", name, err)
		}
	}
	sim.stop()

	// The next night the fleet has moved on, and is served from other
	// ports: keys must not depend on them.
	sim2 := startSimProcess(t, "--instances", "2", "--workspaces", "2", "--groups", "6", "--seed", "7", "--generation", "2")
	cfgPath, env = writeXanoConfig(t, dir, sim2.line.Master, sim2.line.APIKey, "")
	second := runBinary(t, env, "run", "--config", cfgPath)
	if second.code != exitOK {
		t.Fatalf("second run exited %d\nstdout: %s\nstderr: %s", second.code, second.stdout, second.stderr)
	}
	m2 := readManifest(t, storeDir, "")
	if m2.ID == m1.ID || m2.Previous != m1.ID {
		t.Fatalf("second snapshot %s has previous %q, want %s", m2.ID, m2.Previous, m1.ID)
	}
	changes := readChanges(t, storeDir, m2.ID)
	if changes.Summary.GroupsAdded == 0 || changes.Summary.GroupsRemoved == 0 || changes.Summary.GroupsChanged == 0 || changes.Summary.Breaking == 0 {
		t.Fatalf("changes between generations 1 and 2: %+v", changes.Summary)
	}
	gate := runBinary(t, nil, "diff", "--store", storeDir, "latest~1", "latest", "--format", "json", "--fail-on", "breaking")
	if gate.code != exitThreshold {
		t.Fatalf("diff latest~1 latest --fail-on breaking exited %d, want %d: %s", gate.code, exitThreshold, gate.stderr)
	}
	var gated diff.Changes
	if err := json.Unmarshal([]byte(gate.stdout), &gated); err != nil || gated.Base != m1.ID || gated.Revision != m2.ID || gated.Summary != changes.Summary {
		t.Fatalf("diff latest~1 latest = %+v (%v), want the run's own changes.json from %s to %s", gated.Summary, err, m1.ID, m2.ID)
	}
	if !strings.Contains(second.stdout, "BREAKING") {
		t.Errorf("the summary does not single out breaking changes:\n%s", second.stdout)
	}
	list := runBinary(t, nil, "snapshots", "list", "--store", storeDir)
	if list.code != exitOK || !strings.Contains(list.stdout, m1.ID) || !strings.Contains(list.stdout, m2.ID) {
		t.Fatalf("snapshots list (%d): %s%s", list.code, list.stdout, list.stderr)
	}
	assertVerifyClean(t, storeDir)
	assertExportIsSelfContained(t, storeDir, m2)
	assertNoSecrets(t, []string{sim.line.APIKey, sim.line.MetaToken}, "the store or the output",
		storeText(t, storeDir), first.stdout, first.stderr, second.stdout, second.stderr)
}

// assertExportIsSelfContained exports a snapshot with the real binary and
// checks the bundle: every document under specs/, and a catalog page and
// api-catalog.json that link those copies rather than the store's blobs.
func assertExportIsSelfContained(t *testing.T, storeDir string, m *output.Manifest) {
	t.Helper()
	bundle := filepath.Join(t.TempDir(), "bundle.tar.gz")
	if res := runBinary(t, nil, "snapshots", "export", m.ID, "--store", storeDir, "-o", bundle); res.code != exitOK {
		t.Fatalf("export exited %d: %s%s", res.code, res.stdout, res.stderr)
	}
	f, err := os.Open(bundle)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	tr := tar.NewReader(gz)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files[hdr.Name] = data
	}
	for _, s := range m.Specs {
		if s.HasBlob() && files["specs/"+s.Key+".json"] == nil && files["specs/"+s.Key+".yaml"] == nil {
			t.Errorf("the bundle lacks the document of %s", s.Key)
		}
	}
	for _, name := range []string{"index.html", "api-catalog.json", "catalog.json", "manifest.json", "merged.json", "CHANGES.md"} {
		if files[name] == nil {
			t.Errorf("the bundle lacks %s", name)
		}
	}
	assertBundleLinksResolve(t, files)
	for _, name := range []string{"index.html", "api-catalog.json"} {
		if bytes.Contains(files[name], []byte("blobs/sha256")) {
			t.Errorf("the bundle's %s links the store's blobs, which it does not contain", name)
		}
		if !bytes.Contains(files[name], []byte("specs/")) {
			t.Errorf("the bundle's %s does not link its specs/ copies", name)
		}
	}
}

func TestEndToEndInstanceDownIsStaleNotRemoved(t *testing.T) {
	dir := t.TempDir()
	srv, err := xanotest.Start(context.Background(), xanotest.Options{Fleet: xanotest.Generate(xanotest.GenOptions{Seed: 3, Instances: 2, Workspaces: 1, Groups: 3})})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	cfgPath, env := writeXanoConfig(t, dir, srv.Master(), srv.APIKey(), "")
	storeDir := filepath.Join(dir, "store")
	if res := runBinary(t, env, "run", "--config", cfgPath); res.code != exitOK {
		t.Fatalf("first run exited %d: %s%s", res.code, res.stdout, res.stderr)
	}
	down := srv.Fleet().Instances[1].Name
	if err := srv.SetInstanceDown(down, true); err != nil {
		t.Fatal(err)
	}
	res := runBinary(t, env, "run", "--config", cfgPath)
	if res.code != exitPartial {
		t.Fatalf("run with instance %q down exited %d, want %d: %s%s", down, res.code, exitPartial, res.stdout, res.stderr)
	}
	m := readManifest(t, storeDir, "")
	stale := 0
	for _, s := range m.Specs {
		if s.Status == output.StatusStale {
			stale++
			if s.Error == "" || s.SHA256 == "" {
				t.Errorf("stale group without its error or previous document: %+v", s)
			}
		}
	}
	if stale != 3 || m.Summary.Specs != 6 {
		t.Fatalf("stale = %d of %d specs, want 3 of 6: %+v", stale, m.Summary.Specs, m.Summary)
	}
	changes := readChanges(t, storeDir, m.ID)
	if changes.Summary.GroupsRemoved != 0 || changes.Summary.GroupsStale != 3 {
		t.Fatalf("changes with an instance down: %+v", changes.Summary)
	}
	assertVerifyClean(t, storeDir)
}

func TestEndToEndSecondRunIsLockedOut(t *testing.T) {
	dir := t.TempDir()
	sim := startSimProcess(t, "--instances", "1", "--workspaces", "1", "--groups", "4", "--latency", "300ms")
	cfgPath, env := writeXanoConfig(t, dir, sim.line.Master, sim.line.APIKey, "")
	storeDir := filepath.Join(dir, "store")

	first := make(chan binResult, 1)
	go func() { first <- runBinary(t, env, "run", "--config", cfgPath) }()
	lockDir := filepath.Join(storeDir, "locks")
	deadline := time.Now().Add(20 * time.Second)
	for {
		entries, _ := os.ReadDir(lockDir)
		if len(entries) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the first run never took the lock")
		}
		time.Sleep(20 * time.Millisecond)
	}
	started := time.Now()
	second := runBinary(t, env, "run", "--config", cfgPath)
	if second.code != exitLocked {
		t.Fatalf("second run exited %d, want %d: %s%s", second.code, exitLocked, second.stdout, second.stderr)
	}
	if took := time.Since(started); took > 5*time.Second {
		t.Errorf("the locked-out run took %v; it must exit at once", took)
	}
	if res := <-first; res.code != exitOK {
		t.Fatalf("first run exited %d: %s%s", res.code, res.stdout, res.stderr)
	}
	st, _ := output.Open(context.Background(), storeDir)
	snaps, err := st.Snapshots(context.Background())
	if err != nil || len(snaps) != 1 {
		t.Fatalf("snapshots = %v, %v; want exactly the first run's", snaps, err)
	}
	assertVerifyClean(t, storeDir)
}

func TestEndToEndKilledRunsNeverBreakTheStore(t *testing.T) {
	if testing.Short() {
		t.Skip("kills many runs")
	}
	dir := t.TempDir()
	sim := startSimProcess(t, "--instances", "2", "--workspaces", "2", "--groups", "5", "--latency", "20ms")
	cfgPath, env := writeXanoConfig(t, dir, sim.line.Master, sim.line.APIKey, "")
	storeDir := filepath.Join(dir, "store")
	if res := runBinary(t, env, "run", "--config", cfgPath); res.code != exitOK {
		t.Fatalf("first run exited %d: %s%s", res.code, res.stdout, res.stderr)
	}
	good := readManifest(t, storeDir, "")

	// Kill runs at moments spread over a whole run: during the crawl, the
	// blob writes, the reports and the manifest.
	start := time.Now()
	if res := runBinary(t, env, "run", "--config", cfgPath); res.code != exitOK {
		t.Fatalf("timing run exited %d", res.code)
	}
	full := time.Since(start)
	const kills = 12
	for i := 0; i < kills; i++ {
		at := full * time.Duration(i+1) / (kills + 1)
		cmd := exec.Command(specharvestBinary(t), "run", "--config", cfgPath)
		cmd.Env = append(os.Environ(), env...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(at)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()

		latest := readManifest(t, storeDir, "")
		if latest.Summary.Specs != good.Summary.Specs {
			t.Fatalf("after a kill at %v latest %s has %d specs, want %d", at, latest.ID, latest.Summary.Specs, good.Summary.Specs)
		}
		assertVerifyClean(t, storeDir)
	}
	if res := runBinary(t, env, "run", "--config", cfgPath); res.code != exitOK {
		t.Fatalf("the run after the kills exited %d: %s%s", res.code, res.stdout, res.stderr)
	}
	assertVerifyClean(t, storeDir)
}

func TestDemoRunsTwoNightsAndShowsTheChanges(t *testing.T) {
	storeDir := filepath.Join(t.TempDir(), "demo")
	res := runBinary(t, nil, "demo", "--store", storeDir)
	if res.code != exitOK {
		t.Fatalf("demo exited %d\nstdout: %s\nstderr: %s", res.code, res.stdout, res.stderr)
	}
	m := readManifest(t, storeDir, "")
	if m.Previous == "" {
		t.Fatalf("the demo's latest snapshot %s has no previous one", m.ID)
	}
	page := filepath.Join(storeDir, "snapshots", m.ID, "index.html")
	if !strings.Contains(res.stdout, page) {
		t.Errorf("the demo does not print the catalog page %s:\n%s", page, res.stdout)
	}
	changes, err := os.ReadFile(filepath.Join(storeDir, "snapshots", m.ID, "CHANGES.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(changes), "breaking") || !strings.Contains(res.stdout, "BREAKING") {
		t.Errorf("the demo shows no breaking change:\n%s\n%s", res.stdout, changes)
	}
	assertVerifyClean(t, storeDir)

	// Running it again starts afresh rather than piling onto the old store.
	again := runBinary(t, nil, "demo", "--store", storeDir)
	if again.code != exitOK {
		t.Fatalf("second demo exited %d: %s%s", again.code, again.stdout, again.stderr)
	}
	st, _ := output.Open(context.Background(), storeDir)
	if snaps, err := st.Snapshots(context.Background()); err != nil || len(snaps) != 2 {
		t.Fatalf("after a second demo the store has %d snapshots (%v), want 2", len(snaps), err)
	}

	// A folder the demo did not make is never emptied.
	other := t.TempDir()
	if err := os.WriteFile(filepath.Join(other, "precious.txt"), []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	if res := runBinary(t, nil, "demo", "--store", other); res.code != exitUsage {
		t.Fatalf("demo into a foreign folder exited %d, want %d", res.code, exitUsage)
	}
	if _, err := os.Stat(filepath.Join(other, "precious.txt")); err != nil {
		t.Fatal("the demo deleted a file it did not make")
	}
}

// TestEndToEndGateMetricsAndWebhook checks what a cron job watches: a
// breaking change between two nights exits 4 under --fail-on breaking,
// the metrics file tells the last run's figures, and a webhook hears of
// the breaking change — and of nothing when nothing happened.
func TestEndToEndGateMetricsAndWebhook(t *testing.T) {
	dir := t.TempDir()
	srv, err := xanotest.Start(context.Background(), xanotest.Options{Fleet: xanotest.Generate(xanotest.GenOptions{Seed: 5, Instances: 1, Workspaces: 2, Groups: 6})})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	var mu sync.Mutex
	var hooks []map[string]any
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			t.Errorf("webhook body: %v", err)
		}
		mu.Lock()
		hooks = append(hooks, body)
		mu.Unlock()
	}))
	defer receiver.Close()

	metrics := filepath.Join(dir, "specharvest.prom")
	cfgPath, env := writeXanoConfig(t, dir, srv.Master(), srv.APIKey(), fmt.Sprintf(`metrics_file: %s
notify:
  - url: %s/hook?token=${TEST_XANO_KEY}
    on: [breaking]
`, metrics, receiver.URL))

	first := runBinary(t, env, "run", "--config", cfgPath, "--fail-on", "breaking")
	if first.code != exitOK {
		t.Fatalf("first run exited %d: %s%s", first.code, first.stdout, first.stderr)
	}
	prom, err := os.ReadFile(metrics)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(prom), "specharvest_last_run_exit_code 0") || !strings.Contains(string(prom), `specharvest_groups{status="ok"} 12`) {
		t.Fatalf("metrics after the first run:\n%s", prom)
	}
	mu.Lock()
	if len(hooks) != 0 {
		t.Errorf("the webhook was called for a night without breaking changes: %v", hooks)
	}
	mu.Unlock()

	srv.SetGeneration(2)
	second := runBinary(t, env, "run", "--config", cfgPath, "--fail-on", "breaking")
	if second.code != exitThreshold {
		t.Fatalf("a night with breaking changes under --fail-on breaking exited %d, want %d: %s%s", second.code, exitThreshold, second.stdout, second.stderr)
	}
	prom, err = os.ReadFile(metrics)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(prom), "specharvest_last_run_exit_code 4") || strings.Contains(string(prom), `specharvest_findings{level="breaking"} 0`) {
		t.Fatalf("metrics after the breaking night:\n%s", prom)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(hooks) != 1 {
		t.Fatalf("the webhook was called %d times for one breaking night", len(hooks))
	}
	summary, _ := hooks[0]["summary"].(map[string]any)
	if n, _ := summary["breaking"].(float64); n == 0 {
		t.Errorf("the webhook's summary has no breaking count: %v", hooks[0])
	}
	if text, _ := hooks[0]["text"].(string); text == "" {
		t.Errorf("the webhook's summary has no Slack text: %v", hooks[0])
	}
	payload, _ := json.Marshal(hooks)
	assertNoSecrets(t, srv.Secrets(), "the webhook payload, the store or the output",
		string(payload), storeText(t, filepath.Join(dir, "store")), first.stderr, second.stderr, second.stdout)
}

// TestEndToEndURLAndFileSources harvests the two plain source types
// through the real binary: a real Xano document behind a token-protected
// URL on a loopback server, and YAML files found by a ** glob. Keys must
// not depend on host or port, and the token must never be stored.
func TestEndToEndURLAndFileSources(t *testing.T) {
	const token = "partner-swagger-token-4c1e9b"
	fixture, err := os.ReadFile(filepath.Join("..", "..", "harvest", "validate", "testdata", "apigroup-mobile-native.openapi.json"))
	if err != nil {
		t.Fatal(err)
	}
	partner := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("token") != token {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(fixture)
	}))
	defer partner.Close()

	dir := t.TempDir()
	specs := filepath.Join(dir, "specs")
	for rel, title := range map[string]string{"billing/v2/api.yaml": "Billing", "search/api.yaml": "Search"} {
		path := filepath.Join(specs, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		doc := fmt.Sprintf("openapi: 3.0.3\ninfo: {title: %s, version: '1'}\npaths:\n  /%s:\n    get:\n      responses:\n        '200': {description: ok}\n", title, strings.ToLower(title))
		if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	storeDir := filepath.Join(dir, "store")
	cfgPath := filepath.Join(dir, "specharvest.yaml")
	cfg := fmt.Sprintf(`store: %s
sources:
  - name: partners
    type: url
    urls: ["%s/apispec:mobile?type=json&token=${PARTNER_TOKEN}"]
  - name: local
    type: files
    paths: ["%s/**/*.yaml"]
`, storeDir, partner.URL, specs)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	// The run keeps repaired documents in a scratch directory for its
	// merge; none may outlive it.
	scratch := t.TempDir()
	res := runBinary(t, []string{"PARTNER_TOKEN=" + token, "TMPDIR=" + scratch}, "run", "--config", cfgPath)
	if res.code != exitOK {
		t.Fatalf("run exited %d\nstdout: %s\nstderr: %s", res.code, res.stdout, res.stderr)
	}
	if left, _ := os.ReadDir(scratch); len(left) > 0 {
		t.Errorf("the run left %d entries in its temporary directory, the first %q", len(left), left[0].Name())
	}
	if !strings.Contains(res.stderr, "stage=merge") {
		t.Errorf("the log does not say how long the merge took:\n%s", res.stderr)
	}
	m := readManifest(t, storeDir, "")
	if m.Summary.Specs != 3 || m.Summary.OK != 3 || m.Summary.Invalid != 0 {
		t.Fatalf("summary %+v, want 3 valid documents", m.Summary)
	}
	var partnerEntry *output.SpecEntry
	for i, s := range m.Specs {
		if strings.Contains(s.Key, "127.0.0.1") || strings.Contains(s.Key, ":") {
			t.Errorf("key %q depends on the host", s.Key)
		}
		if s.Source == "partners" {
			partnerEntry = &m.Specs[i]
		}
	}
	if partnerEntry == nil || partnerEntry.Title != "Mobile Native" || partnerEntry.Operations != 61 {
		t.Fatalf("the partner document is missing or misread: %+v", partnerEntry)
	}
	if m.Spec("local/-/billing-v2/api") == nil || m.Spec("local/-/search/api") == nil {
		t.Fatalf("file keys: %+v", m.Specs)
	}
	merged, err := os.ReadFile(filepath.Join(storeDir, "snapshots", m.ID, "merged.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"/billing", "/search", "/auth/login"} {
		if !strings.Contains(string(merged), want) {
			t.Errorf("merged.json lacks %s", want)
		}
	}
	assertVerifyClean(t, storeDir)
	assertNoSecrets(t, []string{token}, "the store or the output", storeText(t, storeDir), res.stdout, res.stderr)
}

// TestEndToEndDocumentBecameInvalidIsBreaking: a group whose document
// stops reading (a $ref to nothing) is a breaking change, so
// run --fail-on breaking exits 4; when it reads again, that is info.
func TestEndToEndDocumentBecameInvalidIsBreaking(t *testing.T) {
	dir := t.TempDir()
	specPath := filepath.Join(dir, "specs", "orders.yaml")
	if err := os.MkdirAll(filepath.Dir(specPath), 0o755); err != nil {
		t.Fatal(err)
	}
	const valid = `openapi: 3.0.3
info: {title: Orders, version: '1'}
paths:
  /orders:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Order'}
components:
  schemas:
    Order: {type: object, properties: {id: {type: string}}}
`
	invalid := strings.Replace(valid, "schemas/Order'}", "schemas/Missing'}", 1)
	var mu sync.Mutex
	var texts []string
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Text string }
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			t.Errorf("webhook body: %v", err)
		}
		mu.Lock()
		texts = append(texts, body.Text)
		mu.Unlock()
	}))
	defer receiver.Close()
	storeDir := filepath.Join(dir, "store")
	cfgPath := filepath.Join(dir, "specharvest.yaml")
	cfg := fmt.Sprintf("store: %s\nsources:\n  - name: local\n    type: files\n    paths: [\"%s/specs/*.yaml\"]\nnotify:\n  - url: %s/hook\n    on: [always]\n", storeDir, dir, receiver.URL)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	night := func(doc string) (binResult, *diff.Changes) {
		t.Helper()
		if err := os.WriteFile(specPath, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		res := runBinary(t, nil, "run", "--config", cfgPath, "--fail-on", "breaking")
		m := readManifest(t, storeDir, "")
		if m.Previous == "" {
			return res, nil
		}
		return res, readChanges(t, storeDir, m.ID)
	}
	if res, _ := night(valid); res.code != exitOK {
		t.Fatalf("first night exited %d\n%s", res.code, res.stderr)
	}
	res, c := night(invalid)
	if res.code != exitThreshold {
		t.Errorf("the night the document became invalid exited %d, want %d\n%s", res.code, exitThreshold, res.stderr)
	}
	if c == nil || !changesHave(c, diff.RuleDocumentBecameInvalid, diff.LevelBreaking, "Missing") {
		t.Errorf("changes.json lacks a breaking document-became-invalid finding citing the error: %+v", c)
	}
	mu.Lock()
	if n := len(texts); n != 2 || !strings.Contains(texts[1], "Left out of the merged document: local/-/-/orders") {
		t.Errorf("the webhook of the night the document became invalid does not say it was left out of the merged document: %q", texts)
	}
	mu.Unlock()
	res, c = night(valid)
	if res.code != exitOK {
		t.Errorf("the night the document read again exited %d, want 0\n%s", res.code, res.stderr)
	}
	if c == nil || !changesHave(c, diff.RuleDocumentBecameValid, diff.LevelInfo, "") {
		t.Errorf("changes.json lacks document-became-valid: %+v", c)
	}
}

func changesHave(c *diff.Changes, id string, level diff.Level, text string) bool {
	for _, g := range c.Groups {
		for _, f := range g.Changes {
			if f.ID == id && f.Level == level && strings.Contains(f.Message, text) {
				return true
			}
		}
	}
	return false
}

var (
	bundleAttr    = regexp.MustCompile(`(?:href|src)="([^"]*)"`)
	bundleDocs    = regexp.MustCompile(`data-docs="([^"]*)"`)
	bundleSpecRef = regexp.MustCompile(`reference\.html#spec=([0-9a-f]{64})`)
)

// assertBundleLinksResolve checks that every local href and src of every
// HTML page of a bundle, and every document the reference page is linked
// to load, is a file of the bundle.
func assertBundleLinksResolve(t *testing.T, files map[string][]byte) {
	t.Helper()
	docs := map[string]string{}
	if m := bundleDocs.FindSubmatch(files[output.ReferenceHTML]); m != nil {
		if err := json.Unmarshal([]byte(html.UnescapeString(string(m[1]))), &docs); err != nil {
			t.Fatalf("reference page data-docs: %v", err)
		}
	}
	pages := 0
	for name, data := range files {
		if !strings.HasSuffix(name, ".html") {
			continue
		}
		pages++
		for _, m := range bundleAttr.FindAllSubmatch(data, -1) {
			link := html.UnescapeString(string(m[1]))
			if link == "" || strings.HasPrefix(link, "#") || strings.Contains(link, ":") {
				continue
			}
			target := path.Join(path.Dir(name), strings.SplitN(strings.SplitN(link, "#", 2)[0], "?", 2)[0])
			if files[target] == nil {
				t.Errorf("bundle page %s links %q, which the bundle does not hold", name, link)
			}
		}
		for _, m := range bundleSpecRef.FindAllSubmatch(data, -1) {
			if doc := docs[string(m[1])]; doc == "" || files[doc] == nil {
				t.Errorf("bundle page %s opens the reference of %s, whose document (%q) the bundle does not hold", name, m[1], doc)
			}
		}
		if bytes.Contains(data, []byte("blobs/sha256")) && name != output.ReferenceHTML {
			t.Errorf("bundle page %s points into the store's blobs", name)
		}
	}
	if pages == 0 || files[output.ReferenceHTML] == nil || files["merged.json"] == nil {
		t.Errorf("the bundle lacks its pages, reference page or merged document: %d pages", pages)
	}
}
