package output

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/specharvest/specharvest/internal/sniff"
)

// Export writes snapshot id as one portable tar.gz: manifest.json, every
// stored document under specs/<key>.json (or .yaml when the document is
// not JSON), and every report of the snapshot, for a CI artifact or an
// archive. Every key is checked before anything is written, so a hostile
// manifest cannot put an entry outside the bundle; every document is
// re-hashed on the way out, so a corrupt blob fails the export rather
// than travel on.
func (s *Store) Export(ctx context.Context, id string, w io.Writer) error {
	m, err := s.Manifest(ctx, id)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	// A fixed time makes two exports of one snapshot byte-identical.
	mtime := m.Finished
	if mtime.IsZero() {
		mtime = m.Started
	}
	mtime = mtime.UTC().Truncate(time.Second)

	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	put := func(name string, size int64, body io.Reader) error {
		hdr := &tar.Header{Typeflag: tar.TypeReg, Name: name, Size: size, Mode: 0o644, ModTime: mtime, Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("export %s: %s: %w", id, name, err)
		}
		if _, err := io.Copy(tw, contextReader{ctx: ctx, r: body}); err != nil {
			return fmt.Errorf("export %s: %s: %w", id, name, err)
		}
		return nil
	}
	if err := s.ExportEach(ctx, id, put); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("export %s: %w", id, err)
	}
	if err := gz.Close(); err != nil {
		return fmt.Errorf("export %s: %w", id, err)
	}
	return nil
}

