// Package jsonlex reads the tokens of JSON text, for the one-pass readers
// that stand in for encoding/json's token stream where it costs too much:
// the validator's document reader and its model indexer, the merge's YAML
// node builder and the diff's pre-pass. Each of those builds its own tree
// and decides what to give up on; the lexing they share is here, so that
// a string or a number reads the same in all of them.
//
// A Lexer does not check UTF-8, and reads a string with escapes through
// encoding/json: its callers check the document (utf8.Valid, json.Valid)
// before they read it, and fall back to encoding/json whenever a Lexer
// method reports false.
package jsonlex
