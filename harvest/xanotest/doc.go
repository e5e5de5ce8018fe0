// Package xanotest serves a simulated Xano account on loopback, in the
// spirit of net/http/httptest: tests, benchmarks and the demo crawl it
// exactly as they would crawl Xano.
//
// # Starting one
//
//	fleet := xanotest.Generate(xanotest.GenOptions{Seed: 7, Instances: 2, Workspaces: 2, Groups: 6})
//	srv := xanotest.NewServer(t, xanotest.Options{Fleet: fleet})
//	// point the crawler at srv.Master() with srv.APIKey() or srv.MetaToken()
//
// Start (or NewServer in tests) opens a master listener plus one listener
// per instance, each on its own 127.0.0.1 port, so per-host limits of a
// crawler are real. The server stops on Close or when Start's ctx ends;
// Close never waits on a hanging request.
//
// # What it serves
//
// Master (Server.Master):
//
//	GET /api:developer/instance        Bearer developer key → [{id,name,display,description,host,tokenUrl}]
//	GET /api:developer/token/auth?token=…   (the tokenUrl) → {authToken,api,swaggerspec,origin}
//	GET /api:meta/instance[/{name}]    Bearer metadata token → [{id,name,display,xano_domain,custom_domain,rate_limit,meta_api,meta_swagger}]
//	GET /api:meta/auth/me              Bearer metadata token → {id,name,email,extras}
//
// Each instance (origin http://127.0.0.1:PORT):
//
//	GET /api:developer/workspace       Bearer that instance's current authToken → [{id,name,description,apigroups:[{id,name,description,api,swaggerspec}]}]
//	GET /apispec:<canonical>?type=json the group's document; without type=json the Swagger UI page (HTML)
//	GET /api:meta/auth/me, /api:meta/workspace, /api:meta/workspace/{id}
//	GET /api:meta/workspace/{id}/apigroup?page=&per_page=   {curPage,nextPage,prevPage,items:[…]}; per_page defaults to 50
//	GET /api:meta/workspace/{wid}/apigroup/{gid}[/openapi]
//
// Documents are public, except for a quarter of generated groups, which
// are token-protected as Xano allows: their swaggerspec (Developer API)
// and documentation.link (Metadata API) URLs carry ?token=<swagger
// token>, a secret a crawler must strip before it stores or logs a URL;
// without it apispec answers 403. The Metadata API's /openapi route needs
// only the metadata token. A group may be hosted on another instance's
// listener than its own (as in Xano's documentation); always follow the
// URLs the listings return. With Options.OlderRelease, /openapi answers
// 404 and only documentation.link serves the document; with
// Options.WorkspaceEnvelope, /workspace answers a paged envelope instead
// of an array.
//
// Errors use Xano's body {"code","message","payload"}: 401
// ERROR_CODE_UNAUTHORIZED (wrong key, wrong or expired authToken), 403
// ERROR_CODE_ACCESS_DENIED, 404 ERROR_CODE_NOT_FOUND, 400
// ERROR_CODE_INPUT_ERROR (bad page/per_page), 429
// ERROR_CODE_TOO_MANY_REQUESTS ("Whoa there! Your plan only supports …"),
// 500 ERROR_FATAL, and 500 ERROR_CODE_ACCESS_DENIED "Access Denied.".
// Documents carry an ETag and answer 304 to a matching If-None-Match.
//
// # Fleets
//
// Generate builds instances × workspaces × groups × endpoints from a seed.
// Documents are shaped like real Xano output — OpenAPI 3.0.0, one server
// http://<host:port>/api:<canonical>, bearerAuth, inline schemas, the
// seven responses with Xano's fixed descriptions, JSON and multipart
// bodies, operationIds "<title>/<path>|<VERB>", shared paths such as
// /auth/login — with Xano's defects as they are: "minItems": "0",
// "maxItems": "64", "required": true on properties, defaults such as
// "false", "0" and "now" written as strings, path parameters without
// "required" in a third of the groups, formats like timestamptz. Names
// include spaces, accents, CJK, and pairs that collide once slugged
// ("Public API" and "public-api" open every first workspace). Out of every
// twelve groups, one is Swagger 2.0, one clean OpenAPI 3.1 and one broken
// (no paths object, or a $ref to a schema that does not exist); Group.Expect
// records which documents are meant valid and which invalid.
// LoadFleet serves real documents from DIR/<instance>/<workspace>/<group>.json|yaml.
//
// The same GenOptions give the same fleet, the same secrets and the same
// document bytes, apart from the host:port inside servers URLs.
//
// # Generations and edits
//
// Generation N+1 is generation N after one night of edits. Each transition
// applies every kind in EditKinds once (plus once more per thousand
// groups), each to its own valid OpenAPI 3.0 group: an operation removed,
// an operation added, an optional query parameter made required, a
// response property changed from integer to string, an enum value added
// and one removed (both in a request parameter and in a response
// property), descriptions only, a document turned invalid, a group
// removed, and a new group added. Every kind needs its own group: a
// generation with at least nine valid OpenAPI 3.0 groups of two or more
// operations gets all ten (1 instance × 2 workspaces × 6 groups is
// enough); smaller fleets get the kinds in EditKinds order until groups
// run out. Server.SetGeneration switches at runtime; Fleet.Edits and
// GET {master}/__sim/edits?from=1&to=2 list the edits as ground truth:
//
//	[{"generation":2,"instance":"acme-prod","workspace":"Mobile Backend","group":"Webhooks","group_id":9,
//	  "kind":"parameter-became-required","operation":"GET /books","detail":"query parameter page became required"}, …]
//
// # Faults and controls
//
// Options.Latency delays every answer; Options.Faults aims faults (5xx,
// 429 with or without Retry-After, "Access Denied.", hanging, truncated
// bodies, HTML instead of JSON, oversize documents) at listings, documents
// or both, decided from the seed and the URL, never from timing;
// Options.RateLimit enforces Xano's free-plan limit per token.
// SetInstanceDown makes an instance answer 503 (its port stays bound),
// ExpireTokens makes every issued authToken answer 401 ("Token has
// expired.") until the crawler fetches tokenUrl again, and Secrets lists
// every key and token issued, for tests that grep outputs for leaks.
//
// The master also serves the simulator's own routes, which are never
// counted in stats: GET /__sim/stats (Stats as JSON), GET /__sim/edits,
// GET /__sim/fleet (names, ids, formats and expectations; no secrets),
// POST /__sim/generation?n=N, POST /__sim/expire-tokens and
// POST /__sim/instance?name=NAME&down=true|false (SimRoutes lists them).
// Options.PortsFrom fixes the ports, so a restarted simulator is the same
// account.
package xanotest
