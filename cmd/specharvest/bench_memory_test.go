package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The figures of bounded memory and of a store that grows only with
// change are measured on the real binary in a child process: peak RSS is
// the child's ru_maxrss, so nothing of the test process counts.
//
//	go test -run '^$' -bench RealSize -benchtime 1x ./cmd/specharvest

var (
	benchBinOnce sync.Once
	benchBin     string
	benchBinErr  error
)

// builtBinary builds the command once per test process for benchmarks,
// which specharvestBinary (a *testing.T helper) does not serve.
func builtBinary(tb testing.TB) string {
	tb.Helper()
	benchBinOnce.Do(func() {
		// SPECHARVEST_BENCH_BIN measures another build (an older
		// release, say) with the same fleets and the same figures.
		if bin := os.Getenv("SPECHARVEST_BENCH_BIN"); bin != "" {
			benchBin = bin
			return
		}
		dir, err := os.MkdirTemp("", "specharvest-bench-bin-")
		if err != nil {
			benchBinErr = err
			return
		}
		benchBin = filepath.Join(dir, "specharvest")
		out, err := exec.Command("go", "build", "-o", benchBin, ".").CombinedOutput()
		if err != nil {
			benchBinErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if benchBinErr != nil {
		tb.Fatal(benchBinErr)
	}
	return benchBin
}

// xanoFixtures are the two real Xano documents, decoded.
func xanoFixtures(tb testing.TB) []map[string]any {
	tb.Helper()
	var out []map[string]any
	for _, name := range []string{"apigroup-mobile-native.openapi.json", "instance-metadata-api-2025-03.openapi.json"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "harvest", "xanotest", "testdata", name))
		if err != nil {
			tb.Fatal(err)
		}
		var doc map[string]any
		if err := json.Unmarshal(data, &doc); err != nil {
			tb.Fatal(err)
		}
		out = append(out, doc)
	}
	return out
}

// variedGroup is fixture doc made into group i of a real-size fleet: its
// own base path and title (as every Xano group has), about one path in
// twenty left out and one operation in five with its own description, all
// drawn from a generator seeded by seed and i.
func variedGroup(doc map[string]any, seed uint64, i int) []byte {
	rng := rand.New(rand.NewPCG(seed, uint64(i)))
	clone := func(v any) any {
		data, _ := json.Marshal(v)
		var out any
		_ = json.Unmarshal(data, &out)
		return out
	}
	d := clone(doc).(map[string]any)
	letters := "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	var base strings.Builder
	for range 8 {
		base.WriteByte(letters[rng.IntN(len(letters))])
	}
	d["servers"] = []any{map[string]any{"url": fmt.Sprintf("https://x%d.n7.xano.io/api:%s", i%10, base.String())}}
	info := d["info"].(map[string]any)
	info["title"] = fmt.Sprintf("%s %d", info["title"], i)
	paths := d["paths"].(map[string]any)
	names := make([]string, 0, len(paths))
	for p := range paths {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, p := range names {
		if rng.IntN(20) == 0 {
			delete(paths, p)
			continue
		}
		item, _ := paths[p].(map[string]any)
		for _, op := range item {
			if o, ok := op.(map[string]any); ok && rng.IntN(5) == 0 {
				o["description"] = fmt.Sprintf("%v (variant %d of group %d)", o["description"], rng.IntN(1000), i)
			}
		}
	}
	data, _ := json.Marshal(d)
	return data
}

// writeRealSizeFleet writes groups documents under dir as
// <instance>/<workspace>/<group>.json and returns their total size.
func writeRealSizeFleet(tb testing.TB, dir string, groups int, seed uint64) int64 {
	tb.Helper()
	fixtures := xanoFixtures(tb)
	var total int64
	for i := range groups {
		data := variedGroup(fixtures[i%len(fixtures)], seed, i)
		path := filepath.Join(dir, fmt.Sprintf("instance-%d", i%10), fmt.Sprintf("workspace-%d", (i/10)%5), fmt.Sprintf("group-%03d.json", i))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			tb.Fatal(err)
		}
		total += int64(len(data))
	}
	return total
}

// writeWideDocument writes one document of n small paths (one GET each,
// about 170 bytes a path, the shape of a generated admin API) under the
// Metadata API fixture's info and servers, and returns its size. It is
// written path by path, never held whole: a child inherits the peak RSS
// of the process that starts it (ru_maxrss counts the memory image that
// exec replaced), so a large document built here would be reported as the
// binary's own peak.
func writeWideDocument(tb testing.TB, path string, n int) int64 {
	tb.Helper()
	fixture := xanoFixtures(tb)[1]
	templates := make([]string, n)
	for i := range n {
		templates[i] = fmt.Sprintf("/table%d/record/{id}", i)
	}
	sort.Strings(templates) // the order encoding/json gives a map's keys
	var buf bytes.Buffer
	put := func(v any) {
		data, err := json.Marshal(v)
		if err != nil {
			tb.Fatal(err)
		}
		buf.Write(data)
	}
	// Keys in encoding/json's order: info, openapi, paths, servers.
	buf.WriteString(`{"info":`)
	put(fixture["info"])
	buf.WriteString(`,"openapi":`)
	put(fixture["openapi"])
	buf.WriteString(`,"paths":{`)
	for j, template := range templates {
		if j > 0 {
			buf.WriteByte(',')
		}
		var i int
		fmt.Sscanf(template, "/table%d/", &i)
		put(template)
		buf.WriteByte(':')
		put(map[string]any{"get": map[string]any{
			"summary":    fmt.Sprintf("Get a record of table %d", i),
			"parameters": []any{map[string]any{"name": "id", "in": "path", "required": true, "schema": map[string]any{"type": "integer"}}},
			"responses":  map[string]any{"200": map[string]any{"description": "the record"}},
		}})
	}
	buf.WriteString(`},"servers":`)
	put(fixture["servers"])
	buf.WriteByte('}')
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		tb.Fatal(err)
	}
	return int64(buf.Len())
}

