package diff

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"

	"github.com/pb33f/go-yaml"
	"github.com/pb33f/libopenapi"
	"github.com/pb33f/libopenapi/datamodel"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
	"github.com/pb33f/libopenapi/index"
	whatchanged "github.com/pb33f/libopenapi/what-changed"
	wcmodel "github.com/pb33f/libopenapi/what-changed/model"
	"golang.org/x/sync/errgroup"
)

// Finding is one change between two documents, classified by a rule.
//
// A finding inside an operation names it in Operation. A finding inside a
// shared component (components/schemas/X) is reported once, at the
// component, and lists in Operations every operation that reaches it —
// its root cause, not one finding per path through the schema graph.
type Finding struct {
	ID         string   `json:"id"`
	Level      Level    `json:"level"`
	Operation  string   `json:"operation,omitempty"`
	Operations []string `json:"operations,omitempty"`
	Location   string   `json:"location,omitempty"`
	Message    string   `json:"message"`
}

// Affected is every operation the finding concerns; empty for a finding
// about the whole document (its servers, say).
func (f Finding) Affected() []string {
	if len(f.Operations) > 0 {
		return f.Operations
	}
	if f.Operation != "" {
		return []string{f.Operation}
	}
	return nil
}

// DiffOptions tunes Diff. The zero value is what the CLI uses.
type DiffOptions struct {
	// SkipDocumentation leaves out the info findings about descriptions,
	// summaries, examples and x- extensions, which libopenapi's change
	// model produces; contract findings are unaffected.
	SkipDocumentation bool
	// Whole compares the whole documents, without the pre-pass that drops
	// paths equal on both sides (prune.go). The findings are the same
	// either way; tests use it to prove that.
	Whole bool
}

