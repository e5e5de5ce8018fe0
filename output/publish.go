package output

import (
	"context"
	"io"
	"mime"
	"path"
)

// PublishSnapshot uploads the bundle of snapshot id (manifest, documents
// under specs/, reports with the catalog page and indexes) file by file to
// dst, a bucket prefix a static website or CDN serves, each with its
// content type. Files are replaced in place; the page links only files of
// the bundle, so the published prefix works on its own. It returns how
// many files it wrote.
func PublishSnapshot(ctx context.Context, st *Store, id string, dst *S3Backend) (int, error) {
	n := 0
	err := st.ExportEach(ctx, id, func(name string, size int64, body io.Reader) error {
		if err := dst.Publish(ctx, name, body, size, contentTypeOf(name)); err != nil {
			return err
		}
		n++
		return nil
	})
	return n, err
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
