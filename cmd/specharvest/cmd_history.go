package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/specharvest/specharvest/merge/diff"
	"github.com/specharvest/specharvest/output"
)

// historyEvent is one snapshot in which a group's state moved: it
// appeared, its document changed, it could not be fetched, it was carried
// forward as stale, it came back unchanged, or it disappeared. Nights on which nothing happened
// to it are not events.
type historyEvent struct {
	Snapshot   string         `json:"snapshot"`
	Started    time.Time      `json:"started"`
	Change     string         `json:"change"`
	Status     string         `json:"status,omitempty"`
	SHA256     string         `json:"sha256,omitempty"`
	Operations int            `json:"operations"`
	Valid      bool           `json:"valid"`
	Error      string         `json:"error,omitempty"`
	Findings   []diff.Finding `json:"findings,omitempty"`
}

type historyReport struct {
	Key       string         `json:"key"`
	Snapshots int            `json:"snapshots"`
	Present   int            `json:"present"`
	Events    []historyEvent `json:"events"`
}

// historyChanges is the part of a snapshot's changes.json that history
// reads; decoding only that keeps history working across small changes
// to the rest of the report.
type historyChanges struct {
	Groups []struct {
		Key     string         `json:"key"`
		Change  string         `json:"change"`
		Changes []diff.Finding `json:"changes"`
	} `json:"groups"`
}

func cmdHistory(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "history")
	store := storeFlag(fs)
	format := fs.String("format", "text", "output `format`: text or json")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("history takes one group key, like prod/main/books/public-api")
	}
	if err := checkTextOrJSON(*format); err != nil {
		return err
	}
	key := strings.Trim(pos[0], "/")
	st, err := store.open(ctx, e)
	if err != nil {
		return err
	}
	report, similar, err := groupHistory(ctx, st, key)
	if err != nil {
		return err
	}
	if report.Present == 0 {
		msg := fmt.Sprintf("group %q is in none of the %d snapshots of %s", key, report.Snapshots, st.Dir())
		if len(similar) > 0 {
			msg += "; did you mean " + strings.Join(similar, ", ") + "?"
		}
		return errors.New(msg)
	}
	if *format == "json" {
		return encodeIndented(e.stdout, report)
	}
	printHistory(e.stdout, report)
	return nil
}

// groupHistory walks the snapshots oldest first and records every
// snapshot in which the group's state moved. When the group is in no
// snapshot it returns up to five keys that contain the one asked for.
func groupHistory(ctx context.Context, st *output.Store, key string) (historyReport, []string, error) {
	report := historyReport{Key: key, Events: []historyEvent{}}
	infos, err := st.Snapshots(ctx)
	if err != nil {
		return report, nil, err
	}
	report.Snapshots = len(infos)
	var (
		lastSHA     string
		lastStatus  string
		presentLast bool
		similar     = map[string]bool{}
	)
	for _, info := range infos {
		m, err := st.Manifest(ctx, info.ID)
		if err != nil {
			return report, nil, err
		}
		spec := m.Spec(key)
		if spec == nil {
			if report.Present == 0 {
				for _, s := range m.Specs {
					if strings.Contains(s.Key, key) {
						similar[s.Key] = true
					}
				}
			}
			if presentLast {
				ev := historyEvent{Snapshot: info.ID, Started: info.Started, Change: diff.GroupRemoved}
				if err := addFindings(ctx, st, info.ID, key, &ev); err != nil {
					return report, nil, err
				}
				report.Events = append(report.Events, ev)
			}
			presentLast = false
			continue
		}
		report.Present++
		ev := historyEvent{Snapshot: info.ID, Started: info.Started, Status: spec.Status, SHA256: spec.SHA256,
			Operations: spec.Operations, Valid: spec.Valid, Error: spec.Error}
		switch {
		case spec.Status == output.StatusFailed:
			ev.Change = output.StatusFailed
		case !presentLast:
			ev.Change = diff.GroupAdded
		case spec.Status == output.StatusStale:
			ev.Change = output.StatusStale
		case spec.SHA256 != lastSHA:
			ev.Change = diff.GroupChanged
		case lastStatus != output.StatusOK:
			ev.Change = "recovered"
		}
		presentLast, lastStatus = true, spec.Status
		if spec.HasBlob() {
			lastSHA = spec.SHA256
		}
		if ev.Change == "" {
			continue
		}
		if err := addFindings(ctx, st, info.ID, key, &ev); err != nil {
			return report, nil, err
		}
		report.Events = append(report.Events, ev)
	}
	keys := sortedKeys(similar)
	if len(keys) > 5 {
		keys = keys[:5]
	}
	return report, keys, nil
}

