package diff

import (
	"slices"
	"strconv"
	"strings"

	"github.com/pb33f/go-yaml"
)

// Keyword rules judge the differences the generic comparison finds and no
// model rule has claimed (law.go), by keyword and direction: narrowing
// what a request may carry, or widening what a response may carry, breaks
// clients; callbacks and webhooks reverse the roles. What no keyword rule
// knows is contract-changed, a warning.

const (
	RuleContractChanged        = "contract-changed"
	RuleDocumentBecameInvalid  = "document-became-invalid"
	RuleDocumentBecameValid    = "document-became-valid"
	RuleUnusedComponentChanged = "unused-component-changed"

	RuleRequestFormatChanged                = "request-format-changed"
	RuleRequestConstAdded                   = "request-const-changed"
	RuleRequestConstraintAdded              = "request-constraint-added"
	RuleRequestAdditionalPropertiesNarrowed = "request-additional-properties-tightened"
	RuleRequestPropertyBecameReadOnly       = "request-property-became-read-only"
	RuleRequestParameterSerialization       = "request-parameter-serialization-changed"

	RuleResponseFormatChanged               = "response-format-changed"
	RuleResponseConstChanged                = "response-const-changed"
	RuleResponsePropertyTypeRemoved         = "response-property-type-removed"
	RuleResponseConstraintWidened           = "response-constraint-widened"
	RuleResponseConstraintNarrowed          = "response-constraint-narrowed"
	RuleResponseAdditionalPropertiesWidened = "response-additional-properties-widened"
	RuleResponsePropertyBecameWriteOnly     = "response-property-became-write-only"
	RuleResponseRequiredHeaderRemoved       = "response-required-header-removed"
	RuleResponseOptionalHeaderRemoved       = "response-optional-header-removed"
	RuleResponseHeaderBecameOptional        = "response-header-became-optional"
	RuleResponseHeaderBecameRequired        = "response-header-became-required"
	RuleResponseHeaderAdded                 = "response-header-added"
	RuleResponseLinkChanged                 = "response-link-changed"
	RuleResponseLinkAdded                   = "response-link-added"

	RuleReadWriteOnlyChanged        = "read-write-only-changed"
	RuleSchemaVariantsRestructured  = "schema-variants-restructured"
	RuleDiscriminatorChanged        = "discriminator-changed"
	RuleDefaultChanged              = "default-changed"
	RuleDeprecationChanged          = "deprecation-changed"
	RuleOperationIDChanged          = "api-operation-id-changed"
	RuleOperationTagsChanged        = "api-operation-tags-changed"
	RuleServerChanged               = "server-changed"
	RuleSecuritySchemeFlowsChanged  = "security-scheme-flows-changed"
	RuleSecuritySchemeFlowsExtended = "security-scheme-flows-extended"
	RuleCallbackRemoved             = "callback-removed"
	RuleCallbackAdded               = "callback-added"
	RuleWebhookRemoved              = "webhook-removed"
	RuleWebhookAdded                = "webhook-added"
)

