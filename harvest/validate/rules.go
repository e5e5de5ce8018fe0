package validate

// Rule ids. Each is stable: reports, snapshots and scripts refer to them.
const (
	// Reading the bytes.
	RuleInvalidUTF8  = "invalid-utf8"
	RuleInvalidJSON  = "invalid-json"
	RuleInvalidYAML  = "invalid-yaml"
	RuleDuplicateKey = "duplicate-key"
	// A documentation-only key written twice.
	RuleDuplicateAnnotation = "duplicate-annotation-key"
	RuleTooDeep             = "nesting-too-deep"
	RuleAliasExpansion      = "yaml-alias-expansion"

	// What kind of document it is.
	RuleNotOpenAPI          = "not-openapi"
	RuleUnsupportedVersion  = "unsupported-version"
	RuleVersionNotString    = "version-not-a-string"
	RuleSwaggerConversion   = "swagger-conversion-failed"
	RuleMissingPaths        = "missing-paths"
	RuleMissingField        = "missing-required-field"
	RuleWrongType           = "wrong-type"
	RuleInvalidPath         = "invalid-path"
	RuleInvalidKeywordValue = "invalid-keyword-value"
	RuleStructure           = "invalid-structure"

	// References.
	RuleUnresolvedRef      = "unresolved-ref"
	RuleInvalidRef         = "invalid-ref"
	RuleExternalRefSkipped = "external-ref-not-followed"
	RuleExternalRefFailed  = "external-ref-failed"

	// Repaired defects.
	RuleNumericKeywordAsString = "numeric-keyword-as-string"
	RuleBooleanKeywordAsString = "boolean-keyword-as-string"
	RuleBooleanRequired        = "boolean-required-on-property"
	RuleDefaultTypeMismatch    = "default-type-mismatch"
	RulePathParamNotRequired   = "path-parameter-not-required"
	RuleUnknownField           = "unknown-field"
	RuleTextNotAString         = "text-not-a-string"
	RuleExtensionDropped       = "extension-dropped-in-conversion"
	RuleKeywordOf31            = "keyword-not-in-openapi-30"
	RuleArrayWithoutItems      = "array-without-items"
	RuleUnusedServerVariable   = "unused-server-variable"
	RuleMissingDescription     = "response-description-missing"

	// Problems that do not break the contract.
	RuleExampleMismatch      = "example-schema-mismatch"
	RuleDefaultInvalid       = "default-schema-mismatch"
	RuleUnknownFormat        = "unknown-format"
	RuleInvalidPattern       = "invalid-pattern"
	RuleDuplicateOperationID = "duplicate-operation-id"
	RulePathParamUndeclared  = "path-parameter-mismatch"
	RuleTooManyProblems      = "too-many-problems"

	// Not about the document.
	RuleInterrupted = "validation-interrupted"
	RuleInternal    = "internal-error"
)

// Rule describes one kind of problem.
type Rule struct {
	ID          string `json:"id"`
	Level       Level  `json:"level"`
	Description string `json:"description"`
}

