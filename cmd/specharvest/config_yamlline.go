package main

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// maxLinesToLocate bounds the prefix search below; a config file is far
// shorter, and past it yaml's own line is kept.
const maxLinesToLocate = 5000

var yamlLinePrefix = regexp.MustCompile(`^(yaml: )?line \d+: `)

// yamlSyntaxError locates a YAML syntax error. yaml.v3 reports the line
// where the enclosing block began ("line 2" for a bad indent on line 5),
// so the line is found instead as the first line at which the file, cut
// just after it, fails with the same complaint as the whole file. A cut
// inside a list spread over lines fails too, but with another complaint
// (the text ended), so it is passed over.
func yamlSyntaxError(data []byte, err error) (line int, msg string) {
	msg = yamlMessage(err)
	line = yamlErrorLine(err)
	lines := bytes.SplitAfter(data, []byte("\n"))
	if len(lines) > maxLinesToLocate {
		return line, msg
	}
	var prefix []byte
	for i, l := range lines {
		prefix = append(prefix, l...)
		var n yaml.Node
		if perr := yaml.Unmarshal(prefix, &n); perr != nil && yamlMessage(perr) == msg {
			return i + 1, msg
		}
	}
	return line, msg
}

// yamlMessage is yaml's complaint without its "yaml: line N:" prefix.
func yamlMessage(err error) string {
	return strings.TrimPrefix(yamlLinePrefix.ReplaceAllString(err.Error(), ""), "yaml: ")
}

func yamlErrorLine(err error) int {
	if m := yamlLinePattern.FindStringSubmatch(err.Error()); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}
