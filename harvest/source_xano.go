package harvest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/sync/errgroup"
)

// The Developer API (type xano, DESIGN §3 route A):
//
//	GET {master}/api:developer/instance            Bearer developer key
//	GET {tokenUrl}                                 token in the URL
//	GET {origin}/api:developer/workspace           Bearer authToken, groups embedded
//	GET {swaggerspec}?type=json                    the group's document
//
// The authToken goes only to the instance's origin host; a swaggerspec on
// another host gets no credential (its own swagger token, if any, is in
// its URL).

type devInstance struct {
	ID       flexID `json:"id"`
	Name     string `json:"name"`
	Display  string `json:"display"`
	TokenURL string `json:"tokenUrl"`
}

type devToken struct {
	AuthToken string `json:"authToken"`
	Origin    string `json:"origin"`
}

type devWorkspace struct {
	ID        flexID     `json:"id"`
	Name      string     `json:"name"`
	APIGroups []devGroup `json:"apigroups"`
}

type devGroup struct {
	ID          flexID `json:"id"`
	Name        string `json:"name"`
	Swaggerspec string `json:"swaggerspec"`
}

func (s *sourceRun) crawlDeveloper(ctx context.Context, f *filter) error {
	return walkInstances(ctx, s, f, apiBase(s.src.Master, "api:developer")+"/instance", s.src.APIKey,
		func(i devInstance) (string, string, flexID) { return i.Name, i.Display, i.ID }, s.developerInstance)
}

// walkInstances lists a master's instances and walks each one the filter
// allows, at most Concurrency at once. A master that cannot be listed
// fails the whole source's scope.
func walkInstances[T any](ctx context.Context, s *sourceRun, f *filter, listURL, token string,
	names func(T) (name, display string, id flexID), walk func(context.Context, *filter, T, level) error) error {
	insts, err := listAll(ctx, s, fmt.Sprintf("instances of source %q", s.src.Name), listURL, bearer(token), false,
		func(i T) flexID { _, _, id := names(i); return id })
	if err != nil {
		return s.failScope(ctx, s.src.Name, err)
	}
	slugs, ids := stableSlugs(s, s.src.Name, insts, func(i T) (string, string, flexID) {
		name, display, id := names(i)
		return name, displayName(display, name), id
	})
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.opts.Concurrency)
	for i, inst := range insts {
		name, display, _ := names(inst)
		lv := level{names: []string{name, display}, slug: slugs[i], id: ids[i]}
		if !f.allows(lv) {
			continue
		}
		g.Go(func() error { return walk(gctx, f, inst, lv) })
	}
	return g.Wait()
}

func (s *sourceRun) developerInstance(ctx context.Context, f *filter, inst devInstance, lv level) error {
	prefix := Key(s.src.Name, lv.slug)
	name := displayName(inst.Display, inst.Name)
	tok, wss, err := s.developerWorkspaces(ctx, inst, name)
	if err != nil {
		return s.failScope(ctx, prefix, err)
	}
	wsSlugs, wsIDs := stableSlugs(s, prefix, wss, func(w devWorkspace) (string, string, flexID) { return w.Name, w.Name, w.ID })
	var jobs []groupJob
	for i, ws := range wss {
		wl := level{names: []string{ws.Name}, slug: wsSlugs[i], id: wsIDs[i]}
		if !f.allows(lv, wl) {
			continue
		}
		gSlugs, gIDs := stableSlugs(s, Key(prefix, wl.slug), ws.APIGroups, func(g devGroup) (string, string, flexID) { return g.Name, g.Name, g.ID })
		for j, grp := range ws.APIGroups {
			gl := level{names: []string{grp.Name}, slug: gSlugs[j], id: gIDs[j]}
			if !f.allows(lv, wl, gl) {
				continue
			}
			u := swaggerJSON(grp.Swaggerspec)
			var h http.Header
			if sameHost(u, tok.Origin) {
				h = bearer(tok.AuthToken)
			}
			jobs = append(jobs, groupJob{key: Key(s.src.Name, lv.slug, wl.slug, gl.slug),
				instance: name, workspace: ws.Name, name: grp.Name, url: u, header: h, ids: levelIDs(lv, wl, gl)})
		}
	}
	return s.fetchAll(ctx, jobs, 2*s.opts.PerHost)
}

// developerWorkspaces trades the instance's tokenUrl for an authToken and
// lists the workspaces with it. An authToken can expire while a long crawl
// runs, so a 401 on the listing earns one fresh token and one more try.
func (s *sourceRun) developerWorkspaces(ctx context.Context, inst devInstance, name string) (devToken, []devWorkspace, error) {
	for attempt := 0; ; attempt++ {
		var tok devToken
		if err := s.getJSON(ctx, fmt.Sprintf("token of instance %q", name), inst.TokenURL, nil, &tok); err != nil {
			return tok, nil, err
		}
		if tok.AuthToken == "" || tok.Origin == "" {
			return tok, nil, fmt.Errorf("token of instance %q: answer without authToken or origin", name)
		}
		wsURL := apiBase(tok.Origin, "api:developer") + "/workspace"
		wss, err := listAll(ctx, s, fmt.Sprintf("workspaces of instance %q", name), wsURL, bearer(tok.AuthToken), false,
			func(w devWorkspace) flexID { return w.ID })
		var fe *FetchError
		if attempt == 0 && errors.As(err, &fe) && fe.Status == http.StatusUnauthorized {
			continue
		}
		return tok, wss, err
	}
}

// fetchAll fetches a listing's groups, at most limit at once.
func (s *sourceRun) fetchAll(ctx context.Context, jobs []groupJob, limit int) error {
	s.foundGroups(jobs)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(limit)
	for _, j := range jobs {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error { return s.fetchGroup(gctx, j) })
	}
	return g.Wait()
}

// apiBase is the base URL of one of Xano's APIs on a host, whether the
// configured URL names the API already or only the host.
func apiBase(base, api string) string {
	base = strings.TrimRight(base, "/")
	if strings.HasSuffix(base, "/"+api) {
		return base
	}
	return base + "/" + api
}

// swaggerJSON asks for JSON when the URL does not say: Xano's group
// swaggerspec URLs come without ?type=json.
func swaggerJSON(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Query().Has("type") {
		return raw
	}
	if u.RawQuery == "" {
		u.RawQuery = "type=json"
	} else {
		u.RawQuery += "&type=json"
	}
	return u.String()
}

func displayName(display, name string) string {
	if display != "" {
		return display
	}
	return name
}

// stableSlugs slugs sibling names under a key prefix so that an owner
// keeps the segment it had (see StableSlugs). named gives the name to
// slug, the name as recorded in a Spec, and the id. It returns the ids
// too, as strings.
func stableSlugs[T any](s *sourceRun, prefix string, items []T, named func(T) (string, string, flexID)) ([]string, []string) {
	ns := make([]Named, len(items))
	ids := make([]string, len(items))
	names := make([]string, len(items))
	for i, it := range items {
		n, recorded, id := named(it)
		ns[i] = Named{Name: n, ID: string(id)}
		ids[i], names[i] = string(id), recorded
	}
	return StableSlugs(ns, ids, names, s.book[prefix]), ids
}

// levelIDs are the ids of a group's levels, nil when the source has none.
func levelIDs(levels ...level) []string {
	ids := make([]string, len(levels))
	any := false
	for i, l := range levels {
		ids[i] = l.id
		any = any || l.id != ""
	}
	if !any {
		return nil
	}
	return ids
}

// errNoDocumentURL is a group whose listing gave no document URL.
var errNoDocumentURL = errors.New("the listing gives no document URL for this group")
