package sniff

import "bytes"

// bom is UTF-8's byte order mark, which some servers put before a
// document.
var bom = []byte("\xef\xbb\xbf")

// JSON reports whether a document is JSON: its first significant byte,
// after a byte order mark and white space, opens an object or an array.
// Anything else is taken for YAML. data may be the whole document or
// only its head.
func JSON(data []byte) bool {
	data = bytes.TrimLeft(bytes.TrimPrefix(data, bom), " \t\r\n")
	return len(data) > 0 && (data[0] == '{' || data[0] == '[')
}
