package merge

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// checkStreamMatches is the law of MergeStream: for any inputs, its JSON
// and YAML are byte for byte Merge's result encoded by MarshalDocument
// and MarshalDocumentYAML, and so is its report, whether the digests are
// used as made or after a trip through their JSON encoding (as the store
// caches them).
func checkStreamMatches(t *testing.T, inputs []Input, opts Options, doc *openapi3.T, report *Report) {
	t.Helper()
	wantJSON, err := MarshalDocument(doc)
	if err != nil {
		t.Fatalf("MarshalDocument: %v", err)
	}
	wantYAML, err := MarshalDocumentYAML(doc)
	if err != nil {
		t.Fatalf("MarshalDocumentYAML: %v", err)
	}
	for _, mode := range []struct{ trip, parts bool }{{false, false}, {true, false}, {false, true}, {true, true}} {
		trip := mode.trip
		stream := make([]StreamInput, len(inputs))
		for i, in := range inputs {
			d := DigestOf(in.Doc)
			if mode.parts {
				d = &Digest{}
				for _, part := range partsOf(in.Doc) {
					d.AddPart(part)
				}
			}
			if trip {
				data, err := json.Marshal(d)
				if err != nil {
					t.Fatalf("marshal digest: %v", err)
				}
				d = &Digest{}
				if err := json.Unmarshal(data, d); err != nil {
					t.Fatalf("unmarshal digest: %v", err)
				}
			}
			stream[i] = StreamInput{Key: in.Key, Instance: in.Instance, Workspace: in.Workspace, Group: in.Group, Digest: d}
		}
		// Fragments wait in a spool file, or in memory without one; the
		// result is the same.
		var spool Spool
		var spoolFile *os.File
		if !trip {
			f, err := os.CreateTemp(t.TempDir(), "spool")
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			spool, spoolFile = f, f
		}
		loads := make([]int, len(inputs))
		var gotJSON, gotYAML bytes.Buffer
		got, err := MergeStream(stream, func(i int, each func(*openapi3.T) error) error {
			loads[i]++
			if !mode.parts {
				return each(inputs[i].Doc)
			}
			for _, part := range partsOf(inputs[i].Doc) {
				if err := each(part); err != nil {
					return err
				}
			}
			return nil
		}, StreamOptions{Options: opts, Concurrency: 3, Spool: spool}, &gotJSON, &gotYAML)
		if err != nil {
			t.Fatalf("MergeStream (digests through JSON: %v, in parts: %v): %v", trip, mode.parts, err)
		}
		if spoolFile != nil && doc.Paths != nil && doc.Paths.Len() > 0 {
			if info, err := spoolFile.Stat(); err != nil || info.Size() == 0 {
				t.Errorf("MergeStream kept its fragments in memory though it had a spool")
			}
		}
		for i, n := range loads {
			if n != 1 {
				t.Errorf("input %d loaded %d times, want once", i, n)
			}
		}
		if !bytes.Equal(gotJSON.Bytes(), wantJSON) {
			t.Errorf("MergeStream JSON (digests through JSON: %v) differs from Merge's:\n%s", trip, firstByteDifference(gotJSON.Bytes(), wantJSON))
		}
		if !bytes.Equal(gotYAML.Bytes(), wantYAML) {
			t.Errorf("MergeStream YAML (digests through JSON: %v) differs from Merge's:\n%s", trip, firstByteDifference(gotYAML.Bytes(), wantYAML))
		}
		if !reflect.DeepEqual(got, report) {
			t.Errorf("MergeStream report differs:\n got %+v\nwant %+v", got, report)
		}
	}
}

// partsOf splits a document as a caller of MergeStream may give it: three
// parts, each with all of the document but its paths, the paths dealt
// round-robin in sorted order, so that no part holds a run of them.
func partsOf(doc *openapi3.T) []*openapi3.T {
	if doc.Paths == nil {
		return []*openapi3.T{doc}
	}
	parts := make([]*openapi3.T, 3)
	for i := range parts {
		p := *doc
		p.Paths = openapi3.NewPaths()
		p.Paths.Extensions = doc.Paths.Extensions
		parts[i] = &p
	}
	m := doc.Paths.Map()
	for i, template := range orderedKeys(m) {
		parts[i%len(parts)].Paths.Set(template, m[template])
	}
	return parts
}

func firstByteDifference(got, want []byte) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	from := max(0, i-200)
	return "at byte " + itoa(i) + "\n--- got ---\n" + string(got[from:min(len(got), i+200)]) + "\n--- want ---\n" + string(want[from:min(len(want), i+200)])
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }
