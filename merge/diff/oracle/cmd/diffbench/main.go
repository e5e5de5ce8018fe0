// Command diffbench measures specharvest's diff against `oasdiff breaking`
// side by side, on the Stripe development corpus, and prints a table:
// finding counts, wall and CPU time, and peak memory, each tool run in a
// child process of its own (ru_maxrss of a process that ran only that
// tool).
//
//	go run ./cmd/diffbench [-corpus DIR] [-runs N] [-skip-long] [-mutations N [-seed S]]
//
// from the oracle module (merge/diff/oracle). Rows: Stripe v90 → v120, the
// consecutive releases v120 → v127 one step at a time (the nightly case),
// and a large YAML pair (two releases rewritten as YAML). The goals of the
// diff are printed beside each ratio. With -mutations N it then runs the
// diff's mutation pass (N seeded single contract edits, each and its
// reverse, on the Xano fixtures and the Stripe releases) and prints how
// many were silent.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/specharvest/specharvest/harvest/validate"
	"github.com/specharvest/specharvest/merge/diff"
	"github.com/specharvest/specharvest/merge/diff/oracle"
)

func main() {
	// Each measured child is started by a small copy of this program, so
	// its peak memory is its own, not this process's.
	oracle.ServeLaunch()
	if len(os.Args) == 4 && os.Args[1] == "-child-diff" {
		// The child side of a measurement: one diff, its counts on stdout.
		os.Exit(child(os.Args[2], os.Args[3], os.Stdout, os.Stderr))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

type counts struct {
	Findings int `json:"findings"`
	Breaking int `json:"breaking"`
	Warning  int `json:"warning"`
}

func child(basePath, revisionPath string, stdout, stderr io.Writer) int {
	c, err := diffCounts(basePath, revisionPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	_ = json.NewEncoder(stdout).Encode(c)
	return 0
}

func diffCounts(basePath, revisionPath string) (counts, error) {
	var c counts
	base, err := os.ReadFile(basePath)
	if err != nil {
		return c, err
	}
	revision, err := os.ReadFile(revisionPath)
	if err != nil {
		return c, err
	}
	findings, err := diff.Diff(context.Background(), base, revision, diff.DiffOptions{})
	if err != nil {
		return c, err
	}
	for _, f := range findings {
		c.Findings++
		switch f.Level {
		case diff.LevelBreaking:
			c.Breaking++
		case diff.LevelWarning:
			c.Warning++
		}
	}
	return c, nil
}

// row is one line of the table; goals of 0 print no verdict.
type row struct {
	name                   string
	ours                   counts
	oasFindings            int
	oursUse, oasUse        oracle.Usage
	goalFindings, goalTime float64
	goalMemory             float64
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("diffbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	corpus := fs.String("corpus", "", "`DIR` of the Stripe releases spec3-vN.json (default: shared/corpus/stripe beside an ancestor folder)")
	runs := fs.Int("runs", 1, "measure each pair `N` times and keep each tool's run of least CPU time")
	skipLong := fs.Bool("skip-long", false, "leave out v90 → v120")
	mutations := fs.Int("mutations", 0, "after the table, run `N` seeded single-edit mutations and print the silent count")
	seed := fs.Uint64("seed", 20261201, "seed of the mutation pass")
	table := fs.Bool("table", true, "measure and print the side-by-side table (-table=false with -mutations runs the mutation pass alone)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *corpus == "" {
		*corpus = oracle.CorpusDir()
	}
	if *corpus == "" {
		fmt.Fprintln(stderr, "diffbench: Stripe corpus not found; pass -corpus DIR")
		return 2
	}
	if !*table {
		if err := mutationPass(ctx, *corpus, *mutations, *seed, stdout, stderr); err != nil {
			fmt.Fprintln(stderr, "diffbench: mutations:", err)
			return 1
		}
		return 0
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(stderr, "diffbench:", err)
		return 1
	}
	tmp, err := os.MkdirTemp("", "diffbench-")
	if err != nil {
		fmt.Fprintln(stderr, "diffbench:", err)
		return 1
	}
	defer os.RemoveAll(tmp)
	fmt.Fprintln(stderr, "building the pinned oasdiff…")
	oasdiff, err := oracle.BuildOasdiff(ctx, tmp)
	if err != nil {
		fmt.Fprintln(stderr, "diffbench:", err)
		return 1
	}

	measure := func(name, basePath, revisionPath string) (row, error) {
		r := row{name: name}
		for i := range max(1, *runs) {
			fmt.Fprintf(stderr, "%s: specharvest…", name)
			out, use, err := oracle.Measure(ctx, self, "-child-diff", basePath, revisionPath)
			if err != nil {
				return r, fmt.Errorf("%s: specharvest: %w", name, err)
			}
			if err := json.Unmarshal(out, &r.ours); err != nil {
				return r, fmt.Errorf("%s: child output: %w", name, err)
			}
			r.oursUse = leastCPU(r.oursUse, use, i)
			fmt.Fprintf(stderr, " %.1fs; oasdiff…", use.Wall.Seconds())
			changes, oasUse, err := oracle.RunOasdiff(ctx, oasdiff, basePath, revisionPath)
			if err != nil {
				return r, err
			}
			r.oasFindings = len(changes)
			r.oasUse = leastCPU(r.oasUse, oasUse, i)
			fmt.Fprintf(stderr, " %.1fs\n", oasUse.Wall.Seconds())
		}
		return r, nil
	}

	var rows []row
	if !*skipLong {
		r, err := measure("v90 → v120", oracle.StripeRelease(*corpus, 90), oracle.StripeRelease(*corpus, 120))
		if err != nil {
			fmt.Fprintln(stderr, "diffbench:", err)
			return 1
		}
		r.goalFindings, r.goalTime, r.goalMemory = 1.0/20, 0.2, 0.6
		rows = append(rows, r)
	}
	total := row{name: "v120 → v127, 7 steps", goalTime: 0.2}
	for v := 120; v < 127; v++ {
		r, err := measure(fmt.Sprintf("v%d → v%d", v, v+1), oracle.StripeRelease(*corpus, v), oracle.StripeRelease(*corpus, v+1))
		if err != nil {
			fmt.Fprintln(stderr, "diffbench:", err)
			return 1
		}
		rows = append(rows, r)
		total.ours.Findings += r.ours.Findings
		total.oasFindings += r.oasFindings
		total.oursUse.Wall += r.oursUse.Wall
		total.oursUse.CPU += r.oursUse.CPU
		total.oasUse.Wall += r.oasUse.Wall
		total.oasUse.CPU += r.oasUse.CPU
		total.oursUse.MaxRSS = max(total.oursUse.MaxRSS, r.oursUse.MaxRSS)
		total.oasUse.MaxRSS = max(total.oasUse.MaxRSS, r.oasUse.MaxRSS)
	}
	rows = append(rows, total)

	// The YAML pair: two consecutive releases rewritten as YAML.
	var yamlPaths [2]string
	for i, v := range []int{126, 127} {
		data, err := os.ReadFile(oracle.StripeRelease(*corpus, v))
		if err == nil {
			data, err = oracle.JSONToYAML(data)
		}
		if err == nil {
			yamlPaths[i] = filepath.Join(tmp, fmt.Sprintf("spec3-v%d.yaml", v))
			err = os.WriteFile(yamlPaths[i], data, 0o600)
		}
		if err != nil {
			fmt.Fprintln(stderr, "diffbench: yaml:", err)
			return 1
		}
	}
	info, err := os.Stat(yamlPaths[1])
	if err != nil {
		fmt.Fprintln(stderr, "diffbench:", err)
		return 1
	}
	r, err := measure(fmt.Sprintf("YAML v126 → v127 (%.1f MB)", float64(info.Size())/1e6), yamlPaths[0], yamlPaths[1])
	if err != nil {
		fmt.Fprintln(stderr, "diffbench:", err)
		return 1
	}
	r.goalTime = 0.2
	rows = append(rows, r)

	printTable(stdout, rows)
	if *mutations > 0 {
		if err := mutationPass(ctx, *corpus, *mutations, *seed, stdout, stderr); err != nil {
			fmt.Fprintln(stderr, "diffbench: mutations:", err)
			return 1
		}
	}
	return 0
}

// mutationPass runs the diff's mutation pass the way its test does: three
// quarters of the edits on the Xano fixtures (repaired as a run repairs
// them), the rest on the Stripe releases.
func mutationPass(ctx context.Context, corpus string, n int, seed uint64, stdout, stderr io.Writer) error {
	xano, err := loadDocuments(filepath.Join(corpus, "..", "..", "fixtures", "xano"), true)
	if err != nil {
		return err
	}
	stripe, err := loadDocuments(corpus, false)
	if err != nil {
		return err
	}
	start := time.Now()
	edits, silent, failed := 0, 0, 0
	for _, c := range []struct {
		docs  map[string][]byte
		edits int
	}{{xano, n - n/4}, {stripe, n / 4}} {
		fmt.Fprintf(stderr, "mutations: %d edits on %d documents…\n", c.edits, len(c.docs))
		report, err := diff.RunMutations(ctx, c.docs, diff.MutationOptions{Edits: c.edits, Seed: seed})
		if err != nil {
			return err
		}
		edits += report.Edits
		silent += len(report.Silent)
		failed += len(report.Errors)
		for _, s := range report.Silent {
			fmt.Fprintf(stdout, "silent: %+v\n", s)
		}
	}
	fmt.Fprintf(stdout, "\nmutations: %d edits (each and its reverse), %d silent, %d not comparable, in %.0fs\n", edits, silent, failed, time.Since(start).Seconds())
	return nil
}

func loadDocuments(dir string, repair bool) (map[string][]byte, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no documents in %s", dir)
	}
	docs := make(map[string][]byte)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if repair {
			res := validate.Load(context.Background(), data, validate.Options{})
			if res.Repaired == nil {
				return nil, fmt.Errorf("%s does not load", f)
			}
			data = res.Repaired
		}
		docs[filepath.Base(f)] = data
	}
	return docs, nil
}

// leastCPU keeps the run of least CPU time (which a busy machine disturbs
// less than wall time), with the larger peak memory of the two.
func leastCPU(best, u oracle.Usage, i int) oracle.Usage {
	if i == 0 {
		return u
	}
	peak := max(best.MaxRSS, u.MaxRSS)
	if u.CPU < best.CPU {
		best = u
	}
	best.MaxRSS = peak
	return best
}

func printTable(w io.Writer, rows []row) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "pair\tfindings ours\toasdiff\tratio\twall ours\toasdiff\tratio\tCPU ours\toasdiff\tratio\tpeak MB ours\toasdiff\tratio")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\n",
			r.name,
			r.ours.Findings, r.oasFindings, ratio(float64(r.ours.Findings), float64(r.oasFindings), r.goalFindings),
			secs(r.oursUse.Wall), secs(r.oasUse.Wall), ratio(r.oursUse.Wall.Seconds(), r.oasUse.Wall.Seconds(), r.goalTime),
			secs(r.oursUse.CPU), secs(r.oasUse.CPU), ratio(r.oursUse.CPU.Seconds(), r.oasUse.CPU.Seconds(), r.goalTime),
			r.oursUse.MaxRSS>>20, r.oasUse.MaxRSS>>20, ratio(float64(r.oursUse.MaxRSS), float64(r.oasUse.MaxRSS), r.goalMemory))
	}
	_ = tw.Flush()
	fmt.Fprintln(w, "\nratio = ours / oasdiff, with [≤ goal ok|MISSED] where the diff has a goal. Each tool ran in a child process of its own; CPU is user + system time.")
}

func secs(d time.Duration) string { return fmt.Sprintf("%.2fs", d.Seconds()) }

func ratio(ours, theirs, goal float64) string {
	if theirs == 0 {
		return "-"
	}
	r := ours / theirs
	s := fmt.Sprintf("%.3g", r)
	if goal > 0 {
		verdict := "ok"
		if r > goal {
			verdict = "MISSED"
		}
		s += fmt.Sprintf(" [≤%.3g %s]", goal, verdict)
	}
	return s
}
