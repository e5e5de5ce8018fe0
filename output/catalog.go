package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/specharvest/specharvest/internal/sniff"
)

// Catalog file names inside a snapshot.
const (
	CatalogFile    = "catalog.json"
	APICatalogFile = "api-catalog.json"
	CatalogHTML    = "index.html"
	ChangesFile    = "changes.json"
)

// APICatalogProfile is the profile URI of RFC 9727 that marks a linkset as
// an API catalog.
const APICatalogProfile = "https://www.rfc-editor.org/info/rfc9727"

// APICatalogMediaType is the Content-Type to serve api-catalog.json with,
// for instance at /.well-known/api-catalog.
const APICatalogMediaType = `application/linkset+json; profile="` + APICatalogProfile + `"`

// BlobLink is the link to a stored document from a snapshot folder:
// snapshots/<ID>/ is two levels below the store, so the catalog, the page
// and api-catalog.json of a snapshot reach the content-addressed blob
// without a copy, whether the store is opened as files or served as a
// static site. An exported bundle links to its own specs/ copies instead.
func BlobLink(sha string) string {
	if len(sha) < 2 {
		return ""
	}
	return "../../blobs/sha256/" + sha[:2] + "/" + sha
}

// DocumentMediaType tells the media type of a document as fetched, for the
// type of its service-desc link, as sniff.JSON tells it.
func DocumentMediaType(data []byte) string {
	switch {
	case len(bytes.TrimSpace(data)) == 0:
		return ""
	case sniff.JSON(data):
		return "application/json"
	}
	return "application/yaml"
}

// WriteCatalogJSON writes catalog.json: the catalog as indented JSON.
func WriteCatalogJSON(w io.Writer, c *Catalog) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(c); err != nil {
		return fmt.Errorf("write catalog: %w", err)
	}
	return nil
}

// linkTarget is a target object of RFC 9264 §4.2.4: href is required,
// type and title are the registered target attributes used here.
type linkTarget struct {
	Href  string `json:"href"`
	Type  string `json:"type,omitempty"`
	Title string `json:"title,omitempty"`
}

// linkContext is one context object of a linkset: an anchor and its links
// by relation type. The relations are the registered ones RFC 9727 uses:
// item for the members of the catalog, service-desc for machine-readable
// descriptions, service-doc for documentation people read, service-meta for
// metadata about the API.
type linkContext struct {
	Anchor      string       `json:"anchor"`
	Item        []linkTarget `json:"item,omitempty"`
	ServiceDesc []linkTarget `json:"service-desc,omitempty"`
	ServiceDoc  []linkTarget `json:"service-doc,omitempty"`
	ServiceMeta []linkTarget `json:"service-meta,omitempty"`
}

type linkset struct {
	Linkset []linkContext `json:"linkset"`
}

// WriteAPICatalog writes api-catalog.json, the groups of c as an RFC 9727
// API catalog: a linkset (RFC 9264, application/linkset+json) whose first
// context is the catalog itself listing every group as an item, followed by
// one context per group. A group's anchor is its API — its server URL when
// that is an absolute http(s) URL no other group shares, else its entry in
// index.html — with a service-desc link to its document as stored, a
// service-doc link to its entry in index.html and a service-meta link to
// catalog.json.
//
// baseURL is where the snapshot folder is served, such as
// "https://apis.example.com/catalog/snapshots/20261127T020000Z/"; every
// relative link is resolved against it. Empty keeps the links relative,
// which RFC 9264 resolves against the catalog's own location.
func WriteAPICatalog(w io.Writer, c *Catalog, baseURL string) error {
	resolve, err := resolverFor(baseURL)
	if err != nil {
		return err
	}
	serverUse := map[string]int{}
	for _, g := range c.Groups {
		if s := apiServer(g); s != "" {
			serverUse[s]++
		}
	}
	self := linkContext{Anchor: resolve(APICatalogFile), Item: []linkTarget{}}
	groups := make([]linkContext, 0, len(c.Groups))
	for _, g := range c.Groups {
		anchor := resolve(CatalogHTML + "#" + url.PathEscape(g.Key))
		if s := apiServer(g); s != "" && serverUse[s] == 1 {
			anchor = s
		}
		title := g.Title
		if title == "" {
			title = g.Key
		}
		self.Item = append(self.Item, linkTarget{Href: anchor, Title: g.Key})
		ctx := linkContext{
			Anchor:      anchor,
			ServiceDoc:  []linkTarget{{Href: resolve(CatalogHTML + "#" + url.PathEscape(g.Key)), Type: "text/html", Title: title}},
			ServiceMeta: []linkTarget{{Href: resolve(CatalogFile), Type: "application/json"}},
		}
		if g.Document != "" {
			ctx.ServiceDesc = []linkTarget{{Href: resolve(g.Document), Type: g.DocumentType, Title: title}}
		}
		groups = append(groups, ctx)
	}
	doc := linkset{Linkset: append([]linkContext{self}, groups...)}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write api catalog: %w", err)
	}
	return nil
}

// apiServer is the group's first server when it names a whole http(s)
// endpoint; relative servers ("/api:abc") say nothing outside the document.
func apiServer(g CatalogGroup) string {
	for _, s := range g.Servers {
		u, err := url.Parse(s)
		if err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && !strings.Contains(s, "{") {
			return s
		}
	}
	return ""
}

func resolverFor(baseURL string) (func(string) string, error) {
	if baseURL == "" {
		return func(ref string) string { return ref }, nil
	}
	base, err := url.Parse(baseURL)
	if err != nil || !base.IsAbs() {
		return nil, fmt.Errorf("api catalog base url %q is not an absolute url", baseURL)
	}
	if !strings.HasSuffix(base.Path, "/") {
		// The base names the snapshot folder; without the slash its last
		// segment would be replaced rather than descended into.
		base.Path += "/"
	}
	return func(ref string) string {
		r, err := url.Parse(ref)
		if err != nil {
			return ref
		}
		return base.ResolveReference(r).String()
	}, nil
}
