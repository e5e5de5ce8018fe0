package merge

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

// update rewrites golden files instead of comparing with them:
// go test ./merge -run Golden -update
var update = flag.Bool("update", false, "rewrite golden files")

// TestMergeGolden pins the whole merged document and report of a small
// fleet that exercises every rule: shared and renamed components, pushed
// down security, renamed security schemes, base paths, a collision,
// operationIds, tags and their groups. Review a change of it as a change
// of the output format.
func TestMergeGolden(t *testing.T) {
	collider := loadYAML(t, `
openapi: 3.0.0
info: {title: legacy, version: "1"}
servers: [{url: "https://b.example.com/api:shop"}]
paths:
  /users/{name}:
    delete:
      parameters: [{name: name, in: path, required: true, schema: {type: string}}]
      responses: {"204": {description: gone}}
`)
	inputs := []Input{
		{Key: "prod/main/users/public", Instance: "main", Workspace: "users", Group: "public", Doc: loadYAML(t, usersDoc)},
		{Key: "prod/main/shop/public", Instance: "main", Workspace: "shop", Group: "public", Doc: loadYAML(t, shopDoc)},
		{Key: "prod/main/shop/legacy", Instance: "main", Workspace: "shop", Group: "legacy", Doc: collider},
	}
	doc, report, err := Merge(inputs, Options{Title: "Golden", Version: "7", Description: "A small fleet."})
	if err != nil {
		t.Fatal(err)
	}
	if len(report.Collisions) != 1 {
		t.Errorf("the fleet is meant to have one collision, has %+v", report.Collisions)
	}
	got := mustMarshal(t, doc)
	reportJSON, err := json.MarshalIndent(report, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(append(got, "\n"...), reportJSON...)
	golden := filepath.Join("testdata", "merge", "golden-small.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("merged document differs from %s (run with -update if the change is intended):\n%s", golden, got)
	}
	checkInvariants(t, inputs, true)
}
