package diff

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/specharvest/specharvest/harvest/xanotest"
)

// simulatedSide renders every group of a simulated fleet at one
// generation into blobs, the way a run would store them.
func simulatedSide(t *testing.T, f *xanotest.Fleet, blobs *countingBlobs) testFleet {
	t.Helper()
	side := testFleet{ID: fmt.Sprintf("generation-%d", f.Generation)}
	for _, ref := range f.Groups() {
		doc, err := f.Document(ref.Group.ID, "http://127.0.0.1:8080")
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(doc)
		sha := hex.EncodeToString(sum[:])
		blobs.mu.Lock()
		blobs.blobs[sha] = doc
		blobs.mu.Unlock()
		side.Groups = append(side.Groups, testGroup{Key: simKey(ref.Group.ID), Status: StatusOK, SHA256: sha})
	}
	return side
}

func simKey(groupID int) string { return fmt.Sprintf("sim/group-%d", groupID) }

// expectedRule is a finding an edit must produce.
type expectedRule struct {
	id    string
	level Level
}

// simulatorExpectations maps the simulator's edit kinds to the findings
// they must produce (any one of a list of alternatives, per entry).
func simulatorExpectations() map[string][][]expectedRule {
	return map[string][][]expectedRule{
		xanotest.EditOperationRemoved:        {{{id: RuleAPIOperationRemoved, level: LevelBreaking}, {id: RuleAPIPathRemoved, level: LevelBreaking}}},
		xanotest.EditOperationAdded:          {{{id: RuleAPIOperationAdded, level: LevelInfo}, {id: RuleAPIPathAdded, level: LevelInfo}}},
		xanotest.EditParameterBecameRequired: {{{id: RuleRequestParameterBecameRequired, level: LevelBreaking}}},
		xanotest.EditResponseTypeChanged:     {{{id: RuleResponsePropertyTypeChanged, level: LevelBreaking}}},
		xanotest.EditEnumValueAdded: {
			{{id: RuleRequestEnumValueAdded, level: LevelInfo}},
			{{id: RuleResponsePropertyEnumValueAdded, level: LevelWarning}},
		},
		xanotest.EditEnumValueRemoved: {
			{{id: RuleRequestParameterEnumValueRemoved, level: LevelBreaking}},
			{{id: RuleResponseEnumValueRemoved, level: LevelInfo}},
		},
		xanotest.EditDescriptionChanged: {{{id: RuleDescriptionChanged, level: LevelInfo}, {id: RuleSummaryChanged, level: LevelInfo}}},
	}
}

// TestDiffFleetFindsSimulatorEdits checks the diff against the simulator's
// ground truth: every edit between generations 1 and 2 is found with the
// right rule and level, nothing breaking is reported that no edit
// explains, the description-only group has nothing breaking, the invalid
// group is reported without stopping the rest, and removed and added
// groups are reported as such.
func TestDiffFleetFindsSimulatorEdits(t *testing.T) {
	gen1 := xanotest.Generate(xanotest.GenOptions{Seed: 11, Instances: 1, Workspaces: 2, Groups: 6, Endpoints: 5, Generation: 1})
	gen2 := gen1.At(2)
	edits := gen2.Edits(1, 2)
	if len(edits) < len(xanotest.EditKinds) {
		t.Fatalf("the simulator made %d edits, want every kind of %v", len(edits), xanotest.EditKinds)
	}
	blobs := newCountingBlobs()
	base, revision := simulatedSide(t, gen1, blobs), simulatedSide(t, gen2, blobs)
	c, err := DiffFleet(context.Background(), base, revision, repaired(blobs.load), FleetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	byKey := make(map[string]GroupChanges)
	for _, g := range c.Groups {
		byKey[g.Key] = g
	}
	expectations := simulatorExpectations()
	explained := make(map[string]map[string]bool) // group key → rule ids its edits explain
	for _, edit := range edits {
		key := simKey(edit.GroupID)
		g, ok := byKey[key]
		if !ok {
			t.Errorf("edit %s on %q: group not in the changes", edit.Kind, edit.Group)
			continue
		}
		if explained[key] == nil {
			explained[key] = make(map[string]bool)
		}
		switch edit.Kind {
		case xanotest.EditGroupRemoved:
			if g.Change != GroupRemoved {
				t.Errorf("removed group %q reported as %s", edit.Group, g.Change)
			}
			continue
		case xanotest.EditGroupAdded:
			if g.Change != GroupAdded {
				t.Errorf("added group %q reported as %s", edit.Group, g.Change)
			}
			continue
		case xanotest.EditBecameInvalid:
			// Reported as changed but not compared, saying why (a model
			// with holes would read as "every response removed"), and
			// as breaking: the contract no longer reads.
			if g.Change != GroupChanged || !strings.Contains(g.Error, "Record") || !hasFinding(g.Changes, RuleDocumentBecameInvalid, LevelBreaking) {
				t.Errorf("invalid group %q: change %s, error %q, findings %+v", edit.Group, g.Change, g.Error, g.Changes)
			}
			explained[key][RuleDocumentBecameInvalid] = true
			continue
		case xanotest.EditDescriptionChanged:
			for _, f := range g.Changes {
				if f.Level != LevelInfo {
					t.Errorf("description-only group %q has a %s finding: %+v", edit.Group, f.Level, f)
				}
			}
		}
		if g.Error != "" {
			t.Errorf("group %q (%s) could not be compared: %s", edit.Group, edit.Kind, g.Error)
			continue
		}
		wants, ok := expectations[edit.Kind]
		if !ok {
			t.Errorf("no expectation for edit kind %s", edit.Kind)
			continue
		}
		for _, alternatives := range wants {
			found := false
			for _, want := range alternatives {
				explained[key][want.id] = true
				for _, f := range g.Changes {
					if f.ID == want.id && f.Level == want.level && (edit.Operation == "" || slices.Contains(f.Affected(), edit.Operation)) {
						found = true
					}
				}
			}
			if !found {
				t.Errorf("edit %s on %q (%s): no finding %+v among %+v", edit.Kind, edit.Group, edit.Detail, alternatives, g.Changes)
			}
		}
	}
	for _, g := range c.Groups {
		if explained[g.Key] == nil {
			t.Errorf("group %s reported as %s but the simulator did not edit it: %+v", g.Key, g.Change, g.Changes)
			continue
		}
		for _, f := range g.Changes {
			if f.Level == LevelBreaking && !explained[g.Key][f.ID] {
				t.Errorf("false alarm in %s: %+v", g.Key, f)
			}
		}
	}
}
