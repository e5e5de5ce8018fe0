package output

import "github.com/specharvest/specharvest/merge/diff"

// A manifest is what the fleet diff compares: DiffFleet reads it through
// diff.Fleet, so no copy of its groups is made for it.
var _ diff.Fleet = (*Manifest)(nil)

// FleetID is the snapshot's id, as changes.json names it.
func (m *Manifest) FleetID() string { return m.ID }

// EachGroup hands the fleet diff every spec: its key, status and blob, and
// for a stored document that failed validation its errors, which a
// document-became-invalid finding cites.
func (m *Manifest) EachGroup(fn func(key, status, sha string, invalid bool, problems []string)) {
	for _, e := range m.Specs {
		invalid := e.Status == StatusOK && !e.Valid && (e.Errors > 0 || len(e.Problems) > 0)
		var problems []string
		if invalid {
			problems = e.Problems
		}
		fn(e.Key, e.Status, e.SHA256, invalid, problems)
	}
}