func keywordRules() []Rule {
	return []Rule{
		{ID: RuleRequestFormatChanged, Level: LevelBreaking, Direction: "request", Description: "A request parameter or property gained a format or changed it (date to date-time, say): values clients send may be refused."},
		{ID: RuleRequestConstAdded, Level: LevelBreaking, Direction: "request", Description: "A request parameter or property must now equal a const value, or another one."},
		{ID: RuleRequestConstraintAdded, Level: LevelBreaking, Direction: "request", Description: "A request schema gained or changed a constraint keyword (not, if/then/else, dependentRequired, dependentSchemas, contains, minContains/maxContains, prefixItems, unevaluatedProperties/Items, patternProperties, propertyNames, multipleOf, uniqueItems, maxProperties/minProperties): it may refuse what it accepted."},
		{ID: RuleRequestAdditionalPropertiesNarrowed, Level: LevelBreaking, Direction: "request", Description: "A request object accepts fewer extra properties (additionalProperties became false or a schema)."},
		{ID: RuleRequestParameterSerialization, Level: LevelBreaking, Direction: "request", Description: "A parameter's style, explode, allowReserved or allowEmptyValue changed: the same value is written differently on the wire."},
		{ID: RuleResponseFormatChanged, Level: LevelBreaking, Direction: "response", Description: "A response property's format changed or was dropped: clients parsing the old format fail."},
		{ID: RuleResponseConstChanged, Level: LevelBreaking, Direction: "response", Description: "A response property's const value changed or was dropped: clients matching on it see other values."},
		{ID: RuleResponsePropertyTypeRemoved, Level: LevelBreaking, Direction: "response", Description: "A response property lost its type (widened to anything): clients may read values of a type they do not handle."},
		{ID: RuleResponsePropertyBecameWriteOnly, Level: LevelBreaking, Direction: "response", Description: "A response property became writeOnly: it is no longer returned."},
		{ID: RuleResponseRequiredHeaderRemoved, Level: LevelBreaking, Direction: "response", Description: "A required response header is no longer sent."},
		{ID: RuleResponseHeaderBecameOptional, Level: LevelBreaking, Direction: "response", Description: "A required response header became optional: clients may find it missing."},
		{ID: RuleSecuritySchemeFlowsChanged, Level: LevelBreaking, Direction: "request", Description: "A security scheme's OAuth flows, URLs or scopes changed or lost something: tokens clients obtain the old way may not work."},

		{ID: RuleDocumentBecameInvalid, Level: LevelBreaking, Direction: "document", Description: "A group's document became invalid or unreadable (the finding cites its first errors): clients can no longer rely on its contract."},
		{ID: RuleDocumentBecameValid, Level: LevelInfo, Direction: "document", Description: "A group's document is valid again."},
		{ID: RuleContractChanged, Level: LevelWarning, Direction: "both", Description: "A contract difference no specific rule judges (the keyword, old and new value and where are in the message). The diff never stays silent about a contract change."},
		{ID: RuleRequestPropertyBecameReadOnly, Level: LevelWarning, Direction: "request", Description: "A request property became readOnly: what clients send for it is ignored."},
		{ID: RuleResponseConstraintWidened, Level: LevelWarning, Direction: "response", Description: "A response limit was relaxed (minimum, maximum, length, items, pattern or a 2020-12 keyword): clients validating responses may see values they refuse."},
		{ID: RuleResponseAdditionalPropertiesWidened, Level: LevelWarning, Direction: "response", Description: "A response object may carry extra properties it could not before."},
		{ID: RuleResponseOptionalHeaderRemoved, Level: LevelWarning, Direction: "response", Description: "An optional response header is no longer documented."},
		{ID: RuleResponseLinkChanged, Level: LevelWarning, Direction: "response", Description: "A response link was removed or changed."},
		{ID: RuleSchemaVariantsRestructured, Level: LevelWarning, Direction: "both", Description: "A schema was wrapped in (or unwrapped from) oneOf/anyOf, or its allOf changed: generated clients change shape even when the values allowed do not."},
		{ID: RuleDiscriminatorChanged, Level: LevelWarning, Direction: "both", Description: "A discriminator's property or mapping changed: clients pick the variant differently."},
		{ID: RuleDefaultChanged, Level: LevelWarning, Direction: "both", Description: "A default value changed: a client that omits the value gets other behaviour."},
		{ID: RuleOperationIDChanged, Level: LevelWarning, Direction: "request", Description: "An operationId changed: generated clients rename the method."},
		{ID: RuleServerChanged, Level: LevelWarning, Direction: "request", Description: "A path's or operation's servers (or the document's other servers or variables) changed."},
		{ID: RuleCallbackRemoved, Level: LevelWarning, Direction: "response", Description: "A callback (or one of its operations) is no longer documented: clients stop receiving it."},
		{ID: RuleWebhookRemoved, Level: LevelWarning, Direction: "response", Description: "A webhook (or one of its operations) is no longer documented: clients stop receiving it."},

		{ID: RuleUnusedComponentChanged, Level: LevelInfo, Direction: "both", Description: "A component no operation uses was added, removed or changed; reported once, at the component."},
		{ID: RuleResponseConstraintNarrowed, Level: LevelInfo, Direction: "response", Description: "A response says more precisely what it returns (a narrower type, a new limit, format, const or pattern, null no longer returned)."},
		{ID: RuleResponseHeaderBecameRequired, Level: LevelInfo, Direction: "response", Description: "An optional response header is now always sent."},
		{ID: RuleResponseHeaderAdded, Level: LevelInfo, Direction: "response", Description: "A new response header."},
		{ID: RuleResponseLinkAdded, Level: LevelInfo, Direction: "response", Description: "A new response link."},
		{ID: RuleReadWriteOnlyChanged, Level: LevelInfo, Direction: "both", Description: "A readOnly or writeOnly flag changed the harmless way, or a property hidden in this direction came or went."},
		{ID: RuleDeprecationChanged, Level: LevelInfo, Direction: "both", Description: "A parameter, property or schema was deprecated, or an operation no longer is."},
		{ID: RuleOperationTagsChanged, Level: LevelInfo, Direction: "request", Description: "An operation's tags changed: documentation and generated clients group it elsewhere."},
		{ID: RuleSecuritySchemeFlowsExtended, Level: LevelInfo, Direction: "request", Description: "A security scheme gained flows or scopes; nothing that worked stops working."},
		{ID: RuleCallbackAdded, Level: LevelInfo, Direction: "response", Description: "A new callback (or callback operation)."},
		{ID: RuleWebhookAdded, Level: LevelInfo, Direction: "response", Description: "A new webhook (or webhook operation)."},
	}
}

