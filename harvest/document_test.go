package harvest

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestReadDocumentFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "api.json")
	want := `{"openapi":"3.0.0"}`
	if err := os.WriteFile(path, []byte(want), 0o600); err != nil {
		t.Fatal(err)
	}
	body, name, err := ReadDocument(context.Background(), path, Options{})
	if err != nil || string(body) != want || name != path {
		t.Fatalf("got %q, %q, %v", body, name, err)
	}
	_, _, err = ReadDocument(context.Background(), path, Options{MaxSpecBytes: 5})
	if !errors.Is(err, ErrBodyTooLarge) {
		t.Fatalf("want ErrBodyTooLarge, got %v", err)
	}
	_, _, err = ReadDocument(context.Background(), filepath.Join(t.TempDir(), "missing.json"), Options{})
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("want not-exist, got %v", err)
	}
}

func TestReadDocumentURL(t *testing.T) {
	const secret = "s3cr3t-swagger-token"
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		switch r.URL.Path {
		case "/flaky":
			if n == 1 {
				w.WriteHeader(http.StatusBadGateway)
				return
			}
			w.Write([]byte(`{"openapi":"3.1.0"}`))
		case "/big":
			w.Write([]byte(strings.Repeat("x", 100)))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	opts := Options{Retries: 2, Backoff: time.Millisecond, Timeout: 5 * time.Second}

	body, name, err := ReadDocument(context.Background(), srv.URL+"/flaky?type=json&token="+secret, opts)
	if err != nil || string(body) != `{"openapi":"3.1.0"}` {
		t.Fatalf("got %q, %v", body, err)
	}
	if strings.Contains(name, secret) || !strings.Contains(name, "/flaky?type=json&token=REDACTED") {
		t.Fatalf("name not redacted as expected: %q", name)
	}

	opts.MaxSpecBytes = 10
	_, _, err = ReadDocument(context.Background(), srv.URL+"/big", opts)
	if !errors.Is(err, ErrBodyTooLarge) || !strings.Contains(err.Error(), srv.URL+"/big") || !strings.Contains(err.Error(), "10 bytes") {
		t.Fatalf("want a too-large error naming the URL and limit, got %v", err)
	}

	_, _, err = ReadDocument(context.Background(), srv.URL+"/gone?token="+secret, opts)
	var fe *FetchError
	if !errors.As(err, &fe) || fe.Status != http.StatusNotFound || strings.Contains(err.Error(), secret) {
		t.Fatalf("want a redacted 404 FetchError, got %v", err)
	}
}
