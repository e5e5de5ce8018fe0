package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/specharvest/specharvest/output"
)

// TestUnhealthyGroupsScale: 110 groups stale for one cause and a few
// failed for others print one line per status and cause, with counts and
// the first keys; -v names every key exactly once.
func TestUnhealthyGroupsScale(t *testing.T) {
	var specs []output.SpecEntry
	for i := 0; i < 110; i++ {
		specs = append(specs, output.SpecEntry{Key: fmt.Sprintf("prod/acme-prod/ws/g%03d", i), Status: output.StatusStale,
			Error: fmt.Sprintf(`fetch https://127.0.0.1:4%03d/api:developer/workspace: instance "acme-prod": 503`, i)})
	}
	specs = append(specs,
		output.SpecEntry{Key: "prod/b/ws/x", Status: output.StatusFailed, Error: "document too large"},
		output.SpecEntry{Key: "prod/b/ws/y", Status: output.StatusFailed, Error: "document too large"},
		output.SpecEntry{Key: "prod/c/ws/z", Status: output.StatusFailed, Error: "401"},
		output.SpecEntry{Key: "prod/ok/ws/fine", Status: output.StatusOK})
	var short bytes.Buffer
	printUnhealthyGroups(&short, specs, false)
	lines := strings.Split(strings.TrimSpace(short.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("want one line per cause, got %d:\n%s", len(lines), short.String())
	}
	if !strings.HasPrefix(lines[0], "STALE 110 groups: fetch <url>: instance \"acme-prod\": 503 — ") || !strings.Contains(lines[0], "prod/acme-prod/ws/g000, prod/acme-prod/ws/g001, prod/acme-prod/ws/g002 and 107 more (-v lists all)") {
		t.Errorf("the biggest cause first, with three keys: %s", lines[0])
	}
	if !strings.Contains(short.String(), "FAILED 2 groups: document too large — prod/b/ws/x, prod/b/ws/y\n") || !strings.Contains(short.String(), "FAILED 1 group: 401 — prod/c/ws/z") {
		t.Errorf("failed causes:\n%s", short.String())
	}
	var long bytes.Buffer
	printUnhealthyGroups(&long, specs, true)
	for _, sp := range specs {
		if n := strings.Count(long.String(), sp.Key+"\n"); (sp.Status == output.StatusOK && n != 0) || (sp.Status != output.StatusOK && n != 1) {
			t.Errorf("-v lists %s %d times", sp.Key, n)
		}
	}
}
