package output

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"html/template"
	"io"
	"net/url"
	"sort"

	"github.com/specharvest/specharvest/merge/diff"
)

// ChangesHTML is the change explorer of a snapshot.
const ChangesHTML = "changes.html"

// Bounds that keep the explorer readable and its size tied to what
// changed, not to how large the documents are.
const (
	explorerContext      = 4    // unchanged lines shown around a change
	explorerRowsPerFind  = 80   // rows of one excerpt
	explorerExcerptLimit = 1500 // findings with an excerpt, per page
)

//go:embed assets/changes.html.tmpl assets/changes.css
var explorerAssets embed.FS

// DocumentReader reads the stored document of a group on one side of the
// comparison: its bytes and SHA-256, or nil when that side has none (an
// added group has no before, a removed one no after).
type DocumentReader func(ctx context.Context, key string) ([]byte, string, error)

// ExplorerInput is what WriteChangesHTML needs: the changes of a snapshot
// and how to read both sides' documents.
type ExplorerInput struct {
	Snapshot string
	Changes  *diff.Changes
	Before   DocumentReader
	After    DocumentReader
}

type explorerView struct {
	Snapshot string
	Base     string
	Policy   string
	Style    template.CSS
	Summary  diff.ChangeSummary
	Groups   []explorerGroup
	Omitted  int
}

type explorerGroup struct {
	Key                 string
	Change              string
	Error               string
	History             string
	BeforeRef, AfterRef string
	Note                string
	Findings            []explorerFinding
}

type explorerFinding struct {
	diff.Finding
	Anchor  string
	Reaches []string
	Pointer string
	Rows    []explorerRow
	More    int
	Note    string
}

type explorerRow struct {
	DiffRow
	Gap bool
}

// WriteChangesHTML writes changes.html, the change explorer: for every
// changed group, each finding with the fragment of the document before and
// after it at the finding's location, side by side as indented JSON, the
// lines only one side has highlighted (SideBySide); the operations the
// finding reaches; and links to the group's history and to the reference of
// both documents. Documents are read one group at a time. The page is
// static: no script, and a policy that allows none.
func WriteChangesHTML(ctx context.Context, w io.Writer, in ExplorerInput) error {
	style, err := explorerAssets.ReadFile("assets/changes.css")
	if err != nil {
		return fmt.Errorf("read explorer style: %w", err)
	}
	tmpl, err := template.ParseFS(explorerAssets, "assets/changes.html.tmpl")
	if err != nil {
		return fmt.Errorf("parse explorer page: %w", err)
	}
	view := explorerView{
		Snapshot: in.Snapshot,
		Policy:   "default-src 'none'; img-src data:; base-uri 'none'; form-action 'none'; style-src " + cspHash(style),
		Style:    template.CSS(style),
	}
	budget := explorerExcerptLimit
	if c := in.Changes; c != nil {
		view.Base, view.Summary = c.Base, c.Summary
		for _, g := range c.Groups {
			if err := ctx.Err(); err != nil {
				return err
			}
			eg, err := explorerGroupOf(ctx, in, g, &budget)
			if err != nil {
				return err
			}
			view.Groups = append(view.Groups, eg)
		}
	}
	if budget < 0 {
		view.Omitted = -budget
	}
	sortExplorerGroups(view.Groups)
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, view); err != nil {
		return fmt.Errorf("render explorer page: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write explorer page: %w", err)
	}
	return nil
}

