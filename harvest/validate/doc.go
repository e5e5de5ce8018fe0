// Package validate loads one OpenAPI document leniently, repairs what can
// be repaired without changing its contract, and grades everything else.
//
// Real documents are not clean. Xano writes "maxItems": "2" and
// "required": true on properties, which kin-openapi refuses to load at all;
// vendors ship examples that do not match their schemas. A nightly job
// must still snapshot, merge and diff them, so Load never gives up early:
//
//	res := validate.Load(ctx, body, validate.Options{})
//	for _, p := range res.Problems { … } // every repair and finding
//	res.Valid    // no problem of level error
//	res.Repaired // the repaired document as JSON, OpenAPI 3.x
//	res.Doc      // kin-openapi's model of it, for merge and diff
//	res.Summary() // what a store keeps next to the blob
//
// # What Load does
//
//  1. Parses JSON (a document starting with "{" or "[") or YAML, with its
//     own reader: invalid UTF-8, duplicate keys, nesting deeper than 512
//     levels and YAML alias bombs are reported, never a panic or a hang.
//  2. Reads the version: OpenAPI 3.0 and 3.1 (3.2 is read like 3.1), or
//     Swagger 2.0, which is repaired, then converted to OpenAPI 3.0 with
//     kin-openapi's openapi2conv. kin-openapi v0.153 reads 3.1 (type
//     arrays, JSON Schema 2020-12 keywords, webhooks), so one model serves
//     every version; libopenapi is not needed here.
//  3. Walks the tree along the structure of the specification (never along
//     a $ref, so reference cycles cannot trap it), repairing in place:
//     numeric keywords written as strings are read as numbers; boolean
//     keywords written as "true"/"false" as booleans; "required": true on
//     a schema is dropped (OpenAPI 3 gives it no meaning; the property is
//     deliberately NOT added to the parent's required list, which would
//     make the contract stricter than any OpenAPI 3 reader understood);
//     a default written as a string for a boolean, integer or number
//     schema is converted, or dropped when it does not convert; a path
//     parameter not marked required is marked; a response without a
//     description gets an empty one; in an OpenAPI 3.0 document, JSON
//     Schema 2020-12 keywords are rewritten in 3.0 terms (a type list with
//     "null" as type and nullable, const as a one-value enum, a numeric
//     exclusive bound as bound plus exclusive flag, other type lists as
//     anyOf) or, when 3.0 gives them no meaning, left out; versions
//     written as numbers are read as strings, a non-string description is
//     left out, an array schema without items gets "items": {}, unused
//     server variables are left out. Every repair has its rule. It checks
//     structure and every $ref on the way; unknown formats are tallied,
//     one warning per format.
//  4. Loads the repaired JSON with kin-openapi (internal references only,
//     unless Options.ExternalRefs), checks every default and example
//     against its schema and leaves out those that fail, leaves out
//     fields OpenAPI does not define (kin-openapi keeps them among the
//     extensions, which is how they are found), then runs
//     kin-openapi's own validation with all errors collected. The result
//     passes kin-openapi's default Validate, except for patterns that Go's
//     regexp cannot compile (reported as invalid-pattern warnings): a
//     caller validating Doc again should pass
//     openapi3.DisableSchemaPatternValidation().
//
// # Problems
//
// Every repair and finding is a Problem with a rule id from one table
// (Rules), a level and a JSON pointer into the document. Level error
// means the contract itself is broken (unparsable, not OpenAPI, broken
// structure, unresolvable or unfollowed $ref); warning means the document
// is usable as it is or after a contract-neutral repair. A document is
// Valid when it has no error. Problems are sorted errors first, then by
// pointer, rule and message, and capped at 1000 with a final
// too-many-problems entry that counts the rest.
//
// Result.Repaired is written with sorted keys, so equal input gives equal
// bytes. The bytes as fetched are never changed: callers store those.
package validate