// maximumKeywords bound a value from above; minimumKeywords from below.
var (
	maximumKeywords = []string{"maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties", "maxContains"}
	minimumKeywords = []string{"minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties", "minContains"}
	// constraintKeywords restrict values in ways no simple order judges.
	constraintKeywords = []string{"not", "if", "then", "else", "dependentRequired", "dependentSchemas", "contains", "prefixItems",
		"unevaluatedProperties", "unevaluatedItems", "patternProperties", "propertyNames", "multipleOf", "uniqueItems",
		"contentEncoding", "contentMediaType", "contentSchema", "schema", "items", "dependencies"}
)

// classifyChange names the rule for a difference; "" leaves it to
// contract-changed.
func classifyChange(c rawChange) string {
	req, resp := c.dir == dirRequest, c.dir == dirResponse
	pick := func(param, property string) string {
		if c.param {
			return param
		}
		return property
	}
	switch k := c.keyword; {
	case k == "type":
		bt, rt := splitTypes(c.oldText), splitTypes(c.newText)
		switch {
		case req && (len(rt) == 0 || (len(bt) > 0 && accepts(rt, bt))):
			return RuleRequestTypeWidened
		case req:
			return pick(RuleRequestParameterTypeChanged, RuleRequestPropertyTypeChanged)
		case resp && len(rt) == 0:
			return RuleResponsePropertyTypeRemoved
		case resp && (len(bt) == 0 || accepts(bt, rt)):
			return RuleResponseConstraintNarrowed
		case resp:
			return RuleResponsePropertyTypeChanged
		}
	case k == "nullable":
		became := c.newText == "true"
		switch {
		case req && !became:
			return RuleRequestPropertyBecameNotNullable
		case req:
			return RuleRequestConstraintRelaxed
		case resp && became:
			return RuleResponsePropertyBecameNullable
		case resp:
			return RuleResponseConstraintNarrowed
		}
	case k == "enum":
		be, re := sortedTexts(c.old), sortedTexts(c.new)
		removed, added := minus(be, re), minus(re, be)
		switch {
		case req && (len(be) == 0 || len(removed) > 0):
			return pick(RuleRequestParameterEnumValueRemoved, RuleRequestPropertyEnumValueRemoved)
		case req && len(re) == 0:
			return RuleRequestConstraintRelaxed
		case req:
			return RuleRequestEnumValueAdded
		case resp && (len(re) == 0 || len(added) > 0) && len(be) > 0:
			return RuleResponsePropertyEnumValueAdded
		case resp && len(be) == 0:
			return RuleResponseConstraintNarrowed
		case resp:
			return RuleResponseEnumValueRemoved
		}
	case k == "const":
		return narrowing(c, c.new != nil, c.old != nil, RuleRequestConstAdded, RuleResponseConstChanged, RuleResponseConstChanged)
	case k == "format":
		return narrowing(c, c.new != nil, c.old != nil, RuleRequestFormatChanged, RuleResponseFormatChanged, RuleResponseFormatChanged)
	case k == "pattern":
		return narrowing(c, c.new != nil, c.old != nil, pick(RuleRequestParameterPatternChanged, RuleRequestPropertyPatternChanged), RuleResponseConstraintWidened, RuleResponseConstraintWidened)
	case slices.Contains(maximumKeywords, k), slices.Contains(minimumKeywords, k):
		tighter := boundTightened(k, c.old, c.new)
		rule := pick(RuleRequestParameterMaxDecreased, RuleRequestPropertyMaxDecreased)
		if slices.Contains(minimumKeywords, k) {
			rule = pick(RuleRequestParameterMinIncreased, RuleRequestPropertyMinIncreased)
		}
		if slices.Contains([]string{"maxProperties", "minProperties", "maxContains", "minContains"}, k) {
			rule = RuleRequestConstraintAdded
		}
		return narrowing(c, tighter, !tighter, rule, RuleResponseConstraintWidened, RuleResponseConstraintWidened)
	case c.area == areaSchema && slices.Contains(constraintKeywords, k):
		tighter := c.new != nil && !(isBool(c.new) && c.new.Value == "false")
		return narrowing(c, tighter, !tighter || c.old != nil, RuleRequestConstraintAdded, RuleResponseConstraintWidened, RuleResponseConstraintWidened)
	case k == "additionalProperties":
		order := map[string]int{"false": 0, "schema": 1, "true": 2}
		tighter := order[c.newText] < order[c.oldText]
		return narrowing(c, tighter, !tighter, RuleRequestAdditionalPropertiesNarrowed, RuleResponseAdditionalPropertiesWidened, RuleResponseAdditionalPropertiesWidened)
	case k == "readOnly":
		if req && c.new != nil && c.new.Value == "true" {
			return RuleRequestPropertyBecameReadOnly
		}
		return RuleReadWriteOnlyChanged
	case k == "writeOnly":
		if resp && c.new != nil && c.new.Value == "true" {
			return RuleResponsePropertyBecameWriteOnly
		}
		return RuleReadWriteOnlyChanged
	case (k == "oneOf" || k == "anyOf") && c.kind == kindAdded && c.newText != "":
		if req {
			return RuleRequestPropertyVariantAdded
		}
		return RuleResponsePropertyVariantAdded
	case (k == "oneOf" || k == "anyOf") && c.kind == kindRemoved && c.oldText != "":
		if req {
			return RuleRequestPropertyVariantRemoved
		}
		return RuleResponsePropertyVariantRemoved
	case k == "oneOf", k == "anyOf", k == "allOf":
		return RuleSchemaVariantsRestructured
	case k == "discriminator":
		return RuleDiscriminatorChanged
	case k == "default":
		return RuleDefaultChanged
	case k == "deprecated":
		if c.area == areaOperation && c.new != nil && c.new.Value == "true" {
			return RuleAPIOperationDeprecated
		}
		return RuleDeprecationChanged
	case k == "properties" && c.area == areaSchema:
		if hidden(c.dir, c.old) || hidden(c.dir, c.new) {
			return RuleReadWriteOnlyChanged
		}
		switch {
		case req && c.kind == kindRemoved:
			return RuleRequestPropertyRemoved
		case req && c.required:
			return RuleRequestPropertyAddedRequired
		case req:
			return RuleRequestPropertyAdded
		case resp && c.kind == kindRemoved && c.required:
			return RuleResponsePropertyRemoved
		case resp && c.kind == kindRemoved:
			return RuleResponseOptionalPropertyRemoved
		case resp:
			return RuleResponsePropertyAdded
		}
	case k == "required":
		switch c.area {
		case areaParameter:
			if req {
				return pickBool(c.required, RuleRequestParameterBecameRequired, RuleRequestParameterBecameOptional)
			}
		case areaBody:
			if req {
				return pickBool(c.required, RuleRequestBodyBecameRequired, RuleRequestBodyBecameOptional)
			}
		case areaHeader:
			if resp {
				return pickBool(c.required, RuleResponseHeaderBecameRequired, RuleResponseHeaderBecameOptional)
			}
		case areaSchema:
			if hidden(c.dir, c.new) || hidden(c.dir, c.old) {
				return RuleReadWriteOnlyChanged
			}
			if req {
				return pickBool(c.required, RuleRequestPropertyBecameRequired, RuleRequestPropertyBecameOptional)
			}
			if resp {
				return pickBool(c.required, RuleResponsePropertyBecameRequired, RuleResponsePropertyBecameOptional)
			}
		}
	case k == "parameters" && req:
		switch {
		case c.kind == kindRemoved:
			return RuleRequestParameterRemoved
		case c.required:
			return RuleRequestParameterAddedRequired
		}
		return RuleRequestParameterAdded
	case (k == "style" || k == "explode" || k == "allowReserved" || k == "allowEmptyValue") && c.area == areaParameter:
		return RuleRequestParameterSerialization
	case k == "content":
		switch {
		case req && c.kind == kindRemoved:
			return RuleRequestMediaTypeRemoved
		case req:
			return RuleRequestMediaTypeAdded
		case resp && c.kind == kindRemoved:
			return RuleResponseMediaTypeRemoved
		case resp:
			return RuleResponseMediaTypeAdded
		}
	case k == "requestBody" && req:
		switch {
		case c.kind == kindRemoved:
			return RuleRequestBodyRemoved
		case c.required:
			return RuleRequestBodyAddedRequired
		}
		return RuleRequestBodyAdded
	case k == "responses" && resp:
		code := strings.TrimPrefix(c.loc[strings.LastIndex(c.loc, "response."):], "response.")
		switch {
		case c.kind == kindAdded:
			return RuleResponseStatusAdded
		case successStatus(code):
			return RuleResponseSuccessStatusRemoved
		}
		return RuleResponseNonSuccessStatusRemoved
	case k == "headers" && c.area == areaHeader && resp:
		switch {
		case c.kind == kindAdded:
			return RuleResponseHeaderAdded
		case c.required:
			return RuleResponseRequiredHeaderRemoved
		}
		return RuleResponseOptionalHeaderRemoved
	case c.area == areaLink || k == "links":
		if c.kind == kindAdded {
			return RuleResponseLinkAdded
		}
		return RuleResponseLinkChanged
	case k == "callbacks":
		return pickBool(c.kind == kindAdded, RuleCallbackAdded, RuleCallbackRemoved)
	case k == "webhooks":
		return pickBool(c.kind == kindAdded, RuleWebhookAdded, RuleWebhookRemoved)
	case k == "servers":
		return serverRule(c)
	case k == "security" && c.area == areaOperation:
		return securityRule(securityText(c.old), securityText(c.new))
	case c.area == areaSecurityScheme && strings.Contains(c.loc, ".flows"):
		return pickBool(c.kind == kindAdded, RuleSecuritySchemeFlowsExtended, RuleSecuritySchemeFlowsChanged)
	case c.area == areaSecurityScheme && (k == "type" || k == "in" || k == "name" || k == "scheme" || k == "flows" || k == "openIdConnectUrl"):
		return RuleSecurityRequirementChanged
	case k == "operationId":
		return RuleOperationIDChanged
	case k == "tags" && c.area == areaOperation:
		return RuleOperationTagsChanged
	}
	return ""
}

