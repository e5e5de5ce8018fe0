package merge

import (
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// streamed is a merged document as encoded fragments: the big parts
// (paths, components, webhooks) one entry at a time, so that writing it
// never builds the whole document, as a model or as one YAML node tree.
type streamed struct {
	version    string
	info       []byte
	tags       []byte
	tagGroups  []byte
	paths      map[string][]byte
	components map[string]map[string][]byte
	webhooks   map[string][]byte
	// kept holds the fragments of paths, components and webhooks.
	kept *fragments
}

// field is one member of a JSON object being written: either a small
// encoded value, or a nested object written entry by entry. A kept value
// is read back from kept (see fragments).
type field struct {
	key    string
	value  []byte
	object []field
	isObj  bool
	kept   *fragments
}

// The encoded fragments of a merged document are the whole document, so
// they are not kept in memory until they are written: each is deflated
// (JSON shrinks to a small fraction of its size) and, when the caller
// gave a spool (StreamOptions.Spool), appended to it, only its place
// being kept, so that the merge's memory does not grow with the fleet's
// bytes. Without a spool the deflated fragments are kept in memory.
// Compressors are reused, since a fleet has tens of thousands of
// fragments.
var (
	packers   = sync.Pool{New: func() any { w, _ := flate.NewWriter(nil, flate.BestSpeed); return w }}
	unpackers = sync.Pool{New: func() any { return flate.NewReader(bytes.NewReader(nil)) }}
)

// Spool is where MergeStream keeps encoded fragments until it writes
// them: a scratch file, say. It is written at increasing offsets from 0
// and read back at the same places.
type Spool interface {
	io.ReaderAt
	io.WriterAt
}

// fragments keeps encoded fragments until they are written.
type fragments struct {
	mu    sync.Mutex
	spool Spool // nil: kept in memory
	end   int64
}

// spoolHandleSize is the length of what put returns for a spooled
// fragment: its offset and its deflated length.
const spoolHandleSize = 12

// put deflates one encoded fragment and keeps it; what it returns is
// given to get to read it back.
func (fr *fragments) put(data []byte) ([]byte, error) {
	var b bytes.Buffer
	w := packers.Get().(*flate.Writer)
	w.Reset(&b)
	w.Write(data)
	w.Close()
	packers.Put(w)
	if fr.spool == nil {
		return bytes.Clone(b.Bytes()), nil
	}
	fr.mu.Lock()
	at := fr.end
	fr.end += int64(b.Len())
	fr.mu.Unlock()
	if _, err := fr.spool.WriteAt(b.Bytes(), at); err != nil {
		return nil, fmt.Errorf("merge: spool a fragment: %w", err)
	}
	handle := make([]byte, spoolHandleSize)
	binary.LittleEndian.PutUint64(handle, uint64(at))
	binary.LittleEndian.PutUint32(handle[8:], uint32(b.Len()))
	return handle, nil
}

// get reads back a fragment put kept.
func (fr *fragments) get(kept []byte) ([]byte, error) {
	deflated := kept
	if fr.spool != nil {
		if len(kept) != spoolHandleSize {
			return nil, errors.New("merge: a spooled fragment's handle is damaged")
		}
		deflated = make([]byte, binary.LittleEndian.Uint32(kept[8:]))
		if _, err := fr.spool.ReadAt(deflated, int64(binary.LittleEndian.Uint64(kept))); err != nil {
			return nil, fmt.Errorf("merge: read a spooled fragment: %w", err)
		}
	}
	r := unpackers.Get().(io.ReadCloser)
	defer unpackers.Put(r)
	if err := r.(flate.Resetter).Reset(bytes.NewReader(deflated), nil); err != nil {
		return nil, err
	}
	out, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("merge: a kept fragment does not inflate: %w", err)
	}
	return out, nil
}

// plain is a field's encoded value, read back when it was kept.
func (f field) plain() ([]byte, error) {
	if f.kept != nil {
		return f.kept.get(f.value)
	}
	return f.value, nil
}

// fields lists the top level of the document in the order kin-openapi's
// encoder gives it (sorted keys).
func (s *streamed) fields() []field {
	obj := func(m map[string][]byte) []field {
		out := make([]field, 0, len(m))
		for _, k := range orderedKeys(m) {
			out = append(out, field{key: k, value: m[k], kept: s.kept})
		}
		return out
	}
	var comps []field
	for _, kind := range orderedKeys(s.components) {
		if len(s.components[kind]) > 0 {
			comps = append(comps, field{key: kind, object: obj(s.components[kind]), isObj: true})
		}
	}
	version, _ := json.Marshal(s.version)
	top := []field{
		{key: "components", object: comps, isObj: true},
		{key: "info", value: s.info},
		{key: "openapi", value: version},
		{key: "paths", object: obj(s.paths), isObj: true},
	}
	if s.tags != nil {
		top = append(top, field{key: "tags", value: s.tags})
	}
	if len(s.webhooks) > 0 {
		top = append(top, field{key: "webhooks", object: obj(s.webhooks), isObj: true})
	}
	if s.tagGroups != nil {
		top = append(top, field{key: "x-tagGroups", value: s.tagGroups})
	}
	return top
}

