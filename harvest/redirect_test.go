package harvest

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// authRecorder remembers the Authorization header of each request by path.
type authRecorder struct {
	mu   sync.Mutex
	seen map[string]string
}

func (a *authRecorder) record(r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.seen[r.URL.Path] = r.Header.Get("Authorization")
}

func (a *authRecorder) get(path string) (string, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	v, ok := a.seen[path]
	return v, ok
}

func TestRedirectDropsAuthorizationToAnotherHost(t *testing.T) {
	rec := &authRecorder{seen: map[string]string{}}
	// Both servers listen on 127.0.0.1, so net/http alone (which compares
	// host names, not ports) would forward the header.
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.record(r)
		w.Write([]byte(`{}`))
	}))
	defer other.Close()
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.record(r)
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, other.URL+"/landed", http.StatusFound)
		case "/here":
			http.Redirect(w, r, "/landed-here", http.StatusFound)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		default:
			w.Write([]byte(`{}`))
		}
	}))
	defer origin.Close()
	h := newHTTPFetcher(nil, 5*time.Second, 1<<20)
	auth := http.Header{"Authorization": {"Bearer secret-token"}}

	if _, err := h.fetch(context.Background(), &request{URL: origin.URL + "/away", Header: auth}); err != nil {
		t.Fatal(err)
	}
	if got, ok := rec.get("/landed"); !ok || got != "" {
		t.Fatalf("the other host received Authorization %q (reached: %v)", got, ok)
	}
	if got, _ := rec.get("/away"); got != "Bearer secret-token" {
		t.Fatalf("the first request lacked its credential: %q", got)
	}
	// Why the policy exists: net/http on its own forwards the header to
	// the same host name on another port.
	plain, _ := http.NewRequest(http.MethodGet, origin.URL+"/away", nil)
	plain.Header.Set("Authorization", "Bearer plain")
	if resp, err := http.DefaultClient.Do(plain); err == nil {
		resp.Body.Close()
	}
	if got, _ := rec.get("/landed"); got != "Bearer plain" {
		t.Logf("net/http no longer forwards Authorization across ports (got %q); checkRedirect stays as a guard", got)
	}

	if _, err := h.fetch(context.Background(), &request{URL: origin.URL + "/here", Header: auth}); err != nil {
		t.Fatal(err)
	}
	if got, _ := rec.get("/landed-here"); got != "Bearer secret-token" {
		t.Fatalf("a redirect on the same host should keep the credential, got %q", got)
	}

	_, err := h.fetch(context.Background(), &request{URL: origin.URL + "/loop"})
	if !errors.Is(err, ErrTooManyRedirects) {
		t.Fatalf("want ErrTooManyRedirects, got %v", err)
	}
}
