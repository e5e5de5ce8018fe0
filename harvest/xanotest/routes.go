package xanotest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// route names the request and finds its handler. Unknown paths and
// methods other than GET/HEAD get Xano's 404.
func (s *Server) route(l *listener, r *http.Request) (string, RouteKind, func(*call)) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return "unknown", RouteAny, (*call).notFound
	}
	p := r.URL.Path
	if l.name == "" {
		switch {
		case p == "/api:developer/instance":
			return "developer-instances", RouteListing, s.developerInstances
		case p == "/api:developer/token/auth":
			return "developer-token", RouteListing, s.developerToken
		case p == "/api:meta/instance" || strings.HasPrefix(p, "/api:meta/instance/"):
			return "meta-instances", RouteListing, s.metaInstances
		case p == "/api:meta/auth/me":
			return "meta-auth-me", RouteListing, s.metaAuthMe
		}
		return "unknown", RouteAny, (*call).notFound
	}
	switch {
	case p == "/api:developer/workspace":
		return "developer-workspaces", RouteListing, s.developerWorkspaces
	case strings.HasPrefix(p, "/apispec:"):
		return "apispec", RouteDocument, s.apispec
	case p == "/api:meta/auth/me":
		return "meta-auth-me", RouteListing, s.metaAuthMe
	case p == "/api:meta/workspace" || strings.HasPrefix(p, "/api:meta/workspace/"):
		parts := strings.Split(strings.TrimPrefix(p, "/api:meta/workspace"), "/")
		// parts: [""], ["", wid], ["", wid, "apigroup"], ["", wid, "apigroup", gid], [… "openapi"]
		switch {
		case len(parts) <= 2:
			return "meta-workspaces", RouteListing, s.metaWorkspaces
		case len(parts) <= 4 && parts[2] == "apigroup":
			return "meta-apigroups", RouteListing, s.metaAPIGroups
		case len(parts) == 5 && parts[2] == "apigroup" && parts[4] == "openapi":
			return "meta-openapi", RouteDocument, s.metaOpenAPI
		}
	}
	return "unknown", RouteAny, (*call).notFound
}

// --- Developer API ---

func (s *Server) developerInstances(c *call) {
	if bearer(c.r) != s.apiKey {
		c.unauthorized("Invalid token.")
		return
	}
	list := []any{}
	for _, l := range s.instances {
		inst := l.instance
		list = append(list, object{
			{"id", inst.ID}, {"name", inst.Name}, {"display", inst.Display}, {"description", inst.Description},
			{"host", ""}, {"tokenUrl", s.Master() + "/api:developer/token/auth?token=" + l.tokenURL},
		})
	}
	c.sendJSON(list)
}

func (s *Server) developerToken(c *call) {
	token := c.r.URL.Query().Get("token")
	for _, l := range s.instances {
		if token != "" && token == l.tokenURL {
			c.sendJSON(object{
				{"authToken", s.currentAuthToken(l)},
				{"api", l.origin() + "/api:developer"},
				{"swaggerspec", l.origin() + "/apispec:developer?type=json"},
				{"origin", l.origin()},
			})
			return
		}
	}
	c.unauthorized("Invalid token.")
}

func (s *Server) developerWorkspaces(c *call) {
	valid, expired := s.checkAuthToken(c.l, bearer(c.r))
	if expired {
		c.unauthorized("Token has expired.")
		return
	}
	if !valid {
		c.unauthorized("Invalid token.")
		return
	}
	inst := s.instanceIn(c.st, c.l.name)
	list := []any{}
	for _, ws := range inst.Workspaces {
		groups := []any{}
		for _, g := range ws.Groups {
			origin := s.originOf(g)
			spec := origin + "/apispec:" + g.Canonical
			if g.SwaggerToken != "" {
				spec += "?token=" + g.SwaggerToken
			}
			groups = append(groups, object{
				{"id", g.ID}, {"name", g.Name}, {"description", g.Description},
				{"api", origin + "/api:" + g.Canonical}, {"swaggerspec", spec},
			})
		}
		list = append(list, object{{"id", ws.ID}, {"name", ws.Name}, {"description", ws.Description}, {"apigroups", groups}})
	}
	c.sendJSON(list)
}

