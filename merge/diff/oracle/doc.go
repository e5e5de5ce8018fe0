// Package oracle holds specharvest's diff up against oasdiff, the field's
// reference tool, on real and generated document pairs.
//
// It is a module of its own so that oasdiff and its dependencies stay out
// of the product's go.mod: the product never imports it. oasdiff is pinned
// here as a tool (see go.mod) and run as the real `oasdiff breaking`
// binary, so what we compare against is exactly what a user of oasdiff
// sees, not a re-creation of its command line.
//
// Two things use it:
//
//   - the differential test (oracle_test.go): every operation that oasdiff
//     reports as an error must be reported by the diff at breaking or
//     warning, unless the oasdiff rule is listed, with its reason, in
//     disagreements.txt — one line per rule, never per finding;
//   - the benchmark command (cmd/diffbench), which times both tools side
//     by side, each in a child process, and prints a table.
//
// The development corpus (Stripe releases) lives outside the repository
// in shared/corpus/stripe beside an ancestor folder; tests that need it
// skip when it is absent.
package oracle
