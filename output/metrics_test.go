package output

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// exposition is a parsed Prometheus text file: sample values by metric
// name with labels, and the TYPE of each metric family.
type exposition struct {
	samples map[string]float64
	types   map[string]string
}

var (
	metricName  = `[a-zA-Z_:][a-zA-Z0-9_:]*`
	labelPair   = `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"`
	sampleLine  = regexp.MustCompile(`^(` + metricName + `)(\{(?:` + labelPair + `)(?:,` + labelPair + `)*\})? (\S+)( -?[0-9]+)?$`)
	commentLine = regexp.MustCompile(`^# (HELP|TYPE) (` + metricName + `) (.+)$`)
)

// parseExposition checks every line against the text exposition format
// (comment, HELP, TYPE or sample) and that a family's HELP and TYPE come
// before its samples, once each.
func parseExposition(t *testing.T, text string) exposition {
	t.Helper()
	e := exposition{samples: map[string]float64{}, types: map[string]string{}}
	help := map[string]bool{}
	if !strings.HasSuffix(text, "\n") {
		t.Error("the file does not end with a newline")
	}
	sc := bufio.NewScanner(strings.NewReader(text))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if m := commentLine.FindStringSubmatch(line); m != nil {
			switch m[1] {
			case "HELP":
				if help[m[2]] {
					t.Errorf("line %d: second HELP for %s", n, m[2])
				}
				help[m[2]] = true
			case "TYPE":
				if e.types[m[2]] != "" {
					t.Errorf("line %d: second TYPE for %s", n, m[2])
				}
				switch m[3] {
				case "counter", "gauge", "histogram", "summary", "untyped":
				default:
					t.Errorf("line %d: unknown type %q", n, m[3])
				}
				e.types[m[2]] = m[3]
			}
			continue
		}
		m := sampleLine.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("line %d is not well-formed: %q", n, line)
			continue
		}
		if e.types[m[1]] == "" || !help[m[1]] {
			t.Errorf("line %d: sample of %s before its HELP and TYPE", n, m[1])
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			t.Errorf("line %d: value %q is not a number", n, m[3])
		}
		key := m[1] + m[2]
		if _, dup := e.samples[key]; dup {
			t.Errorf("line %d: %s appears twice", n, key)
		}
		e.samples[key] = v
	}
	return e
}

func TestMetricsFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "specharvest.prom")
	finished := time.Date(2026, 11, 27, 2, 4, 5, 250_000_000, time.UTC)
	m := RunMetrics{
		Finished:   finished,
		Duration:   3*time.Minute + 1500*time.Millisecond,
		Snapshot:   `20261127T020000Z`,
		Groups:     map[string]int{StatusOK: 1990, StatusFailed: 4, `we"ird\status`: 1},
		Invalid:    12,
		Operations: 48000,
		Findings:   map[string]int{"breaking": 3, "info": 40},
		ExitCode:   4,
	}
	if err := WriteMetricsFile(context.Background(), path, m); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	e := parseExposition(t, string(data))
	want := map[string]float64{
		"specharvest_last_run_timestamp_seconds":                      float64(finished.UnixMilli()) / 1000,
		"specharvest_last_run_duration_seconds":                       181.5,
		"specharvest_last_run_exit_code":                              4,
		`specharvest_groups{status="ok"}`:                             1990,
		`specharvest_groups{status="stale"}`:                          0,
		`specharvest_groups{status="failed"}`:                         4,
		`specharvest_groups{status="we\"ird\\status"}`:                1,
		"specharvest_groups_invalid":                                  12,
		"specharvest_operations":                                      48000,
		`specharvest_findings{level="breaking"}`:                      3,
		`specharvest_findings{level="warning"}`:                       0,
		`specharvest_findings{level="info"}`:                          40,
		`specharvest_last_snapshot_info{snapshot="20261127T020000Z"}`: 1,
	}
	for k, v := range want {
		got, ok := e.samples[k]
		if !ok {
			t.Errorf("missing sample %s", k)
		} else if got != v {
			t.Errorf("%s = %v, want %v", k, got, v)
		}
	}
	if len(e.samples) != len(want) {
		t.Errorf("%d samples, want %d:\n%s", len(e.samples), len(want), data)
	}
	for name, typ := range e.types {
		if typ != "gauge" {
			t.Errorf("%s is a %s; every metric of the last run is a gauge", name, typ)
		}
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("the exporter must be able to read the file: mode %v (%v)", fi.Mode(), err)
	}

	// Rewriting replaces the file whole and leaves no temp file behind.
	m.ExitCode, m.Snapshot = 1, ""
	if err := WriteMetricsFile(context.Background(), path, m); err != nil {
		t.Fatal(err)
	}
	data, _ = os.ReadFile(path)
	e = parseExposition(t, string(data))
	if e.samples["specharvest_last_run_exit_code"] != 1 {
		t.Errorf("the rewrite did not take: %s", data)
	}
	for k := range e.samples {
		if strings.HasPrefix(k, "specharvest_last_snapshot_info") {
			t.Error("a run that wrote no snapshot names one")
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		var names []string
		for _, en := range entries {
			names = append(names, en.Name())
		}
		t.Errorf("the folder holds %v; node_exporter reads every *.prom file there, leave only ours", names)
	}
}

func TestMetricsFileErrors(t *testing.T) {
	dir := t.TempDir()
	if err := WriteMetricsFile(context.Background(), filepath.Join(dir, "missing", "x.prom"), RunMetrics{}); err == nil {
		t.Error("writing into a missing folder must fail")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := WriteMetricsFile(ctx, filepath.Join(dir, "x.prom"), RunMetrics{}); err == nil {
		t.Error("a cancelled context must stop the write")
	}
	if _, err := os.Stat(filepath.Join(dir, "x.prom")); !os.IsNotExist(err) {
		t.Error("a stopped write left a file")
	}
}