func explorerGroupOf(ctx context.Context, in ExplorerInput, g diff.GroupChanges, budget *int) (explorerGroup, error) {
	eg := explorerGroup{Key: g.Key, Change: g.Change, Error: g.Error, History: HistoryFile + "#" + url.PathEscape(g.Key)}
	var before, after any
	read := func(r DocumentReader, ref *string) (any, error) {
		if r == nil || len(g.Changes) == 0 {
			return nil, nil
		}
		data, sha, err := r(ctx, g.Key)
		if err != nil || data == nil {
			return nil, err
		}
		if sha != "" {
			*ref = ReferenceLink(sha, g.Key)
		}
		doc, err := ParseDocument(data)
		if err != nil {
			eg.Note = "A document could not be read for excerpts: " + err.Error()
			return nil, nil
		}
		return doc, nil
	}
	var err error
	if before, err = read(in.Before, &eg.BeforeRef); err != nil {
		return eg, fmt.Errorf("explorer: read %s before: %w", g.Key, err)
	}
	if after, err = read(in.After, &eg.AfterRef); err != nil {
		return eg, fmt.Errorf("explorer: read %s after: %w", g.Key, err)
	}
	for i, f := range sortedFindings(g.Changes) {
		ef := explorerFinding{Finding: f, Anchor: g.Key + "~" + fmt.Sprint(i+1), Reaches: f.Affected()}
		*budget--
		if *budget < 0 {
			ef.Note = "Excerpt left out: this night has more findings than one page shows excerpts for."
		} else {
			excerpt(&ef, before, after)
		}
		eg.Findings = append(eg.Findings, ef)
	}
	return eg, nil
}

// excerpt fills in the side-by-side fragment of a finding. Both sides
// show the same place: as deep into the location as both documents go,
// so what one side lacks shows as highlighted lines of its parent on the
// other.
func excerpt(ef *explorerFinding, before, after any) {
	f := ef.Finding
	_, _, db, okb := Locate(before, f.Operation, f.Location, -1)
	_, _, da, oka := Locate(after, f.Operation, f.Location, -1)
	if before == nil {
		okb = false
	}
	if after == nil {
		oka = false
	}
	var a, b []string
	switch {
	case okb && oka:
		d := min(db, da)
		nb, pb, _, _ := Locate(before, f.Operation, f.Location, d)
		na, _, _, _ := Locate(after, f.Operation, f.Location, d)
		ef.Pointer = pointer(pb)
		a, b = excerptLines(nb), excerptLines(na)
	case okb:
		nb, pb, _, _ := Locate(before, f.Operation, f.Location, -1)
		ef.Pointer = pointer(pb)
		a = excerptLines(nb)
	case oka:
		na, pa, _, _ := Locate(after, f.Operation, f.Location, -1)
		ef.Pointer = pointer(pa)
		b = excerptLines(na)
	default:
		ef.Note = "Neither document has this location; see the finding's message."
		return
	}
	rows := SideBySide(a, b)
	kept := Hunks(rows, explorerContext)
	changed := false
	for _, r := range rows {
		changed = changed || r.LeftChanged || r.RightChanged
	}
	if !changed {
		ef.Note = "The fragment at this location reads the same in both documents; the difference is in what it refers to or in the message above."
	}
	prev := -1
	for _, k := range kept {
		if len(ef.Rows) >= explorerRowsPerFind {
			ef.More = len(kept) - explorerRowsPerFind
			break
		}
		if prev >= 0 && k != prev+1 {
			ef.Rows = append(ef.Rows, explorerRow{Gap: true})
		}
		ef.Rows = append(ef.Rows, explorerRow{DiffRow: rows[k]})
		prev = k
	}
}

func levelRank(l diff.Level) int {
	switch l {
	case diff.LevelBreaking:
		return 0
	case diff.LevelWarning:
		return 1
	}
	return 2
}

func sortedFindings(in []diff.Finding) []diff.Finding {
	out := append([]diff.Finding(nil), in...)
	sort.SliceStable(out, func(i, j int) bool { return levelRank(out[i].Level) < levelRank(out[j].Level) })
	return out
}

// sortExplorerGroups puts groups that break clients first, then by key.
func sortExplorerGroups(gs []explorerGroup) {
	breaks := make(map[string]bool, len(gs))
	for _, g := range gs {
		b := g.Change == diff.GroupRemoved
		for _, f := range g.Findings {
			b = b || f.Level == diff.LevelBreaking
		}
		breaks[g.Key] = b
	}
	sort.SliceStable(gs, func(i, j int) bool {
		if breaks[gs[i].Key] != breaks[gs[j].Key] {
			return breaks[gs[i].Key]
		}
		return gs[i].Key < gs[j].Key
	})
}
