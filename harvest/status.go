package harvest

import (
	"bytes"
	"context"
	"net/http"
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
	if resp.Status >= 200 && resp.Status < 300 || resp.Status == http.StatusNotModified {
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
