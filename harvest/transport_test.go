package harvest

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestHTTPFetcherBodyCap(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/chunked" {
			// No Content-Length: the cap must stop the read itself.
			for i := 0; i < 100; i++ {
				w.Write([]byte(strings.Repeat("y", 1000)))
				w.(http.Flusher).Flush()
			}
			return
		}
		w.Write([]byte(strings.Repeat("x", 2000)))
	}))
	defer srv.Close()
	h := newHTTPFetcher(nil, 5*time.Second, 1000)
	for _, path := range []string{"/fixed", "/chunked"} {
		_, err := h.fetch(context.Background(), &request{URL: srv.URL + path + "?token=abc"})
		if !errors.Is(err, ErrBodyTooLarge) {
			t.Fatalf("%s: want ErrBodyTooLarge, got %v", path, err)
		}
		if !strings.Contains(err.Error(), "1000 bytes") || !strings.Contains(err.Error(), srv.URL+path) || strings.Contains(err.Error(), "abc") {
			t.Fatalf("%s: error should name the URL (redacted) and the limit: %v", path, err)
		}
	}
	resp, err := newHTTPFetcher(nil, 5*time.Second, 2000).fetch(context.Background(), &request{URL: srv.URL + "/fixed"})
	if err != nil || len(resp.Body) != 2000 {
		t.Fatalf("a body of exactly the limit must pass: %v", err)
	}
}

func TestHTTPFetcherTruncatedBody(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			buf := make([]byte, 4096)
			c.Read(buf)
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nContent-Type: application/json\r\n\r\n{\"openapi\":")
			c.Close()
		}
	}()
	_, err = newHTTPFetcher(nil, 5*time.Second, 1<<20).fetch(context.Background(), &request{URL: "http://" + ln.Addr().String() + "/doc"})
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("want an unexpected-EOF error for a truncated body, got %v", err)
	}
}

func TestHTTPFetcherTimeoutHidesURL(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	start := time.Now()
	_, err := newHTTPFetcher(nil, 100*time.Millisecond, 1<<20).fetch(context.Background(), &request{URL: srv.URL + "/x?token=hush"})
	if !errors.Is(err, errTimeout) {
		t.Fatalf("want a timeout, got %v", err)
	}
	if time.Since(start) > 3*time.Second {
		t.Fatalf("the per-request timeout did not hold: %s", time.Since(start))
	}
	if strings.Contains(err.Error(), "hush") {
		t.Fatalf("error quotes the token: %v", err)
	}
}

func TestHTTPFetcherErrorBodyIgnoresCap(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte(`{"code":"ERROR_FATAL","message":"Access Denied."}` + strings.Repeat(" ", 5000)))
	}))
	defer srv.Close()
	resp, err := newHTTPFetcher(nil, 5*time.Second, 100).fetch(context.Background(), &request{URL: srv.URL})
	if err != nil || resp.Status != 500 || !isAccessDenied(resp) {
		t.Fatalf("an error body is kept in part and not capped: %v %+v", err, resp)
	}
}

func TestHTTPFetcherNetworkErrorHidesURL(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	addr := srv.URL
	srv.Close() // nothing listens there now
	_, err := newHTTPFetcher(nil, 5*time.Second, 1<<20).fetch(context.Background(), &request{URL: addr + "/doc?token=hush-hush"})
	var fe *FetchError
	if !errors.As(err, &fe) || fe.Status != 0 {
		t.Fatalf("want a FetchError without status, got %v", err)
	}
	if strings.Contains(err.Error(), "hush-hush") || !strings.Contains(err.Error(), "token=REDACTED") {
		t.Fatalf("error must name the redacted URL only: %v", err)
	}
}
