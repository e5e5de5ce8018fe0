package diff

import (
	"slices"
	"strings"
)

// Level grades a finding by what it does to a client that worked before.
type Level string

const (
	// LevelBreaking: a client that worked may now fail.
	LevelBreaking Level = "breaking"
	// LevelWarning: a client probably keeps working, but should look.
	LevelWarning Level = "warning"
	// LevelInfo: the contract did not get stricter for anyone.
	LevelInfo Level = "info"
)

// rank orders levels for sorting: breaking first.
func (l Level) rank() int {
	switch l {
	case LevelBreaking:
		return 0
	case LevelWarning:
		return 1
	default:
		return 2
	}
}

// Rule is one kind of finding: a stable id that reports, CI filters and
// the docs all refer to, the level every finding of that id carries, and
// what it means for a client.
//
// Direction says which side of the exchange the rule judges: "request"
// (what clients send), "response" (what they read; in callbacks and
// webhooks the roles are reversed), "both", or "document". Keywords are
// the OpenAPI keywords whose differences a finding of the rule accounts
// for at its location ("*": everything at and below it), so the generic
// comparison does not report them again (see law.go). Check names the
// function that fires the rule, so a reader finds a rule's code from its
// id; TestRuleRegistry keeps it true.
type Rule struct {
	ID          string   `json:"id"`
	Level       Level    `json:"level"`
	Direction   string   `json:"direction"`
	Description string   `json:"description"`
	Keywords    []string `json:"keywords,omitempty"`
	Check       string   `json:"check"`
}

// The rule ids. They are part of the output contract (changes.json,
// CHANGES.md, CI filters): never rename one, only add.
const (
	RuleAPIPathRemoved      = "api-path-removed"
	RuleAPIPathAdded        = "api-path-added"
	RuleAPIOperationRemoved = "api-operation-removed"
	RuleAPIOperationAdded   = "api-operation-added"

	RuleRequestParameterAddedRequired    = "request-parameter-added-required"
	RuleRequestParameterAdded            = "request-parameter-added"
	RuleRequestParameterRemoved          = "request-parameter-removed"
	RuleRequestParameterBecameRequired   = "request-parameter-became-required"
	RuleRequestParameterBecameOptional   = "request-parameter-became-optional"
	RuleRequestParameterTypeChanged      = "request-parameter-type-changed"
	RuleRequestParameterEnumValueRemoved = "request-parameter-enum-value-removed"
	RuleRequestParameterMaxDecreased     = "request-parameter-max-decreased"
	RuleRequestParameterMinIncreased     = "request-parameter-min-increased"
	RuleRequestParameterPatternChanged   = "request-parameter-pattern-changed"

	RuleRequestBodyAddedRequired  = "request-body-added-required"
	RuleRequestBodyAdded          = "request-body-added"
	RuleRequestBodyRemoved        = "request-body-removed"
	RuleRequestBodyBecameRequired = "request-body-became-required"
	RuleRequestBodyBecameOptional = "request-body-became-optional"
	RuleRequestMediaTypeRemoved   = "request-media-type-removed"
	RuleRequestMediaTypeAdded     = "request-media-type-added"

	RuleRequestPropertyBecameRequired    = "request-property-became-required"
	RuleRequestPropertyBecameOptional    = "request-property-became-optional"
	RuleRequestPropertyAddedRequired     = "request-property-added-required"
	RuleRequestPropertyAdded             = "request-property-added"
	RuleRequestPropertyRemoved           = "request-property-removed"
	RuleRequestPropertyTypeChanged       = "request-property-type-changed"
	RuleRequestPropertyEnumValueRemoved  = "request-property-enum-value-removed"
	RuleRequestPropertyMaxDecreased      = "request-property-max-decreased"
	RuleRequestPropertyMinIncreased      = "request-property-min-increased"
	RuleRequestPropertyPatternChanged    = "request-property-pattern-changed"
	RuleRequestPropertyBecameNotNullable = "request-property-became-not-nullable"
	RuleRequestPropertyVariantRemoved    = "request-property-variant-removed"
	RuleRequestPropertyVariantAdded      = "request-property-variant-added"
	RuleRequestEnumValueAdded            = "request-enum-value-added"
	RuleRequestConstraintRelaxed         = "request-constraint-relaxed"
	RuleRequestTypeWidened               = "request-type-widened"

	RuleResponseSuccessStatusRemoved    = "response-success-status-removed"
	RuleResponseNonSuccessStatusRemoved = "response-non-success-status-removed"
	RuleResponseStatusAdded             = "response-status-added"
	RuleResponseMediaTypeRemoved        = "response-media-type-removed"
	RuleResponseMediaTypeAdded          = "response-media-type-added"

	RuleResponsePropertyRemoved          = "response-property-removed"
	RuleResponseOptionalPropertyRemoved  = "response-optional-property-removed"
	RuleResponsePropertyAdded            = "response-property-added"
	RuleResponsePropertyTypeChanged      = "response-property-type-changed"
	RuleResponsePropertyBecameOptional   = "response-property-became-optional"
	RuleResponsePropertyBecameRequired   = "response-property-became-required"
	RuleResponsePropertyBecameNullable   = "response-property-became-nullable"
	RuleResponsePropertyEnumValueAdded   = "response-property-enum-value-added"
	RuleResponseExtensibleEnumValueAdded = "response-extensible-enum-value-added"
	RuleResponseEnumValueRemoved         = "response-enum-value-removed"
	RuleResponsePropertyVariantAdded     = "response-property-variant-added"
	RuleResponsePropertyVariantRemoved   = "response-property-variant-removed"

	RuleSecurityRequirementAdded   = "security-requirement-added"
	RuleSecurityRequirementChanged = "security-requirement-changed"
	RuleSecurityRequirementRelaxed = "security-requirement-relaxed"

	RuleServerBasePathChanged = "server-base-path-changed"
	RuleServerHostChanged     = "server-host-changed"

	RuleAPIOperationDeprecated = "api-operation-deprecated"
	RuleDescriptionChanged     = "description-changed"
	RuleSummaryChanged         = "summary-changed"
	RuleExampleChanged         = "example-changed"
	RuleExtensionChanged       = "extension-changed"
)

