package output

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io"

	"github.com/specharvest/specharvest/merge/diff"
)

//go:embed assets/catalog.html.tmpl assets/catalog.css assets/catalog.js
var catalogAssets embed.FS

// pageGroup is a group as the page needs it: the catalog's fields, but
// with its findings left to the changes (the page looks them up by key)
// and its operations packed as arrays ([method, path, summary,
// deprecated, operationId]), because at thousands of groups the page is
// mostly operations and their field names would double its size.
type pageGroup struct {
	CatalogGroup
	Breaking int     `json:"breaking,omitempty"`
	Ops      [][]any `json:"ops,omitempty"`
}

// pageData names no snapshot: the page reads its snapshot's id, times and
// timeline from snapshot.js, so the page of a night that changed nothing
// is the same bytes as the night before.
type pageData struct {
	Totals    Totals           `json:"totals"`
	Instances []InstanceTotals `json:"instances"`
	Groups    []pageGroup      `json:"groups"`
	Changes   *CatalogChanges  `json:"changes"`
}

// pageView is what the page template fills in. Data, Script and Style are
// inserted verbatim: Data is JSON whose <, > and & are escaped as \u003c,
// \u003e and \u0026, so no name in any spec can close the script element
// it sits in.
type pageView struct {
	SnapshotScript string
	Policy         string
	Style          template.CSS
	Script         template.JS
	Data           template.JS
}

// WriteCatalogHTML writes index.html: one self-contained page — no
// external scripts, styles, fonts or requests — that lists the catalog's
// instances, workspaces and groups with their status and validation, filters
// groups and operations as one types, shows each group's operations and a
// link to its document, the changes since the previous snapshot (breaking
// first) and the timeline of recent snapshots. The data is embedded as
// JSON and rendered by the page's own script, which builds the operations
// of a group only when it is opened, so the page stays quick at thousands
// of groups. A Content-Security-Policy allowing only the page's own script
// and style by hash (and scripts of its own folder: snapshot.js) backs up
// the escaping.
func WriteCatalogHTML(w io.Writer, c *Catalog) error {
	style, err := catalogAssets.ReadFile("assets/catalog.css")
	if err != nil {
		return fmt.Errorf("read page style: %w", err)
	}
	script, err := catalogAssets.ReadFile("assets/catalog.js")
	if err != nil {
		return fmt.Errorf("read page script: %w", err)
	}
	tmpl, err := template.ParseFS(catalogAssets, "assets/catalog.html.tmpl")
	if err != nil {
		return fmt.Errorf("parse page template: %w", err)
	}
	data, err := json.Marshal(pageDataOf(c))
	if err != nil {
		return fmt.Errorf("encode page data: %w", err)
	}
	view := pageView{
		SnapshotScript: SnapshotScript,
		Policy: "default-src 'none'; img-src data:; base-uri 'none'; form-action 'none'; " +
			"style-src " + cspHash(style) + "; script-src 'self' " + cspHash(script),
		Style:  template.CSS(style),
		Script: template.JS(script),
		Data:   template.JS(data),
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, view); err != nil {
		return fmt.Errorf("render page: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write page: %w", err)
	}
	return nil
}

func cspHash(content []byte) string {
	sum := sha256.Sum256(content)
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

func pageDataOf(c *Catalog) pageData {
	p := pageData{
		Totals:    c.Totals,
		Instances: c.Instances,
		Groups:    make([]pageGroup, 0, len(c.Groups)),
		Changes:   c.Changes,
	}
	if p.Instances == nil {
		p.Instances = []InstanceTotals{}
	}
	for _, g := range c.Groups {
		pg := pageGroup{CatalogGroup: g}
		pg.Endpoints, pg.Findings = nil, nil
		for _, f := range g.Findings {
			if f.Level == diff.LevelBreaking {
				pg.Breaking++
			}
		}
		if len(g.Endpoints) > 0 {
			pg.Ops = make([][]any, len(g.Endpoints))
			for i, op := range g.Endpoints {
				deprecated := 0
				if op.Deprecated {
					deprecated = 1
				}
				pg.Ops[i] = []any{op.Method, op.Path, op.Summary, deprecated, op.OperationID}
			}
		}
		p.Groups = append(p.Groups, pg)
	}
	return p
}
