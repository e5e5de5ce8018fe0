// Package harvest finds and fetches OpenAPI documents: from a Xano account
// through the Developer API (type xano) or the Metadata API (type
// xano-meta), from plain URLs and from local files.
//
// Every discovered API group becomes one Spec, handed to the caller as soon
// as it is fetched, so memory is bounded by the crawl limits rather than by
// the size of the fleet. A group's Key (source/instance/workspace/group) is
// built from slugged names only (see Slug and UniqueSlugs), never from a
// host or port, so the same fleet served from elsewhere keeps its keys.
//
// Secrets (developer keys, metadata tokens, authTokens, token= query
// values) travel only in request headers and URLs on the wire; every URL,
// error and log line this package produces has them removed.
//
// The simulated Xano used by tests, benchmarks and the demo is in
// harvest/xanotest; loading and validating documents is in harvest/validate.
package harvest
