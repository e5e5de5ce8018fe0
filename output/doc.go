// Package output keeps what specharvest harvests: a versioned, content-
// addressed store of snapshots, and the renderers that turn a snapshot into
// reports people and machines read.
//
// # The store
//
// A store is a folder that never lies: whatever a crash interrupts, the
// previous snapshot stays intact and latest names a complete snapshot.
//
//	STORE/store.json                      {"format": 1}
//	STORE/blobs/sha256/ab/abcdef…         spec bodies as fetched, named by their SHA-256, written once
//	STORE/snapshots/<ID>/manifest.json    what one run saw (see Manifest)
//	STORE/snapshots/<ID>/…                the run's reports (merged.json, changes.json, CHANGES.md, …)
//	STORE/latest                          the ID of the newest complete snapshot
//	STORE/locks/run.json                  the run lock {time, hostname, pid}
//	STORE/cache/validate/<sha>.json       validation results keyed by blob hash (disposable)
//
// A snapshot ID is the run's UTC start second, 20261127T020000Z. Another
// run in the same second gets a fixed-width suffix (20261127T020000Z-001,
// -002, … up to -999), so IDs stay unique and sort lexically in start
// order; should the clock step back, the new ID borrows the newest
// existing second, so it still sorts last (the manifest keeps the true
// start time). Only IDs of exactly this form are accepted anywhere, which is also
// what stops an ID from naming a path outside snapshots/.
//
// # Writing a snapshot
//
//	st, err := output.Create(ctx, dir)
//	unlock, err := st.Lock(ctx)        // errors.Is(err, output.ErrLocked) → exit 5
//	defer unlock()
//	sha, size, err := st.PutBlob(ctx, body)
//	w, err := st.NewSnapshot(ctx, started)
//	defer w.Abort()                    // a no-op once committed
//	err = w.WriteFile(ctx, "merged.json", merged)
//	err = w.Commit(ctx, &output.Manifest{Previous: prev, Specs: specs, …})
//
// Writes follow restic's order. Blobs first, each atomically: streamed to
// a temp file while hashed, fsynced, renamed to its address, its folder
// fsynced; a blob already present is not written again. A snapshot is
// built in snapshots/.tmp-<ID>/: reports, then the manifest, each fsynced;
// the folder is renamed to snapshots/<ID>, and only then is latest
// replaced. A crash therefore leaves at worst a .tmp folder, temp files or
// unreferenced blobs, which Snapshots and Verify ignore and prune removes
// once they are older than LeftoverGrace.
//
// Commit sorts the specs by key, caps each spec's problems at
// MaxManifestProblems (the full count goes to problems_total), recomputes
// the summary, and refuses a manifest whose keys are not safe relative
// paths (ValidateKey) or whose blobs are not in the store, so a manifest
// on disk only ever points at durable content. The manifest is written one
// spec per line: readable and diffable, and less than half the size of
// indented JSON, because the manifest is what every night adds even when
// nothing changed. A report byte-identical to the one of the same name in
// the previous snapshot is hard-linked rather than copied, so an unchanged
// merged document or catalog costs nothing either. Thirty nights of an
// unchanged fleet take about 1.15 times the room of one (see
// TestStoreSizeUnchangedFleet); nearly all of the rest is the thirty
// manifests.
//
// # Locking
//
// The lock is locks/run.json, written complete and hard-linked into place
// so it is exclusive and never seen half-written. A second run gets a
// *LockedError (errors.Is ErrLocked) at once, naming the holder. A lock
// whose holder ran on this host and whose pid is gone is stale and taken
// over; contenders for a stale lock take turns under an flock the kernel
// releases if they die, so exactly one wins. A lock from another host is
// never judged stale. Prune and the run's retention step run under the
// lock; readers do not take it.
//
// # Reading, verifying, exporting
//
// Latest, Snapshots (complete ones, oldest first), Manifest, ReadBlob,
// ReadSnapshotFile and SnapshotFiles read the store. A folder without a
// readable manifest is not a snapshot.
//
// Verify re-hashes every blob and checks every manifest against the blobs
// (presence, size, hash), keys, summary and previous (older, and either
// present or pruned), and latest against the snapshots. What is wrong goes
// to VerifyReport.Problems, each naming the file relative to the store;
// harmless leftovers go to Leftovers. Tests call it after every scenario
// and expect report.OK().
//
// Export (or ExportFile, atomically) writes one portable tar.gz:
// manifest.json, every stored document under specs/<key>.json (.yaml when
// the document is not JSON), and every report. Keys are checked before
// anything is written and documents re-hashed on the way out.
//
// # Object storage
//
// A store can live in an S3-compatible bucket instead of a folder:
// OpenBackend / CreateBackend over an S3Backend (minio-go) give a Store
// whose every method works as on a folder, with the folder's layout as
// object keys. Backend is the small interface both sides meet at
// (put-if-absent, get, stat, list by prefix, delete, compare-and-swap,
// lock); LocalBackend is the folder, and one conformance suite
// (backend_conformance_test.go) holds both to the same contract, the S3
// one against a real SeaweedFS gateway. The folder's guarantees come from
// conditional requests there: objects are written once with
// If-None-Match: * (on the request completing a multipart upload too);
// a snapshot's manifest goes up after everything it lists, and a snapshot
// is listed only by its manifest; latest advances by If-Match on the ETag
// read when the snapshot began, so a run that lost the race gets
// ErrLatestMoved and publishes nothing; snapshot IDs are reserved by a
// conditional put; the run lock is a lease that its holder renews and
// that expires when it stops (store_remote.go). Sharded runs lock one
// lease per source (LockShard). PublishSnapshot uploads a snapshot's
// bundle, file by file, to a bucket prefix a static site serves.
//
// # Retention
//
// ApplyPolicy is a pure function in the style of restic's forget: keep
// the last N, the newest snapshot of each of the last N days, ISO weeks
// and months (UTC), everything within a duration; all zero keeps
// everything; latest is always kept. PlanPrune turns a policy into a Plan
// (snapshots, unreferenced blobs and their cache entries, leftovers) that
// a dry run prints and Prune executes. Prune removes a snapshot's manifest
// before its folder, so a half-deleted snapshot is never taken for a
// complete one; re-checks every blob against the manifests that remain;
// and removes no blob at all while some manifest cannot be read.
//
// The validation cache (CachedValidation, PutCachedValidation) lets an
// unchanged document skip re-validation; a corrupt entry is a miss, and
// Verify does not judge the cache.
//
// # Renderers
//
// Reports are written into a snapshot with SnapshotWriter.WriteFile; the
// renderers that produce them (JSON, YAML, Markdown, HTML) live in this
// package next to the store and are described below.
//
// The catalog model (Catalog, built by BuildCatalog) is built straight from
// a snapshot's Manifest and its diff.Changes, with what only the loaded
// documents know (operations, servers, tags: CatalogDocument) asked of the
// caller per entry; catalog.json, api-catalog.json and index.html render
// it. A Manifest is also what the fleet diff compares: it implements
// diff.Fleet (manifest_fleet.go), so no copy of its groups is made for the
// diff.
//
// The HTML pages of a snapshot sit side by side and link to each other;
// each is static, works offline and fetches nothing outside the store:
//
//   - index.html (WriteCatalogHTML): the catalog, searchable;
//   - reference.html with redoc.standalone.js (SharedFiles): the API
//     reference of any stored document, chosen by its fragment
//     (ReferenceLink, MergedReferenceLink), rendered by the vendored Redoc
//     bundle; the same bytes every night, so stored once;
//   - changes.html (WriteChangesHTML): each finding's fragment before and
//     after, found with Locate and aligned with SideBySide;
//   - history.html (WriteHistoryHTML): the fleet timeline and the group
//     charts, drawn as SVG by the page's script from each group's states
//     (runs of equal nights of a History that LoadHistory reads one
//     snapshot at a time);
//   - snapshot.js (WriteSnapshotScript, SnapshotPageOf): the only report
//     that names its snapshot — id, previous, time and the timeline of
//     the last HistorySnapshots — which index.html and history.html load
//     with a script element. Everything else that holds the fleet
//     (catalog.json, api-catalog.json, index.html, history.html, the
//     merged document) names no snapshot, so a night that changed nothing
//     writes the same bytes as the night before and the store keeps one
//     copy: such a night adds its manifest and reports whose size does
//     not depend on the fleet (snapshot.js, changes.json, CHANGES.md,
//     changes.html).
package output
