//go:build race

package diff

// raceEnabled lets the mutation test step down under the race detector,
// which slows each diff several times; CI runs the full count without it.
const raceEnabled = true
