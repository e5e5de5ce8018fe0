package output

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// RunMetrics is what the nightly job exposes to Prometheus about its last
// run, through node_exporter's textfile collector.
type RunMetrics struct {
	// Finished is when the run ended; Duration how long it took.
	Finished time.Time
	Duration time.Duration
	// Snapshot is the ID of the snapshot written, empty when none was.
	Snapshot string
	// Groups counts groups by status (ok, stale, failed); Invalid counts
	// stored documents that do not validate.
	Groups  map[string]int
	Invalid int
	// Operations is the number of operations in the snapshot.
	Operations int
	// Findings counts change findings by level (breaking, warning, info).
	Findings map[string]int
	// ExitCode is the code the run exits with (see --help).
	ExitCode int
	// Sources says per source whether it was up: a source whose listing
	// or filters failed is down even when it had nothing to carry forward.
	Sources map[string]bool
}

// The statuses and levels always written, even at zero, so a dashboard's
// series do not vanish on a good night and an alert on a rate of zero
// works.
func metricStatuses() []string { return []string{StatusOK, StatusStale, StatusFailed} }
func metricLevels() []string   { return []string{"breaking", "warning", "info"} }

// WriteMetrics writes m in the Prometheus text exposition format.
func WriteMetrics(w io.Writer, m RunMetrics) error {
	var b strings.Builder
	gauge := func(name, help string) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name)
	}
	gauge("specharvest_last_run_timestamp_seconds", "When the last run finished, in seconds since the Unix epoch.")
	finished := 0.0
	if !m.Finished.IsZero() {
		finished = float64(m.Finished.UnixMilli()) / 1e3
	}
	fmt.Fprintf(&b, "specharvest_last_run_timestamp_seconds %s\n", formatFloat(finished))
	gauge("specharvest_last_run_duration_seconds", "How long the last run took.")
	fmt.Fprintf(&b, "specharvest_last_run_duration_seconds %s\n", formatFloat(m.Duration.Seconds()))
	gauge("specharvest_last_run_exit_code", "The exit code of the last run: 0 success, 1 failure, 3 partial, 4 fail-on threshold met.")
	fmt.Fprintf(&b, "specharvest_last_run_exit_code %d\n", m.ExitCode)
	gauge("specharvest_groups", "API groups in the last snapshot, by status.")
	for _, status := range withDefaults(m.Groups, metricStatuses()) {
		fmt.Fprintf(&b, "specharvest_groups{status=\"%s\"} %d\n", escapeLabel(status), m.Groups[status])
	}
	gauge("specharvest_groups_invalid", "API groups in the last snapshot whose document does not validate.")
	fmt.Fprintf(&b, "specharvest_groups_invalid %d\n", m.Invalid)
	gauge("specharvest_operations", "Operations in the last snapshot.")
	fmt.Fprintf(&b, "specharvest_operations %d\n", m.Operations)
	gauge("specharvest_findings", "Change findings of the last run against the previous snapshot, by level.")
	for _, level := range withDefaults(m.Findings, metricLevels()) {
		fmt.Fprintf(&b, "specharvest_findings{level=\"%s\"} %d\n", escapeLabel(level), m.Findings[level])
	}
	if len(m.Sources) > 0 {
		gauge("specharvest_source_up", "Whether each source yielded what it should in the last run: 1 up, 0 failed.")
		names := make([]string, 0, len(m.Sources))
		for name := range m.Sources {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			up := 0
			if m.Sources[name] {
				up = 1
			}
			fmt.Fprintf(&b, "specharvest_source_up{source=\"%s\"} %d\n", escapeLabel(name), up)
		}
	}
	if m.Snapshot != "" {
		gauge("specharvest_last_snapshot_info", "The snapshot the last run wrote, as a label; always 1.")
		fmt.Fprintf(&b, "specharvest_last_snapshot_info{snapshot=\"%s\"} 1\n", escapeLabel(m.Snapshot))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteMetricsFile writes the metrics to path atomically — a temp file in
// the same folder, fsynced and renamed — so node_exporter, which reads the
// folder on its own schedule, never sees half a file. The file is made
// world-readable because the exporter usually runs as another user.
func WriteMetricsFile(ctx context.Context, path string, m RunMetrics) error {
	dir, name := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	if name == "" {
		return fmt.Errorf("metrics file %q names a folder", path)
	}
	err := writeAtomic(ctx, dir, name, func(w io.Writer) error {
		if f, ok := w.(*os.File); ok {
			if err := f.Chmod(0o644); err != nil {
				return err
			}
		}
		return WriteMetrics(w, m)
	})
	if err != nil {
		return fmt.Errorf("write metrics file: %w", err)
	}
	return nil
}

func withDefaults(counts map[string]int, always []string) []string {
	seen := map[string]bool{}
	out := append([]string(nil), always...)
	for _, k := range always {
		seen[k] = true
	}
	var extra []string
	for k := range counts {
		if !seen[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	return append(out, extra...)
}

// escapeLabel escapes a label value as the exposition format requires.
func escapeLabel(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

func formatFloat(f float64) string {
	return strconv.FormatFloat(f, 'f', -1, 64)
}
