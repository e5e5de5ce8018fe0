package diff

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	wcmodel "github.com/pb33f/libopenapi/what-changed/model"
)

// Documentation changes come from libopenapi's change model, which sees
// every description, summary, example and x- extension in the document.
// They are info at most. One finding per operation (or component) and
// kind, counting the places, keeps a reworded spec from drowning the
// contract findings.

// documentationRule classifies one libopenapi change; "" means it is a
// contract change, which the other rules judge.
func documentationRule(c *wcmodel.Change) string {
	p := strings.ToLower(c.Property)
	switch {
	case strings.HasPrefix(p, "x-"):
		return RuleExtensionChanged
	case c.ChangeType != wcmodel.Modified && c.ChangeType != wcmodel.PropertyAdded && c.ChangeType != wcmodel.PropertyRemoved:
		return ""
	case p == "description":
		return RuleDescriptionChanged
	case p == "summary" || p == "title":
		return RuleSummaryChanged
	case p == "example" || p == "examples" || p == "value" || p == "externalvalue":
		return RuleExampleChanged
	}
	return ""
}

// reportDocumentation turns one location's changes into findings.
func (d *differ) reportDocumentation(s findingScope, loc string, changes []*wcmodel.Change) {
	counts := make(map[string]int)
	for _, c := range changes {
		if id := documentationRule(c); id != "" {
			counts[id]++
		}
	}
	for _, id := range slices.Sorted(maps.Keys(counts)) {
		what := strings.TrimSuffix(id, "-changed")
		places := ""
		if n := counts[id]; n > 1 {
			places = fmt.Sprintf(" (%d places)", n)
		}
		d.report(id, s, loc, "%s changed%s", what, places)
	}
}

func (d *differ) documentationFindings(changes *wcmodel.DocumentChanges) {
	if changes == nil {
		return
	}
	if changes.InfoChanges != nil {
		d.reportDocumentation(findingScope{}, "info", changes.InfoChanges.GetAllChanges())
	}
	if changes.PropertyChanges != nil {
		d.reportDocumentation(findingScope{}, "document", changes.PropertyChanges.Changes)
	}
	if changes.ExtensionChanges != nil {
		d.reportDocumentation(findingScope{}, "document", changes.ExtensionChanges.GetAllChanges())
	}
	if changes.PathsChanges != nil {
		for path, item := range changes.PathsChanges.PathItemsChanges {
			if item == nil {
				continue
			}
			if item.PropertyChanges != nil {
				d.reportDocumentation(findingScope{operations: d.revision.operationsUnder(path)}, "paths."+path, item.PropertyChanges.Changes)
			}
			for method, op := range operationChanges(item) {
				if op == nil {
					continue
				}
				key := operationKey(method, path)
				d.reportDocumentation(findingScope{operation: key}, "paths."+path+"."+method, op.GetAllChanges())
			}
		}
	}
	if changes.ComponentsChanges != nil {
		for name, sc := range changes.ComponentsChanges.SchemaChanges {
			if sc == nil {
				continue
			}
			ops := mergeSorted(d.revision.usage.operations(name, dirRequest), d.revision.usage.operations(name, dirResponse))
			d.reportDocumentation(findingScope{operations: ops}, "components.schemas."+name, sc.GetAllChanges())
		}
	}
}

func operationChanges(item *wcmodel.PathItemChanges) map[string]*wcmodel.OperationChanges {
	return map[string]*wcmodel.OperationChanges{
		"get": item.GetChanges, "put": item.PutChanges, "post": item.PostChanges, "delete": item.DeleteChanges,
		"options": item.OptionsChanges, "head": item.HeadChanges, "patch": item.PatchChanges, "trace": item.TraceChanges,
	}
}

// mergeSorted is the sorted union of a and b. The usage lists it merges
// are sorted already, and it runs for every component in each direction,
// so sorted inputs are merged in one pass; equal ones (the usual case: a
// component reached by the same operations on both sides) are not copied.
func mergeSorted(a, b []string) []string {
	if slices.Equal(a, b) && strictlySorted(a) {
		return a
	}
	if !slices.IsSorted(a) || !slices.IsSorted(b) {
		out := append(slices.Clone(a), b...)
		slices.Sort(out)
		return slices.Compact(out)
	}
	out := make([]string, 0, max(len(a), len(b)))
	add := func(s string) {
		if len(out) == 0 || out[len(out)-1] != s {
			out = append(out, s)
		}
	}
	for len(a) > 0 && len(b) > 0 {
		if a[0] <= b[0] {
			add(a[0])
			a = a[1:]
		} else {
			add(b[0])
			b = b[1:]
		}
	}
	for _, s := range a {
		add(s)
	}
	for _, s := range b {
		add(s)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func strictlySorted(a []string) bool {
	for i := 1; i < len(a); i++ {
		if a[i-1] >= a[i] {
			return false
		}
	}
	return true
}