// narrowing picks by direction: a change that narrows (tighter) breaks a
// request; one that widens (looser) a response; the rest is info.
func narrowing(c rawChange, tighter, looser bool, requestRule, responseLooser, responseChanged string) string {
	switch c.dir {
	case dirRequest:
		if tighter {
			return requestRule
		}
		return RuleRequestConstraintRelaxed
	case dirResponse:
		if looser && c.kind != kindAdded {
			if c.kind == kindModified {
				return responseChanged
			}
			return responseLooser
		}
		return RuleResponseConstraintNarrowed
	}
	return ""
}

func pickBool(cond bool, yes, no string) string {
	if cond {
		return yes
	}
	return no
}

func isBool(n *yaml.Node) bool {
	return n != nil && n.Kind == yaml.ScalarNode && (n.Value == "true" || n.Value == "false")
}

// boundTightened reports whether a bound now admits fewer values.
func boundTightened(keyword string, old, new *yaml.Node) bool {
	isMax := slices.Contains(maximumKeywords, keyword)
	switch {
	case new == nil:
		return false
	case old == nil:
		return !(isBool(new) && new.Value == "false")
	case isBool(old) || isBool(new):
		return new.Value == "true"
	}
	a, errA := strconv.ParseFloat(old.Value, 64)
	z, errZ := strconv.ParseFloat(new.Value, 64)
	if errA != nil || errZ != nil {
		return true
	}
	if isMax {
		return z < a
	}
	return z > a
}