// writeFilesConfig writes a config that harvests every JSON file under
// fleetDir into storeDir.
func writeFilesConfig(tb testing.TB, dir, fleetDir, storeDir string) string {
	tb.Helper()
	cfg := fmt.Sprintf("store: %s\nsources:\n  - name: fleet\n    type: files\n    paths: [\"%s/**/*.json\"]\nretention: {keep_last: 100}\n", storeDir, fleetDir)
	path := filepath.Join(dir, "specharvest.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}

// childRun is one finished run of the binary.
type childRun struct {
	code    int
	took    time.Duration
	peakRSS int64 // bytes
	stderr  string
}

// runChild runs the binary with args (through sh when a shell prefix such
// as a ulimit is given) and reports its peak RSS from ru_maxrss.
func runChild(tb testing.TB, env []string, shellPrefix string, args ...string) childRun {
	tb.Helper()
	// Generous: on a loaded machine a first run of 500 real-size groups
	// has taken over ten minutes of wall time.
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	bin := builtBinary(tb)
	var cmd *exec.Cmd
	if shellPrefix != "" {
		quoted := make([]string, 0, len(args)+1)
		for _, a := range append([]string{bin}, args...) {
			quoted = append(quoted, "'"+strings.ReplaceAll(a, "'", `'\''`)+"'")
		}
		cmd = exec.CommandContext(ctx, "sh", "-c", shellPrefix+"; exec "+strings.Join(quoted, " "))
	} else {
		cmd = exec.CommandContext(ctx, bin, args...)
	}
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	res := childRun{took: time.Since(start), stderr: stderr.String()}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		tb.Fatalf("run %v: %v", args, err)
	}
	res.code = cmd.ProcessState.ExitCode()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		res.peakRSS = int64(ru.Maxrss) * 1024 // kilobytes on Linux
	}
	return res
}

