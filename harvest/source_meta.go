package harvest

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"

	"golang.org/x/sync/errgroup"
)

// The Metadata API (type xano-meta, DESIGN §3 route B), with one token
// sent as Bearer to the master and to every instance's meta_api:
//
//	GET {master}/api:meta/instance                         (or one instance given directly)
//	GET {meta_api}/workspace                               array, {items:[…]} or {workspaces:[…]}
//	GET {meta_api}/workspace/{wid}/apigroup?page=N&per_page=M   paged until nextPage is null
//	GET {meta_api}/workspace/{wid}/apigroup/{gid}/openapi  the document; on 404 the group's documentation.link
//
// Once /openapi has answered 404 and a documentation.link has worked, the
// instance is taken to be on an older release and its remaining groups go
// straight to their links.
//
// An instance given directly (Source.Instance) has no name of its own in
// the API, so its key segment is "-" and its display name is its host.
// The documentation.link gets the token only when it is on the meta_api's
// own host; elsewhere its swagger token travels in the link itself.

type metaInstance struct {
	ID           flexID `json:"id"`
	Name         string `json:"name"`
	Display      string `json:"display"`
	XanoDomain   string `json:"xano_domain"`
	CustomDomain string `json:"custom_domain"`
	MetaAPI      string `json:"meta_api"`
	RateLimit    bool   `json:"rate_limit"`
}

// freePlanRate is Xano's free-plan limit, 10 requests per 20 seconds,
// applied to an instance whose listing says rate_limit: pacing at it
// costs less than meeting 429s and their 20-second backoffs.
const freePlanRate = 10.0 / 20

type metaWorkspace struct {
	ID   flexID `json:"id"`
	Name string `json:"name"`
}

type metaGroup struct {
	ID            flexID `json:"id"`
	Name          string `json:"name"`
	Documentation struct {
		Link string `json:"link"`
	} `json:"documentation"`
}

// singleInstanceSegment is the instance segment of keys of a source that
// names one instance directly.
const singleInstanceSegment = "-"

func (s *sourceRun) crawlMeta(ctx context.Context, f *filter) error {
	if s.src.Instance != "" {
		api := apiBase(s.src.Instance, "api:meta")
		inst := metaInstance{MetaAPI: api, Display: hostOf(api)}
		lv := level{names: []string{inst.Display}, slug: singleInstanceSegment}
		if !f.allows(lv) {
			return nil
		}
		return s.metaInstance(ctx, f, inst, lv)
	}
	return walkInstances(ctx, s, f, apiBase(s.src.Master, "api:meta")+"/instance", s.src.Token,
		func(i metaInstance) (string, string, flexID) { return i.Name, i.Display, i.ID }, s.metaInstance)
}

// metaAPI is where an instance's Metadata API lives: the URL the listing
// gives, else built from its custom or Xano domain.
func (i metaInstance) metaAPI() string {
	switch {
	case i.MetaAPI != "":
		return strings.TrimRight(i.MetaAPI, "/")
	case i.CustomDomain != "":
		return "https://" + i.CustomDomain + "/api:meta"
	case i.XanoDomain != "":
		return "https://" + i.XanoDomain + "/api:meta"
	}
	return ""
}

func (s *sourceRun) metaInstance(ctx context.Context, f *filter, inst metaInstance, lv level) error {
	prefix := Key(s.src.Name, lv.slug)
	name := displayName(inst.Display, inst.Name)
	api := inst.metaAPI()
	if api == "" {
		return s.failScope(ctx, prefix, fmt.Errorf("instance %q: the listing gives no meta_api URL", name))
	}
	if inst.RateLimit {
		s.http.throttle.paceHost(api, freePlanRate)
	}
	auth := bearer(s.src.Token)
	wss, err := listAll(ctx, s, fmt.Sprintf("workspaces of instance %q", name), api+"/workspace", auth, false,
		func(w metaWorkspace) flexID { return w.ID })
	if err != nil {
		return s.failScope(ctx, prefix, err)
	}
	wsSlugs, wsIDs := stableSlugs(s, prefix, wss, func(w metaWorkspace) (string, string, flexID) { return w.Name, w.Name, w.ID })

	// Documents of all workspaces share one bounded group, so a workspace
	// with many groups cannot hold more than its share of this instance's
	// host, and listings go on while documents are fetched.
	var noOpenAPI atomic.Bool
	docs, dctx := errgroup.WithContext(ctx)
	docs.SetLimit(2 * s.opts.PerHost)
	lists, lctx := errgroup.WithContext(dctx)
	lists.SetLimit(s.opts.PerHost)
	for i, ws := range wss {
		wl := level{names: []string{ws.Name}, slug: wsSlugs[i], id: wsIDs[i]}
		if !f.allows(lv, wl) {
			continue
		}
		lists.Go(func() error {
			wsPrefix := Key(prefix, wl.slug)
			wsAPI := joinURL(api, "workspace", string(ws.ID))
			groups, err := listAll(lctx, s, fmt.Sprintf("API groups of workspace %q in instance %q", ws.Name, name),
				wsAPI+"/apigroup", auth, true, func(g metaGroup) flexID { return g.ID })
			if err != nil {
				return s.failScope(lctx, wsPrefix, err)
			}
			gSlugs, gIDs := stableSlugs(s, wsPrefix, groups, func(g metaGroup) (string, string, flexID) { return g.Name, g.Name, g.ID })
			var jobs []groupJob
			for j, grp := range groups {
				gl := level{names: []string{grp.Name}, slug: gSlugs[j], id: gIDs[j]}
				if !f.allows(lv, wl, gl) {
					continue
				}
				job := groupJob{key: Key(wsPrefix, gl.slug), instance: name, workspace: ws.Name, name: grp.Name,
					url: joinURL(wsAPI, "apigroup", string(grp.ID), "openapi"), header: auth,
					fallback: grp.Documentation.Link, noPrimary: &noOpenAPI, ids: levelIDs(lv, wl, gl)}
				if sameHost(job.fallback, api) {
					job.fallbackHeader = auth
				}
				jobs = append(jobs, job)
			}
			s.foundGroups(jobs)
			for _, j := range jobs {
				if lctx.Err() != nil {
					return lctx.Err()
				}
				docs.Go(func() error { return s.fetchGroup(dctx, j) })
			}
			return nil
		})
	}
	// A document's error (emit failed) is the cause; the listings then
	// only saw their context cancelled.
	lerr := lists.Wait()
	if derr := docs.Wait(); derr != nil {
		return derr
	}
	return lerr
}

func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Host
	}
	return raw
}
