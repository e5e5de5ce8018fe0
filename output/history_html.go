package output

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
)

//go:embed assets/history.html.tmpl assets/history.css assets/history.js
var historyAssets embed.FS

type historyView struct {
	SnapshotScript string
	Policy         string
	Style          template.CSS
	Script         template.JS
	Data           template.JS
	Merged         string
}

// historyData is what history.html embeds: per group, the states it went
// through, each from the snapshot in which it began. It names no column:
// the columns are the timeline of snapshot.js, read when the page loads.
// So a night that changed nothing gives the same page as the night before
// (and it is stored once); the page changes on a night that changed
// something, or when a change leaves the window of the last
// HistorySnapshots snapshots.
type historyData struct {
	Groups []historyRow `json:"groups"`
}

type historyRow struct {
	Key string `json:"key"`
	// Ref links the reference page of the group's newest document.
	Ref string `json:"ref,omitempty"`
	// States are [from, status, change, operations, breaking, warning,
	// info], oldest first. The first one's from is "": it held before the
	// window began, so the window moving on does not change it.
	States [][]any `json:"states"`
}

// historyDataOf packs h into runs of equal cells.
func historyDataOf(h *History) historyData {
	d := historyData{Groups: make([]historyRow, 0, len(h.Groups))}
	for _, g := range h.Groups {
		r := historyRow{Key: g.Key}
		if g.SHA256 != "" {
			r.Ref = ReferenceLink(g.SHA256, g.Key)
		}
		for col, c := range g.Cells {
			if col > 0 && c == g.Cells[col-1] {
				continue
			}
			from := ""
			if col > 0 {
				from = h.Snapshots[col].ID
			}
			r.States = append(r.States, []any{from, c.Status, c.Change, c.Operations, c.Breaking, c.Warning, c.Info})
		}
		d.Groups = append(d.Groups, r)
	}
	return d
}

// WriteHistoryHTML writes history.html: the fleet timeline and, for every
// group, the chart of its operations and findings across the snapshots of
// h, drawn as SVG by the page's own script from the states embedded in it
// and the columns of snapshot.js. A group's chart is reached as
// history.html#<key>. The script escapes every name it draws, and a
// policy allowing only that script and the snapshot's own backs that up.
func WriteHistoryHTML(w io.Writer, h *History) error {
	style, err := historyAssets.ReadFile("assets/history.css")
	if err != nil {
		return fmt.Errorf("read history style: %w", err)
	}
	script, err := historyAssets.ReadFile("assets/history.js")
	if err != nil {
		return fmt.Errorf("read history script: %w", err)
	}
	tmpl, err := template.ParseFS(historyAssets, "assets/history.html.tmpl")
	if err != nil {
		return fmt.Errorf("parse history page: %w", err)
	}
	data, err := json.Marshal(historyDataOf(h))
	if err != nil {
		return fmt.Errorf("encode history data: %w", err)
	}
	view := historyView{
		SnapshotScript: SnapshotScript,
		Policy: "default-src 'none'; img-src data:; base-uri 'none'; form-action 'none'; " +
			"style-src " + cspHash(style) + "; script-src 'self' " + cspHash(script),
		Style:  template.CSS(style),
		Script: template.JS(script),
		Data:   template.JS(data),
		Merged: MergedReferenceLink,
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, view); err != nil {
		return fmt.Errorf("render history page: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write history page: %w", err)
	}
	return nil
}