// Diff compares two OpenAPI 3.x documents (JSON or YAML; the repaired
// output of harvest/validate in a run) and returns the findings, breaking
// first. It reads nothing outside the two byte slices: external $refs are
// not followed. ctx is checked between operations, so a huge pair can be
// abandoned.
func Diff(ctx context.Context, base, revision []byte, opts DiffOptions) (findings []Finding, err error) {
	if !opts.Whole {
		// A document the pre-pass cannot read whole is compared whole.
		if b, r, _, err := pruneUnchanged(base, revision); err == nil {
			base, revision = b, r
		}
	}
	// The two models are independent; building them side by side halves
	// the wall time of the largest step.
	var baseDoc, revisionDoc *specModel
	var g errgroup.Group
	g.Go(func() error {
		return survive("read base document", func() (err error) {
			baseDoc, err = buildModel(base)
			return err
		})
	})
	g.Go(func() error {
		return survive("read revision document", func() (err error) {
			revisionDoc, err = buildModel(revision)
			return err
		})
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	err = survive("compare documents", func() error {
		// libopenapi's change model says where the documents differ (it
		// stops at references to the same component, as the rules do);
		// the rules then look only there, and classify.
		changes := whatchanged.CompareOpenAPIDocuments(baseDoc.doc.GoLow(), revisionDoc.doc.GoLow())
		d := newDiffer(baseDoc, revisionDoc)
		d.changes = changes
		if err := d.run(ctx); err != nil {
			return err
		}
		d.nothingSilent()
		if !opts.SkipDocumentation {
			d.documentationFindings(changes)
		}
		findings = d.result()
		return nil
	})
	return findings, err
}

// survive turns a panic in the document libraries into an error. The
// nightly run diffs whatever the fleet served; one document that trips a
// parser must cost its group's report, not the whole run.
func survive(what string, f func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s: internal error in the OpenAPI library: %v", what, p)
		}
	}()
	if err := f(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// specModel is one side of a diff: libopenapi's high-level model and the
// indexes the rules need.
type specModel struct {
	doc *v3.Document
	// operations maps "METHOD /path" to the operation and its path item.
	operations map[string]operationRef
	// paths lists the document's paths, sorted.
	paths []string
	// templates maps a path with its parameter names blanked ("/users/{}")
	// to the paths of that shape, so renaming {id} to {userId} is no
	// change.
	templates map[string][]string
	usage     componentUsage
	// root is the document's YAML tree, which the generic comparison
	// (nothing silent) reads.
	root *yaml.Node
}

type operationRef struct {
	path   string
	method string
	item   *v3.PathItem
	op     *v3.Operation
}

func buildModel(data []byte) (*specModel, error) {
	// libopenapi resolves nothing remote or on disk unless told to; the
	// defaults are spelled out because a diff must never reach the network.
	// Its log lines would go to the process's default logger; what matters
	// comes back as errors.
	cfg := &datamodel.DocumentConfiguration{
		AllowFileReferences:   false,
		AllowRemoteReferences: false,
		Logger:                slog.New(slog.DiscardHandler),
	}
	doc, err := libopenapi.NewDocumentWithConfiguration(data, cfg)
	if err != nil {
		return nil, err
	}
	if v := doc.GetVersion(); !strings.HasPrefix(v, "3.") {
		return nil, fmt.Errorf("openapi version %q: only 3.x documents are compared (convert Swagger 2.0 first)", v)
	}
	built, err := doc.BuildV3Model()
	if built == nil {
		if err == nil {
			err = errors.New("no model")
		}
		return nil, err
	}
	// A circular reference leaves the model whole, and the rules are
	// cycle-safe. Anything else (a $ref to nothing) leaves holes: an
	// operation whose responses failed to build would read as "every
	// response removed", a false alarm, so such a document is refused.
	if err := withoutCircularReferences(err); err != nil {
		return nil, err
	}
	m := &specModel{
		doc:        &built.Model,
		root:       doc.GetSpecInfo().RootNode,
		operations: make(map[string]operationRef),
		templates:  make(map[string][]string),
	}
	if m.doc.Paths != nil {
		for path, item := range m.doc.Paths.PathItems.FromOldest() {
			m.paths = append(m.paths, path)
			m.templates[PathTemplate(path)] = append(m.templates[PathTemplate(path)], path)
			for method, op := range item.GetOperations().FromOldest() {
				key := operationKey(method, path)
				m.operations[key] = operationRef{path: path, method: strings.ToUpper(method), item: item, op: op}
			}
		}
	}
	slices.Sort(m.paths)
	m.usage = indexComponentUsage(m)
	return m, nil
}

// withoutCircularReferences drops circular-reference reports from
// libopenapi's joined errors and returns what is left.
func withoutCircularReferences(err error) error {
	if err == nil {
		return nil
	}
	var rest []error
	for _, e := range leafErrors(err) {
		var resolving *index.ResolvingError
		if errors.As(e, &resolving) && resolving.CircularReference != nil {
			continue
		}
		rest = append(rest, e)
	}
	return errors.Join(rest...)
}

func leafErrors(err error) []error {
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range joined.Unwrap() {
			out = append(out, leafErrors(e)...)
		}
		return out
	}
	return []error{err}
}

func operationKey(method, path string) string {
	return strings.ToUpper(method) + " " + path
}

// PathTemplate blanks parameter names: /users/{id} and /users/{userId}
// are the same endpoint to a client.
func PathTemplate(path string) string {
	var b strings.Builder
	depth := 0
	for _, r := range path {
		switch {
		case r == '{':
			depth++
			if depth == 1 {
				b.WriteString("{}")
			}
		case r == '}':
			if depth > 0 {
				depth--
			}
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// differ collects findings for one document pair.
type differ struct {
	base, revision *specModel
	// changes is libopenapi's what-changed report for the pair; nil when
	// the documents are the same.
	changes  *wcmodel.DocumentChanges
	levels   map[string]Level
	rules    map[string]Rule
	findings []Finding
	// seen drops exact repeats, which a schema reached twice through
	// retargeted references would otherwise produce.
	seen map[string]bool
}

func newDiffer(base, revision *specModel) *differ {
	return &differ{base: base, revision: revision, levels: ruleLevels(), rules: ruleIndex(), seen: make(map[string]bool)}
}

// report adds one finding in scope s. A scope of one operation, however it
// was reached, is written as "operation", so readers filter on one field.
func (d *differ) report(id string, s findingScope, location, format string, args ...any) {
	f := Finding{ID: id, Level: d.levels[id], Location: location, Message: fmt.Sprintf(format, args...)}
	if f.Level == "" {
		f.Level = LevelInfo
	}
	switch len(s.operations) {
	case 0:
		f.Operation = s.operation
	case 1:
		f.Operation = s.operations[0]
	default:
		f.Operations = s.operations
	}
	key := strings.Join([]string{f.ID, f.Operation, strings.Join(f.Operations, ","), f.Location, f.Message}, "\x00")
	if d.seen[key] {
		return
	}
	d.seen[key] = true
	d.findings = append(d.findings, f)
}

// findingScope says where a finding belongs: one operation, or the operations
// reaching a component.
type findingScope struct {
	operation  string
	operations []string
}

func (d *differ) run(ctx context.Context) error {
	d.compareServers()
	d.compareDocumentSecurity()
	d.comparePaths()
	for _, key := range sortedOperationKeys(d.base, d.revision) {
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.operationUnchanged(key) {
			continue
		}
		d.compareOperation(key)
	}
	d.compareComponents()
	return ctx.Err()
}

func (d *differ) result() []Finding {
	out := d.findings
	sortFindings(out)
	if out == nil {
		out = []Finding{}
	}
	return out
}

// sortFindings orders findings breaking first, then by operation,
// location, rule and message.
func sortFindings(out []Finding) {
	firstOperation := func(f Finding) string {
		if ops := f.Affected(); len(ops) > 0 {
			return ops[0]
		}
		return ""
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Level.rank() != b.Level.rank() {
			return a.Level.rank() < b.Level.rank()
		}
		if oa, ob := firstOperation(a), firstOperation(b); oa != ob {
			return oa < ob
		}
		if a.Location != b.Location {
			return a.Location < b.Location
		}
		if a.ID != b.ID {
			return a.ID < b.ID
		}
		return a.Message < b.Message
	})
}

// sortedOperationKeys lists the operations present on both sides, in the
// revision's naming, matched through path templates.
func sortedOperationKeys(base, revision *specModel) []string {
	var keys []string
	for key, ref := range revision.operations {
		if _, ok := base.matchOperation(revision, ref); ok {
			keys = append(keys, key)
		}
	}
	sort.Strings(keys)
	return keys
}

// matchOperation finds in m the operation matching other's ref.
func (m *specModel) matchOperation(other *specModel, ref operationRef) (operationRef, bool) {
	path, ok := m.matchPath(ref.path)
	if !ok {
		return operationRef{}, false
	}
	found, ok := m.operations[operationKey(ref.method, path)]
	return found, ok
}

// matchPath finds in m the path a client calling path would reach: the
// same path, else the only one of the same shape. Two paths of one shape
// in one document (an invalid document) are matched exactly or not at all.
func (m *specModel) matchPath(path string) (string, bool) {
	if _, ok := slices.BinarySearch(m.paths, path); ok {
		return path, true
	}
	if candidates := m.templates[PathTemplate(path)]; len(candidates) == 1 {
		return candidates[0], true
	}
	return "", false
}

// operationUnchanged reports an operation libopenapi's change model found
// nothing in: same path, no change to it or to its path's parameters.
func (d *differ) operationUnchanged(key string) bool {
	revisionRef := d.revision.operations[key]
	baseRef, _ := d.base.matchOperation(d.revision, revisionRef)
	if baseRef.path != revisionRef.path {
		return false
	}
	if d.changes == nil || d.changes.PathsChanges == nil {
		return true
	}
	item := d.changes.PathsChanges.PathItemsChanges[revisionRef.path]
	if item == nil {
		return true
	}
	if len(item.ParameterChanges) > 0 || operationChanges(item)[strings.ToLower(revisionRef.method)] != nil {
		return false
	}
	if item.PropertyChanges != nil {
		for _, c := range item.PropertyChanges.Changes {
			if c.Property == "parameters" {
				return false
			}
		}
	}
	return true
}

// componentUnchanged reports a component schema libopenapi's change model
// found nothing in.
func (d *differ) componentUnchanged(name string) bool {
	if d.changes == nil || d.changes.ComponentsChanges == nil {
		return true
	}
	return d.changes.ComponentsChanges.SchemaChanges[name] == nil
}
