package harvest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
)

// ReadDocument reads one document for the validate, merge and diff
// commands: arg is a local path or an http(s) URL. A URL goes through the
// same client stack as a crawl (timeouts, retries, redirect policy, body
// cap); a file is read up to the same cap. name is how to refer to the
// document in output: the path as given, or the URL with its secrets
// removed.
func ReadDocument(ctx context.Context, arg string, opts Options) (body []byte, name string, err error) {
	opts = opts.withDefaults()
	if isHTTPURL(arg) {
		name = RedactURL(arg)
		ctx, cancel := context.WithTimeout(ctx, opts.Deadline)
		defer cancel()
		resp, err := newStack(stackConfig{Options: opts}).fetch(ctx, &request{URL: arg})
		if err != nil {
			return nil, name, err
		}
		return resp.Body, name, nil
	}
	body, err = readFileCapped(arg, opts.MaxSpecBytes)
	return body, arg, err
}

func isHTTPURL(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// readRegularFile reads real (a path resolveInside approved) and reports
// errors under the name shown to the user. It opens without following a
// final link and without blocking, then checks the open file itself, so a
// file swapped for a FIFO or a link after the walk is refused, not read.
func readRegularFile(real, shown string, limit int64) ([]byte, error) {
	f, err := openRegular(real)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", shown, err)
	}
	defer f.Close()
	body, err := readCapped(f, limit)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", shown, err)
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("read %s: %w of %d bytes", shown, ErrBodyTooLarge, limit)
	}
	return body, nil
}

// readCapped reads at most limit+1 bytes of f, into a buffer sized from
// the file's size: io.ReadAll grows its buffer by doubling, clearing each
// new one, which cost an unchanged night more than reading the files.
func readCapped(f *os.File, limit int64) ([]byte, error) {
	var b bytes.Buffer
	if info, err := f.Stat(); err == nil && info.Mode().IsRegular() && info.Size() <= limit {
		// bytes.Buffer reads in steps of at least bytes.MinRead.
		b.Grow(int(info.Size()) + bytes.MinRead)
	}
	_, err := b.ReadFrom(io.LimitReader(f, limit+1))
	return b.Bytes(), err
}

// readFileCapped reads a local document, refusing one over the cap
// without reading it all.
func readFileCapped(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	body, err := readCapped(f, limit)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("read %s: %w of %d bytes", path, ErrBodyTooLarge, limit)
	}
	return body, nil
}
