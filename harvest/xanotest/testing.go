package xanotest

import (
	"context"
	"testing"
)

// NewServer starts a simulated account for a test and closes it when the
// test ends.
func NewServer(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := Start(context.Background(), opts)
	if err != nil {
		t.Fatalf("start simulated xano: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}