// apispec serves a group's document from the listener that hosts it.
// Only ?type=json gets the document; without it Xano's link opens the
// Swagger UI, an HTML page. A token-protected group answers 403 unless
// ?token= carries its swagger token.
func (s *Server) apispec(c *call) {
	canonical := strings.TrimPrefix(c.r.URL.Path, "/apispec:")
	e, ok := c.st.byCanonical[canonical]
	if !ok || e.group.Host != c.l.name {
		c.notFound()
		return
	}
	q := c.r.URL.Query()
	if e.group.SwaggerToken != "" && q.Get("token") != e.group.SwaggerToken {
		c.xanoError(http.StatusForbidden, "ERROR_CODE_ACCESS_DENIED", "Access denied. Additional privileges are needed access the requested resource.")
		return
	}
	if q.Get("type") != "json" {
		c.send(http.StatusOK, "text/html; charset=utf-8", []byte("<!DOCTYPE html><html><head><title>"+htmlEscape(e.group.Name)+
			" - Swagger UI</title></head><body><div id=\"swagger-ui\"></div><script src=\"/apispec:"+canonical+"?type=json\"></script></body></html>\n"))
		return
	}
	s.serveDocument(c, e)
}

// --- Metadata API ---

func (s *Server) metaAuthOK(c *call) bool {
	if bearer(c.r) != s.metaToken {
		c.unauthorized("Invalid token.")
		return false
	}
	return true
}

func (s *Server) metaInstances(c *call) {
	if !s.metaAuthOK(c) {
		return
	}
	item := func(l *listener) object {
		return object{
			{"id", l.instance.ID}, {"name", l.instance.Name}, {"display", l.instance.Display},
			{"xano_domain", l.addr()}, {"custom_domain", ""}, {"rate_limit", s.opts.RateLimit.Requests > 0},
			{"meta_api", l.origin() + "/api:meta"}, {"meta_swagger", l.origin() + "/apispec:meta?type=json"},
		}
	}
	if name, one := strings.CutPrefix(c.r.URL.Path, "/api:meta/instance/"); one {
		if l := s.byName[name]; l != nil {
			c.sendJSON(item(l))
			return
		}
		c.notFound()
		return
	}
	list := []any{}
	for _, l := range s.instances {
		list = append(list, item(l))
	}
	c.sendJSON(list)
}

func (s *Server) metaAuthMe(c *call) {
	if !s.metaAuthOK(c) {
		return
	}
	c.sendJSON(object{{"id", 1}, {"name", "Account Owner"}, {"email", "owner@example.com"},
		{"extras", object{{"instance", object{{"membership", object{{"role", "admin"}}}}}}}})
}

// metaPath splits /api:meta/workspace/{wid}[/apigroup[/{gid}[/openapi]]]
// into the workspace and group of this instance it names.
func (s *Server) metaPath(c *call) (ws *Workspace, g *Group, ok bool) {
	parts := strings.Split(strings.TrimPrefix(c.r.URL.Path, "/api:meta/workspace/"), "/")
	wid, err := strconv.Atoi(parts[0])
	if err != nil {
		c.inputError("workspace_id")
		return nil, nil, false
	}
	inst := s.instanceIn(c.st, c.l.name)
	for i := range inst.Workspaces {
		if inst.Workspaces[i].ID == wid {
			ws = &inst.Workspaces[i]
		}
	}
	if ws == nil {
		c.notFound()
		return nil, nil, false
	}
	if len(parts) < 3 || parts[2] == "" {
		return ws, nil, true
	}
	gid, err := strconv.Atoi(parts[2])
	if err != nil {
		c.inputError("apigroup_id")
		return nil, nil, false
	}
	for i := range ws.Groups {
		if ws.Groups[i].ID == gid {
			return ws, &ws.Groups[i], true
		}
	}
	c.notFound()
	return nil, nil, false
}

func (c *call) inputError(param string) {
	var body strings.Builder
	body.WriteString(`{"code":"ERROR_CODE_INPUT_ERROR","message":"Invalid value for param:` + param + `","payload":{"param":"` + param + `"}}`)
	c.send(http.StatusBadRequest, "application/json; charset=utf-8", []byte(body.String()))
}

func (s *Server) metaWorkspaces(c *call) {
	if !s.metaAuthOK(c) {
		return
	}
	item := func(ws *Workspace) object {
		return object{{"id", ws.ID}, {"name", ws.Name}, {"description", ws.Description}, {"branch", "v1"}}
	}
	if c.r.URL.Path != "/api:meta/workspace" && c.r.URL.Path != "/api:meta/workspace/" {
		ws, _, ok := s.metaPath(c)
		if ok {
			c.sendJSON(item(ws))
		}
		return
	}
	inst := s.instanceIn(c.st, c.l.name)
	list := []any{}
	for i := range inst.Workspaces {
		list = append(list, item(&inst.Workspaces[i]))
	}
	if s.opts.WorkspaceEnvelope {
		c.sendJSON(object{{"curPage", 1}, {"nextPage", nil}, {"prevPage", nil}, {"items", list}})
		return
	}
	c.sendJSON(list)
}

