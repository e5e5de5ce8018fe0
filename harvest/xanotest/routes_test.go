package xanotest

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

type devInstance struct {
	ID          int    `json:"id"`
	Name        string `json:"name"`
	Display     string `json:"display"`
	Description string `json:"description"`
	Host        string `json:"host"`
	TokenURL    string `json:"tokenUrl"`
}

type devToken struct {
	AuthToken   string `json:"authToken"`
	API         string `json:"api"`
	Swaggerspec string `json:"swaggerspec"`
	Origin      string `json:"origin"`
}

type devWorkspace struct {
	ID          int    `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	APIGroups   []struct {
		ID          int    `json:"id"`
		Name        string `json:"name"`
		Description string `json:"description"`
		API         string `json:"api"`
		Swaggerspec string `json:"swaggerspec"`
	} `json:"apigroups"`
}

type metaGroup struct {
	ID            int    `json:"id"`
	Name          string `json:"name"`
	Canonical     string `json:"canonical"`
	Swagger       bool   `json:"swagger"`
	Documentation struct {
		Link string `json:"link"`
	} `json:"documentation"`
}

type metaPage struct {
	CurPage  int         `json:"curPage"`
	NextPage *int        `json:"nextPage"`
	PrevPage *int        `json:"prevPage"`
	Items    []metaGroup `json:"items"`
}

func withType(u string) string {
	if strings.Contains(u, "?") {
		return u + "&type=json"
	}
	return u + "?type=json"
}

// The Developer API route, walked as a crawler walks it: master →
// tokenUrl → workspaces → every group's swaggerspec.
func TestDeveloperAPIWalk(t *testing.T) {
	fleet := Generate(GenOptions{Seed: 11, Instances: 3, Workspaces: 2, Groups: 4, Endpoints: 3})
	srv := NewServer(t, Options{Fleet: fleet})
	instances := decode[[]devInstance](t, get(t, srv.Master()+"/api:developer/instance", srv.APIKey()))
	if len(instances) != 3 {
		t.Fatalf("%d instances, want 3", len(instances))
	}
	hosts := map[string]bool{}
	docs := 0
	for i, inst := range instances {
		if inst.Name != fleet.Instances[i].Name || inst.ID == 0 || inst.Display == "" {
			t.Errorf("instance %d: %+v", i, inst)
		}
		if !strings.HasPrefix(inst.TokenURL, srv.Master()+"/api:developer/token/auth?token=") {
			t.Errorf("tokenUrl %q is not served by the master", inst.TokenURL)
		}
		tok := decode[devToken](t, get(t, inst.TokenURL, ""))
		if tok.AuthToken == "" || tok.Origin == "" || tok.API != tok.Origin+"/api:developer" || tok.Swaggerspec != tok.Origin+"/apispec:developer?type=json" {
			t.Fatalf("token answer %+v", tok)
		}
		hosts[tok.Origin] = true
		workspaces := decode[[]devWorkspace](t, get(t, tok.Origin+"/api:developer/workspace", tok.AuthToken))
		if len(workspaces) != 2 {
			t.Fatalf("instance %s: %d workspaces, want 2", inst.Name, len(workspaces))
		}
		for _, ws := range workspaces {
			if len(ws.APIGroups) != 4 {
				t.Fatalf("workspace %s: %d groups, want 4", ws.Name, len(ws.APIGroups))
			}
			for _, g := range ws.APIGroups {
				if strings.Contains(g.Swaggerspec, "type=json") {
					t.Errorf("swaggerspec %q carries type=json; Xano's do not", g.Swaggerspec)
				}
				canonical := strings.TrimPrefix(g.API[strings.Index(g.API, "/api:"):], "/api:")
				if !strings.HasPrefix(g.Swaggerspec, g.API[:strings.Index(g.API, "/api:")]+"/apispec:"+canonical) {
					t.Errorf("swaggerspec %q and api %q disagree", g.Swaggerspec, g.API)
				}
				r := get(t, withType(g.Swaggerspec), "")
				if r.status != 200 || !bytes.HasPrefix(r.body, []byte("{")) {
					t.Fatalf("group %s: %d %.100s", g.Name, r.status, r.body)
				}
				if !bytes.Contains(r.body, []byte(`"title":"`+g.Name+`"`)) {
					t.Errorf("document of %q has another title", g.Name)
				}
				if !bytes.Contains(r.body, []byte(`"servers":[{"url":"`+g.API+`"}]`)) && !bytes.Contains(r.body, []byte(`"basePath":"/api:`+canonical)) {
					t.Errorf("document of %q does not point at %s", g.Name, g.API)
				}
				docs++
				if html := get(t, g.Swaggerspec, ""); html.status == 200 && !strings.HasPrefix(html.header.Get("Content-Type"), "text/html") {
					t.Errorf("swaggerspec without type=json answered %s, want the HTML page", html.header.Get("Content-Type"))
				}
			}
		}
	}
	if len(hosts) != 3 {
		t.Errorf("instances share listeners: %v", hosts)
	}
	if docs != len(fleet.Groups()) {
		t.Errorf("fetched %d documents, fleet has %d groups", docs, len(fleet.Groups()))
	}
}

