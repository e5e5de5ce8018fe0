package main

import (
	"errors"
	"strings"
	"testing"
)

const yamlLineBase = `store: ./api-catalog
sources:
  - name: prod
    type: files
    paths:
      - specs/*.yaml
      - more/*.json
    include: [a,
      b]
  - name: partners
    type: url
    urls: [https://example.com/openapi.json]
crawl:
  concurrency: 4
  timeout: 30s
retention:
  keep_last: 3
`

// TestYAMLSyntaxErrorLine is a law over every line of a config: indent
// a key line by a space too many (or one too few) when an earlier sibling
// has set its block's indent, and the error names that very line, not the
// line where the enclosing block began. (The first key of a block sets
// the indent, so moving it moves the error to its next sibling.)
func TestYAMLSyntaxErrorLine(t *testing.T) {
	lines := strings.Split(yamlLineBase, "\n")
	checked := 0
	for i, l := range lines {
		trimmed := strings.TrimLeft(l, " -")
		if i == 0 || !strings.Contains(trimmed, ": ") && !strings.HasSuffix(trimmed, ":") || keyIndent(lines[i-1]) != keyIndent(l) {
			continue
		}
		for _, shift := range []string{"more", "less"} {
			mutated := append([]string(nil), lines...)
			switch shift {
			case "more":
				mutated[i] = " " + l
			case "less":
				if !strings.HasPrefix(l, "  ") || strings.HasPrefix(strings.TrimLeft(l, " "), "- ") {
					continue
				}
				mutated[i] = l[1:]
			}
			_, err := parseConfig("c.yaml", []byte(strings.Join(mutated, "\n")), func(string) (string, bool) { return "", false })
			var ce *ConfigError
			if !errors.As(err, &ce) {
				continue // still valid YAML: a key that moved, caught by the key checks instead
			}
			if ce.Msg == "" || strings.Contains(ce.Msg, "line ") {
				t.Errorf("line %d indented %s: message %q repeats the line or is empty", i+1, shift, ce.Msg)
			}
			if strings.Contains(ce.Msg, "unknown key") || strings.Contains(ce.Msg, "expected") && !strings.Contains(ce.Msg, "did not find") {
				continue // a decode error, located by the decoder itself
			}
			checked++
			if ce.Line != i+1 {
				t.Errorf("line %d indented %s: error at line %d (%s), want %d\n%s", i+1, shift, ce.Line, ce.Msg, i+1, strings.Join(mutated, "\n"))
			}
		}
	}
	if checked < 5 {
		t.Fatalf("only %d mutations were syntax errors; the law is not being exercised", checked)
	}
}

// keyIndent is the column of a line's key, after any list dash.
func keyIndent(l string) int { return len(l) - len(strings.TrimLeft(l, " -")) }
