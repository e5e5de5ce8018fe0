package main

import (
	"fmt"

	"github.com/specharvest/specharvest/merge/diff"
)

// --fail-on (and diff.fail_on in the config) says which findings make
// run and diff exit 4. This file is its one owner: the levels, their
// check, the decision and the line that explains it.

// checkFailOn accepts the levels of --fail-on; "" is none.
func checkFailOn(v string) error {
	switch v {
	case "", "none", "breaking", "warning", "changes":
		return nil
	}
	return usagef("--fail-on %s", failOnUsage(v))
}

// failOnUsage says what the levels are, for the flag and the config key.
func failOnUsage(v string) string {
	return fmt.Sprintf("must be none, breaking, warning or changes, not %q", v)
}

// thresholdMet reports whether the changes meet the --fail-on level. A
// removed group counts as breaking: every client of it broke.
func thresholdMet(c *diff.Changes, failOn string) bool {
	if c == nil {
		return false
	}
	switch failOn {
	case "breaking":
		return c.HasBreaking()
	case "warning":
		return c.HasBreaking() || countLevel(c, diff.LevelWarning) > 0
	case "changes":
		return c.HasChanges()
	}
	return false
}

// thresholdReason says why the --fail-on level was met.
func thresholdReason(c *diff.Changes, failOn string) string {
	s := c.Summary
	switch failOn {
	case "breaking":
		return fmt.Sprintf("--fail-on breaking: %d breaking changes, %d groups removed", s.Breaking, s.GroupsRemoved)
	case "warning":
		return fmt.Sprintf("--fail-on warning: %d breaking or warning changes, %d groups removed", s.Breaking+countLevel(c, diff.LevelWarning), s.GroupsRemoved)
	}
	return fmt.Sprintf("--fail-on changes: %d changes in %d groups", s.Breaking+s.NonBreaking, s.ChangedGroups())
}

// countLevel counts the findings of level l.
func countLevel(c *diff.Changes, l diff.Level) int {
	n := 0
	for _, g := range c.Groups {
		for _, f := range g.Changes {
			if f.Level == l {
				n++
			}
		}
	}
	return n
}
