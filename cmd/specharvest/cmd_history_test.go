package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/specharvest/specharvest/output"
)

// historyStore commits six nightly snapshots in which one group is
// added, left alone, changed (with findings), carried forward as stale,
// back to normal, and removed; another group stays the same throughout.
func historyStore(t *testing.T) (dir string, ids []string) {
	t.Helper()
	ctx := context.Background()
	dir = filepath.Join(t.TempDir(), "store")
	st, err := output.Create(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	put := func(doc string) (string, int64) {
		sha, size, err := st.PutBlobBytes(ctx, []byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		return sha, size
	}
	v1, v1size := put(`{"openapi":"3.0.0","info":{"title":"books","version":"1"},"paths":{}}`)
	v2, v2size := put(`{"openapi":"3.0.0","info":{"title":"books","version":"2"},"paths":{}}`)
	other, otherSize := put(`{"openapi":"3.0.0","info":{"title":"other","version":"1"},"paths":{}}`)
	const key = "prod/main/books/public-api"

	type night struct {
		status  string
		sha     string
		size    int64
		err     string
		changes string
	}
	nights := []night{
		{status: output.StatusOK, sha: v1, size: v1size},
		{status: output.StatusOK, sha: v1, size: v1size},
		{status: output.StatusOK, sha: v2, size: v2size, changes: `{"key":"` + key + `","change":"changed","changes":[
			{"id":"response-property-added","level":"info","operation":"GET /books","message":"the property isbn was added"},
			{"id":"api-path-removed","level":"breaking","operation":"GET /authors","message":"the path /authors was removed"},
			{"id":"response-property-removed","level":"breaking","operation":"GET /books","message":"the property \u001b[2Jname was removed"}]}`},
		{status: output.StatusStale, sha: v2, size: v2size, err: "fetch: timeout", changes: `{"key":"` + key + `","change":"stale","changes":[]}`},
		{status: output.StatusOK, sha: v2, size: v2size},
		{changes: `{"key":"` + key + `","change":"removed","changes":[{"id":"api-group-removed","level":"breaking","message":"the group was removed"}]}`},
	}
	prev := ""
	for i, n := range nights {
		w, err := st.NewSnapshot(ctx, time.Date(2026, 11, 1+i, 2, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		specs := []output.SpecEntry{{Key: "prod/main/books/other", Source: "prod", Status: output.StatusOK, SHA256: other, Bytes: otherSize, Valid: true}}
		if n.status != "" {
			specs = append(specs, output.SpecEntry{Key: key, Source: "prod", Instance: "main", Workspace: "books", Group: "public-api",
				Status: n.status, SHA256: n.sha, Bytes: n.size, Operations: 10 + i, Valid: true, Error: n.err})
		}
		if i > 0 {
			groups := "[]"
			if n.changes != "" {
				groups = "[" + n.changes + "]"
			}
			body := fmt.Sprintf(`{"base":%q,"revision":%q,"summary":{},"groups":%s}`, prev, w.ID(), groups)
			if err := w.WriteFile(ctx, output.ChangesFile, []byte(body)); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Commit(ctx, &output.Manifest{Previous: prev, Specs: specs}); err != nil {
			t.Fatal(err)
		}
		prev = w.ID()
		ids = append(ids, w.ID())
	}
	return dir, ids
}

func TestHistoryCommand(t *testing.T) {
	dir, ids := historyStore(t)
	code, out, errs := storeCmd(t, storeT0, "history", "prod/main/books/public-api", "--store", dir)
	if code != exitOK {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if lines[0] != "prod/main/books/public-api: in 5 of 6 snapshots, changed in 1" {
		t.Errorf("headline: %q", lines[0])
	}
	var events []string
	for _, l := range lines[1:] {
		if !strings.HasPrefix(l, "    ") {
			f := strings.Fields(l)
			events = append(events, f[0]+" "+f[1])
		}
	}
	want := []string{ids[0] + " added", ids[2] + " changed", ids[3] + " stale", ids[4] + " recovered", ids[5] + " removed"}
	if strings.Join(events, "|") != strings.Join(want, "|") {
		t.Errorf("events:\n got %v\nwant %v\n%s", events, want, out)
	}
	// The change lists its findings, breaking first, under its line.
	i := strings.Index(out, ids[2])
	if i < 0 {
		t.Fatalf("no line for %s:\n%s", ids[2], out)
	}
	block := out[i:]
	if !strings.Contains(block[:strings.Index(block, "\n")], "2 breaking, 1 info") {
		t.Errorf("the changed line does not count its findings:\n%s", out)
	}
	b, info := strings.Index(block, "api-path-removed  GET /authors  the path /authors was removed"), strings.Index(block, "response-property-added")
	if b < 0 || info < 0 || b > info {
		t.Errorf("findings missing or not breaking first:\n%s", out)
	}
	if strings.ContainsRune(out, 0x1b) || !strings.Contains(out, "the property \uFFFD[2Jname was removed") {
		t.Errorf("a control character from a document reached the terminal:\n%q", out)
	}
	if !strings.Contains(out, "(fetch: timeout)") || !strings.Contains(out, "the group was removed") {
		t.Errorf("the stale error or the removal finding is missing:\n%s", out)
	}
}

func TestHistoryCommandJSON(t *testing.T) {
	dir, ids := historyStore(t)
	code, out, errs := storeCmd(t, storeT0, "history", "--format", "json", "--store", dir, "prod/main/books/public-api")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var r historyReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if r.Snapshots != 6 || r.Present != 5 || len(r.Events) != 5 {
		t.Fatalf("report: %+v", r)
	}
	changed := r.Events[1]
	if changed.Snapshot != ids[2] || changed.Change != "changed" || len(changed.Findings) != 3 || changed.Findings[0].Level != "breaking" || changed.Operations != 12 {
		t.Errorf("changed event: %+v", changed)
	}
	if r.Events[0].SHA256 == changed.SHA256 {
		t.Error("the change did not record the new document")
	}
}

func TestHistoryCommandErrors(t *testing.T) {
	dir, _ := historyStore(t)
	code, _, errs := storeCmd(t, storeT0, "history", "public", "--store", dir)
	if code != exitFailure || !strings.Contains(errs, `did you mean prod/main/books/public-api?`) {
		t.Errorf("unknown key: exit %d, %q", code, errs)
	}
	if code, _, _ := storeCmd(t, storeT0, "history", "--store", dir); code != exitUsage {
		t.Errorf("no key: exit %d, want %d", code, exitUsage)
	}
	if code, _, _ := storeCmd(t, storeT0, "history", "a", "b", "--store", dir); code != exitUsage {
		t.Errorf("two keys: exit %d, want %d", code, exitUsage)
	}
	if code, _, _ := storeCmd(t, storeT0, "history", "a", "--format", "xml", "--store", dir); code != exitUsage {
		t.Errorf("bad format: exit %d, want %d", code, exitUsage)
	}
	if code, _, errs := storeCmd(t, storeT0, "history", "a", "--store", filepath.Join(t.TempDir(), "none")); code != exitFailure || !strings.Contains(errs, "no store") {
		t.Errorf("missing store: exit %d, %q", code, errs)
	}
}
