package output

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/specharvest/specharvest/merge/diff"
)

// HistoryFile is the page of pictures over time: the fleet timeline and a
// chart per group.
const HistoryFile = "history.html"

// HistorySnapshots is how many snapshots, the newest, the pictures over
// time cover.
const HistorySnapshots = 60

// History is what the pictures over time are drawn from: the last few
// snapshots, oldest first, and every group seen in any of them with its
// state in each.
type History struct {
	Snapshots []HistorySnapshot
	// Groups is sorted by key; each has one cell per snapshot.
	Groups []HistoryGroup
}

// HistorySnapshot is one column of the history.
type HistorySnapshot struct {
	ID      string
	Started time.Time
	// Compared is false for a snapshot without changes.json (the first of
	// a store): its groups have no change, not "no change".
	Compared bool
}

// HistoryGroup is one row of the history.
type HistoryGroup struct {
	Key string
	// SHA256 is the group's document in the newest snapshot that has it.
	SHA256 string
	Cells  []HistoryCell
}

// HistoryCell is one group in one snapshot.
type HistoryCell struct {
	// Status is the manifest's (ok, stale or failed); empty when the
	// group is not in the snapshot.
	Status string
	// Change is how the group differs from the snapshot before: added,
	// changed, removed or stale; empty when unchanged.
	Change string
	// Operations is the manifest's count.
	Operations int
	// Findings by level.
	Breaking, Warning, Info int
}

// Level is the worst level of the cell's night: a removed group breaks
// every client; empty when nothing changed.
func (c HistoryCell) Level() string {
	switch {
	case c.Breaking > 0 || c.Change == diff.GroupRemoved:
		return string(diff.LevelBreaking)
	case c.Warning > 0:
		return string(diff.LevelWarning)
	case c.Info > 0:
		return string(diff.LevelInfo)
	}
	return ""
}

// historyChanges is the part of changes.json the history needs.
type historyChanges struct {
	Groups []historyGroupChange `json:"groups"`
}

type historyGroupChange struct {
	Key     string           `json:"key"`
	Change  string           `json:"change"`
	Changes []historyFinding `json:"changes"`
}

type historyFinding struct {
	Level diff.Level `json:"level"`
}

// LoadHistory reads the history of the newest limit snapshots, current
// (the snapshot being written, with its changes, nil for a first
// snapshot) being the newest. Earlier snapshots are read one at a time,
// manifest and changes.json, so memory holds one of them besides the
// cells. A snapshot whose changes.json is missing or unreadable shows its
// groups without changes: the history is a view, not a check.
func LoadHistory(ctx context.Context, s *Store, current *Manifest, changes *diff.Changes, limit int) (*History, error) {
	if limit < 1 {
		limit = 1
	}
	infos, err := s.Snapshots(ctx)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, info := range infos {
		if info.ID < current.ID {
			ids = append(ids, info.ID)
		}
	}
	sort.Strings(ids)
	if len(ids) > limit-1 {
		ids = ids[len(ids)-(limit-1):]
	}
	b := newHistoryBuilder(len(ids) + 1)
	for col, id := range ids {
		m, err := s.Manifest(ctx, id)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("history: %w", err)
		}
		var hc *historyChanges
		if data, err := s.ReadSnapshotFile(ctx, id, ChangesFile); err == nil {
			hc = &historyChanges{}
			if json.Unmarshal(data, hc) != nil {
				hc = nil
			}
		}
		b.add(col, m, hc)
	}
	var hc *historyChanges
	if changes != nil {
		hc = &historyChanges{}
		for _, g := range changes.Groups {
			e := historyGroupChange{Key: g.Key, Change: g.Change}
			for _, f := range g.Changes {
				e.Changes = append(e.Changes, historyFinding{Level: f.Level})
			}
			hc.Groups = append(hc.Groups, e)
		}
	}
	b.add(len(ids), current, hc)
	return b.done(), nil
}

type historyBuilder struct {
	h     *History
	row   map[string]int
	width int
}

func newHistoryBuilder(width int) *historyBuilder {
	return &historyBuilder{h: &History{Snapshots: make([]HistorySnapshot, width)}, row: map[string]int{}, width: width}
}

func (b *historyBuilder) cell(key string, col int) *HistoryCell {
	r, ok := b.row[key]
	if !ok {
		r = len(b.h.Groups)
		b.row[key] = r
		b.h.Groups = append(b.h.Groups, HistoryGroup{Key: key, Cells: make([]HistoryCell, b.width)})
	}
	return &b.h.Groups[r].Cells[col]
}

func (b *historyBuilder) add(col int, m *Manifest, hc *historyChanges) {
	b.h.Snapshots[col] = HistorySnapshot{ID: m.ID, Started: m.Started, Compared: hc != nil}
	for _, e := range m.Specs {
		c := b.cell(e.Key, col)
		c.Status, c.Operations = e.Status, e.Operations
		if e.HasBlob() {
			b.h.Groups[b.row[e.Key]].SHA256 = e.SHA256
		}
	}
	if hc == nil {
		return
	}
	for _, g := range hc.Groups {
		c := b.cell(g.Key, col)
		c.Change = g.Change
		for _, f := range g.Changes {
			switch f.Level {
			case diff.LevelBreaking:
				c.Breaking++
			case diff.LevelWarning:
				c.Warning++
			default:
				c.Info++
			}
		}
	}
}

func (b *historyBuilder) done() *History {
	sort.Slice(b.h.Groups, func(i, j int) bool { return b.h.Groups[i].Key < b.h.Groups[j].Key })
	return b.h
}
