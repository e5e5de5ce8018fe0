package oracle

import (
	"encoding/json"
	"reflect"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestJSONToYAML: the YAML reads back as the same value, keys in order.
func TestJSONToYAML(t *testing.T) {
	in := []byte(`{"openapi":"3.0.0","z":1,"a":[true,null,1.5,"10",{"$ref":"#/x"}],"m":{"b":"yes","a":"0012"}}`)
	out, err := JSONToYAML(in)
	if err != nil {
		t.Fatal(err)
	}
	var fromJSON, fromYAML any
	if err := json.Unmarshal(in, &fromJSON); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(out, &fromYAML); err != nil {
		t.Fatal(err)
	}
	// yaml decodes integers as int; compare through JSON.
	again, _ := json.Marshal(fromYAML)
	var roundTrip any
	_ = json.Unmarshal(again, &roundTrip)
	if !reflect.DeepEqual(fromJSON, roundTrip) {
		t.Fatalf("value changed:\n%s\n%s", in, out)
	}
	var node yaml.Node
	_ = yaml.Unmarshal(out, &node)
	if keys := node.Content[0].Content; keys[0].Value != "openapi" || keys[2].Value != "z" || keys[4].Value != "a" {
		t.Fatalf("key order changed:\n%s", out)
	}
}
