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
// A snapshot ID is the run's UTC start time, 20261127T020000Z. A second run
// in the same second gets a fixed-width suffix (20261127T020000Z-001, -002,
// …), so IDs stay unique and sort lexically in start order.
//
// Writes follow restic's order. Blobs first, each atomically (temp file in
// the store, fsync, rename, fsync of the folder). A snapshot is built in
// snapshots/.tmp-<ID>/: reports and then the manifest, each fsynced; the
// folder is renamed to snapshots/<ID>, and only then is latest replaced. A
// crash therefore leaves at worst a .tmp folder, temp files or unreferenced
// blobs, which list and verify ignore and prune removes once they are older
// than LeftoverGrace.
//
// One run goes like this:
//
//	st, err := output.Create(ctx, dir)
//	unlock, err := st.Lock(ctx)        // errors.Is(err, output.ErrLocked) → exit 5
//	defer unlock()
//	sha, size, err := st.PutBlob(ctx, body)
//	w, err := st.NewSnapshot(ctx, started)
//	err = w.WriteFile(ctx, "merged.json", merged)
//	err = w.Commit(ctx, &output.Manifest{Previous: prev, Specs: specs, …})
//
// Commit sorts the specs by key, caps each spec's problems at
// MaxManifestProblems (the full count stays in problems_total), recomputes
// the summary, and refuses a manifest whose keys are not safe relative
// paths or whose blobs are missing — so a manifest on disk only ever points
// at durable content.
//
// Readers: Latest, Snapshots (complete ones, oldest first), Manifest,
// ReadBlob, ReadSnapshotFile, and Export, which writes one portable tar.gz
// (manifest.json, every document under specs/<key>.json or .yaml, every
// report). Verify re-hashes every blob and checks every manifest; tests call
// it after every scenario and expect report.OK().
//
// Retention is a pure function, ApplyPolicy, in the style of restic's
// forget: keep the last N, and the newest snapshot of each of the last N
// days, ISO weeks and months (UTC); all zero keeps everything; latest is
// always kept. PlanPrune turns a policy into a Plan (snapshots, unreferenced
// blobs and old leftovers to remove) that a dry run prints and Prune
// executes. Prune removes a snapshot's manifest before its folder, so a
// half-deleted snapshot is never taken for a complete one, and removes no
// blob while any manifest is unreadable. Callers hold the lock.
//
// The validation cache (CachedValidation, PutCachedValidation) lets an
// unchanged document skip re-validation; a corrupt entry is a miss, and
// verify does not judge the cache.
//
// # Renderers
//
// Reports are written into a snapshot with SnapshotWriter.WriteFile; the
// renderers that produce them (JSON, YAML, Markdown, HTML) live in this
// package next to the store and are described below.
package output