// ExportEach hands every file of snapshot id's bundle to put, in the
// bundle's order: what Export archives and PublishSnapshot uploads.
func (s *Store) ExportEach(ctx context.Context, id string, put func(name string, size int64, body io.Reader) error) error {
	m, err := s.Manifest(ctx, id)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	for _, e := range m.Specs {
		if err := ValidateKey(e.Key); err != nil {
			return fmt.Errorf("export %s: %w", id, err)
		}
	}
	rawManifest, err := s.ReadSnapshotFile(ctx, id, manifestName)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	reports, err := s.SnapshotFiles(ctx, id)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if err := put(manifestName, int64(len(rawManifest)), bytes.NewReader(rawManifest)); err != nil {
		return err
	}
	exported := make(map[string]string, len(m.Specs))
	bySHA := make(map[string]string, len(m.Specs))
	for _, e := range m.Specs {
		if !e.HasBlob() {
			continue
		}
		name, err := s.exportBlob(ctx, id, e, put)
		if err != nil {
			return err
		}
		exported[e.Key] = name
		bySHA[e.SHA256] = name
	}
	// The change explorer and history link the references of documents
	// this snapshot no longer holds (the before side of a change, a
	// group's last document): the bundle carries those too, by address.
	for _, name := range reports {
		if !strings.HasSuffix(name, ".html") || name == ReferenceHTML {
			continue
		}
		data, err := s.ReadSnapshotFile(ctx, id, name)
		if err != nil {
			return fmt.Errorf("export %s: %w", id, err)
		}
		for _, m := range referencedSHA.FindAllSubmatch(data, -1) {
			sha := string(m[1])
			if _, done := bySHA[sha]; done {
				continue
			}
			if !s.hasBlob(ctx, sha) {
				continue // pruned: the page says the bundle lacks it
			}
			name, err := s.exportBlobAs(ctx, id, SpecEntry{Key: sha, SHA256: sha}, "specs/sha256/"+sha, put)
			if err != nil {
				return err
			}
			bySHA[sha] = name
		}
	}
	relinked, err := s.relinkedCatalogReports(ctx, id, reports, exported)
	if err != nil {
		return err
	}
	if slices.Contains(reports, ReferenceHTML) {
		// The reference page fetches documents by content address; in the
		// bundle they are the specs/ copies.
		page, err := referencePage(bySHA)
		if err != nil {
			return fmt.Errorf("export %s: %w", id, err)
		}
		if relinked == nil {
			relinked = map[string][]byte{}
		}
		relinked[ReferenceHTML] = page
	}
	for _, name := range reports {
		if data, ok := relinked[name]; ok {
			if err := put(name, int64(len(data)), bytes.NewReader(data)); err != nil {
				return err
			}
			continue
		}
		data, err := s.ReadSnapshotFile(ctx, id, name)
		if err != nil {
			return fmt.Errorf("export %s: %w", id, err)
		}
		if err := put(name, int64(len(data)), bytes.NewReader(data)); err != nil {
			return err
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// relinkedCatalogReports re-renders the catalog reports of snapshot id so
// that they link the bundle's own specs/ copies: in the store they link the
// blobs two folders up, which a bundle does not have. A snapshot without a
// catalog gets none.
func (s *Store) relinkedCatalogReports(ctx context.Context, id string, reports []string, exported map[string]string) (map[string][]byte, error) {
	if !slices.Contains(reports, CatalogFile) {
		return nil, nil
	}
	data, err := s.ReadSnapshotFile(ctx, id, CatalogFile)
	if err != nil {
		return nil, fmt.Errorf("export %s: %w", id, err)
	}
	var c Catalog
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("export %s: read %s: %w", id, CatalogFile, err)
	}
	bundle := c.Relinked(func(g CatalogGroup) string { return exported[g.Key] })
	out := map[string][]byte{}
	for name, render := range map[string]func(io.Writer) error{
		CatalogFile:    func(w io.Writer) error { return WriteCatalogJSON(w, bundle) },
		APICatalogFile: func(w io.Writer) error { return WriteAPICatalog(w, bundle, "") },
		CatalogHTML:    func(w io.Writer) error { return WriteCatalogHTML(w, bundle) },
	} {
		if !slices.Contains(reports, name) {
			continue
		}
		var b bytes.Buffer
		if err := render(&b); err != nil {
			return nil, fmt.Errorf("export %s: render %s: %w", id, name, err)
		}
		out[name] = b.Bytes()
	}
	return out, nil
}

// exportBlob writes one document into the bundle and returns its name there.
func (s *Store) exportBlob(ctx context.Context, id string, e SpecEntry, put func(string, int64, io.Reader) error) (string, error) {
	return s.exportBlobAs(ctx, id, e, "specs/"+e.Key, put)
}

// referencedSHA finds the documents a page opens in the reference page.
var referencedSHA = regexp.MustCompile(`reference\.html#spec=([0-9a-f]{64})`)

// hasBlob tells whether blob sha is in the store.
func (s *Store) hasBlob(ctx context.Context, sha string) bool {
	f, _, err := s.openBlob(ctx, sha)
	if err != nil {
		return false
	}
	f.Close()
	return true
}

// exportBlobAs writes one document into the bundle as base plus .json or
// .yaml and returns its name there.
func (s *Store) exportBlobAs(ctx context.Context, id string, e SpecEntry, base string, put func(string, int64, io.Reader) error) (string, error) {
	if !validSHA(e.SHA256) {
		return "", fmt.Errorf("export %s: spec %q: invalid sha256 %q", id, e.Key, e.SHA256)
	}
	f, size, err := s.openBlob(ctx, e.SHA256)
	if err != nil {
		return "", fmt.Errorf("export %s: spec %q: %w", id, e.Key, err)
	}
	defer f.Close()
	br := bufio.NewReader(f)
	head, _ := br.Peek(512)
	name := base + ".yaml"
	if sniff.JSON(head) {
		name = base + ".json"
	}
	h := sha256.New()
	if err := put(name, size, io.TeeReader(br, h)); err != nil {
		return "", err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != e.SHA256 {
		return "", fmt.Errorf("export %s: spec %q: blob %s: %w (its content hashes to %s); run specharvest verify", id, e.Key, e.SHA256, ErrDamagedBlob, got)
	}
	return name, nil
}

// ExportFile writes the bundle of snapshot id to path atomically: a
// failed export leaves no partial archive behind.
func (s *Store) ExportFile(ctx context.Context, id, path string) error {
	dir, name := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	return writeAtomic(ctx, dir, name, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<16)
		if err := s.Export(ctx, id, bw); err != nil {
			return err
		}
		return bw.Flush()
	})
}