// BenchmarkRealSizeFleet prints the figures the nightly job is held to:
// peak RSS of a first run at 120 and 500 real-size groups, the time of the
// first run and of an unchanged re-run, the store after 30 unchanged
// nights against one, and the peak RSS of one 40,000-path document
// against its size.
func BenchmarkRealSizeFleet(b *testing.B) {
	const mb = 1 << 20
	for range b.N {
		root := b.TempDir()
		peakAt := map[int]int64{}
		var first500, rerun500 time.Duration
		var store500, fleet500 string
		var oneNight int64
		for _, groups := range []int{120, 500} {
			fleet := filepath.Join(root, fmt.Sprintf("fleet-%d", groups))
			store := filepath.Join(root, fmt.Sprintf("store-%d", groups))
			size := writeRealSizeFleet(b, fleet, groups, 7)
			cfg := writeFilesConfig(b, filepath.Join(root), fleet, store)
			run := runChild(b, nil, "", "run", "--config", cfg, "--quiet")
			if run.code != 0 {
				b.Fatalf("%d groups: exit %d\n%s", groups, run.code, run.stderr)
			}
			peakAt[groups] = run.peakRSS
			b.Logf("%d groups, %.1f MB of documents: first run %.1fs, peak RSS %d MB", groups, float64(size)/mb, run.took.Seconds(), run.peakRSS/mb)
			if groups == 500 {
				first500, store500, fleet500 = run.took, store, cfg
				oneNight = diskUsage(b, store)
			}
		}
		again := runChild(b, nil, "", "run", "--config", fleet500, "--quiet")
		if again.code != 0 {
			b.Fatalf("re-run: exit %d\n%s", again.code, again.stderr)
		}
		rerun500 = again.took
		for night := 3; night <= 30; night++ {
			if r := runChild(b, nil, "", "run", "--config", fleet500, "--quiet"); r.code != 0 {
				b.Fatalf("night %d: exit %d\n%s", night, r.code, r.stderr)
			}
		}
		thirty := diskUsage(b, store500)
		verify := runChild(b, nil, "", "verify", "--store", store500)
		if verify.code != 0 {
			b.Fatalf("verify after 30 nights: exit %d\n%s", verify.code, verify.stderr)
		}

		wide := filepath.Join(root, "wide", "one", "doc", "wide.json")
		wideSize := writeWideDocument(b, wide, 40000)
		wideCfg := writeFilesConfig(b, filepath.Join(root, "wide"), filepath.Join(root, "wide", "one"), filepath.Join(root, "store-wide"))
		wideRun := runChild(b, nil, "", "run", "--config", wideCfg, "--quiet")
		if wideRun.code != 0 && wideRun.code != exitPartial {
			b.Fatalf("40,000 paths: exit %d\n%s", wideRun.code, wideRun.stderr)
		}

		b.ReportMetric(float64(peakAt[120])/mb, "MB-peak-120")
		b.ReportMetric(float64(peakAt[500])/mb, "MB-peak-500")
		b.ReportMetric(float64(peakAt[500])/float64(peakAt[120]), "peak-500/120")
		b.ReportMetric(first500.Seconds(), "s-first-500")
		b.ReportMetric(rerun500.Seconds()/first500.Seconds(), "rerun/first")
		b.ReportMetric(float64(thirty)/float64(oneNight), "store-30/1-night")
		b.ReportMetric(float64(wideRun.peakRSS)/float64(wideSize), "peak/size-40k-paths")
		b.Logf("unchanged re-run %.2fs (%.3f× the first); store %d MB after 1 night, %d MB after 30 (%.3f×)",
			rerun500.Seconds(), rerun500.Seconds()/first500.Seconds(), oneNight/mb, thirty/mb, float64(thirty)/float64(oneNight))
		b.Logf("40,000 paths, %.1f MB: peak RSS %d MB (%.1f× its size), %.1fs", float64(wideSize)/mb, wideRun.peakRSS/mb, float64(wideRun.peakRSS)/float64(wideSize), wideRun.took.Seconds())
	}
}

// BenchmarkWideDocument prints the peak RSS of one 40,000-path document
// against its size, on the first night (validate, facts, merge, catalog,
// pages) and on a second night with the document unchanged (the diff
// path, which reads nothing of an unchanged group). It takes about a
// minute, where BenchmarkRealSizeFleet takes many.
//
//	go test ./cmd/specharvest -run '^$' -bench WideDocument -benchtime 1x
//
// SPECHARVEST_BENCH_PATHS sets another number of paths.
func BenchmarkWideDocument(b *testing.B) {
	const mb = 1 << 20
	paths := 40000
	if s := os.Getenv("SPECHARVEST_BENCH_PATHS"); s != "" {
		if _, err := fmt.Sscan(s, &paths); err != nil {
			b.Fatalf("SPECHARVEST_BENCH_PATHS=%q: %v", s, err)
		}
	}
	for range b.N {
		root := b.TempDir()
		doc := filepath.Join(root, "docs", "one", "doc", "wide.json")
		size := writeWideDocument(b, doc, paths)
		cfg := writeFilesConfig(b, root, filepath.Join(root, "docs"), filepath.Join(root, "store"))
		var peaks [2]int64
		for night := range peaks {
			r := runChild(b, nil, "", "run", "--config", cfg, "--quiet")
			if r.code != exitOK {
				b.Fatalf("night %d: exit %d\n%s", night+1, r.code, lastLines(r.stderr, 20))
			}
			peaks[night] = r.peakRSS
			b.Logf("%d paths, %.1f MB: night %d peak RSS %d MB (%.1f× its size), %.1fs",
				paths, float64(size)/mb, night+1, r.peakRSS/mb, float64(r.peakRSS)/float64(size), r.took.Seconds())
		}
		b.ReportMetric(float64(size)/mb, "MB-document")
		b.ReportMetric(float64(peaks[0])/float64(size), "peak/size-first")
		b.ReportMetric(float64(peaks[1])/float64(size), "peak/size-unchanged")
	}
}
