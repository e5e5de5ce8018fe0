package output

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"net/url"
	"strings"
)

// Files every snapshot holds next to index.html. They are the same bytes
// every night, so the store keeps one copy of each however many snapshots
// share it (see SnapshotWriter.WriteFile).
const (
	// ReferenceHTML is the API reference page: one page for every group
	// of the snapshot and for the merged document, told which by its
	// fragment (ReferenceLink).
	ReferenceHTML = "reference.html"
	// RendererFile is the reference renderer, Redoc's standalone bundle,
	// vendored from npm and embedded in the binary.
	RendererFile = "redoc.standalone.js"
	// RendererLicenseFile is Redoc's licence followed by the notices of
	// the libraries its bundle contains.
	RendererLicenseFile = "redoc.LICENSE.txt"
)

//go:embed assets/reference.html assets/reference.js assets/reference.css
//go:embed assets/redoc/redoc.standalone.js assets/redoc/LICENSE assets/redoc/THIRD-PARTY-NOTICES.txt
var referenceAssets embed.FS

// SharedFile is one file that is identical in every snapshot.
type SharedFile struct {
	Name string
	Data []byte
}

// SharedFiles returns the files a snapshot holds whatever it contains: the
// reference page, its renderer and the renderer's licence, in a fixed
// order.
func SharedFiles() ([]SharedFile, error) {
	page, err := referencePage(nil)
	if err != nil {
		return nil, err
	}
	renderer, err := referenceAssets.ReadFile("assets/redoc/redoc.standalone.js")
	if err != nil {
		return nil, fmt.Errorf("read the reference renderer: %w", err)
	}
	licence, err := referenceAssets.ReadFile("assets/redoc/LICENSE")
	if err != nil {
		return nil, fmt.Errorf("read the renderer licence: %w", err)
	}
	notices, err := referenceAssets.ReadFile("assets/redoc/THIRD-PARTY-NOTICES.txt")
	if err != nil {
		return nil, fmt.Errorf("read the renderer notices: %w", err)
	}
	var lic bytes.Buffer
	lic.WriteString("Redoc 2.5.4 (https://github.com/Redocly/redoc), bundled as " + RendererFile + "\n\n")
	lic.Write(licence)
	lic.WriteString("\n\nThe bundle contains these libraries, under these licences:\n\n")
	lic.Write(notices)
	return []SharedFile{
		{Name: ReferenceHTML, Data: page},
		{Name: RendererFile, Data: renderer},
		{Name: RendererLicenseFile, Data: lic.Bytes()},
	}, nil
}

// ReferenceLink is the link from a snapshot's pages to the reference of a
// stored document, by its SHA-256 and group key.
func ReferenceLink(sha, key string) string {
	return ReferenceHTML + "#spec=" + sha + "&key=" + fragmentEscape(key)
}

// MergedReferenceLink is the link to the reference of the merged document.
const MergedReferenceLink = ReferenceHTML + "#merged"

type referenceView struct {
	Policy   string
	Style    template.CSS
	Script   template.JS
	Renderer string
	// Docs maps a document's SHA-256 to where the page fetches it; empty,
	// the page reads the store's blobs two folders up.
	Docs string
}

// referencePage renders reference.html. Its policy lets the page run only
// its own script and the renderer next to it, fetch only from its own
// origin (the document), and load no font, frame or image from
// elsewhere: the reference works offline and tells no one it was opened.
// Redoc styles itself with inline style elements and runs its search
// index in a worker made from a blob, which the policy therefore allows.
//
// docs, when not empty, maps a document's SHA-256 to its path next to the
// page: an exported bundle holds specs/<key>.json, not the store's blobs.
func referencePage(docs map[string]string) ([]byte, error) {
	style, err := referenceAssets.ReadFile("assets/reference.css")
	if err != nil {
		return nil, fmt.Errorf("read reference style: %w", err)
	}
	script, err := referenceAssets.ReadFile("assets/reference.js")
	if err != nil {
		return nil, fmt.Errorf("read reference script: %w", err)
	}
	tmpl, err := template.ParseFS(referenceAssets, "assets/reference.html")
	if err != nil {
		return nil, fmt.Errorf("parse reference page: %w", err)
	}
	view := referenceView{
		Policy: "default-src 'none'; script-src 'self' " + cspHash(script) + "; style-src 'unsafe-inline'; " +
			"img-src 'self' data:; connect-src 'self'; worker-src blob:; font-src 'none'; base-uri 'none'; form-action 'none'",
		Style:    template.CSS(style),
		Script:   template.JS(script),
		Renderer: RendererFile,
	}
	if len(docs) > 0 {
		b, err := json.Marshal(docs)
		if err != nil {
			return nil, fmt.Errorf("render reference page: %w", err)
		}
		view.Docs = string(b)
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, view); err != nil {
		return nil, fmt.Errorf("render reference page: %w", err)
	}
	return buf.Bytes(), nil
}

// fragmentEscape escapes s for a key=value pair of a fragment: like a
// query value, but with spaces as %20, which decodeURIComponent reads.
func fragmentEscape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}