// hidden reports a schema the spec tells this direction to ignore.
func hidden(dir direction, n *yaml.Node) bool {
	if n == nil {
		return false
	}
	key := "writeOnly"
	if dir == dirRequest {
		key = "readOnly"
	}
	v := mapGet(n, key)
	return v != nil && v.Value == "true"
}

func splitTypes(s string) []string {
	if s == "" || s == "any" {
		return nil
	}
	return strings.Split(s, "|")
}

// serverRule judges a change of servers by the first server, as the
// document-level rule does.
func serverRule(c rawChange) string {
	bHost, bPath, bOK := firstServerNode(c.old)
	rHost, rPath, rOK := firstServerNode(c.new)
	switch {
	case !bOK || !rOK:
		return RuleServerChanged
	case bPath != rPath:
		return RuleServerBasePathChanged
	case bHost != rHost && bHost != "" && rHost != "":
		return RuleServerHostChanged
	}
	return RuleServerChanged
}

func firstServerNode(n *yaml.Node) (host, path string, ok bool) {
	list := seq(n)
	if len(list) == 0 {
		return "", "", false
	}
	u := mapGet(list[0], "url")
	if u == nil {
		return "", "", false
	}
	return splitServerURL(u.Value)
}

// securityRule names the rule for a change of the ways to authenticate.
func securityRule(b, r []string) string {
	switch {
	case slices.Equal(b, r):
		return ""
	case anonymous(b) && !anonymous(r):
		return RuleSecurityRequirementAdded
	case !anonymous(b) && anonymous(r):
		return RuleSecurityRequirementRelaxed
	case len(minus(b, r)) > 0:
		return RuleSecurityRequirementChanged
	}
	return RuleSecurityRequirementRelaxed
}
