package oracle

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// OasChange is one entry of `oasdiff breaking --format json`.
type OasChange struct {
	ID        string `json:"id"`
	Level     int    `json:"level"`
	Operation string `json:"operation"`
	Path      string `json:"path"`
	Section   string `json:"section"`
	Text      string `json:"text"`
}

// oasdiff's levels in its JSON output.
const (
	OasInfo = 1
	OasWarn = 2
	OasErr  = 3
)

// BuildOasdiff compiles the pinned oasdiff into dir and returns the
// binary's path. The version is the one this module's go.mod requires, so
// every run compares against the same reference.
func BuildOasdiff(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "oasdiff")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/oasdiff/oasdiff")
	cmd.Dir = moduleDir()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build oasdiff: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return bin, nil
}

// moduleDir is this module's root, where `go build` resolves the pinned
// oasdiff: the source folder of this file when it is known, else the
// working directory (tests and `go run` start inside the module).
func moduleDir() string {
	_, file, _, ok := runtime.Caller(0)
	if ok {
		if _, err := os.Stat(filepath.Join(filepath.Dir(file), "go.mod")); err == nil {
			return filepath.Dir(file)
		}
	}
	wd, _ := os.Getwd()
	return wd
}

// RunOasdiff runs `oasdiff breaking BASE REVISION --format json` and
// returns its findings with the child's resource use.
func RunOasdiff(ctx context.Context, bin, basePath, revisionPath string) ([]OasChange, Usage, error) {
	out, usage, err := Measure(ctx, bin, "breaking", basePath, revisionPath, "--format", "json")
	if err != nil {
		return nil, usage, fmt.Errorf("oasdiff breaking %s %s: %w", filepath.Base(basePath), filepath.Base(revisionPath), err)
	}
	var changes []OasChange
	if err := json.Unmarshal(out, &changes); err != nil {
		return nil, usage, fmt.Errorf("oasdiff breaking %s %s: read its JSON: %w", filepath.Base(basePath), filepath.Base(revisionPath), err)
	}
	return changes, usage, nil
}
