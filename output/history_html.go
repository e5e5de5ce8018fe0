package output

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io"
	"net/url"
)

//go:embed assets/history.html.tmpl assets/history.css
var historyAssets embed.FS

type historyView struct {
	Snapshot string
	Policy   string
	Style    template.CSS
	Merged   string
	History  *History
	Fleet    template.HTML
	Groups   []historyGroupView
}

type historyGroupView struct {
	Key       string
	Reference string
	Catalog   string
	Chart     template.HTML
}

// WriteHistoryHTML writes history.html: the fleet timeline and, for every
// group, the chart of its operations and findings across the snapshots of
// h, all drawn here as SVG. The page runs no script; a group's chart is
// reached as history.html#<key>. The SVG is built from escaped text only
// (every name goes through html.EscapeString), and a policy allowing no
// script at all backs that up.
func WriteHistoryHTML(w io.Writer, h *History) error {
	style, err := historyAssets.ReadFile("assets/history.css")
	if err != nil {
		return fmt.Errorf("read history style: %w", err)
	}
	tmpl, err := template.ParseFS(historyAssets, "assets/history.html.tmpl")
	if err != nil {
		return fmt.Errorf("parse history page: %w", err)
	}
	view := historyView{
		Policy: "default-src 'none'; img-src data:; base-uri 'none'; form-action 'none'; " +
			"style-src " + cspHash(style),
		Style:   template.CSS(style),
		Merged:  MergedReferenceLink,
		History: h,
		Fleet:   template.HTML(FleetTimelineSVG(h)),
		Groups:  make([]historyGroupView, 0, len(h.Groups)),
	}
	if n := len(h.Snapshots); n > 0 {
		view.Snapshot = h.Snapshots[n-1].ID
	}
	for _, g := range h.Groups {
		gv := historyGroupView{Key: g.Key, Catalog: CatalogHTML + "#" + url.PathEscape(g.Key), Chart: template.HTML(GroupChartSVG(h, g))}
		if g.SHA256 != "" {
			gv.Reference = ReferenceLink(g.SHA256, g.Key)
		}
		view.Groups = append(view.Groups, gv)
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
