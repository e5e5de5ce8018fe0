package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/specharvest/specharvest/output"
)

const snapshotsUsage = "usage: specharvest snapshots list|show ID|prune|export ID [flags]"

func cmdSnapshots(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usagef("%s", snapshotsUsage)
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "list":
		return snapshotsList(ctx, e, rest)
	case "show":
		return snapshotsShow(ctx, e, rest)
	case "prune":
		return snapshotsPrune(ctx, e, rest)
	case "export":
		return snapshotsExport(ctx, e, rest)
	case "-h", "--help", "help":
		fmt.Fprintln(e.stdout, snapshotsUsage)
		return nil
	}
	return usagef("unknown snapshots command %q%s (see `specharvest snapshots --help`)", sub, didYouMean(sub, []string{"list", "show", "prune", "export"}, ""))
}

func checkTextOrJSON(value string) error {
	if value != "text" && value != "json" {
		return usagef("--format must be text or json, not %q", value)
	}
	return nil
}

func snapshotsList(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "snapshots list")
	store := storeFlag(fs)
	format := fs.String("format", "text", "output `format`: text or json")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("snapshots list takes no arguments")
	}
	if err := checkTextOrJSON(*format); err != nil {
		return err
	}
	st, err := store.open(ctx, e)
	if err != nil {
		return err
	}
	infos, err := st.Snapshots(ctx)
	if err != nil {
		return err
	}
	if *format == "json" {
		latest, err := st.Latest(ctx)
		if err != nil {
			return err
		}
		if infos == nil {
			infos = []output.SnapshotInfo{}
		}
		return encodeIndented(e.stdout, struct {
			Latest    string                `json:"latest"`
			Snapshots []output.SnapshotInfo `json:"snapshots"`
		}{Latest: latest, Snapshots: infos})
	}
	if len(infos) == 0 {
		fmt.Fprintf(e.stdout, "no snapshots in %s\n", st.Dir())
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTARTED\tSPECS\tOK\tFAILED\tSTALE\tINVALID\tOPERATIONS")
	for _, s := range infos {
		mark := ""
		if s.Latest {
			mark = "\tlatest"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d%s\n", s.ID, s.Started.UTC().Format(time.RFC3339),
			s.Summary.Specs, s.Summary.OK, s.Summary.Failed, s.Summary.Stale, s.Summary.Invalid, s.Summary.Operations, mark)
	}
	return tw.Flush()
}

func snapshotsShow(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "snapshots show")
	store := storeFlag(fs)
	format := fs.String("format", "text", "output `format`: text or json")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("usage: specharvest snapshots show ID|latest [--store DIR] [--format text|json]")
	}
	if err := checkTextOrJSON(*format); err != nil {
		return err
	}
	st, err := store.open(ctx, e)
	if err != nil {
		return err
	}
	id, err := resolveSnapshotID(ctx, st, pos[0])
	if err != nil {
		return err
	}
	m, err := st.Manifest(ctx, id)
	if err != nil {
		return err
	}
	if *format == "json" {
		return encodeIndented(e.stdout, m)
	}
	latest, _ := st.Latest(ctx)
	printSnapshot(e.stdout, m, id == latest)
	return nil
}

