package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/specharvest/specharvest/merge/diff"
	"github.com/specharvest/specharvest/output"
)

// IgnoreConfig is one entry of the ignore list (the config's ignore:, or
// the file given to --ignore): accepted findings, named by rule and by
// group key or operation, with the reason they were accepted and, if it
// should lapse, the last day it applies.
type IgnoreConfig struct {
	Rule      string `yaml:"rule"`
	Key       string `yaml:"key"`
	Operation string `yaml:"operation"`
	Reason    string `yaml:"reason"`
	Expires   string `yaml:"expires"`
}

// ignoreUnusedAfter is how long an entry may match nothing before it is
// reported as unused: long enough to outlive a few nights of an accepted
// change, short enough that the list does not rot.
const ignoreUnusedAfter = 30 * 24 * time.Hour

// ignoreRules checks the entries and turns them into output.IgnoreRule,
// each with its file and line.
func ignoreRules(d *configDecoder, entries []IgnoreConfig) ([]output.IgnoreRule, error) {
	var out []output.IgnoreRule
	for i, e := range entries {
		key := fmt.Sprintf("ignore[%d]", i)
		bad := func(sub, format string, a ...any) error {
			k := key
			if sub != "" {
				k += "." + sub
			}
			return &ConfigError{File: d.file, Line: d.lineOf(k), Key: k, Msg: fmt.Sprintf(format, a...)}
		}
		switch {
		case e.Rule == "":
			return nil, bad("", "rule is required (a rule id like response-property-type-changed, group-removed, or a glob)")
		case e.Key == "" && e.Operation == "":
			return nil, bad("", "key or operation is required: a glob over group keys (prod/main/*) or operations (GET /books/*)")
		case e.Reason == "":
			return nil, bad("", "reason is required: say why the change was accepted")
		}
		r := output.IgnoreRule{Rule: e.Rule, Key: e.Key, Operation: e.Operation, Reason: e.Reason,
			Origin: fmt.Sprintf("%s:%d", d.file, d.lineOf(key))}
		if e.Expires != "" {
			t, err := time.Parse(time.DateOnly, e.Expires)
			if err != nil {
				return nil, bad("expires", "%q is not a date like 2027-01-31", e.Expires)
			}
			r.Expires = t
		}
		out = append(out, r)
	}
	return out, nil
}

// loadIgnoreFile reads --ignore FILE: a YAML file whose ignore: list has
// the config's shape (so the config itself may be given).
func loadIgnoreFile(e *env, path string) ([]output.IgnoreRule, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &ConfigError{File: path, Msg: err.Error()}
	}
	keepUnset := func(name string) (string, bool) {
		if v, ok := e.getenv(name); ok {
			return v, true
		}
		return "${" + name + "}", true
	}
	cfg, d, err := decodeConfig(path, data, keepUnset)
	if err != nil {
		return nil, err
	}
	return ignoreRules(d, cfg.Ignore)
}

// ignoreWarnings words what a user must hear about the ignore list: an
// entry that expired (its findings count again), and an entry that matched
// nothing in any snapshot of the last 30 days (history, when a store is
// at hand and reaches back that far).
func ignoreWarnings(rules []output.IgnoreRule, used []int, history []int, now time.Time) []string {
	var out []string
	for i, r := range rules {
		switch {
		case r.Expired(now):
			out = append(out, fmt.Sprintf("ignore entry %s (rule %s) expired on %s: its findings count again", r.Origin, r.Rule, r.Expires.Format(time.DateOnly)))
		case history != nil && used[i] == 0 && history[i] == 0:
			out = append(out, fmt.Sprintf("ignore entry %s (rule %s) matched nothing in the last %d days of snapshots: remove it", r.Origin, r.Rule, int(ignoreUnusedAfter.Hours()/24)))
		}
	}
	return out
}

// ignoreHistory counts, per entry, the findings it matched in the
// snapshots of the last 30 days, read from each snapshot's changes.json
// (the store keeps every night's report, so nothing extra is tracked).
// It returns nil when the store does not reach back 30 days: an entry
// cannot yet be called unused.
func ignoreHistory(ctx context.Context, st *output.Store, rules []output.IgnoreRule, now time.Time) ([]int, error) {
	if len(rules) == 0 {
		return nil, nil
	}
	snaps, err := st.Snapshots(ctx)
	if err != nil {
		return nil, err
	}
	since := now.Add(-ignoreUnusedAfter)
	if len(snaps) == 0 || snaps[0].Started.After(since) {
		return nil, nil
	}
	counts := make([]int, len(rules))
	for _, s := range snaps {
		if s.Started.Before(since) {
			continue
		}
		data, err := st.ReadSnapshotFile(ctx, s.ID, changesJSONFile)
		if errors.Is(err, fs.ErrNotExist) {
			continue // a first snapshot has nothing to compare with
		}
		if err != nil {
			return nil, err
		}
		var c diff.Changes
		if err := json.Unmarshal(data, &c); err != nil {
			return nil, fmt.Errorf("snapshot %s: %s: %w", s.ID, changesJSONFile, err)
		}
		// Each night is judged as of its own day, so an entry counts as
		// used on the nights it was in force.
		_, used := output.NarrowReport(&c, output.ReportFilter{}, rules, s.Started)
		for i, n := range used {
			counts[i] += n
		}
	}
	return counts, nil
}
