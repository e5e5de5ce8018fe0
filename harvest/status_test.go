package harvest

import (
	"context"
	"errors"
	"net/http"
	"testing"
)

func TestStatusCheck(t *testing.T) {
	cases := []struct {
		name   string
		resp   *response
		status int   // of the FetchError; 0: no error
		is     error // what the error wraps, if anything
	}{
		{"document", &response{Status: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{}`)}, 0, nil},
		{"not modified", &response{Status: 304, Header: http.Header{}}, 0, nil},
		{"not found", &response{Status: 404, Header: http.Header{}, Body: []byte(`{"code":"ERROR_CODE_NOT_FOUND"}`)}, 404, nil},
		{"access denied", &response{Status: 500, Header: http.Header{}, Body: []byte(`{"message":"Access Denied."}`)}, 500, ErrAccessDenied},
		{"plain 500", &response{Status: 500, Header: http.Header{}, Body: []byte(`{"message":"Unexpected error"}`)}, 500, nil},
		{"html by type", &response{Status: 200, Header: http.Header{"Content-Type": {"text/html; charset=utf-8"}}, Body: []byte(`x`)}, 200, ErrHTMLPage},
		{"html by content", &response{Status: 200, Header: http.Header{}, Body: []byte("\n  <!DOCTYPE html><html></html>")}, 200, ErrHTMLPage},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			next := fetcherFunc(func(ctx context.Context, req *request) (*response, error) { return c.resp, nil })
			resp, err := statusCheck{next: next}.fetch(context.Background(), &request{URL: "https://h/doc?token=t0ps3cret"})
			if c.status == 0 {
				if err != nil || resp != c.resp {
					t.Fatalf("want the response through, got %v", err)
				}
				return
			}
			var fe *FetchError
			if !errors.As(err, &fe) || fe.Status != c.status || fe.URL != "https://h/doc?token=REDACTED" {
				t.Fatalf("want a FetchError with status %d and a redacted URL, got %v", c.status, err)
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Fatalf("want %v inside, got %v", c.is, err)
			}
			if c.is == nil && fe.Err != nil {
				t.Fatalf("unexpected cause %v", fe.Err)
			}
		})
	}
}

func TestFetchErrorMessage(t *testing.T) {
	err := withOp(&FetchError{URL: "https://x/api:meta/workspace", Status: 503}, `workspaces of instance "prod"`)
	if got, want := err.Error(), `fetch workspaces of instance "prod" from https://x/api:meta/workspace: 503 Service Unavailable`; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
