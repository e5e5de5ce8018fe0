package xanotest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
)

var testClient = &http.Client{Timeout: 10 * time.Second}

type reply struct {
	status int
	header http.Header
	body   []byte
}

// get fetches url over real HTTP, with a bearer token when given and any
// extra "Name: value" headers.
func get(t testing.TB, url, token string, headers ...string) reply {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Set(k, v)
	}
	resp, err := testClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: read body: %v", url, err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: body}
}

func decode[T any](t testing.TB, r reply) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("decode %d body %.200q: %v", r.status, r.body, err)
	}
	return v
}

// xanoErr is Xano's error body.
type xanoErr struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Payload any    `json:"payload"`
}

func wantXanoError(t testing.TB, r reply, status int, code string) xanoErr {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d (body %.200s)", r.status, status, r.body)
	}
	var e map[string]any
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("error body is not JSON: %.200q", r.body)
	}
	for _, k := range []string{"code", "message", "payload"} {
		if _, ok := e[k]; !ok {
			t.Fatalf("error body lacks %q: %s", k, r.body)
		}
	}
	x := decode[xanoErr](t, r)
	if x.Code != code {
		t.Fatalf("error code %q, want %q", x.Code, code)
	}
	return x
}

// validate repairs Xano's documented defects, converts Swagger 2.0, then
// loads and validates with kin-openapi, the way a lenient loader does.
func validate(ctx context.Context, body []byte) error {
	var raw map[string]any
	if err := json.Unmarshal(body, &raw); err != nil {
		return err
	}
	repair(raw)
	fixed, err := json.Marshal(raw)
	if err != nil {
		return err
	}
	if raw["swagger"] == "2.0" {
		var v2 openapi2.T
		if err := json.Unmarshal(fixed, &v2); err != nil {
			return err
		}
		v3, err := openapi2conv.ToV3(&v2)
		if err != nil {
			return err
		}
		if fixed, err = json.Marshal(v3); err != nil {
			return err
		}
	}
	doc, err := openapi3.NewLoader().LoadFromData(fixed)
	if err != nil {
		return err
	}
	return doc.Validate(ctx)
}

var numericKeywords = map[string]bool{"minItems": true, "maxItems": true, "minLength": true, "maxLength": true,
	"minimum": true, "maximum": true, "minProperties": true, "maxProperties": true, "multipleOf": true}

// repair fixes, in place, only what Xano gets wrong without changing the
// contract.
func repair(v any) {
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			repair(e)
		}
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); ok && numericKeywords[k] {
				if n, err := strconv.ParseFloat(s, 64); err == nil {
					v[k] = n
				}
			}
		}
		_, isParam := v["in"]
		if _, ok := v["required"].(bool); ok && !isParam {
			delete(v, "required")
		}
		if isParam && v["in"] == "path" {
			v["required"] = true
		}
		if def, ok := v["default"].(string); ok {
			switch v["type"] {
			case "boolean":
				if b, err := strconv.ParseBool(def); err == nil {
					v["default"] = b
				} else {
					delete(v, "default")
				}
			case "integer", "number":
				if n, err := strconv.ParseFloat(def, 64); err == nil {
					v["default"] = n
				} else {
					delete(v, "default")
				}
			}
		}
		for _, x := range v {
			repair(x)
		}
	}
}
