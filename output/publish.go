package output

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"path"
	"sort"
	"strings"
)

// PublishedListing is the object, at the root of a publishing prefix,
// that names every file the last publish wrote there. The next publish
// removes the files it names and no longer writes (a group that went
// away, a renamed report), and never touches anything else under the
// prefix: objects the site keeps beside the catalog are not ours.
const PublishedListing = "specharvest-published.json"

type publishedListing struct {
	Snapshot string   `json:"snapshot"`
	Files    []string `json:"files"`
}

// PublishSnapshot uploads the bundle of snapshot id (manifest, documents
// under specs/, reports with the catalog page and indexes) file by file to
// dst, a bucket prefix a static website or CDN serves, each with its
// content type. Files are replaced in place; the page links only files of
// the bundle, so the published prefix works on its own. Then the files an
// earlier publish wrote that this one did not are removed, and the
// listing is rewritten last, so a publish cut short is finished by the
// next one. It returns how many files it wrote and how many it removed.
func PublishSnapshot(ctx context.Context, st *Store, id string, dst *S3Backend) (written, removed int, err error) {
	before, err := readPublishedListing(ctx, dst)
	if err != nil {
		return 0, 0, err
	}
	now := map[string]bool{}
	err = st.ExportEach(ctx, id, func(name string, size int64, body io.Reader) error {
		if name == PublishedListing {
			return fmt.Errorf("publish: the bundle has a file named %s, which the publishing prefix keeps for itself", name)
		}
		if err := dst.Publish(ctx, name, body, size, contentTypeOf(name)); err != nil {
			return err
		}
		now[name] = true
		written++
		return nil
	})
	if err != nil {
		return written, 0, err
	}
	for _, name := range before.Files {
		if now[name] || ValidateObjectKey(name) != nil {
			continue
		}
		if err := dst.Delete(ctx, name); err != nil {
			return written, removed, fmt.Errorf("publish: remove %s, which snapshot %s no longer has: %w", name, id, err)
		}
		removed++
	}
	after := publishedListing{Snapshot: id, Files: make([]string, 0, len(now))}
	for name := range now {
		after.Files = append(after.Files, name)
	}
	sort.Strings(after.Files)
	data, err := json.MarshalIndent(after, "", "  ")
	if err != nil {
		return written, removed, err
	}
	if err := dst.Publish(ctx, PublishedListing, strings.NewReader(string(data)+"\n"), int64(len(data)+1), "application/json"); err != nil {
		return written, removed, err
	}
	return written, removed, nil
}

// readPublishedListing reads what the last publish wrote; an empty
// listing when nothing was published here yet. A listing that cannot be
// read stops the publish: without it, the files to remove are unknown.
func readPublishedListing(ctx context.Context, dst *S3Backend) (publishedListing, error) {
	var l publishedListing
	data, _, err := dst.Load(ctx, PublishedListing)
	if errors.Is(err, ErrObjectNotFound) {
		return l, nil
	}
	if err != nil {
		return l, fmt.Errorf("publish: read %s: %w", PublishedListing, err)
	}
	if err := json.Unmarshal(data, &l); err != nil {
		return l, fmt.Errorf("publish: %s under the publishing prefix is not a listing this tool wrote: %w", PublishedListing, err)
	}
	return l, nil
}

func contentTypeOf(name string) string {
	switch path.Ext(name) {
	case ".json":
		return "application/json"
	case ".yaml", ".yml":
		return "application/yaml"
	case ".md":
		return "text/markdown; charset=utf-8"
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}
