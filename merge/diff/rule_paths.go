package diff

import (
	"sort"
	"strings"
)

// Paths and operations: removing one breaks every client that calls it;
// adding one breaks nobody.

func (d *differ) comparePaths() {
	for _, basePath := range d.base.paths {
		revisionPath, ok := d.revision.matchPath(basePath)
		if !ok {
			ops := d.base.operationsUnder(basePath)
			d.report(RuleAPIPathRemoved, findingScope{operations: ops}, "paths."+basePath, "path %s was removed", basePath)
			continue
		}
		for _, key := range d.base.operationsUnder(basePath) {
			ref := d.base.operations[key]
			if _, ok := d.revision.operations[operationKey(ref.method, revisionPath)]; !ok {
				d.report(RuleAPIOperationRemoved, findingScope{operation: key}, "paths."+basePath+"."+strings.ToLower(ref.method), "operation %s was removed", key)
			}
		}
		for _, key := range d.revision.operationsUnder(revisionPath) {
			ref := d.revision.operations[key]
			if _, ok := d.base.operations[operationKey(ref.method, basePath)]; !ok {
				d.report(RuleAPIOperationAdded, findingScope{operation: key}, "paths."+revisionPath+"."+strings.ToLower(ref.method), "operation %s was added", key)
			}
		}
	}
	for _, path := range d.revision.paths {
		if _, ok := d.base.matchPath(path); ok {
			continue
		}
		d.report(RuleAPIPathAdded, findingScope{operations: d.revision.operationsUnder(path)}, "paths."+path, "path %s was added", path)
	}
}

// operationsUnder lists the operation keys of one path, sorted.
func (m *specModel) operationsUnder(path string) []string {
	var keys []string
	for key, ref := range m.operations {
		if ref.path == path {
			keys = append(keys, key)
		}
	}
	sort.Strings(keys)
	return keys
}

// compareOperation runs every operation-level rule family on one
// operation present on both sides.
func (d *differ) compareOperation(key string) {
	revisionRef := d.revision.operations[key]
	baseRef, _ := d.base.matchOperation(d.revision, revisionRef)
	s := findingScope{operation: key}
	if !truthy(baseRef.op.Deprecated) && truthy(revisionRef.op.Deprecated) {
		d.report(RuleAPIOperationDeprecated, s, "deprecated", "operation %s was deprecated", key)
	}
	d.compareParameters(s, baseRef, revisionRef)
	d.compareRequestBody(s, baseRef.op.RequestBody, revisionRef.op.RequestBody)
	d.compareResponses(s, baseRef.op.Responses, revisionRef.op.Responses)
	d.compareOperationSecurity(s, baseRef, revisionRef)
}

func truthy(b *bool) bool { return b != nil && *b }
