package harvest

import (
	"context"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
)

// A url source is a list of document URLs fetched as they are, without
// credentials (a token, if needed, is in the URL and never shown).
//
// Keys must not depend on the host, so a URL's key is
// source/-/-/<tail>, where <tail> is the slug of the meaningful end of its
// path: the file name without its extension, preceded by parent segments
// while what is there is generic ("openapi", "swagger", "v2", …). So
// https://a.example/petstore/v3/openapi.json becomes "petstore-v3-openapi"
// and https://x.xano.io/apispec:Wk_siX becomes "apispec-wk-six". URLs whose
// tails collide get their position in the list (1-based) appended.

// genericSegment is a path segment that says nothing about which API it is.
var genericSegment = regexp.MustCompile(`^(?i:openapi|swagger|spec|specs|api-docs|apidocs|docs|doc|api|apis|schema|index|latest|v\d+(\.\d+)*)$`)

var docExtension = regexp.MustCompile(`(?i)\.(json|ya?ml)$`)

// urlTail is the meaningful end of a URL's path, for naming its group.
func urlTail(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	var segs []string
	for _, s := range strings.Split(u.Path, "/") {
		if s != "" {
			segs = append(segs, s)
		}
	}
	if len(segs) == 0 {
		return ""
	}
	segs[len(segs)-1] = docExtension.ReplaceAllString(segs[len(segs)-1], "")
	start := len(segs) - 1
	for start > 0 && genericSegment.MatchString(segs[start]) {
		start--
	}
	return path.Join(segs[start:]...)
}

func (s *sourceRun) crawlURLs(ctx context.Context, f *filter) error {
	named := make([]Named, len(s.src.URLs))
	for i, u := range s.src.URLs {
		named[i] = Named{Name: urlTail(u), ID: strconv.Itoa(i + 1)}
	}
	// The position in the list is no identity: URLs are known by name.
	names := make([]string, len(named))
	for i, n := range named {
		names[i] = n.Name
	}
	slugs := StableSlugs(named, nil, names, s.book[Key(s.src.Name, "-", "-")])
	none := level{names: []string{"-"}, slug: "-"}
	var jobs []groupJob
	for i, u := range s.src.URLs {
		gl := level{names: []string{named[i].Name}, slug: slugs[i]}
		if !f.allows(none, none, gl) {
			continue
		}
		jobs = append(jobs, groupJob{key: Key(s.src.Name, "-", "-", slugs[i]), name: named[i].Name, url: u})
	}
	return s.fetchAll(ctx, jobs, s.opts.Concurrency)
}