// ExtensibleEnumExtension marks a response enum as open: clients are told
// to expect values they do not know, so a new value is no surprise.
const ExtensibleEnumExtension = "x-extensible-enum"

// ruleTable is the registry: the one place that knows every rule. The
// docs, --help, levels and the audit test are all derived from it. It is a
// function, not a variable, so nothing can change the table at run time.
func ruleTable() []Rule {
	rules := append(modelRules(), keywordRules()...)
	for i := range rules {
		r := &rules[i]
		m := ruleMeta(r.ID)
		if r.Direction == "" {
			r.Direction = m.direction
		}
		r.Keywords = m.keywords
		r.Check = m.check
		if r.Check == "" {
			r.Check = "classifyChange"
		}
	}
	slices.SortStableFunc(rules, func(a, b Rule) int { return a.Level.rank() - b.Level.rank() })
	return rules
}

// modelRules are the rules judged on libopenapi's model, by the compare
// functions of the rule_*.go files.
func modelRules() []Rule {
	return []Rule{
		{ID: RuleAPIPathRemoved, Level: LevelBreaking, Description: "A path was removed; every operation under it is gone."},
		{ID: RuleAPIOperationRemoved, Level: LevelBreaking, Description: "An operation (method on a path) was removed."},
		{ID: RuleRequestParameterAddedRequired, Level: LevelBreaking, Description: "A new required parameter: existing calls do not send it."},
		{ID: RuleRequestParameterRemoved, Level: LevelBreaking, Description: "A parameter was removed: calls that send it may be rejected or silently change meaning."},
		{ID: RuleRequestParameterBecameRequired, Level: LevelBreaking, Description: "An optional parameter became required."},
		{ID: RuleRequestParameterTypeChanged, Level: LevelBreaking, Description: "A parameter's type changed to one that does not accept every old value."},
		{ID: RuleRequestParameterEnumValueRemoved, Level: LevelBreaking, Description: "A parameter no longer accepts an enum value (or gained an enum)."},
		{ID: RuleRequestParameterMaxDecreased, Level: LevelBreaking, Description: "A parameter's maximum, maxLength or maxItems was lowered or introduced."},
		{ID: RuleRequestParameterMinIncreased, Level: LevelBreaking, Description: "A parameter's minimum, minLength or minItems was raised or introduced."},
		{ID: RuleRequestParameterPatternChanged, Level: LevelBreaking, Description: "A parameter's pattern changed or was introduced."},
		{ID: RuleRequestBodyAddedRequired, Level: LevelBreaking, Description: "An operation now requires a request body it did not take before."},
		{ID: RuleRequestBodyBecameRequired, Level: LevelBreaking, Description: "An optional request body became required."},
		{ID: RuleRequestMediaTypeRemoved, Level: LevelBreaking, Description: "A request content type is no longer accepted."},
		{ID: RuleRequestPropertyBecameRequired, Level: LevelBreaking, Description: "An optional request property became required."},
		{ID: RuleRequestPropertyAddedRequired, Level: LevelBreaking, Description: "A new required request property: existing calls do not send it."},
		{ID: RuleRequestPropertyTypeChanged, Level: LevelBreaking, Description: "A request property's type changed to one that does not accept every old value."},
		{ID: RuleRequestPropertyEnumValueRemoved, Level: LevelBreaking, Description: "A request property no longer accepts an enum value (or gained an enum)."},
		{ID: RuleRequestPropertyMaxDecreased, Level: LevelBreaking, Description: "A request property's maximum, maxLength or maxItems was lowered or introduced."},
		{ID: RuleRequestPropertyMinIncreased, Level: LevelBreaking, Description: "A request property's minimum, minLength or minItems was raised or introduced."},
		{ID: RuleRequestPropertyPatternChanged, Level: LevelBreaking, Description: "A request property's pattern changed or was introduced."},
		{ID: RuleRequestPropertyBecameNotNullable, Level: LevelBreaking, Description: "A request property no longer accepts null."},
		{ID: RuleRequestPropertyVariantRemoved, Level: LevelBreaking, Description: "A oneOf/anyOf alternative a request could use was removed."},
		{ID: RuleResponseSuccessStatusRemoved, Level: LevelBreaking, Description: "A success (2xx) response status was removed."},
		{ID: RuleResponseMediaTypeRemoved, Level: LevelBreaking, Description: "A response content type is no longer returned."},
		{ID: RuleResponsePropertyRemoved, Level: LevelBreaking, Description: "A required response property was removed."},
		{ID: RuleResponsePropertyTypeChanged, Level: LevelBreaking, Description: "A response property's type changed to one clients may not read."},
		{ID: RuleResponsePropertyBecameOptional, Level: LevelBreaking, Description: "A required response property became optional: clients may find it missing."},
		{ID: RuleResponsePropertyBecameNullable, Level: LevelBreaking, Description: "A response property may now be null."},
		{ID: RuleSecurityRequirementAdded, Level: LevelBreaking, Description: "An operation that needed no authentication now needs it."},
		{ID: RuleSecurityRequirementChanged, Level: LevelBreaking, Description: "A way to authenticate that worked (scheme or scopes) is no longer accepted."},
		{ID: RuleServerBasePathChanged, Level: LevelBreaking, Description: "The server's base path changed: every operation moved."},

		{ID: RuleResponsePropertyEnumValueAdded, Level: LevelWarning, Description: "A response enum gained a value clients may not handle (info instead when the schema has x-extensible-enum: true)."},
		{ID: RuleResponseOptionalPropertyRemoved, Level: LevelWarning, Description: "An optional response property was removed."},
		{ID: RuleResponsePropertyVariantAdded, Level: LevelWarning, Description: "A response may now take a oneOf/anyOf shape clients have not seen."},
		{ID: RuleRequestPropertyRemoved, Level: LevelWarning, Description: "A request property was removed: what clients send for it may be ignored or rejected."},
		{ID: RuleRequestBodyRemoved, Level: LevelWarning, Description: "An operation no longer documents a request body."},
		{ID: RuleServerHostChanged, Level: LevelWarning, Description: "The server's host changed, its base path did not."},

		{ID: RuleAPIPathAdded, Level: LevelInfo, Description: "A new path."},
		{ID: RuleAPIOperationAdded, Level: LevelInfo, Description: "A new operation on an existing path."},
		{ID: RuleRequestParameterAdded, Level: LevelInfo, Description: "A new optional parameter."},
		{ID: RuleRequestParameterBecameOptional, Level: LevelInfo, Description: "A required parameter became optional."},
		{ID: RuleRequestBodyAdded, Level: LevelInfo, Description: "An operation accepts a new, optional request body."},
		{ID: RuleRequestBodyBecameOptional, Level: LevelInfo, Description: "A required request body became optional."},
		{ID: RuleRequestMediaTypeAdded, Level: LevelInfo, Description: "A new request content type is accepted."},
		{ID: RuleRequestPropertyBecameOptional, Level: LevelInfo, Description: "A required request property became optional."},
		{ID: RuleRequestPropertyAdded, Level: LevelInfo, Description: "A new optional request property."},
		{ID: RuleRequestPropertyVariantAdded, Level: LevelInfo, Description: "A request may use a new oneOf/anyOf alternative."},
		{ID: RuleRequestEnumValueAdded, Level: LevelInfo, Description: "A request parameter or property accepts a new enum value."},
		{ID: RuleRequestConstraintRelaxed, Level: LevelInfo, Description: "A request limit (max, min, pattern, enum) was relaxed or removed."},
		{ID: RuleRequestTypeWidened, Level: LevelInfo, Description: "A request parameter or property accepts more types than before."},
		{ID: RuleResponseNonSuccessStatusRemoved, Level: LevelInfo, Description: "A non-success response status is no longer documented."},
		{ID: RuleResponseStatusAdded, Level: LevelInfo, Description: "A new response status."},
		{ID: RuleResponseMediaTypeAdded, Level: LevelInfo, Description: "A new response content type."},
		{ID: RuleResponsePropertyAdded, Level: LevelInfo, Description: "A new response property."},
		{ID: RuleResponsePropertyBecameRequired, Level: LevelInfo, Description: "An optional response property is now always present."},
		{ID: RuleResponseExtensibleEnumValueAdded, Level: LevelInfo, Description: "A response enum marked x-extensible-enum: true gained a value."},
		{ID: RuleResponseEnumValueRemoved, Level: LevelInfo, Description: "A response enum lost a value: clients just never see it."},
		{ID: RuleResponsePropertyVariantRemoved, Level: LevelInfo, Description: "A response no longer takes one of its oneOf/anyOf shapes."},
		{ID: RuleSecurityRequirementRelaxed, Level: LevelInfo, Description: "Authentication became optional, was removed, or gained an alternative."},
		{ID: RuleAPIOperationDeprecated, Level: LevelInfo, Description: "An operation was marked deprecated: it still works; clients should plan to move."},
		{ID: RuleDescriptionChanged, Level: LevelInfo, Description: "Descriptions changed (reported by libopenapi's change model)."},
		{ID: RuleSummaryChanged, Level: LevelInfo, Description: "Summaries or titles changed."},
		{ID: RuleExampleChanged, Level: LevelInfo, Description: "Examples changed."},
		{ID: RuleExtensionChanged, Level: LevelInfo, Description: "x- extensions changed."},
	}
}