// Rules lists every kind of problem Load reports, in a stable order: the
// table that documentation and help text are built from.
func Rules() []Rule {
	return []Rule{
		{ID: RuleInvalidUTF8, Level: LevelError, Description: "the bytes are not valid UTF-8"},
		{ID: RuleInvalidJSON, Level: LevelError, Description: "the document starts like JSON but is not valid JSON"},
		{ID: RuleInvalidYAML, Level: LevelError, Description: "the document is neither valid JSON nor valid YAML"},
		{ID: RuleDuplicateKey, Level: LevelError, Description: "one object has the same key twice, so readers may disagree on its value"},
		{ID: RuleDuplicateAnnotation, Level: LevelWarning, Description: "one object has a documentation-only key (description, summary, title, example, x-…) twice; the last value is used"},
		{ID: RuleTooDeep, Level: LevelError, Description: "the document nests deeper than any API description needs"},
		{ID: RuleAliasExpansion, Level: LevelError, Description: "YAML aliases would expand the document far beyond its size (an alias bomb)"},
		{ID: RuleNotOpenAPI, Level: LevelError, Description: "the document declares neither openapi nor swagger"},
		{ID: RuleUnsupportedVersion, Level: LevelError, Description: "the declared version is not OpenAPI 3.0, 3.1 or Swagger 2.0"},
		{ID: RuleVersionNotString, Level: LevelWarning, Description: "openapi or info.version was written as a number (unquoted \"3.0\" in YAML) or openapi as a bare major version; read as the version string"},
		{ID: RuleSwaggerConversion, Level: LevelError, Description: "a Swagger 2.0 document could not be converted to OpenAPI 3.0"},
		{ID: RuleMissingPaths, Level: LevelError, Description: "the document has no paths object (nor, in 3.1, components or webhooks)"},
		{ID: RuleMissingField, Level: LevelError, Description: "a field the specification requires is missing"},
		{ID: RuleWrongType, Level: LevelError, Description: "a field holds the wrong kind of value (an object where a list belongs, …)"},
		{ID: RuleInvalidPath, Level: LevelError, Description: "a path does not start with a slash"},
		{ID: RuleInvalidKeywordValue, Level: LevelError, Description: "a schema keyword holds a value that cannot be read, even leniently; it is left out"},
		{ID: RuleStructure, Level: LevelError, Description: "the document breaks a rule of the OpenAPI specification"},
		{ID: RuleUnresolvedRef, Level: LevelError, Description: "a $ref points at nothing in the document"},
		{ID: RuleInvalidRef, Level: LevelError, Description: "a $ref is not a string or not a valid reference"},
		{ID: RuleExternalRefSkipped, Level: LevelError, Description: "a $ref points outside the document and external references are not allowed, so the contract is incomplete"},
		{ID: RuleExternalRefFailed, Level: LevelError, Description: "an external $ref could not be loaded"},
		{ID: RuleNumericKeywordAsString, Level: LevelWarning, Description: "a numeric schema keyword (maxItems, minimum, …) was written as a string; read as the number"},
		{ID: RuleBooleanKeywordAsString, Level: LevelWarning, Description: "a boolean keyword (nullable, required, …) was written as a string; read as the boolean"},
		{ID: RuleBooleanRequired, Level: LevelWarning, Description: "a schema carried \"required\": true, which OpenAPI 3 gives no meaning; left out"},
		{ID: RuleDefaultTypeMismatch, Level: LevelWarning, Description: "a default was written as a string for a boolean, integer or number schema (or the reverse); converted, or left out when it does not convert"},
		{ID: RulePathParamNotRequired, Level: LevelWarning, Description: "a path parameter was not marked required; marked"},
		{ID: RuleUnusedServerVariable, Level: LevelWarning, Description: "a server declares a variable its URL does not use; left out"},
		{ID: RuleArrayWithoutItems, Level: LevelWarning, Description: "an array schema has no items, which OpenAPI 3.0 requires; \"items\": {} (any item, what a missing items means) is added"},
		{ID: RuleKeywordOf31, Level: LevelWarning, Description: "an OpenAPI 3.0 document uses a field only OpenAPI 3.1 defines; in schemas rewritten in 3.0 terms (type list with null, const, numeric exclusive bound) or left out, elsewhere reported as found"},
		{ID: RuleTextNotAString, Level: LevelWarning, Description: "a description or summary is not a string (often an unfollowed $ref); left out"},
		{ID: RuleExtensionDropped, Level: LevelWarning, Description: "an x- extension where Swagger 2.0 allows it but the conversion to OpenAPI 3.0 cannot carry it; left out"},
		{ID: RuleUnknownField, Level: LevelWarning, Description: "an object has a field OpenAPI does not define there and that is not an x- extension; left out"},
		{ID: RuleMissingDescription, Level: LevelWarning, Description: "a response has no description, which OpenAPI requires; an empty one is added"},
		{ID: RuleExampleMismatch, Level: LevelWarning, Description: "an example does not match its schema; left out of the repaired document"},
		{ID: RuleDefaultInvalid, Level: LevelWarning, Description: "a default does not match its schema; left out of the repaired document"},
		{ID: RuleUnknownFormat, Level: LevelWarning, Description: "a schema uses a format the specifications do not define"},
		{ID: RuleInvalidPattern, Level: LevelWarning, Description: "a pattern is not a regular expression Go can compile (often ECMA-only syntax); kept as written"},
		{ID: RuleDuplicateOperationID, Level: LevelWarning, Description: "two operations share one operationId"},
		{ID: RulePathParamUndeclared, Level: LevelError, Description: "a path template variable and the operation's path parameters do not match"},
		{ID: RuleInterrupted, Level: LevelError, Description: "validation was cut short (deadline or cancellation); the verdict is incomplete"},
		{ID: RuleInternal, Level: LevelError, Description: "validation stopped on a fault of this tool, not of the document"},
		{ID: RuleTooManyProblems, Level: LevelWarning, Description: "more problems than are worth listing; the rest are counted"},
	}
}
