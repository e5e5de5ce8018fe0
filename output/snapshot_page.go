package output

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/specharvest/specharvest/merge/diff"
)

// SnapshotScript is the one report of a snapshot that names it: its id,
// the snapshot it was compared with, when it was made and the timeline of
// the snapshots before it. index.html and history.html load it with a
// script element (which works from a file on disk, where a fetch would
// not), so they, catalog.json and every other report can be the same
// bytes on every night that changed nothing, and are stored once. Its size
// depends on the number of snapshots in the timeline, never on the fleet.
const SnapshotScript = "snapshot.js"

// SnapshotScriptGlobal is the variable snapshot.js sets.
const SnapshotScriptGlobal = "specharvestSnapshot"

// SnapshotPage is what snapshot.js holds.
type SnapshotPage struct {
	Snapshot  string    `json:"snapshot"`
	Previous  string    `json:"previous,omitempty"`
	Generated time.Time `json:"generated"`
	// Timeline lists this snapshot and the ones before it, newest first,
	// at most HistorySnapshots of them: the catalog page shows the first
	// rows, the history page one column per entry.
	Timeline []TimelineEntry `json:"timeline"`
}

// TimelineEntry is one snapshot with its counts.
type TimelineEntry struct {
	ID          string    `json:"id"`
	Started     time.Time `json:"started"`
	Specs       int       `json:"specs"`
	OK          int       `json:"ok"`
	Failed      int       `json:"failed"`
	Stale       int       `json:"stale"`
	Invalid     int       `json:"invalid"`
	Operations  int       `json:"operations"`
	Changed     int       `json:"changed"`
	Breaking    int       `json:"breaking"`
	NonBreaking int       `json:"non_breaking"`
	// Compared is false for a snapshot that had nothing to be compared
	// with (the first of a store): its groups have no change, not "no
	// change".
	Compared bool `json:"compared"`
}

// SnapshotPageOf is the snapshot.js of manifest m and its changes (nil
// for a first snapshot), after the earlier timeline (newest first, as
// Timeline returns it).
func SnapshotPageOf(m *Manifest, changes *diff.Changes, earlier []TimelineEntry) SnapshotPage {
	e := TimelineEntry{ID: m.ID, Started: m.Started.UTC(), Specs: m.Summary.Specs, OK: m.Summary.OK,
		Failed: m.Summary.Failed, Stale: m.Summary.Stale, Invalid: m.Summary.Invalid, Operations: m.Summary.Operations}
	if changes != nil {
		s := changes.Summary
		e.Compared = true
		e.Changed = s.ChangedGroups()
		e.Breaking, e.NonBreaking = s.Breaking, s.NonBreaking
	}
	tl := []TimelineEntry{e}
	for _, t := range earlier {
		if t.ID < m.ID && len(tl) < HistorySnapshots {
			tl = append(tl, t)
		}
	}
	return SnapshotPage{Snapshot: m.ID, Previous: m.Previous, Generated: m.Started.UTC(), Timeline: tl}
}

// WriteSnapshotScript writes snapshot.js: one assignment of the JSON of
// info to window.specharvestSnapshot. encoding/json escapes <, >, &,
// U+2028 and U+2029, so no id can end the script or break the statement.
func WriteSnapshotScript(w io.Writer, info SnapshotPage) error {
	if info.Timeline == nil {
		info.Timeline = []TimelineEntry{}
	}
	data, err := json.Marshal(info)
	if err != nil {
		return fmt.Errorf("encode %s: %w", SnapshotScript, err)
	}
	var b bytes.Buffer
	b.WriteString("window." + SnapshotScriptGlobal + " = ")
	b.Write(data)
	b.WriteString(";\n")
	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("write %s: %w", SnapshotScript, err)
	}
	return nil
}

// ReadSnapshotScript parses what WriteSnapshotScript wrote.
func ReadSnapshotScript(data []byte) (SnapshotPage, error) {
	var info SnapshotPage
	body, ok := bytes.CutPrefix(data, []byte("window."+SnapshotScriptGlobal+" = "))
	body, ok2 := bytes.CutSuffix(body, []byte(";\n"))
	if !ok || !ok2 {
		return info, fmt.Errorf("%s: not a snapshot script", SnapshotScript)
	}
	if err := json.Unmarshal(body, &info); err != nil {
		return info, fmt.Errorf("%s: %w", SnapshotScript, err)
	}
	return info, nil
}

// changesFile is the part of changes.json the timeline needs.
type changesFile struct {
	Summary diff.ChangeSummary `json:"summary"`
}

// Timeline lists the last limit complete snapshots of a store, newest
// first, with their counts and the summary of their changes.json when they
// have one. A snapshot whose changes.json is missing or unreadable still
// appears, with no change counts: the timeline is a view, not a check.
func Timeline(ctx context.Context, s *Store, limit int) ([]TimelineEntry, error) {
	infos, err := s.Snapshots(ctx)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(infos, func(i, j int) bool { return infos[i].ID > infos[j].ID })
	if limit > 0 && len(infos) > limit {
		infos = infos[:limit]
	}
	out := make([]TimelineEntry, 0, len(infos))
	for _, info := range infos {
		e := TimelineEntry{
			ID:         info.ID,
			Started:    info.Started,
			Specs:      info.Summary.Specs,
			OK:         info.Summary.OK,
			Failed:     info.Summary.Failed,
			Stale:      info.Summary.Stale,
			Invalid:    info.Summary.Invalid,
			Operations: info.Summary.Operations,
		}
		data, err := s.ReadSnapshotFile(ctx, info.ID, ChangesFile)
		switch {
		case err == nil:
			var cf changesFile
			if json.Unmarshal(data, &cf) == nil {
				e.Compared = true
				e.Changed = cf.Summary.ChangedGroups()
				e.Breaking = cf.Summary.Breaking
				e.NonBreaking = cf.Summary.NonBreaking
			}
		case ctx.Err() != nil:
			return nil, ctx.Err()
		}
		out = append(out, e)
	}
	return out, nil
}
