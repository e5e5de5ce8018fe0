package validate

import (
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// validationView returns a copy of one path item for kin-openapi's
// validation in which every schema that is exactly a component schema
// ("$ref": "#/components/schemas/X") is replaced by an empty stand-in.
//
// kin-openapi validates a referenced schema again, with all it refers
// to, from every place that refers to it: on Stripe's document that is
// nine tenths of the time of Load and most of its memory. The components
// are validated once on their own, and examples and defaults have
// already been checked against the real schemas (modelCheck), so the
// stand-ins lose nothing. Only what validation touches is copied; the
// document itself is never modified.
func validationView(item *openapi3.PathItem, components *openapi3.Components) *openapi3.PathItem {
	if item == nil || components == nil || len(components.Schemas) == 0 {
		return item
	}
	v := viewer{schemas: components.Schemas, standIn: &openapi3.Schema{}}
	copied := *item
	copied.Parameters = v.parameters(item.Parameters)
	for method, op := range item.Operations() {
		copied.SetOperation(method, v.operation(op))
	}
	return &copied
}

type viewer struct {
	schemas openapi3.Schemas
	standIn *openapi3.Schema
}

// schema returns the stand-in for a reference that resolves to the
// component itself; a reference with OpenAPI 3.1 sibling keywords
// resolves to a schema of its own and is kept.
func (v viewer) schema(ref *openapi3.SchemaRef) *openapi3.SchemaRef {
	if ref == nil || ref.Value == nil {
		return ref
	}
	name, ok := strings.CutPrefix(ref.Ref, "#/components/schemas/")
	if !ok {
		return ref
	}
	component := v.schemas[unescapePointer(name)]
	if component == nil || component.Value != ref.Value {
		return ref
	}
	return &openapi3.SchemaRef{Ref: ref.Ref, Value: v.standIn}
}

func (v viewer) operation(op *openapi3.Operation) *openapi3.Operation {
	if op == nil {
		return nil
	}
	copied := *op
	copied.Parameters = v.parameters(op.Parameters)
	if op.RequestBody != nil && op.RequestBody.Ref == "" && op.RequestBody.Value != nil {
		body := *op.RequestBody.Value
		body.Content = v.content(body.Content)
		copied.RequestBody = &openapi3.RequestBodyRef{Value: &body}
	}
	if op.Responses != nil {
		responses := openapi3.NewResponsesWithCapacity(op.Responses.Len())
		responses.Extensions = op.Responses.Extensions
		responses.Origin = op.Responses.Origin
		for code, ref := range op.Responses.Map() {
			if ref != nil && ref.Ref == "" && ref.Value != nil {
				resp := *ref.Value
				resp.Content = v.content(resp.Content)
				ref = &openapi3.ResponseRef{Value: &resp}
			}
			responses.Set(code, ref)
		}
		copied.Responses = responses
	}
	return &copied
}

func (v viewer) parameters(params openapi3.Parameters) openapi3.Parameters {
	if params == nil {
		return nil
	}
	copied := make(openapi3.Parameters, len(params))
	for i, ref := range params {
		copied[i] = ref
		if ref == nil || ref.Ref != "" || ref.Value == nil || ref.Value.Schema == nil {
			continue
		}
		p := *ref.Value
		p.Schema = v.schema(p.Schema)
		copied[i] = &openapi3.ParameterRef{Value: &p}
	}
	return copied
}

func (v viewer) content(content openapi3.Content) openapi3.Content {
	if content == nil {
		return nil
	}
	copied := make(openapi3.Content, len(content))
	for mediaType, media := range content {
		if media == nil || media.Schema == nil {
			copied[mediaType] = media
			continue
		}
		m := *media
		m.Schema = v.schema(media.Schema)
		copied[mediaType] = &m
	}
	return copied
}