func printSnapshot(w io.Writer, m *output.Manifest, latest bool) {
	mark := ""
	if latest {
		mark = " (latest)"
	}
	fmt.Fprintf(w, "snapshot  %s%s\n", m.ID, mark)
	fmt.Fprintf(w, "started   %s\n", m.Started.UTC().Format(time.RFC3339))
	if !m.Finished.IsZero() {
		fmt.Fprintf(w, "finished  %s (took %s)\n", m.Finished.UTC().Format(time.RFC3339), m.Finished.Sub(m.Started).Round(time.Second))
	}
	prev := m.Previous
	if prev == "" {
		prev = "none"
	}
	fmt.Fprintf(w, "previous  %s\n", prev)
	if m.ToolVersion != "" {
		fmt.Fprintf(w, "tool      specharvest %s\n", m.ToolVersion)
	}
	s := m.Summary
	fmt.Fprintf(w, "specs     %d: %d ok, %d failed, %d stale, %d invalid; %d operations\n",
		s.Specs, s.OK, s.Failed, s.Stale, s.Invalid, s.Operations)
	if len(m.FailedScopes) > 0 {
		fmt.Fprintln(w, "\nunreachable:")
		for _, f := range m.FailedScopes {
			fmt.Fprintf(w, "  %s: %s\n", f.Prefix, f.Error)
		}
	}
	if len(m.Specs) == 0 {
		return
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STATUS\tVALID\tKEY\tOPERATIONS\tPROBLEMS\tERROR")
	for _, sp := range m.Specs {
		valid, ops, problems := "-", "-", "-"
		if sp.HasBlob() {
			valid = map[bool]string{true: "yes", false: "no"}[sp.Valid]
			ops = fmt.Sprint(sp.Operations)
			problems = fmt.Sprint(max(len(sp.Problems), sp.ProblemsTotal))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", sp.Status, valid, sp.Key, ops, problems, tableCell(sp.Error))
	}
	tw.Flush()
}

// tableCell keeps a table row one line long whatever an error says.
func tableCell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return s
}

func snapshotsPrune(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "snapshots prune")
	store := storeFlag(fs)
	keepLast := fs.Int("keep-last", 0, "keep the newest `N` snapshots")
	keepDaily := fs.Int("keep-daily", 0, "keep the newest snapshot of each of the last `N` days")
	keepWeekly := fs.Int("keep-weekly", 0, "keep the newest snapshot of each of the last `N` weeks")
	keepMonthly := fs.Int("keep-monthly", 0, "keep the newest snapshot of each of the last `N` months")
	keepWithin := fs.Duration("keep-within", 0, "keep every snapshot younger than `DURATION`")
	dryRun := fs.Bool("dry-run", false, "print what would be removed and remove nothing")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("snapshots prune takes no arguments")
	}

	dir, cfg, err := store.settings(e)
	if err != nil {
		return err
	}
	policy := output.Policy{KeepLast: cfg.Retention.KeepLast, KeepDaily: cfg.Retention.KeepDaily,
		KeepWeekly: cfg.Retention.KeepWeekly, KeepMonthly: cfg.Retention.KeepMonthly}
	for _, f := range []struct {
		name  string
		value int
		into  *int
	}{{"keep-last", *keepLast, &policy.KeepLast}, {"keep-daily", *keepDaily, &policy.KeepDaily},
		{"keep-weekly", *keepWeekly, &policy.KeepWeekly}, {"keep-monthly", *keepMonthly, &policy.KeepMonthly}} {
		if f.value < 0 {
			return usagef("--%s must not be negative", f.name)
		}
		if flagGiven(fs, f.name) {
			*f.into = f.value
		}
	}
	if *keepWithin < 0 {
		return usagef("--keep-within must not be negative")
	}
	policy.KeepWithin = *keepWithin

	st, err := openStore(ctx, dir)
	if err != nil {
		return err
	}
	// A dry run changes nothing, so it may look while a run is going;
	// a real prune must not race one.
	if !*dryRun {
		unlock, err := st.Lock(ctx)
		if err != nil {
			return err
		}
		defer unlock()
	}
	plan, err := st.PlanPrune(ctx, policy, e.now())
	if err != nil {
		return err
	}
	printPrunePlan(e.stdout, plan)
	totals := fmt.Sprintf("%d snapshots, %d blobs (%s), %d leftovers",
		len(plan.Remove), len(plan.Blobs), byteCount(plan.BlobBytes), len(plan.Leftovers))
	if *dryRun {
		fmt.Fprintf(e.stdout, "dry run: would remove %s\n", totals)
		return nil
	}
	if err := st.Prune(ctx, plan); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "removed %s\n", totals)
	return nil
}

func printPrunePlan(w io.Writer, plan *output.Plan) {
	fmt.Fprintf(w, "policy: %s\n", plan.Policy)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	removing := map[string]bool{}
	for _, r := range plan.Remove {
		removing[r.ID] = true
	}
	all := append(append([]output.SnapshotInfo(nil), plan.Keep...), plan.Remove...)
	sort.Slice(all, func(i, j int) bool { return all[i].ID < all[j].ID })
	for _, s := range all {
		if removing[s.ID] {
			fmt.Fprintf(tw, "remove\t%s\n", s.ID)
		} else {
			fmt.Fprintf(tw, "keep\t%s\t%s\n", s.ID, strings.Join(plan.Reasons[s.ID], ", "))
		}
	}
	tw.Flush()
	if plan.BlobsHeld != "" {
		fmt.Fprintf(w, "no blobs removed: %s\n", plan.BlobsHeld)
	}
	for _, l := range plan.Leftovers {
		fmt.Fprintf(w, "leftover %s\n", l)
	}
}

func byteCount(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

func snapshotsExport(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "snapshots export")
	store := storeFlag(fs)
	out := fs.String("o", "", "write the bundle to `FILE.tar.gz` (- for stdout), or publish its files to s3://bucket/prefix")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *out == "" {
		return usagef("usage: specharvest snapshots export ID|latest -o FILE.tar.gz|s3://bucket/prefix [--store DIR]")
	}
	st, err := store.open(ctx, e)
	if err != nil {
		return err
	}
	id, err := resolveSnapshotID(ctx, st, pos[0])
	if err != nil {
		return err
	}
	if *out == "-" {
		return st.Export(ctx, id, e.stdout)
	}
	if isS3Store(*out) {
		written, removed, err := publishSnapshot(ctx, st, id, *out)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "published snapshot %s to %s (%d files written, %d left over from an earlier publish removed)\n", id, *out, written, removed)
		return nil
	}
	if err := st.ExportFile(ctx, id, *out); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "exported snapshot %s to %s\n", id, *out)
	return nil
}

func encodeIndented(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}