// The Metadata API route: master → meta_api → workspaces → paged groups →
// /openapi, which serves the same document as apispec.
func TestMetadataAPIWalk(t *testing.T) {
	fleet := Generate(GenOptions{Seed: 12, Instances: 2, Workspaces: 2, Groups: 5, Endpoints: 2})
	srv := NewServer(t, Options{Fleet: fleet})
	me := decode[map[string]any](t, get(t, srv.Master()+"/api:meta/auth/me", srv.MetaToken()))
	if me["email"] == nil || me["extras"] == nil {
		t.Errorf("auth/me: %v", me)
	}
	type metaInstance struct {
		Name        string  `json:"name"`
		Display     string  `json:"display"`
		XanoDomain  string  `json:"xano_domain"`
		MetaAPI     string  `json:"meta_api"`
		MetaSwagger string  `json:"meta_swagger"`
		RateLimit   *bool   `json:"rate_limit"`
		Custom      *string `json:"custom_domain"`
	}
	instances := decode[[]metaInstance](t, get(t, srv.Master()+"/api:meta/instance", srv.MetaToken()))
	if len(instances) != 2 {
		t.Fatalf("%d instances", len(instances))
	}
	one := decode[metaInstance](t, get(t, srv.Master()+"/api:meta/instance/"+instances[1].Name, srv.MetaToken()))
	if one != instances[1] && one.MetaAPI != instances[1].MetaAPI {
		t.Errorf("single instance %+v differs from listing %+v", one, instances[1])
	}
	total := 0
	for _, inst := range instances {
		if inst.MetaAPI != "http://"+inst.XanoDomain+"/api:meta" || inst.RateLimit == nil || inst.Custom == nil || inst.MetaSwagger == "" {
			t.Errorf("instance item %+v", inst)
		}
		if get(t, inst.MetaAPI+"/auth/me", srv.MetaToken()).status != 200 {
			t.Error("instance auth/me refused the metadata token")
		}
		workspaces := decode[[]struct {
			ID   int    `json:"id"`
			Name string `json:"name"`
		}](t, get(t, inst.MetaAPI+"/workspace", srv.MetaToken()))
		for _, ws := range workspaces {
			var seen []metaGroup
			pages := 0
			for page := 1; ; {
				p := decode[metaPage](t, get(t, fmt.Sprintf("%s/workspace/%d/apigroup?page=%d&per_page=2", inst.MetaAPI, ws.ID, page), srv.MetaToken()))
				pages++
				if p.CurPage != page {
					t.Errorf("curPage %d, want %d", p.CurPage, page)
				}
				if (page == 1) != (p.PrevPage == nil) {
					t.Errorf("page %d: prevPage %v", page, p.PrevPage)
				}
				seen = append(seen, p.Items...)
				if p.NextPage == nil {
					break
				}
				page = *p.NextPage
			}
			if len(seen) != 5 || pages != 3 {
				t.Fatalf("workspace %s: %d groups over %d pages, want 5 over 3", ws.Name, len(seen), pages)
			}
			def := decode[metaPage](t, get(t, fmt.Sprintf("%s/workspace/%d/apigroup", inst.MetaAPI, ws.ID), srv.MetaToken()))
			if len(def.Items) != 5 || def.NextPage != nil {
				t.Errorf("default per_page: %d items, nextPage %v", len(def.Items), def.NextPage)
			}
			for _, g := range seen {
				doc := get(t, fmt.Sprintf("%s/workspace/%d/apigroup/%d/openapi", inst.MetaAPI, ws.ID, g.ID), srv.MetaToken())
				link := get(t, g.Documentation.Link, "")
				if doc.status != 200 || link.status != 200 || !bytes.Equal(doc.body, link.body) {
					t.Errorf("group %s: /openapi %d and documentation.link %d differ", g.Name, doc.status, link.status)
				}
				if !g.Swagger || g.Canonical == "" || !strings.Contains(g.Documentation.Link, "/apispec:"+g.Canonical+"?type=json") {
					t.Errorf("group item %+v", g)
				}
				total++
			}
		}
	}
	if total != len(fleet.Groups()) {
		t.Errorf("walked %d groups, fleet has %d", total, len(fleet.Groups()))
	}
	bad := get(t, instances[0].MetaAPI+"/workspace/1/apigroup?per_page=0", srv.MetaToken())
	wantXanoError(t, bad, 400, "ERROR_CODE_INPUT_ERROR")
	wantXanoError(t, get(t, instances[0].MetaAPI+"/workspace/999/apigroup", srv.MetaToken()), 404, "ERROR_CODE_NOT_FOUND")
}

