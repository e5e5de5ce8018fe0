package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/specharvest/specharvest/internal/s3test"
	"github.com/specharvest/specharvest/output"
)

// s3Env is the environment a run against srv needs: the standard AWS
// variables, as a CI job sets them.
func s3Env(srv *s3test.Server) []string {
	return []string{"AWS_ACCESS_KEY_ID=" + srv.AccessKey, "AWS_SECRET_ACCESS_KEY=" + srv.SecretKey}
}

// s3StoreURL is the store location read commands take: settings in the
// query, credentials from the environment.
func s3StoreURL(srv *s3test.Server, bucket, prefix string) string {
	return fmt.Sprintf("s3://%s/%s?endpoint=%s&path_style=true", bucket, prefix, srv.Endpoint)
}

// writeS3Config writes a config whose store is s3://bucket/prefix on srv.
func writeS3Config(t *testing.T, dir string, srv *s3test.Server, bucket, prefix, master, extra string) string {
	t.Helper()
	path := filepath.Join(dir, "specharvest.yaml")
	cfg := fmt.Sprintf(`store: s3://%s/%s
s3: {endpoint: %s, region: us-east-1, path_style: true}
sources:
  - name: prod
    type: xano
    master: %s
    api_key: ${TEST_XANO_KEY}
crawl:
  timeout: 5s
  retries: 2
  deadline: 2m
%s`, bucket, prefix, srv.Endpoint, master, extra)
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// openS3 opens the store as the binary does, for checks.
func openS3(t *testing.T, srv *s3test.Server, bucket, prefix string) *output.Store {
	t.Helper()
	t.Setenv("AWS_ACCESS_KEY_ID", srv.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", srv.SecretKey)
	st, err := openS3Store(context.Background(), s3StoreURL(srv, bucket, prefix))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func s3Latest(t *testing.T, st *output.Store) *output.Manifest {
	t.Helper()
	ctx := context.Background()
	id, err := st.Latest(ctx)
	if err != nil || id == "" {
		t.Fatalf("latest = %q, %v", id, err)
	}
	m, err := st.Manifest(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func assertS3VerifyClean(t *testing.T, env []string, url string) {
	t.Helper()
	if res := runBinary(t, env, "verify", "--store", url); res.code != exitOK {
		t.Fatalf("specharvest verify --store %s exited %d: %s%s", url, res.code, res.stdout, res.stderr)
	}
}

// Two nights into one bucket, then every command that reads the store,
// through the real binary against a real S3 gateway.
func TestEndToEndS3TwoNights(t *testing.T) {
	srv := s3test.Start(t)
	dir := t.TempDir()
	env := s3Env(srv)
	sim := startSimProcess(t, "--instances", "2", "--workspaces", "2", "--groups", "6", "--seed", "7")
	cfgPath := writeS3Config(t, dir, srv, "api-catalog", "nightly", sim.line.Master, "")
	env1 := append(env, "TEST_XANO_KEY="+sim.line.APIKey)

	first := runBinary(t, env1, "run", "--config", cfgPath, "--log-format", "json")
	if first.code != exitOK {
		t.Fatalf("first run exited %d\nstdout: %s\nstderr: %s\nweed: %s", first.code, first.stdout, first.stderr, srv.Log())
	}
	st := openS3(t, srv, "api-catalog", "nightly")
	m1 := s3Latest(t, st)
	if m1.Summary.OK != sim.line.Groups {
		t.Fatalf("first snapshot: %+v, want %d groups ok", m1.Summary, sim.line.Groups)
	}
	if !strings.Contains(first.stdout, "s3://api-catalog/nightly/snapshots/"+m1.ID+"/index.html") {
		t.Errorf("the summary does not point at the page in the bucket:\n%s", first.stdout)
	}
	sim.stop()

	sim2 := startSimProcess(t, "--instances", "2", "--workspaces", "2", "--groups", "6", "--seed", "7", "--generation", "2")
	cfgPath = writeS3Config(t, dir, srv, "api-catalog", "nightly", sim2.line.Master, "")
	env2 := append(env, "TEST_XANO_KEY="+sim2.line.APIKey)
	second := runBinary(t, env2, "run", "--config", cfgPath)
	if second.code != exitOK {
		t.Fatalf("second run exited %d\nstdout: %s\nstderr: %s", second.code, second.stdout, second.stderr)
	}
	m2 := s3Latest(t, st)
	if m2.Previous != m1.ID {
		t.Fatalf("second snapshot %s has previous %q, want %s", m2.ID, m2.Previous, m1.ID)
	}

	url := s3StoreURL(srv, "api-catalog", "nightly")
	list := runBinary(t, env, "snapshots", "list", "--store", url)
	if list.code != exitOK || !strings.Contains(list.stdout, m1.ID) || !strings.Contains(list.stdout, m2.ID) {
		t.Fatalf("snapshots list (%d): %s%s", list.code, list.stdout, list.stderr)
	}
	gate := runBinary(t, env, "diff", "--store", url, m1.ID, m2.ID, "--fail-on", "breaking")
	if gate.code != exitThreshold || !strings.Contains(gate.stdout, "breaking") {
		t.Fatalf("diff of two snapshot ids exited %d, want %d:\n%s%s", gate.code, exitThreshold, gate.stdout, gate.stderr)
	}
	hist := runBinary(t, env, "history", m2.Specs[0].Key, "--store", url)
	if hist.code != exitOK || !strings.Contains(hist.stdout, m2.Specs[0].ChangedIn) {
		t.Fatalf("history (%d): %s%s", hist.code, hist.stdout, hist.stderr)
	}
	bundle := filepath.Join(dir, "bundle.tar.gz")
	if res := runBinary(t, env, "snapshots", "export", "latest", "--store", url, "-o", bundle); res.code != exitOK {
		t.Fatalf("export exited %d: %s", res.code, res.stderr)
	}
	if fi, err := os.Stat(bundle); err != nil || fi.Size() == 0 {
		t.Fatalf("no bundle: %v", err)
	}
	// Publishing: the bundle's files go to a bucket prefix a static site
	// serves, with the page and every document it links.
	site := fmt.Sprintf("s3://public-site/catalog?endpoint=%s&path_style=true", srv.Endpoint)
	pub := runBinary(t, env, "snapshots", "export", "latest", "--store", url, "-o", site)
	if pub.code != exitOK || !strings.Contains(pub.stdout, "published snapshot "+m2.ID) {
		t.Fatalf("export to a bucket exited %d: %s%s", pub.code, pub.stdout, pub.stderr)
	}
	siteCfg, err := s3ConfigFor(site, S3Settings{}, func(k string) (string, bool) {
		v := map[string]string{"AWS_ACCESS_KEY_ID": srv.AccessKey, "AWS_SECRET_ACCESS_KEY": srv.SecretKey}[k]
		return v, v != ""
	})
	if err != nil {
		t.Fatal(err)
	}
	siteBackend, err := output.NewS3Backend(context.Background(), siteCfg)
	if err != nil {
		t.Fatal(err)
	}
	page, err := siteBackend.Get(context.Background(), "index.html")
	if err != nil {
		t.Fatalf("the published prefix has no index.html: %v", err)
	}
	html, _ := io.ReadAll(page)
	page.Close()
	for _, e := range m2.Specs {
		if _, err := siteBackend.Stat(context.Background(), "specs/"+e.Key+".json"); err != nil {
			t.Errorf("published prefix lacks the document of %s: %v", e.Key, err)
		}
	}
	if !strings.Contains(string(html), "specs/") {
		t.Errorf("the published page does not link the published documents")
	}
	assertS3VerifyClean(t, env, url)

	var texts []string
	for _, r := range []binResult{first, second, list, gate, hist, pub} {
		texts = append(texts, r.stdout, r.stderr)
	}
	assertNoSecrets(t, []string{srv.SecretKey, sim.line.APIKey, sim2.line.APIKey}, "the output", texts...)
	assertNoSecrets(t, []string{srv.SecretKey, sim.line.APIKey, sim2.line.APIKey}, "the bucket", bucketText(t, st))
}

// bucketText concatenates every object of a store, for secret searches.
func bucketText(t *testing.T, st *output.Store) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	err := st.Backend().List(ctx, "", func(o output.ObjectInfo) error {
		rc, err := st.Backend().Get(ctx, o.Key)
		if err != nil {
			return err
		}
		defer rc.Close()
		_, err = io.Copy(&b, rc)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// Wrong credentials: exit 1 at once, an error naming the variables to
// check, and the secret nowhere in the output.
func TestEndToEndS3WrongCredentials(t *testing.T) {
	srv := s3test.Start(t)
	dir := t.TempDir()
	sim := startSimProcess(t, "--instances", "1", "--workspaces", "1", "--groups", "2")
	cfgPath := writeS3Config(t, dir, srv, "api-catalog", "nightly", sim.line.Master, "")
	wrong := "wrong-" + srv.SecretKey[:20]
	res := runBinary(t, []string{"AWS_ACCESS_KEY_ID=" + srv.AccessKey, "AWS_SECRET_ACCESS_KEY=" + wrong, "TEST_XANO_KEY=" + sim.line.APIKey},
		"run", "--config", cfgPath)
	if res.code != exitFailure || !strings.Contains(res.stderr, "AWS_SECRET_ACCESS_KEY") || !strings.Contains(res.stderr, "refused the credentials") {
		t.Fatalf("run with a wrong secret exited %d, want %d with an error naming the variable:\n%s", res.code, exitFailure, res.stderr)
	}
	assertNoSecrets(t, []string{wrong, srv.SecretKey, sim.line.APIKey}, "the output", res.stdout, res.stderr)

	// Keys written as ${VAR} in the config: the error names those.
	cfgPath = writeS3Config(t, dir, srv, "api-catalog", "nightly", sim.line.Master, "")
	data, _ := os.ReadFile(cfgPath)
	data = []byte(strings.Replace(string(data), "path_style: true}", `path_style: true, access_key: "${TEAM_S3_KEY}", secret_key: "${TEAM_S3_SECRET}"}`, 1))
	os.WriteFile(cfgPath, data, 0o644)
	res = runBinary(t, []string{"TEAM_S3_KEY=" + srv.AccessKey, "TEAM_S3_SECRET=" + wrong, "TEST_XANO_KEY=" + sim.line.APIKey},
		"run", "--config", cfgPath)
	if res.code != exitFailure || !strings.Contains(res.stderr, "TEAM_S3_SECRET") {
		t.Fatalf("run with a wrong ${TEAM_S3_SECRET} exited %d:\n%s", res.code, res.stderr)
	}
	assertNoSecrets(t, []string{wrong, srv.SecretKey}, "the output", res.stdout, res.stderr)

	// No credentials at all: said before any request.
	res = runBinary(t, []string{"AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY="}, "snapshots", "list", "--store", s3StoreURL(srv, "api-catalog", "nightly"))
	if res.code == exitOK || !strings.Contains(res.stderr, "AWS_ACCESS_KEY_ID") {
		t.Fatalf("snapshots list without credentials exited %d: %s", res.code, res.stderr)
	}
}

// The server goes away in the middle of a run: the run fails (exit 1),
// and once the server is back latest is the previous snapshot, intact.
func TestEndToEndS3ServerStoppedMidRun(t *testing.T) {
	srv := s3test.Start(t)
	dir := t.TempDir()
	env := s3Env(srv)
	sim := startSimProcess(t, "--instances", "2", "--workspaces", "2", "--groups", "5", "--latency", "60ms")
	cfgPath := writeS3Config(t, dir, srv, "api-catalog", "nightly", sim.line.Master, "")
	env = append(env, "TEST_XANO_KEY="+sim.line.APIKey)
	if res := runBinary(t, env, "run", "--config", cfgPath); res.code != exitOK {
		t.Fatalf("first run exited %d: %s%s", res.code, res.stdout, res.stderr)
	}
	good := s3Latest(t, openS3(t, srv, "api-catalog", "nightly"))

	cmd := exec.Command(specharvestBinary(t), "run", "--config", cfgPath)
	cmd.Env = append(os.Environ(), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(400 * time.Millisecond)
	srv.Stop()
	err := cmd.Wait()
	code := 0
	if exit, ok := err.(*exec.ExitError); ok {
		code = exit.ExitCode()
	}
	if code != exitFailure {
		t.Fatalf("a run that lost its store exited %d, want %d:\n%s", code, exitFailure, stderr.String())
	}
	srv.Restart(t)
	if latest := s3Latest(t, openS3(t, srv, "api-catalog", "nightly")); latest.ID != good.ID {
		t.Fatalf("latest moved to %s after a failed run, want %s", latest.ID, good.ID)
	}
	assertS3VerifyClean(t, s3Env(srv), s3StoreURL(srv, "api-catalog", "nightly"))
}

// SIGKILL at random moments of runs uploading into the bucket: latest
// always names a complete snapshot and verify is clean every time.
func TestEndToEndS3KilledRunsNeverBreakTheStore(t *testing.T) {
	if testing.Short() {
		t.Skip("kills many runs")
	}
	srv := s3test.Start(t)
	dir := t.TempDir()
	sim := startSimProcess(t, "--instances", "2", "--workspaces", "2", "--groups", "5", "--latency", "20ms")
	cfgPath := writeS3Config(t, dir, srv, "api-catalog", "nightly", sim.line.Master, "")
	env := append(s3Env(srv), "TEST_XANO_KEY="+sim.line.APIKey)
	url := s3StoreURL(srv, "api-catalog", "nightly")
	start := time.Now()
	if res := runBinary(t, env, "run", "--config", cfgPath); res.code != exitOK {
		t.Fatalf("first run exited %d: %s%s", res.code, res.stdout, res.stderr)
	}
	full := time.Since(start)
	st := openS3(t, srv, "api-catalog", "nightly")
	good := s3Latest(t, st)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 15))
	const kills = 8
	for i := 0; i < kills; i++ {
		at := time.Duration(rng.Int64N(int64(full)))
		cmd := exec.Command(specharvestBinary(t), "run", "--config", cfgPath)
		cmd.Env = append(os.Environ(), env...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(at)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		latest := s3Latest(t, st)
		if latest.Summary.Specs != good.Summary.Specs {
			t.Fatalf("after a kill at %v latest %s has %d specs, want %d", at, latest.ID, latest.Summary.Specs, good.Summary.Specs)
		}
		assertS3VerifyClean(t, s3Env(srv), url)
	}
	if res := runBinary(t, env, "run", "--config", cfgPath); res.code != exitOK {
		t.Fatalf("the run after the kills exited %d: %s%s", res.code, res.stdout, res.stderr)
	}
	assertS3VerifyClean(t, s3Env(srv), url)
}

// Two sharded jobs, one per source, race into one bucket: both land, the
// later one rebased onto the earlier, and latest holds both sources' new
// documents, each job's other source marked carried.
func TestEndToEndS3ShardedJobsRacing(t *testing.T) {
	srv := s3test.Start(t)
	dir := t.TempDir()
	writeConfig := func(a, b *simProcess) string {
		path := filepath.Join(dir, "specharvest.yaml")
		cfg := fmt.Sprintf(`store: s3://api-catalog/shared
s3: {endpoint: %s, path_style: true}
sources:
  - {name: staging, type: xano, master: %s, api_key: "${KEY_STAGING}"}
  - {name: production, type: xano, master: %s, api_key: "${KEY_PRODUCTION}"}
crawl: {timeout: 5s, retries: 2, deadline: 2m}
`, srv.Endpoint, a.line.Master, b.line.Master)
		if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	sims := func(gen string) (*simProcess, *simProcess, []string) {
		a := startSimProcess(t, "--instances", "1", "--workspaces", "2", "--groups", "4", "--seed", "3", "--generation", gen, "--latency", "40ms")
		b := startSimProcess(t, "--instances", "1", "--workspaces", "2", "--groups", "4", "--seed", "5", "--generation", gen, "--latency", "40ms")
		return a, b, append(s3Env(srv), "KEY_STAGING="+a.line.APIKey, "KEY_PRODUCTION="+b.line.APIKey)
	}
	a1, b1, env := sims("1")
	cfgPath := writeConfig(a1, b1)
	if res := runBinary(t, env, "run", "--config", cfgPath); res.code != exitOK {
		t.Fatalf("full run exited %d: %s%s", res.code, res.stdout, res.stderr)
	}
	st := openS3(t, srv, "api-catalog", "shared")
	base := s3Latest(t, st)
	a1.stop()
	b1.stop()

	a2, b2, env := sims("2")
	cfgPath = writeConfig(a2, b2)
	type outcome struct {
		source string
		res    binResult
	}
	done := make(chan outcome, 2)
	for _, source := range []string{"staging", "production"} {
		go func() {
			done <- outcome{source, runBinaryNoFatal(specharvestBinary(t), env, "run", "--config", cfgPath, "--source", source, "--log-format", "json")}
		}()
	}
	rebased := 0
	for range 2 {
		o := <-done
		if o.res.code != exitOK {
			t.Fatalf("sharded run --source %s exited %d: %s%s", o.source, o.res.code, o.res.stdout, o.res.stderr)
		}
		if strings.Contains(o.res.stderr, "rebasing onto it") {
			rebased++
		}
	}
	if rebased != 1 {
		t.Errorf("%d of the two racing jobs rebased, want exactly 1 (the later)", rebased)
	}
	latest := s3Latest(t, st)
	prev, err := st.Manifest(context.Background(), latest.Previous)
	if err != nil {
		t.Fatalf("latest's previous: %v", err)
	}
	if prev.Previous != base.ID {
		t.Fatalf("history %s ← %s ← %s, want both shards on top of %s", latest.ID, prev.ID, prev.Previous, base.ID)
	}
	// Latest holds the later shard's source as harvested, and the earlier
	// shard's source carried exactly as that shard harvested it; both
	// moved on from generation 1.
	fresh, carried, moved := map[string]int{}, map[string]int{}, map[string]bool{}
	for _, e := range latest.Specs {
		if e.Status != output.StatusOK {
			t.Errorf("%s: status %s", e.Key, e.Status)
		}
		if before := base.Spec(e.Key); before == nil || before.SHA256 != e.SHA256 {
			moved[e.Source] = true
		}
		if !e.Carried {
			fresh[e.Source]++
			continue
		}
		carried[e.Source]++
		if p := prev.Spec(e.Key); p == nil || p.Carried || p.SHA256 != e.SHA256 {
			t.Errorf("%s is carried but is not what the earlier shard harvested: %+v", e.Key, p)
		}
	}
	if !moved["staging"] || !moved["production"] {
		t.Errorf("a source still shows generation 1 only: moved %v", moved)
	}
	if len(fresh) != 1 || len(carried) != 1 {
		t.Fatalf("latest has fresh %v and carried %v, want one source each", fresh, carried)
	}
	assertS3VerifyClean(t, s3Env(srv), s3StoreURL(srv, "api-catalog", "shared"))
}

// runBinaryNoFatal is runBinary for goroutines, which must not call Fatal.
func runBinaryNoFatal(bin string, env []string, args ...string) binResult {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := binResult{stdout: stdout.String(), stderr: stderr.String()}
	if exit, ok := err.(*exec.ExitError); ok {
		res.code = exit.ExitCode()
	} else if err != nil {
		res.code = -1
		res.stderr += err.Error()
	}
	return res
}