// Rules returns the rule table, breaking rules first, then warnings, then
// info. Each call returns a fresh slice.
func Rules() []Rule { return ruleTable() }

// RuleByID returns the rule with that id.
func RuleByID(id string) (Rule, bool) {
	for _, r := range ruleTable() {
		if r.ID == id {
			return r, true
		}
	}
	return Rule{}, false
}

// ruleIndex indexes the table by id.
func ruleIndex() map[string]Rule {
	idx := make(map[string]Rule)
	for _, r := range ruleTable() {
		idx[r.ID] = r
	}
	return idx
}

// ruleLevels indexes the table once per diff.
func ruleLevels() map[string]Level {
	levels := make(map[string]Level)
	for _, r := range ruleTable() {
		levels[r.ID] = r.Level
	}
	return levels
}

// meta is what the registry knows about a model rule beyond its table
// line: the side it judges, the keywords its findings account for, and
// the function that fires it.
type meta struct {
	direction string
	keywords  []string
	check     string
}

var (
	maxKeywords = []string{"maximum", "exclusiveMaximum", "maxLength", "maxItems"}
	minKeywords = []string{"minimum", "exclusiveMinimum", "minLength", "minItems"}
)

func ruleMeta(id string) meta {
	switch id {
	case RuleAPIPathRemoved, RuleAPIPathAdded, RuleAPIOperationRemoved, RuleAPIOperationAdded:
		return meta{"request", []string{"*"}, "comparePaths"}
	case RuleRequestParameterAddedRequired, RuleRequestParameterAdded, RuleRequestParameterRemoved:
		return meta{"request", []string{"parameters"}, "compareParameters"}
	case RuleRequestParameterBecameRequired, RuleRequestParameterBecameOptional:
		return meta{"request", []string{"required"}, "compareParameters"}
	case RuleRequestParameterTypeChanged, RuleRequestPropertyTypeChanged, RuleResponsePropertyTypeChanged:
		// The schemas are too different to compare further.
		return meta{sideOf(id), []string{"*"}, "compareTypes"}
	case RuleRequestTypeWidened:
		return meta{"request", []string{"type"}, "compareTypes"}
	case RuleRequestParameterEnumValueRemoved, RuleRequestPropertyEnumValueRemoved, RuleRequestEnumValueAdded,
		RuleResponsePropertyEnumValueAdded, RuleResponseExtensibleEnumValueAdded, RuleResponseEnumValueRemoved:
		return meta{sideOf(id), []string{"enum"}, "compareEnum"}
	case RuleRequestParameterMaxDecreased, RuleRequestPropertyMaxDecreased:
		return meta{"request", maxKeywords, "compareLimits"}
	case RuleRequestParameterMinIncreased, RuleRequestPropertyMinIncreased:
		return meta{"request", minKeywords, "compareLimits"}
	case RuleRequestParameterPatternChanged, RuleRequestPropertyPatternChanged:
		return meta{"request", []string{"pattern"}, "compareLimits"}
	case RuleRequestConstraintRelaxed:
		return meta{"request", append(append([]string{"pattern", "enum"}, maxKeywords...), minKeywords...), "compareLimits"}
	case RuleRequestBodyAddedRequired, RuleRequestBodyAdded, RuleRequestBodyRemoved:
		return meta{"request", []string{"requestBody"}, "compareRequestBody"}
	case RuleRequestBodyBecameRequired, RuleRequestBodyBecameOptional:
		return meta{"request", []string{"required"}, "compareRequestBody"}
	case RuleRequestMediaTypeRemoved, RuleRequestMediaTypeAdded, RuleResponseMediaTypeRemoved, RuleResponseMediaTypeAdded:
		return meta{sideOf(id), []string{"content"}, "compareContent"}
	case RuleRequestPropertyBecameRequired, RuleRequestPropertyBecameOptional, RuleResponsePropertyBecameOptional, RuleResponsePropertyBecameRequired:
		return meta{sideOf(id), []string{"required"}, "compareProperties"}
	case RuleRequestPropertyAddedRequired, RuleRequestPropertyAdded, RuleRequestPropertyRemoved,
		RuleResponsePropertyRemoved, RuleResponseOptionalPropertyRemoved, RuleResponsePropertyAdded:
		return meta{sideOf(id), []string{"properties"}, "compareProperties"}
	case RuleRequestPropertyBecameNotNullable, RuleResponsePropertyBecameNullable:
		return meta{sideOf(id), []string{"nullable"}, "compareNullable"}
	case RuleRequestPropertyVariantRemoved, RuleRequestPropertyVariantAdded, RuleResponsePropertyVariantAdded, RuleResponsePropertyVariantRemoved:
		return meta{sideOf(id), []string{"oneOf", "anyOf"}, "compareVariants"}
	case RuleResponseSuccessStatusRemoved, RuleResponseNonSuccessStatusRemoved, RuleResponseStatusAdded:
		return meta{"response", []string{"responses"}, "compareResponses"}
	case RuleSecurityRequirementAdded, RuleSecurityRequirementChanged, RuleSecurityRequirementRelaxed:
		return meta{"request", []string{"security", "type", "in", "name", "scheme"}, "compareSecurity"}
	case RuleServerBasePathChanged, RuleServerHostChanged:
		return meta{"document", []string{"servers"}, "compareServers"}
	case RuleAPIOperationDeprecated:
		return meta{"request", []string{"deprecated"}, "compareOperation"}
	case RuleDescriptionChanged, RuleSummaryChanged, RuleExampleChanged, RuleExtensionChanged:
		return meta{"document", nil, "documentationRule"}
	case RuleContractChanged:
		return meta{"", nil, "classify"}
	case RuleUnusedComponentChanged:
		return meta{"", nil, "compareComponentTrees"}
	case RuleServerChanged:
		return meta{"", nil, "serverRule"}
	case RuleDocumentBecameInvalid:
		return meta{"", nil, "becameInvalid"}
	case RuleDocumentBecameValid:
		return meta{"", nil, "becameValid"}
	}
	return meta{}
}

// sideOf reads a rule's side from its id.
func sideOf(id string) string {
	switch {
	case strings.HasPrefix(id, "request-"):
		return "request"
	case strings.HasPrefix(id, "response-"):
		return "response"
	}
	return "both"
}
