//go:build !linux

package s3test

import (
	"context"
	"testing"
	"time"
)

// Server is not available off Linux: the helper relies on process groups
// and parent-death signals to never leave a server behind.
type Server struct {
	Endpoint, AccessKey, SecretKey, Dir string
}

// Start skips: the S3 tests run on Linux (as CI does).
func Start(t testing.TB) *Server {
	t.Helper()
	t.Skip("the SeaweedFS test server is started only on Linux")
	return nil
}

// Shared skips: the S3 tests run on Linux (as CI does).
func Shared(t testing.TB) *Server { return Start(t) }

// StopShared does nothing here.
func StopShared() {}

// Stop does nothing here.
func (s *Server) Stop() {}

// Restart does nothing here.
func (s *Server) Restart(t testing.TB) {}

// WaitContext is a context for one test's S3 calls.
func WaitContext(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
