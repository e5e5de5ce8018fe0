// Package merge holds the pure functions that merge a fleet of OpenAPI
// documents into one. (The catalog of a snapshot is built in output,
// straight from the manifest and the changes.) Nothing here touches the network or the file system; documents come in
// as kin-openapi models, already loaded and repaired by harvest/validate,
// and go out as models, bytes or reports.
//
// # Merge
//
// Merge turns any number of documents (one per API group, or plain files)
// into one valid OpenAPI document in which every operation still works,
// and a Report of everything it had to change to get there:
//
//	doc, report, err := merge.Merge([]merge.Input{
//		{Key: "prod/main/books/public-api", Instance: "main", Workspace: "books", Group: "public-api", Doc: loaded},
//		…
//	}, merge.Options{Title: "Company API"})
//	data, err := merge.MarshalDocument(doc) // or MarshalDocumentYAML
//
// The rules, each chosen so that no operation is lost or silently changed:
//
//   - Base URLs. Each input's first server, its variables at their
//     defaults, is split in two: its path ("/api:XXXX" on Xano) becomes a
//     prefix of every path of the input, and its scheme and host become a
//     path-level servers entry (a templated host stays templated). Other
//     servers of the input are kept when they share that base path. A path
//     item's own servers are handled the same way, and so are an
//     operation's: one served under another base path moves to that base
//     path. The merged document has no top-level servers: every path says
//     where it is served.
//   - Security. The merged document has no top-level security either: an
//     operation that relied on its document's security gets it written
//     out, and one that declared its own (including "security: []") keeps
//     it. Security schemes are components like the others (below), and
//     requirements follow their renames.
//   - Collisions. A path that two inputs share after their base paths were
//     applied, with path templates compared by shape ("/a/{id}" is
//     "/a/{name}"), is prefixed in every colliding input with that input's
//     key ("/prod/main/books/public-api/a/{id}"), so the result does not
//     depend on which input came first and a group's paths do not move
//     when another group comes or goes. Such operations are reachable only
//     at their original URL, which x-specharvest-source keeps and the
//     report's Collision lists.
//   - Components, of every kind (schemas, parameters, headers,
//     requestBodies, responses, securitySchemes, examples, links,
//     callbacks). Two definitions with one name are the same when they are
//     equal field by field and the components they refer to are the same
//     too, recursively, reference cycles included. Same
//     definitions are written once. When one name has different
//     definitions, the one shared by most inputs keeps the name (the first
//     input by key breaks a tie) and every other one is renamed
//     "<name>_<suffix>", the suffix being the shortest tail of the input's
//     key that tells them apart (the group name, else "workspace.group",
//     …); every $ref, discriminator mapping and $ref inside an extension
//     (Stripe's x-expansionResources) follows. A name the specification
//     does not allow (it wants ^[a-zA-Z0-9._-]+$) is made valid: runs of
//     other characters become one dash.
//   - operationIds used by several inputs are renamed in each, the same
//     way; links that name them follow.
//   - Tags. Groups of one workspace share their tags; a tag name used in
//     several workspaces becomes "<tag> (<workspace>)" in each.
//     x-tagGroups lists the tags per workspace ("<instance> / <workspace>",
//     or the key for an input outside any workspace).
//   - Provenance. Every operation carries x-specharvest-source: {key,
//     instance, workspace, group, path}, path being where the operation is
//     in its own document. SourceOf reads it back.
//   - Determinism. Inputs are sorted by key first, and everything after is
//     ordered, so the same set of inputs gives the same bytes whatever their
//     order. The version is 3.0.3, or 3.1.0 when an input is 3.1.
//
// Merge does not modify its inputs: the parts of a document that need no
// change are shared with the result, the rest is copied on write. Callers
// must therefore treat the result as read-only too.
//
// Top-level extensions of the inputs, other than what is listed above, are
// not carried over. References to anything but components ("#/paths/…",
// other files) are kept as they are; the loader resolves and reports them.
//
// # Walking the model
//
// Fingerprints (components.go, components_reflect.go) and reference
// rewrites (components_rewrite.go) walk kin-openapi's model by reflection,
// so that every field of the model is compared and rewritten, those of
// later kin-openapi versions included. The same work over the canonical
// JSON tree of the components (maps decoded from the repaired JSON) was
// measured against it (components_bench_test.go; two-core machine, under
// other builds, so ranges):
//
//	                         reflection   JSON tree   JSON tree, decoded first
//	fingerprint, Stripe      5.6–56 ms    2.3–29 ms   18–88 ms
//	rewrite all, Stripe      11–48 ms     1.9–17 ms   35–105 ms
//	fingerprint, Xano        8–28 µs      2–75 µs     5–89 µs
//	rewrite all, Xano        8–147 µs     0.5–1.8 µs  3–13 µs
//
// The walk alone is faster over a tree, but the merge has no tree: it has
// the model, which it needs anyway to encode paths, and a tree would have
// to be decoded from JSON first. Counted with that, the tree loses where
// the time goes (Stripe's components: about three times slower to
// fingerprint, twice to rewrite). On Xano's handful of components the
// decoded tree rewrites faster, but both take microseconds against the
// milliseconds of a merge. So the reflection stays.
//
// # Diff
//
// Comparing two documents, or two snapshots of a fleet, lives in the
// subpackage merge/diff, which reads documents with libopenapi; this
// package uses kin-openapi only.
package merge