// addFindings adds the group's findings from the snapshot's changes.json.
// A snapshot without one (the first, or one written before diffs were
// kept) simply has none.
func addFindings(ctx context.Context, st *output.Store, id, key string, ev *historyEvent) error {
	data, err := st.ReadSnapshotFile(ctx, id, output.ChangesFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var ch historyChanges
	if err := json.Unmarshal(data, &ch); err != nil {
		return fmt.Errorf("read changes of snapshot %s: %w", id, err)
	}
	for _, g := range ch.Groups {
		if g.Key == key {
			ev.Findings = append(ev.Findings, g.Changes...)
		}
	}
	sort.SliceStable(ev.Findings, func(i, j int) bool {
		return historyLevelRank(ev.Findings[i].Level) < historyLevelRank(ev.Findings[j].Level)
	})
	return nil
}

func historyLevelRank(l diff.Level) int {
	switch l {
	case diff.LevelBreaking:
		return 0
	case diff.LevelWarning:
		return 1
	}
	return 2
}

func printHistory(w io.Writer, r historyReport) {
	changed := 0
	for _, ev := range r.Events {
		if ev.Change == diff.GroupChanged {
			changed++
		}
	}
	fmt.Fprintf(w, "%s: in %d of %d snapshots, changed in %d\n", r.Key, r.Present, r.Snapshots, changed)
	for _, ev := range r.Events {
		line := fmt.Sprintf("%-20s %-9s", ev.Snapshot, ev.Change)
		if ev.SHA256 != "" && ev.Change != diff.GroupRemoved {
			line += fmt.Sprintf("  sha256 %s  %d operations", ev.SHA256[:min(12, len(ev.SHA256))], ev.Operations)
			if ev.Valid {
				line += "  valid"
			} else {
				line += "  invalid"
			}
		}
		if counts := findingCounts(ev.Findings); counts != "" {
			line += "  " + counts
		}
		if ev.Error != "" {
			line += "  (" + terminalSafe(ev.Error) + ")"
		}
		fmt.Fprintln(w, strings.TrimRight(line, " "))
		for _, f := range ev.Findings {
			parts := []string{f.ID}
			if where := f.Operation; where != "" {
				parts = append(parts, where)
			} else if f.Location != "" {
				parts = append(parts, f.Location)
			}
			parts = append(parts, f.Message)
			fmt.Fprintf(w, "    %-8s %s\n", f.Level, terminalSafe(strings.Join(parts, "  ")))
		}
	}
}

// terminalSafe replaces control characters: messages quote names from
// the documents, and a document must not be able to move the cursor or
// recolour the terminal of whoever reads its history.
func terminalSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '\uFFFD'
		}
		return r
	}, s)
}

func findingCounts(findings []diff.Finding) string {
	counts := map[diff.Level]int{}
	for _, f := range findings {
		counts[f.Level]++
	}
	var parts []string
	for _, l := range []diff.Level{diff.LevelBreaking, diff.LevelWarning, diff.LevelInfo} {
		if counts[l] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[l], l))
		}
	}
	return strings.Join(parts, ", ")
}
