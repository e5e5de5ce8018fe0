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
// does not change costs a rectangle per group, not one per night. It is
// HTML: a head, the rows in svg.fleet-timeline pictures of a hundred, and
// a legend. Each row is a g with data-key; every rectangle carries data-from and
// data-to (column indexes), data-class and a tooltip; each row's label
// links to the group's chart.
func FleetTimelineSVG(h *History) string {
	cols := len(h.Snapshots)
	const labelW, rowH, top, chunk = 320, 14, 78, 100
	colW := 24
	if cols > 0 {
		colW = max(8, min(28, 900/cols))
	}
	// Wide enough for the legend under the grid, however few the columns.
	width := max(labelW+cols*colW+20, 880)
	var b strings.Builder
	b.Grow(1024 + len(h.Groups)*400)
	// The head: column labels, one every few columns so they never
	// overlap, and the stale stripes every part refers to.
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="fleet-head" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="Fleet timeline: %s over %s" font-family="system-ui, sans-serif" font-size="11">`,
		width, top, width, top, plural(len(h.Groups), "group", "groups"), plural(cols, "snapshot", "snapshots"))
	b.WriteString(`<defs><pattern id="stale" width="4" height="4" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="4" height="4" fill="#fff3c4"/><rect width="2" height="4" fill="#d4a72c"/></pattern></defs>`)
	step := max(1, (14+colW-1)/colW)
	for i, s := range h.Snapshots {
		if i%step != 0 && i != cols-1 {
			continue
		}
		x := labelW + i*colW + colW/2
		fmt.Fprintf(&b, `<text x="%d" y="%d" transform="rotate(-60 %d %d)" fill="#5b6475"><title>%s</title>%s</text>`, x, top-6, x, top-6, esc(s.ID), esc(shortID(s.ID)))
	}
	b.WriteString(`</svg>`)
	// The rows, a hundred to a picture: the browser lays out only the
	// pictures on screen (content-visibility), which keeps a fleet of
	// thousands quick to open.
	for start := 0; start < len(h.Groups); start += chunk {
		rows := h.Groups[start:min(start+chunk, len(h.Groups))]
		height := len(rows) * rowH
		fmt.Fprintf(&b, `<div class="fleet-chunk"><svg xmlns="http://www.w3.org/2000/svg" class="fleet-timeline" width="%d" height="%d" viewBox="0 0 %d %d" font-family="system-ui, sans-serif" font-size="11">`,
			width, height, width, height)
		for r, g := range rows {
			y := r * rowH
			label := g.Key
			if len(label) > 52 {
				label = "…" + label[len(label)-51:]
			}
			fmt.Fprintf(&b, `<g data-key="%s"><a href="#%s"><text x="%d" y="%d" text-anchor="end" fill="#1d2330"><title>%s</title>%s</text></a>`,
				esc(g.Key), esc(g.Key), labelW-8, y+rowH-3, esc(g.Key), esc(label))
			for from := 0; from < len(g.Cells); {
				class, text := CellClass(g.Cells[from]), cellText(g.Cells[from])
				to := from
				for to+1 < len(g.Cells) && CellClass(g.Cells[to+1]) == class && cellText(g.Cells[to+1]) == text {
					to++
				}
				if class != "" {
					when := shortID(h.Snapshots[from].ID)
					if to > from {
						when += "–" + shortID(h.Snapshots[to].ID)
					}
					fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s" data-from="%d" data-to="%d" data-class="%s"><title>%s %s</title></rect>`,
						labelW+from*colW, y+1, (to-from+1)*colW-1, rowH-2, cellFill(class), from, to, class, esc(when), esc(text))
				}
				from = to + 1
			}
			b.WriteString(`</g>`)
		}
		b.WriteString(`</svg></div>`)
	}
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="fleet-legend" width="%d" height="30" viewBox="0 0 %d 30" font-family="system-ui, sans-serif" font-size="11">`, width, width)
	x := 10
	for _, l := range cellLooks {
		fmt.Fprintf(&b, `<rect x="%d" y="10" width="12" height="12" fill="%s" stroke="#8c959f" stroke-width="0.5"/><text x="%d" y="20" fill="#1d2330">%s</text>`,
			x, l.fill, x+16, esc(l.label))
		x += 22 + 6*len(l.label)
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// GroupChartSVG draws one group across the snapshots of h: its number of
// operations as a line (left scale) and its findings of each night as
// bars stacked by level (right scale), stale and failed nights marked
// under the axis. Nights the group was absent leave a gap in the line.
// Only the bars carry tooltips: at thousands of groups the page is these
// charts, so each costs about a kilobyte plus its changes.
func GroupChartSVG(h *History, g HistoryGroup) string {
	const w, ht, left, right, top, bottom = 640, 150, 44, 44, 14, 22
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
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="group-chart" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="operations and findings by level" font-size="10.5" data-key="%s">`,
		w, ht, w, ht, esc(g.Key))
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
			fmt.Fprintf(&b, `<rect x="%.0f" y="%.0f" width="%.0f" height="%.0f" fill="%s" data-class="%s" data-col="%d"><title>%s %d %s</title></rect>`,
				xOf(i)-barW/2, y, barW, hgt, cellFill(part.class), part.class, i, esc(h.Snapshots[i].ID), part.n, part.class)
		}
		if c.Status == StatusStale || c.Status == StatusFailed {
			fmt.Fprintf(&b, `<rect x="%.0f" y="%d" width="%.0f" height="4" fill="%s" data-class="%s" data-col="%d"/>`,
				xOf(i)-barW/2, top+plotH+2, barW, cellFill(c.Status), c.Status, i)
		}
	}
	// Operations: a line through the nights the group was there.
	var seg []string
	flush := func() {
		if len(seg) == 1 {
			seg = append(seg, seg[0]) // one night: a dot
		}
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
		// A point between two of the same height adds nothing to the line.
		if i > 0 && i+1 < len(g.Cells) && g.Cells[i-1].Status != "" && g.Cells[i+1].Status != "" &&
			g.Cells[i-1].Operations == c.Operations && g.Cells[i+1].Operations == c.Operations {
			continue
		}
		seg = append(seg, strconv.Itoa(int(xOf(i)))+","+strconv.Itoa(int(y)))
	}
	flush()
	// First and last snapshot under the axis, and a legend.
	if cols > 0 {
		fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#5b6475">%s</text>`, left, top+plotH+16, esc(shortID(h.Snapshots[0].ID)))
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" fill="#5b6475">%s</text>`, left+plotW, top+plotH+16, esc(shortID(h.Snapshots[cols-1].ID)))
	}
	b.WriteString(`</svg>`)
	return b.String()
}
