package sniff

import (
	"encoding/json"
	"testing"
)

// TestJSONIsWhatJSONReads: for well-formed documents, JSON says JSON
// exactly when encoding/json reads an object or an array.
func TestJSONIsWhatJSONReads(t *testing.T) {
	docs := []string{
		`{"openapi": "3.0.3"}`, "\xef\xbb\xbf{\"a\": 1}", " \n\t\r{}", `[1, 2]`, "\n  [\"x\"]",
		"openapi: 3.0.3\n", "\xef\xbb\xbfopenapi: 3.1.0", "---\na: 1", "", "   ", `"a string"`, `42`, "# {comment}\na: b",
	}
	for _, d := range docs {
		got := JSON([]byte(d))
		var v any
		isJSON := json.Unmarshal(trimBOM([]byte(d)), &v) == nil
		_, isContainer := v.(map[string]any)
		_, isList := v.([]any)
		if got != (isJSON && (isContainer || isList)) {
			t.Errorf("JSON(%q) = %v; encoding/json reads it as an object or array: %v", d, got, isJSON && (isContainer || isList))
		}
	}
	// A head is enough: the first bytes decide.
	if !JSON([]byte(`{"openapi": "3.0.3", "paths": {`)) {
		t.Error("the head of a JSON document is not JSON")
	}
}

func trimBOM(b []byte) []byte {
	if len(b) >= 3 && string(b[:3]) == "\xef\xbb\xbf" {
		return b[3:]
	}
	return b
}
