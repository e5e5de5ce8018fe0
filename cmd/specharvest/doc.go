// Command specharvest snapshots, merges and diffs every OpenAPI document of a
// Xano account (or any fleet of URLs and files).
//
// main only calls run, so every command can be driven from tests with
// buffers for stdout and stderr. Each command lives in its own file
// (cmd_<name>.go) and returns an error; exitCode maps errors to the exit
// codes documented in --help, in one place.
package main