// metaAPIGroups serves the paged group list (page from 1, per_page
// default 50, at most 10000) or one group.
func (s *Server) metaAPIGroups(c *call) {
	if !s.metaAuthOK(c) {
		return
	}
	trimmed := strings.TrimSuffix(strings.TrimPrefix(c.r.URL.Path, "/api:meta/workspace/"), "/")
	parts := strings.Split(trimmed, "/")
	ws, g, ok := s.metaPath(c)
	if !ok {
		return
	}
	if len(parts) == 3 && g != nil {
		c.sendJSON(s.metaGroupItem(g))
		return
	}
	q := c.r.URL.Query()
	page, perPage := 1, 50
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			c.inputError("page")
			return
		}
		page = n
	}
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			c.inputError("per_page")
			return
		}
		perPage = n
	}
	items := []any{}
	start := (page - 1) * perPage
	for i := start; i < len(ws.Groups) && i < start+perPage; i++ {
		items = append(items, s.metaGroupItem(&ws.Groups[i]))
	}
	var next, prev any
	if start+perPage < len(ws.Groups) {
		next = page + 1
	}
	if page > 1 {
		prev = page - 1
	}
	c.sendJSON(object{{"curPage", page}, {"nextPage", next}, {"prevPage", prev}, {"items", items}})
}

func (s *Server) metaGroupItem(g *Group) object {
	stamp := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(g.ID) * 97 * time.Minute).Format("2006-01-02 15:04:05+0000")
	link := s.originOf(*g) + "/apispec:" + g.Canonical + "?type=json&token=" + g.SwaggerToken
	return object{
		{"id", g.ID}, {"created_at", stamp}, {"updated_at", stamp}, {"name", g.Name}, {"description", g.Description},
		{"docs", ""}, {"guid", secret(0, "guid", g.ID, 27)}, {"canonical", g.Canonical}, {"swagger", true},
		{"documentation", object{{"link", link}}}, {"branch", "v1"}, {"tag", []string{}},
	}
}

// metaOpenAPI serves a group's document through the Metadata API, which
// needs no swagger token (the access token is enough). On an older
// release the route does not exist.
func (s *Server) metaOpenAPI(c *call) {
	if !s.metaAuthOK(c) {
		return
	}
	_, g, ok := s.metaPath(c)
	if !ok {
		return
	}
	if s.opts.OlderRelease || g == nil {
		c.notFound()
		return
	}
	s.serveDocument(c, c.st.byID[g.ID])
}

// serveDocument answers with a group's document: cached per generation,
// with an ETag, 304 on a matching If-None-Match, padded when an oversize
// fault hits.
func (s *Server) serveDocument(c *call, e groupEntry) {
	doc, err := s.document(c.st, e)
	if err != nil {
		c.xanoError(http.StatusInternalServerError, "ERROR_FATAL", "Unexpected error")
		return
	}
	c.w.Header().Set("ETag", doc.etag)
	if inm := c.r.Header.Get("If-None-Match"); inm != "" && matchesETag(inm, doc.etag) {
		c.w.WriteHeader(http.StatusNotModified)
		return
	}
	if c.hit && c.fault.Kind == FaultOversize && int64(len(doc.body)) < c.fault.Size {
		s.sendPadded(c, doc)
		return
	}
	c.send(http.StatusOK, doc.contentType, doc.body)
}

func (s *Server) document(st *state, e groupEntry) (*cachedDoc, error) {
	if v, ok := st.docs.Load(e.group.ID); ok {
		return v.(*cachedDoc), nil
	}
	body, contentType, err := st.fleet.document(e.group.ID, s.originOf(*e.group))
	if err != nil {
		return nil, err
	}
	doc := &cachedDoc{body: body, contentType: contentType, etag: etagOf(body)}
	if st.cached.Add(int64(len(body))) <= maxCachedBytes {
		if prev, loaded := st.docs.LoadOrStore(e.group.ID, doc); loaded {
			return prev.(*cachedDoc), nil
		}
	}
	return doc, nil
}

// sendPadded streams {"x-padding":"aaaa…",<the document's members>}.
func (s *Server) sendPadded(c *call, doc *cachedDoc) {
	const prefix = `{"x-padding":"`
	pad := c.fault.Size - int64(len(doc.body)) + 1
	rest := []byte(`",` + string(doc.body[1:]))
	c.w.Header().Set("Content-Type", doc.contentType)
	c.w.Header().Set("Content-Length", fmt.Sprint(int64(len(prefix))+pad+int64(len(rest))))
	c.w.WriteHeader(http.StatusOK)
	io.WriteString(c.w, prefix)
	chunk := []byte(strings.Repeat("a", 32<<10))
	for pad > 0 {
		n := min(pad, int64(len(chunk)))
		if _, err := c.w.Write(chunk[:n]); err != nil {
			return
		}
		pad -= n
	}
	c.w.Write(rest)
}

