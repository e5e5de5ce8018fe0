package output

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// readBundle unpacks a tar.gz into a map of name to content.
func readBundle(t *testing.T, r io.Reader) map[string][]byte {
	t.Helper()
	gz, err := gzip.NewReader(r)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	out := map[string][]byte{}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, dup := out[hdr.Name]; dup {
			t.Fatalf("entry %s twice", hdr.Name)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out[hdr.Name] = data
	}
	return out
}

func TestExportRoundTrip(t *testing.T) {
	ctx := context.Background()
	st := newTestStore(t)
	jsonDoc := specDoc("books", 1)
	yamlDoc := []byte("openapi: 3.0.0\ninfo:\n  title: yaml\n  version: '1'\npaths: {}\n")
	w, _ := st.NewSnapshot(ctx, t0)
	m := &Manifest{Finished: t0.Add(time.Minute)}
	for key, doc := range map[string][]byte{"prod/main/books/public-api": jsonDoc, "local/specs/petstore": yamlDoc} {
		sha, size, _ := st.PutBlobBytes(ctx, doc)
		m.Specs = append(m.Specs, SpecEntry{Key: key, Status: StatusOK, SHA256: sha, Bytes: size, Valid: true})
	}
	m.Specs = append(m.Specs, SpecEntry{Key: "prod/down/x/y", Status: StatusFailed, Error: "503"})
	w.WriteFile(ctx, "merged.json", []byte(`{"merged":true}`))
	w.WriteFile(ctx, "CHANGES.md", []byte("# Changes\n"))
	if err := w.Commit(ctx, m); err != nil {
		t.Fatal(err)
	}

	out := filepath.Join(t.TempDir(), "bundle.tar.gz")
	if err := st.ExportFile(ctx, w.ID(), out); err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(out)
	defer f.Close()
	got := readBundle(t, f)
	var names []string
	for n := range got {
		names = append(names, n)
	}
	sort.Strings(names)
	want := []string{"CHANGES.md", "manifest.json", "merged.json", "specs/local/specs/petstore.yaml", "specs/prod/main/books/public-api.json"}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Fatalf("bundle holds %v, want %v", names, want)
	}
	raw, _ := st.ReadSnapshotFile(ctx, w.ID(), "manifest.json")
	if !bytes.Equal(got["manifest.json"], raw) || !bytes.Equal(got["specs/prod/main/books/public-api.json"], jsonDoc) ||
		!bytes.Equal(got["specs/local/specs/petstore.yaml"], yamlDoc) || string(got["CHANGES.md"]) != "# Changes\n" {
		t.Fatal("bundle content differs from the store")
	}

	// Deterministic: two exports of one snapshot are identical.
	var a, b bytes.Buffer
	st.Export(ctx, w.ID(), &a)
	st.Export(ctx, w.ID(), &b)
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("two exports of one snapshot differ")
	}
}

func TestExportRefusesHostileKeysAndCorruptBlobs(t *testing.T) {
	ctx := context.Background()
	for name, damage := range map[string]func(st *Store, m *Manifest){
		"dotdot key": func(st *Store, m *Manifest) {
			rewriteManifestStore(t, st, m.ID, "prod/a/b/c", "../../../etc/passwd")
		},
		"absolute key": func(st *Store, m *Manifest) {
			rewriteManifestStore(t, st, m.ID, "prod/a/b/c", "/etc/passwd")
		},
		"backslash key": func(st *Store, m *Manifest) {
			rewriteManifestStore(t, st, m.ID, "prod/a/b/c", `..\\..\\x`)
		},
		"NUL in key": func(st *Store, m *Manifest) {
			rewriteManifestStore(t, st, m.ID, "prod/a/b/c", `prod/a\u0000/c`)
		},
		"empty segment": func(st *Store, m *Manifest) {
			rewriteManifestStore(t, st, m.ID, "prod/a/b/c", "prod//c")
		},
		"corrupt blob": func(st *Store, m *Manifest) {
			p, _ := st.BlobPath(m.Specs[0].SHA256)
			os.WriteFile(p, bytes.ToUpper(specDoc("prod/a/b/c", 1)), 0o644)
		},
	} {
		t.Run(name, func(t *testing.T) {
			st := newTestStore(t)
			m := commitSnapshot(t, st, t0, 1, "prod/a/b/c")
			damage(st, m)
			outDir := t.TempDir()
			out := filepath.Join(outDir, "bundle.tar.gz")
			err := st.ExportFile(ctx, m.ID, out)
			if err == nil {
				t.Fatal("export succeeded")
			}
			if name == "corrupt blob" && !errors.Is(err, ErrDamagedBlob) {
				t.Errorf("a damaged blob is not reported as ErrDamagedBlob: %v", err)
			}
			entries, _ := os.ReadDir(outDir)
			if len(entries) != 0 {
				t.Fatalf("a failed export left %d files behind", len(entries))
			}
		})
	}
	st := newTestStore(t)
	commitSnapshot(t, st, t0, 1, "prod/a/b/c")
	for _, id := range []string{"../../etc", "latest", ""} {
		if err := st.Export(ctx, id, io.Discard); err == nil {
			t.Errorf("Export(%q) succeeded", id)
		}
	}
}

func rewriteManifestStore(t *testing.T, st *Store, id, from, to string) {
	t.Helper()
	rewriteManifest(t, st, id, func(s string) string { return strings.ReplaceAll(s, `"`+from+`"`, `"`+to+`"`) })
}