// Wrong or misplaced credentials get 401 with Xano's error body on every
// route that needs them; protected documents get 403 without their token.
func TestCredentialsRefused(t *testing.T) {
	fleet := Generate(GenOptions{Seed: 13, Instances: 2, Workspaces: 1, Groups: 4, Endpoints: 2})
	srv := NewServer(t, Options{Fleet: fleet})
	m := srv.Master()
	for _, u := range []string{"/api:developer/instance", "/api:meta/instance", "/api:meta/auth/me"} {
		x := wantXanoError(t, get(t, m+u, "wrong"), 401, "ERROR_CODE_UNAUTHORIZED")
		if x.Message == "" {
			t.Errorf("%s: empty message", u)
		}
		wantXanoError(t, get(t, m+u, ""), 401, "ERROR_CODE_UNAUTHORIZED")
	}
	// The developer key is for the master only; the metadata token does
	// not open the Developer API, nor the key the Metadata API.
	wantXanoError(t, get(t, m+"/api:developer/instance", srv.MetaToken()), 401, "ERROR_CODE_UNAUTHORIZED")
	wantXanoError(t, get(t, m+"/api:meta/instance", srv.APIKey()), 401, "ERROR_CODE_UNAUTHORIZED")
	wantXanoError(t, get(t, m+"/api:developer/token/auth?token=nope", ""), 401, "ERROR_CODE_UNAUTHORIZED")

	instances := decode[[]devInstance](t, get(t, m+"/api:developer/instance", srv.APIKey()))
	tokA := decode[devToken](t, get(t, instances[0].TokenURL, ""))
	tokB := decode[devToken](t, get(t, instances[1].TokenURL, ""))
	wantXanoError(t, get(t, tokB.Origin+"/api:developer/workspace", tokA.AuthToken), 401, "ERROR_CODE_UNAUTHORIZED")
	wantXanoError(t, get(t, tokA.Origin+"/api:developer/workspace", srv.APIKey()), 401, "ERROR_CODE_UNAUTHORIZED")
	wantXanoError(t, get(t, tokA.Origin+"/api:meta/workspace", tokA.AuthToken), 401, "ERROR_CODE_UNAUTHORIZED")

	protected := 0
	for _, ref := range fleet.Groups() {
		g := ref.Group
		if g.SwaggerToken == "" {
			continue
		}
		protected++
		base := srv.InstanceURL(g.Host) + "/apispec:" + g.Canonical + "?type=json"
		wantXanoError(t, get(t, base, ""), 403, "ERROR_CODE_ACCESS_DENIED")
		wantXanoError(t, get(t, base+"&token=wrong", ""), 403, "ERROR_CODE_ACCESS_DENIED")
		if r := get(t, base+"&token="+url.QueryEscape(g.SwaggerToken), ""); r.status != 200 {
			t.Errorf("protected group with its token: %d", r.status)
		}
	}
	if protected == 0 {
		t.Fatal("no token-protected group in the fleet")
	}
	wantXanoError(t, get(t, tokA.Origin+"/apispec:doesnotexist?type=json", ""), 404, "ERROR_CODE_NOT_FOUND")
	wantXanoError(t, get(t, m+"/api:nothing/here", ""), 404, "ERROR_CODE_NOT_FOUND")
}

// On an older release /openapi does not exist; documentation.link still
// serves the document.
func TestOlderRelease(t *testing.T) {
	fleet := Generate(GenOptions{Seed: 14, Workspaces: 1, Groups: 2, Endpoints: 2})
	srv := NewServer(t, Options{Fleet: fleet, OlderRelease: true})
	meta := srv.InstanceURL(fleet.Instances[0].Name) + "/api:meta"
	ws := fleet.Instances[0].Workspaces[0]
	p := decode[metaPage](t, get(t, fmt.Sprintf("%s/workspace/%d/apigroup", meta, ws.ID), srv.MetaToken()))
	for _, g := range p.Items {
		wantXanoError(t, get(t, fmt.Sprintf("%s/workspace/%d/apigroup/%d/openapi", meta, ws.ID, g.ID), srv.MetaToken()), 404, "ERROR_CODE_NOT_FOUND")
		if r := get(t, g.Documentation.Link, ""); r.status != 200 || !bytes.Contains(r.body, []byte(`"paths"`)) {
			t.Errorf("documentation.link of %s: %d", g.Name, r.status)
		}
	}
}

func TestETagAnswers304(t *testing.T) {
	fleet := Generate(GenOptions{Seed: 15, Workspaces: 1, Groups: 1, Endpoints: 2})
	srv := NewServer(t, Options{Fleet: fleet})
	g := fleet.Groups()[0].Group
	u := srv.InstanceURL(g.Host) + "/apispec:" + g.Canonical + "?type=json&token=" + g.SwaggerToken
	first := get(t, u, "")
	etag := first.header.Get("ETag")
	if first.status != 200 || etag == "" {
		t.Fatalf("first fetch: %d, ETag %q", first.status, etag)
	}
	if again := get(t, u, "", "If-None-Match: "+etag); again.status != 304 || len(again.body) != 0 {
		t.Errorf("conditional fetch: %d with %d bytes, want 304 and none", again.status, len(again.body))
	}
	if other := get(t, u, "", `If-None-Match: "something-else"`); other.status != 200 {
		t.Errorf("stale validator: %d, want 200", other.status)
	}
	// A new generation that changes the document changes its ETag.
	for gen := 2; gen < 12; gen++ {
		srv.SetGeneration(gen)
		if _, ok := srv.Fleet().group(g.ID); !ok {
			return
		}
		r := get(t, u, "", "If-None-Match: "+etag)
		if r.status == 200 {
			if r.header.Get("ETag") == etag {
				t.Error("changed document kept its ETag")
			}
			return
		}
	}
	t.Error("the document never changed over ten generations")
}

func TestWorkspaceEnvelope(t *testing.T) {
	fleet := Generate(GenOptions{Seed: 16, Workspaces: 3, Groups: 1, Endpoints: 1})
	srv := NewServer(t, Options{Fleet: fleet, WorkspaceEnvelope: true})
	u := srv.InstanceURL(fleet.Instances[0].Name) + "/api:meta/workspace"
	env := decode[struct {
		CurPage  int   `json:"curPage"`
		NextPage *int  `json:"nextPage"`
		Items    []any `json:"items"`
	}](t, get(t, u, srv.MetaToken()))
	if env.CurPage != 1 || env.NextPage != nil || len(env.Items) != 3 {
		t.Errorf("envelope %+v", env)
	}
}
