package output

import (
	"fmt"
	"html"
	"strconv"
	"strings"
)

// The look of a history cell: its fill and what the legend calls it.
// Levels are coloured as the catalog page colours them; stale cells are
// striped and failed ones dark, so both stand out whatever the level.
var cellLooks = []struct{ class, fill, label string }{
	{"breaking", "#cf222e", "breaking"},
	{"warning", "#d4a72c", "warning"},
	{"info", "#54aeff", "info only"},
	{"added", "#2da44e", "added"},
	{"changed", "#b6d7f7", "changed, nothing a client relies on"},
	{"same", "#e1e6ec", "unchanged"},
	{"stale", "url(#stale)", "stale: not fetched, previous kept"},
	{"failed", "#24292f", "failed: never fetched"},
}

func cellFill(class string) string {
	for _, l := range cellLooks {
		if l.class == class {
			return l.fill
		}
	}
	return "none"
}

// CellClass names how a history cell is drawn: failed and stale first
// (they have no findings: nothing was compared), then the worst level of
// the night, then added, changed or unchanged. Empty means the group is
// not in that snapshot and nothing is drawn.
func CellClass(c HistoryCell) string {
	switch {
	case c.Status == "" && c.Change != "removed":
		return ""
	case c.Status == StatusFailed:
		return "failed"
	case c.Status == StatusStale:
		return "stale"
	}
	if l := c.Level(); l != "" {
		return l
	}
	switch c.Change {
	case "added":
		return "added"
	case "changed":
		return "changed"
	}
	return "same"
}

// cellText says in words what a cell shows, for its tooltip.
func cellText(c HistoryCell) string {
	var parts []string
	switch {
	case c.Change == "removed":
		parts = append(parts, "removed")
	case c.Status == StatusFailed:
		parts = append(parts, "failed: never fetched")
	case c.Status == StatusStale:
		parts = append(parts, "stale: not fetched, previous document kept")
	case c.Change != "":
		parts = append(parts, c.Change)
	default:
		parts = append(parts, "unchanged")
	}
	for _, n := range []struct {
		count int
		level string
	}{{c.Breaking, "breaking"}, {c.Warning, "warning"}, {c.Info, "info"}} {
		if n.count > 0 {
			parts = append(parts, strconv.Itoa(n.count)+" "+n.level)
		}
	}
	if c.Status != "" {
		parts = append(parts, plural(c.Operations, "operation", "operations"))
	}
	return strings.Join(parts, " · ")
}

// shortID turns 20261127T020000Z into 11-27 02:00 for an axis.
func shortID(id string) string {
	if len(id) < 13 {
		return id
	}
	return id[4:6] + "-" + id[6:8] + " " + id[9:11] + ":" + id[11:13]
}

func esc(s string) string { return html.EscapeString(s) }

