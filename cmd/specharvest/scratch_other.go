//go:build !unix

package main

import (
	"log/slog"
	"os"
)

// newScratchDir makes this run's scratch directory. Without flock, a
// killed run's directory cannot be told from a live one's, so none is
// removed but this run's own.
func newScratchDir(*slog.Logger) (string, func(), error) {
	dir, err := os.MkdirTemp("", scratchPrefix)
	if err != nil {
		return "", nil, err
	}
	return dir, func() { _ = os.RemoveAll(dir) }, nil
}