func (s *Server) instanceIn(st *state, name string) *Instance {
	for i := range st.fleet.Instances {
		if st.fleet.Instances[i].Name == name {
			return &st.fleet.Instances[i]
		}
	}
	return &Instance{}
}

func (s *Server) originOf(g Group) string {
	if l := s.byName[g.Host]; l != nil {
		return l.origin()
	}
	return ""
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

// --- /__sim: the simulator's own controls, on the master only ---

func (s *Server) serveSim(w http.ResponseWriter, r *http.Request) {
	writeJSON := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(v)
	}
	bad := func(msg string) { writeJSON(http.StatusBadRequest, map[string]string{"error": msg}) }
	q := r.URL.Query()
	switch r.URL.Path {
	case "/__sim/stats":
		writeJSON(http.StatusOK, s.Stats())
	case "/__sim/fleet":
		writeJSON(http.StatusOK, fleetView(s.Fleet()))
	case "/__sim/edits":
		from, err1 := strconv.Atoi(q.Get("from"))
		to, err2 := strconv.Atoi(q.Get("to"))
		if err1 != nil || err2 != nil || from < 1 || to < from {
			bad("from and to must be generations with 1 <= from <= to")
			return
		}
		writeJSON(http.StatusOK, s.Edits(from, to))
	case "/__sim/generation":
		if r.Method == http.MethodPost {
			n, err := strconv.Atoi(q.Get("n"))
			if err != nil || n < 1 {
				bad("n must be a generation >= 1")
				return
			}
			s.SetGeneration(n)
		}
		writeJSON(http.StatusOK, map[string]int{"generation": s.Generation()})
	case "/__sim/expire-tokens":
		if r.Method != http.MethodPost {
			bad("use POST")
			return
		}
		s.ExpireTokens()
		writeJSON(http.StatusOK, map[string]bool{"expired": true})
	case "/__sim/instance":
		if r.Method != http.MethodPost {
			bad("use POST")
			return
		}
		down, err := strconv.ParseBool(q.Get("down"))
		if err != nil {
			bad("down must be true or false")
			return
		}
		if err := s.SetInstanceDown(q.Get("name"), down); err != nil {
			bad(err.Error())
			return
		}
		writeJSON(http.StatusOK, map[string]any{"name": q.Get("name"), "down": down})
	default:
		writeJSON(http.StatusNotFound, map[string]any{"error": "unknown simulator route", "routes": SimRoutes})
	}
}

// SimRoutes lists the simulator's own routes, as the switch above serves
// them; an unknown /__sim route answers with this list, and the command
// line's help is tested against it, so a new control cannot go undocumented.
var SimRoutes = []string{
	"GET /__sim/stats",
	"GET /__sim/fleet",
	"GET /__sim/edits?from=N&to=M",
	"GET /__sim/generation",
	"POST /__sim/generation?n=N",
	"POST /__sim/expire-tokens",
	"POST /__sim/instance?name=NAME&down=true|false",
}

// fleetView is the fleet as GET /__sim/fleet shows it: names, ids and
// expectations, never a swagger token (only whether there is one).
func fleetView(f *Fleet) any {
	type groupView struct {
		ID        int    `json:"id"`
		Name      string `json:"name"`
		Canonical string `json:"canonical"`
		Host      string `json:"host"`
		Format    Format `json:"format"`
		Expect    Expect `json:"expect"`
		Protected bool   `json:"protected"`
	}
	type workspaceView struct {
		ID     int         `json:"id"`
		Name   string      `json:"name"`
		Groups []groupView `json:"groups"`
	}
	type instanceView struct {
		ID         int             `json:"id"`
		Name       string          `json:"name"`
		Workspaces []workspaceView `json:"workspaces"`
	}
	out := struct {
		Generation int            `json:"generation"`
		Instances  []instanceView `json:"instances"`
	}{Generation: f.Generation, Instances: []instanceView{}}
	for _, inst := range f.Instances {
		iv := instanceView{ID: inst.ID, Name: inst.Name, Workspaces: []workspaceView{}}
		for _, ws := range inst.Workspaces {
			wv := workspaceView{ID: ws.ID, Name: ws.Name, Groups: []groupView{}}
			for _, g := range ws.Groups {
				wv.Groups = append(wv.Groups, groupView{ID: g.ID, Name: g.Name, Canonical: g.Canonical, Host: g.Host,
					Format: g.Format, Expect: g.Expect, Protected: g.SwaggerToken != ""})
			}
			iv.Workspaces = append(iv.Workspaces, wv)
		}
		out.Instances = append(out.Instances, iv)
	}
	return out
}
