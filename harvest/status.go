package harvest

import (
	"bytes"
	"context"
	"net/http"
	"strings"
)

// statusCheck is the top of the stack: it turns every answer other than
// 2xx and 304 into a *FetchError, so callers only handle documents, a
// not-modified, or a typed error.
type statusCheck struct{ next fetcher }

func (s statusCheck) fetch(ctx context.Context, req *request) (*response, error) {
	resp, err := s.next.fetch(ctx, req)
	if err != nil {
		return nil, err
	}
	if resp.Status == http.StatusNotModified {
		return resp, nil
	}
	if resp.Status >= 200 && resp.Status < 300 {
		if looksLikeHTML(resp) {
			return nil, &FetchError{URL: RedactURL(req.URL), Status: resp.Status, Err: ErrHTMLPage}
		}
		return resp, nil
	}
	fe := &FetchError{URL: RedactURL(req.URL), Status: resp.Status}
	if isAccessDenied(resp) {
		fe.Err = ErrAccessDenied
	}
	return nil, fe
}

// isAccessDenied recognises Xano's 500 whose message is "Access Denied.":
// a plan or permission limit dressed as a server error.
func isAccessDenied(resp *response) bool {
	return resp.Status == http.StatusInternalServerError && bytes.Contains(resp.Body, []byte("Access Denied."))
}

// looksLikeHTML recognises a web page where a document or a listing was
// asked for: a captive portal, a gateway's error page, or Xano's Swagger
// UI when ?type=json is missing. None of these is ever an OpenAPI document.
func looksLikeHTML(resp *response) bool {
	if ct := strings.ToLower(resp.Header.Get("Content-Type")); strings.HasPrefix(ct, "text/html") {
		return true
	}
	head := bytes.TrimSpace(resp.Body[:min(len(resp.Body), 512)])
	head = bytes.ToLower(head[:min(len(head), 15)])
	return bytes.HasPrefix(head, []byte("<!doctype html")) || bytes.HasPrefix(head, []byte("<html"))
}