// FleetTimelineSVG draws the fleet timeline: one row per group, one
// column per snapshot, each cell coloured by that night's worst level,
// stale and failed groups marked. Neighbouring cells of a row that look
// and read the same are drawn as one rectangle, so a fleet that mostly
// does not change costs a rectangle per group, not one per night. Every
// rectangle carries data-key, data-from and data-to (column indexes) and
// data-class, and a tooltip; each row links to the group's chart.
func FleetTimelineSVG(h *History) string {
	cols := len(h.Snapshots)
	const labelW, rowH, top, legendH = 320, 14, 78, 40
	colW := 24
	if cols > 0 {
		colW = max(8, min(28, 900/cols))
	}
	// Wide enough for the legend under the grid, however few the columns.
	width := max(labelW+cols*colW+20, 880)
	height := top + len(h.Groups)*rowH + legendH
	var b strings.Builder
	b.Grow(256 + len(h.Groups)*160)
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="fleet-timeline" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="Fleet timeline: %s over %s" font-family="system-ui, sans-serif" font-size="11">`,
		width, height, width, height, plural(len(h.Groups), "group", "groups"), plural(cols, "snapshot", "snapshots"))
	b.WriteString(`<defs><pattern id="stale" width="4" height="4" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="4" height="4" fill="#fff3c4"/><rect width="2" height="4" fill="#d4a72c"/></pattern></defs>`)
	// Column heads: one label every few columns, so they never overlap.
	step := max(1, (14+colW-1)/colW)
	for i, s := range h.Snapshots {
		if i%step != 0 && i != cols-1 {
			continue
		}
		x := labelW + i*colW + colW/2
		fmt.Fprintf(&b, `<text x="%d" y="%d" transform="rotate(-60 %d %d)" fill="#5b6475"><title>%s</title>%s</text>`, x, top-6, x, top-6, esc(s.ID), esc(shortID(s.ID)))
	}
	for r, g := range h.Groups {
		y := top + r*rowH
		label := g.Key
		if len(label) > 52 {
			label = "…" + label[len(label)-51:]
		}
		fmt.Fprintf(&b, `<a href="#%s"><text x="%d" y="%d" text-anchor="end" fill="#1d2330"><title>%s</title>%s</text></a>`,
			esc(g.Key), labelW-8, y+rowH-3, esc(g.Key), esc(label))
		for from := 0; from < len(g.Cells); {
			class, text := CellClass(g.Cells[from]), cellText(g.Cells[from])
			to := from
			for to+1 < len(g.Cells) && CellClass(g.Cells[to+1]) == class && cellText(g.Cells[to+1]) == text {
				to++
			}
			if class != "" {
				when := h.Snapshots[from].ID
				if to > from {
					when += " – " + h.Snapshots[to].ID
				}
				fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s" stroke="#fff" data-key="%s" data-from="%d" data-to="%d" data-class="%s"><title>%s · %s · %s</title></rect>`,
					labelW+from*colW, y+1, (to-from+1)*colW, rowH-2, cellFill(class), esc(g.Key), from, to, class, esc(g.Key), esc(when), esc(text))
			}
			from = to + 1
		}
	}
	legendY := top + len(h.Groups)*rowH + 16
	x := 10
	for _, l := range cellLooks {
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="12" height="12" fill="%s" stroke="#8c959f" stroke-width="0.5"/><text x="%d" y="%d" fill="#1d2330">%s</text>`,
			x, legendY, l.fill, x+16, legendY+10, esc(l.label))
		x += 22 + 6*len(l.label)
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// GroupChartSVG draws one group across the snapshots of h: its number of
// operations as a line (left scale) and its findings of each night as
// bars stacked by level (right scale). Nights the group was absent leave
// a gap in the line.
func GroupChartSVG(h *History, g HistoryGroup) string {
	const w, ht, left, right, top, bottom = 640, 170, 44, 44, 14, 40
	cols := len(h.Snapshots)
	plotW, plotH := w-left-right, ht-top-bottom
	maxOps, maxFindings := 1, 1
	for _, c := range g.Cells {
		maxOps = max(maxOps, c.Operations)
		maxFindings = max(maxFindings, c.Breaking+c.Warning+c.Info)
	}
	colW := float64(plotW) / float64(max(cols, 1))
	xOf := func(i int) float64 { return float64(left) + (float64(i)+0.5)*colW }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="group-chart" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="%s: operations and findings by level across %s" font-family="system-ui, sans-serif" font-size="10.5" data-key="%s">`,
		w, ht, w, ht, esc(g.Key), plural(cols, "snapshot", "snapshots"), esc(g.Key))
	// Axes and scales.
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#8c959f"/>`, left, top+plotH, left+plotW, top+plotH)
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" fill="#0969da">%d</text><text x="%d" y="%d" text-anchor="end" fill="#0969da">0</text>`, left-4, top+8, maxOps, left-4, top+plotH)
	fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#5b6475">%d</text><text x="%d" y="%d" fill="#5b6475">0</text>`, left+plotW+4, top+8, maxFindings, left+plotW+4, top+plotH)
	// Findings, stacked: breaking at the bottom.
	barW := max(2, colW*0.6)
	for i, c := range g.Cells {
		y := float64(top + plotH)
		for _, part := range []struct {
			n     int
			class string
		}{{c.Breaking, "breaking"}, {c.Warning, "warning"}, {c.Info, "info"}} {
			if part.n == 0 {
				continue
			}
			hgt := float64(part.n) / float64(maxFindings) * float64(plotH) * 0.9
			y -= hgt
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s" data-class="%s" data-col="%d"><title>%s · %d %s</title></rect>`,
				xOf(i)-barW/2, y, barW, hgt, cellFill(part.class), part.class, i, esc(h.Snapshots[i].ID), part.n, part.class)
		}
		if c.Status == StatusStale || c.Status == StatusFailed {
			fmt.Fprintf(&b, `<rect x="%.1f" y="%d" width="%.1f" height="4" fill="%s" data-class="%s" data-col="%d"><title>%s · %s</title></rect>`,
				xOf(i)-barW/2, top+plotH+2, barW, cellFill(c.Status), c.Status, i, esc(h.Snapshots[i].ID), c.Status)
		}
	}
	// Operations: a line through the nights the group was there.
	var seg []string
	flush := func() {
		if len(seg) > 1 {
			fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="#0969da" stroke-width="1.5"/>`, strings.Join(seg, " "))
		}
		seg = seg[:0]
	}
	for i, c := range g.Cells {
		if c.Status == "" {
			flush()
			continue
		}
		y := float64(top+plotH) - float64(c.Operations)/float64(maxOps)*float64(plotH)*0.9
		seg = append(seg, fmt.Sprintf("%.1f,%.1f", xOf(i), y))
	}
	flush()
	for i, c := range g.Cells {
		if c.Status == "" {
			continue
		}
		y := float64(top+plotH) - float64(c.Operations)/float64(maxOps)*float64(plotH)*0.9
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2.5" fill="#0969da" data-col="%d" data-ops="%d"><title>%s · %s</title></circle>`,
			xOf(i), y, i, c.Operations, esc(h.Snapshots[i].ID), esc(cellText(c)))
	}
	// First and last snapshot under the axis, and a legend.
	if cols > 0 {
		fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#5b6475">%s</text>`, left, top+plotH+16, esc(shortID(h.Snapshots[0].ID)))
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" fill="#5b6475">%s</text>`, left+plotW, top+plotH+16, esc(shortID(h.Snapshots[cols-1].ID)))
	}
	ly := ht - 8
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#0969da" stroke-width="1.5"/><text x="%d" y="%d" fill="#1d2330">operations</text>`, left, ly-4, left+16, ly-4, left+20, ly)
	lx := left + 100
	for _, l := range []string{"breaking", "warning", "info"} {
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="10" height="10" fill="%s"/><text x="%d" y="%d" fill="#1d2330">%s</text>`, lx, ly-9, cellFill(l), lx+14, ly, l)
		lx += 80
	}
	b.WriteString(`</svg>`)
	return b.String()
}
