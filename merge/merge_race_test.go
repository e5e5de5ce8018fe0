//go:build race

package merge

// raceEnabled lets the largest tests step aside under the race detector,
// which slows kin-openapi's loading of multi-megabyte documents tenfold.
const raceEnabled = true