// writeJSON writes what json.Indent(json.Marshal(doc), "", "  ") and a
// newline would, fragment by fragment.
func (s *streamed) writeJSON(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	var scratch bytes.Buffer
	if err := writeJSONObject(bw, &scratch, s.fields(), 0); err != nil {
		return err
	}
	bw.WriteByte('\n')
	return bw.Flush()
}

func writeJSONObject(w *bufio.Writer, scratch *bytes.Buffer, fs []field, depth int) error {
	if len(fs) == 0 {
		_, err := w.WriteString("{}")
		return err
	}
	inner := strings.Repeat("  ", depth+1)
	w.WriteByte('{')
	for i, f := range fs {
		if i > 0 {
			w.WriteByte(',')
		}
		w.WriteByte('\n')
		w.WriteString(inner)
		key, _ := json.Marshal(f.key)
		w.Write(key)
		w.WriteString(": ")
		if f.isObj {
			if err := writeJSONObject(w, scratch, f.object, depth+1); err != nil {
				return err
			}
			continue
		}
		value, err := f.plain()
		if err != nil {
			return err
		}
		scratch.Reset()
		if err := json.Indent(scratch, value, inner, "  "); err != nil {
			return err
		}
		w.Write(scratch.Bytes())
	}
	w.WriteByte('\n')
	w.WriteString(strings.Repeat("  ", depth))
	_, err := w.WriteString("}")
	return err
}

// writeYAML writes what JSONToYAML of the JSON document would, one entry
// at a time: each entry is encoded as a one-key mapping and indented to
// its depth, which is how the YAML encoder lays out nested block mappings.
//
// Encoding an entry is most of the time of writing a large merged
// document, and entries are independent, so they are encoded by one
// worker per core, at most a small window ahead of the writer, and
// written in order: the bytes are the same as one goroutine's.
func (s *streamed) writeYAML(w io.Writer) error {
	var entries []yamlPending
	flattenYAML(s.fields(), 0, &entries)
	bw := bufio.NewWriterSize(w, 1<<16)
	workers := runtime.GOMAXPROCS(0)
	window := make(chan struct{}, 4*workers)
	stop := make(chan struct{})
	defer close(stop)
	done := make([]chan yamlEncoded, len(entries))
	for i := range done {
		done[i] = make(chan yamlEncoded, 1)
	}
	go func() {
		for i, e := range entries {
			select {
			case window <- struct{}{}:
			case <-stop:
				return
			}
			go func() { done[i] <- e.encode() }()
		}
	}()
	for i, e := range entries {
		r := <-done[i]
		<-window
		if r.err != nil {
			return r.err
		}
		e.write(bw, r.text)
	}
	return bw.Flush()
}

// yamlPending is one entry of the YAML document in writing order: a
// "key:" line that opens a nested mapping, or a key with its value.
type yamlPending struct {
	key    string
	value  []byte
	kept   *fragments
	depth  int
	opener bool
}

type yamlEncoded struct {
	text []byte
	err  error
}

func flattenYAML(fs []field, depth int, out *[]yamlPending) {
	for _, f := range fs {
		if f.isObj && len(f.object) > 0 {
			*out = append(*out, yamlPending{key: f.key, value: []byte("null"), depth: depth, opener: true})
			flattenYAML(f.object, depth+1, out)
			continue
		}
		value := f.value
		if f.isObj {
			value = []byte("{}")
		}
		kept := f.kept
		if f.isObj {
			kept = nil
		}
		*out = append(*out, yamlPending{key: f.key, value: value, kept: kept, depth: depth})
	}
}

func (e yamlPending) encode() yamlEncoded {
	value, err := field{value: e.value, kept: e.kept}.plain()
	if err != nil {
		return yamlEncoded{err: err}
	}
	text, err := yamlEntry(e.key, value)
	return yamlEncoded{text: text, err: err}
}

func (e yamlPending) write(w *bufio.Writer, text []byte) {
	indent := strings.Repeat("  ", e.depth)
	if e.opener {
		// "key: null\n" → "key:\n": the entries follow, one level in.
		w.WriteString(indent)
		w.WriteString(strings.TrimSuffix(string(text), " null\n"))
		w.WriteString("\n")
		return
	}
	for _, line := range bytes.SplitAfter(text, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		if len(line) > 1 {
			w.WriteString(indent)
		}
		w.Write(line)
	}
}

// yamlEntry encodes {key: value} as JSONToYAML would at the top level.
func yamlEntry(key string, value []byte) ([]byte, error) {
	node, ok := yamlNodeFast(value)
	if !ok {
		dec := json.NewDecoder(bytes.NewReader(value))
		dec.UseNumber()
		var err error
		if node, err = yamlNode(dec); err != nil {
			return nil, err
		}
	}
	if text, ok := emitYAMLEntry(key, node); ok {
		return text, nil
	}
	return yamlEntryV3(key, node)
}

// yamlEntryV3 is yamlEntry written by yaml.v3's encoder.
func yamlEntryV3(key string, node *yaml.Node) ([]byte, error) {
	keyNode := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}
	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	doc := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{keyNode, node}}}}
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
