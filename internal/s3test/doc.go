// Package s3test runs a real SeaweedFS S3 gateway on loopback for the
// tests of the S3 store: never a mock, so conditional puts, multipart
// uploads, listings and refused credentials behave as a real service's do.
//
//	srv := s3test.Start(t)          // a fresh server, stopped when the test ends
//	cfg := output.S3Config{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, …}
//	srv.Stop()                      // to test a service that goes away mid-run
//
// The server is the weed binary built by .ci/seaweedfs (from the Go module
// proxy; about five minutes cold, then cached). Binary looks for it in
// $SPECHARVEST_WEED, then in the cache folder that script fills
// (~/.cache/specharvest/seaweedfs/weed), then on PATH. Where there is none
// the test is skipped with a message saying how to build it, except when
// SPECHARVEST_S3_REQUIRED=1 (set by .ci/run), where it fails: CI builds
// the server, so the S3 tests always run there.
//
// Each server gets its own folder and its own free loopback ports, so test
// packages running side by side do not collide; it binds 127.0.0.1 only,
// reports no telemetry, and runs `weed mini` with the credentials passed
// in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, which it makes its admin
// identity.
package s3test
