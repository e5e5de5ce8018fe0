package harvest

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestURLTail(t *testing.T) {
	cases := map[string]string{
		"https://a.example/petstore/v3/openapi.json":       "petstore/v3/openapi",
		"https://x.n7.xano.io/apispec:Wk_siX?type=json":    "apispec:Wk_siX",
		"https://a.example/openapi.yaml":                   "openapi",
		"https://a.example/":                               "",
		"https://a.example/billing/swagger.json?token=abc": "billing/swagger",
		"https://a.example/docs/api/orders.yml#frag":       "orders",
	}
	for in, want := range cases {
		if got := urlTail(in); got != want {
			t.Errorf("urlTail(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestURLSource(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/petstore/openapi.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"p1"`)
		w.Write([]byte(`{"openapi":"3.0.0"}`))
	})
	mux.HandleFunc("/billing/openapi.json", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("token") != "tok-123" {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		w.Write([]byte(`{"openapi":"3.1.0"}`))
	})
	srvA := httptest.NewServer(mux)
	defer srvA.Close()
	srvB := httptest.NewServer(mux)
	defer srvB.Close()
	src := Source{Name: "partners", Type: SourceURL, Exclude: []string{"*/*/gone*"}, URLs: []string{
		srvA.URL + "/petstore/openapi.json",
		srvB.URL + "/petstore/openapi.json", // same tail elsewhere: told apart by position
		srvA.URL + "/billing/openapi.json?token=tok-123",
		srvA.URL + "/missing/openapi.json",
		srvA.URL + "/gone/openapi.json",
	}}
	col := newCollect()
	report, err := (&Crawler{Wait: noWait}).Crawl(context.Background(), []Source{src}, col.emit)
	if err != nil {
		t.Fatal(err)
	}
	want := "partners/-/-/billing-openapi partners/-/-/missing-openapi partners/-/-/petstore-openapi-1 partners/-/-/petstore-openapi-2"
	if got := strings.Join(col.keys(), " "); got != want || report.Groups != 4 {
		t.Fatalf("keys %q, want %q (groups %d)", got, want, report.Groups)
	}
	if s := col.specs["partners/-/-/petstore-openapi-1"]; string(s.Body) != `{"openapi":"3.0.0"}` || s.ETag != `"p1"` {
		t.Fatalf("petstore: %+v", s)
	}
	b := col.specs["partners/-/-/billing-openapi"]
	if string(b.Body) != `{"openapi":"3.1.0"}` || strings.Contains(b.URL, "tok-123") || !strings.Contains(b.URL, "token=REDACTED") {
		t.Fatalf("billing: %q %q", b.Body, b.URL)
	}
	var fe *FetchError
	if m := col.specs["partners/-/-/missing-openapi"]; !errors.As(m.Err, &fe) || fe.Status != http.StatusNotFound {
		t.Fatalf("missing: want a 404 FetchError, got %v", m.Err)
	}
}
