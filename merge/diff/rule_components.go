package diff

// Shared schemas are compared once each, in every direction they are
// used, and each finding lists the operations that reach them: one root
// cause, one finding. A component no operation reaches affects no client
// and is not reported.

func (d *differ) compareComponents() {
	if d.base.doc.Components == nil || d.revision.doc.Components == nil {
		return
	}
	for name, bp := range d.base.doc.Components.Schemas.FromOldest() {
		rp, ok := d.revision.doc.Components.Schemas.Get(name)
		if !ok || d.componentUnchanged(name) {
			continue
		}
		loc := "components.schemas." + name
		for _, dir := range []direction{dirRequest, dirResponse} {
			ops := d.revision.usage.operations(name, dir)
			if len(ops) == 0 {
				continue
			}
			site := schemaSite{dir: dir, scope: findingScope{operations: ops}}
			d.compareSchema(site, loc, bp, rp, newSchemaWalk())
		}
	}
	d.compareSecuritySchemes()
}
