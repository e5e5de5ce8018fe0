package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// receiver is a webhook endpoint on loopback that records what it got.
type receiver struct {
	mu       sync.Mutex
	bodies   [][]byte
	headers  []http.Header
	attempts atomic.Int32
}

func (r *receiver) record(req *http.Request) []byte {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.bodies = append(r.bodies, body)
	r.headers = append(r.headers, req.Header.Clone())
	return body
}

func breakingSummary() RunSummary {
	return RunSummary{
		Snapshot: "20261127T020000Z", Previous: "20261126T020000Z",
		Started: time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC), Finished: time.Date(2026, 11, 27, 2, 3, 0, 0, time.UTC),
		ExitCode: 4, Groups: 12, OK: 11, Failed: 1, Operations: 300,
		GroupsChanged: 2, Breaking: 3, NonBreaking: 5,
		BreakingGroups: []string{"prod/main/books/public", "prod/main/books/<admin>"},
		FailedGroups:   []string{"prod/edge/shop/legacy"},
		Page:           "api-catalog/snapshots/20261127T020000Z/index.html",
	}
}

func TestNotifyPostsTheSummary(t *testing.T) {
	var got receiver
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.attempts.Add(1)
		got.record(r)
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()

	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	hooks := []Webhook{
		{URL: srv.URL + "/services/T000/B000/SECRETPATH?token=SECRETQUERY", Headers: map[string]string{"Authorization": "Bearer SECRETHEADER"}},
		{URL: srv.URL + "/changes-only", On: []string{NotifyChanges}},
		{URL: srv.URL + "/never", On: []string{"nothing-raises-this"}},
	}
	s := breakingSummary()
	if errs := Notify(context.Background(), logger, hooks, s); len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	if n := got.attempts.Load(); n != 2 {
		t.Fatalf("the receiver got %d requests, want 2 (the third hook's event was not raised)", n)
	}
	got.mu.Lock()
	defer got.mu.Unlock()
	for i, body := range got.bodies {
		var p struct {
			Text    string     `json:"text"`
			Events  []string   `json:"events"`
			Summary RunSummary `json:"summary"`
		}
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatalf("body %d is not JSON: %v", i, err)
		}
		if !strings.Contains(p.Text, "3 breaking changes in 2 API groups") || !strings.Contains(p.Text, "20261127T020000Z") {
			t.Errorf("text does not say what broke: %q", p.Text)
		}
		if strings.Contains(p.Text, "<admin>") || !strings.Contains(p.Text, "&lt;admin&gt;") {
			t.Errorf("text is not escaped for Slack: %q", p.Text)
		}
		if p.Summary.Breaking != 3 || p.Summary.Snapshot != s.Snapshot || len(p.Summary.BreakingGroups) != 2 {
			t.Errorf("summary: %+v", p.Summary)
		}
		if strings.Contains(string(body), "SECRET") {
			t.Errorf("the payload carries a secret: %s", body)
		}
		if len(p.Events) == 0 {
			t.Error("the payload names no event")
		}
	}
	if got.headers[0].Get("Authorization") != "Bearer SECRETHEADER" && got.headers[1].Get("Authorization") != "Bearer SECRETHEADER" {
		t.Error("the configured header was not sent")
	}
	if strings.Contains(logs.String(), "SECRET") {
		t.Errorf("the log shows a secret:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "webhook sent") {
		t.Errorf("deliveries are not logged:\n%s", logs.String())
	}
}

func TestNotifyEvents(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    RunSummary
		on   []string
		want bool
	}{
		{"quiet night, default hook", RunSummary{ExitCode: 0, Groups: 3, OK: 3}, nil, false},
		{"breaking, default hook", RunSummary{ExitCode: 4, Breaking: 1}, nil, true},
		{"run failed, default hook", RunSummary{ExitCode: 1, Error: "crawl: deadline"}, nil, true},
		{"partial, default hook", RunSummary{ExitCode: 3, Failed: 2}, nil, true},
		{"non-breaking change, default hook", RunSummary{GroupsChanged: 1, NonBreaking: 2}, nil, false},
		{"non-breaking change, changes hook", RunSummary{GroupsChanged: 1, NonBreaking: 2}, []string{NotifyChanges}, true},
		{"quiet night, always hook", RunSummary{}, []string{NotifyAlways}, true},
		{"failure, breaking-only hook", RunSummary{ExitCode: 1}, []string{NotifyBreaking}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var hits atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
			defer srv.Close()
			errs := Notify(context.Background(), nil, []Webhook{{URL: srv.URL, On: tc.on}}, tc.s)
			if len(errs) != 0 {
				t.Fatal(errs)
			}
			if sent := hits.Load() > 0; sent != tc.want {
				t.Errorf("sent = %v, want %v", sent, tc.want)
			}
		})
	}
}

// closedURL is a loopback address nobody listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr + "/hook?token=SECRETQUERY"
}

func TestNotifyReceiverDown(t *testing.T) {
	var logs bytes.Buffer
	start := time.Now()
	errs := Notify(context.Background(), slog.New(slog.NewTextHandler(&logs, nil)), []Webhook{{URL: closedURL(t), Timeout: 5 * time.Second}}, breakingSummary())
	took := time.Since(start)
	if len(errs) != 1 {
		t.Fatalf("a receiver that is down must give one error, got %v", errs)
	}
	if strings.Contains(errs[0].Error(), "SECRET") || strings.Contains(logs.String(), "SECRET") {
		t.Errorf("the error or log repeats the URL's secret: %v\n%s", errs[0], logs.String())
	}
	if !strings.Contains(errs[0].Error(), "refused") {
		t.Errorf("the error does not say the connection was refused: %v", errs[0])
	}
	// Three attempts with 250 ms and 500 ms between them.
	if took < 700*time.Millisecond || took > 4*time.Second {
		t.Errorf("a refused connection was tried for %v; want a few quick retries", took)
	}
}

func TestNotifyReceiverHangs(t *testing.T) {
	release := make(chan struct{})
	var attempts atomic.Int32
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		attempts.Add(1)
		io.Copy(io.Discard, r.Body)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer hang.Close()
	defer close(release)
	var ok atomic.Int32
	good := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { ok.Add(1) }))
	defer good.Close()

	start := time.Now()
	errs := Notify(context.Background(), nil, []Webhook{
		{URL: hang.URL, Timeout: 400 * time.Millisecond},
		{URL: good.URL},
	}, breakingSummary())
	took := time.Since(start)
	if took > 2*time.Second {
		t.Errorf("a hanging receiver held Notify for %v; its timeout is 400ms", took)
	}
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "webhook 1") {
		t.Errorf("want one error for the hanging hook, got %v", errs)
	}
	if ok.Load() != 1 {
		t.Error("a hanging receiver kept the other hook from being sent")
	}
	if attempts.Load() != 1 {
		t.Errorf("the hanging receiver got %d requests; the timeout covers the whole delivery", attempts.Load())
	}
}

func TestNotifyRetriesServerErrorsNotClientErrors(t *testing.T) {
	var flaky, rejecting atomic.Int32
	flakySrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if flaky.Add(1) < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer flakySrv.Close()
	rejectSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rejecting.Add(1)
		w.WriteHeader(http.StatusForbidden)
	}))
	defer rejectSrv.Close()
	redirectSrv := httptest.NewServer(http.RedirectHandler(flakySrv.URL, http.StatusFound))
	defer redirectSrv.Close()

	errs := Notify(context.Background(), nil, []Webhook{{URL: flakySrv.URL}, {URL: rejectSrv.URL}}, breakingSummary())
	if flaky.Load() != 3 {
		t.Errorf("a receiver answering 503 twice was tried %d times, want 3", flaky.Load())
	}
	if rejecting.Load() != 1 {
		t.Errorf("a receiver answering 403 was tried %d times, want 1", rejecting.Load())
	}
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "403") {
		t.Errorf("want only the 403 to fail, got %v", errs)
	}
	before := flaky.Load()
	errs = Notify(context.Background(), nil, []Webhook{{URL: redirectSrv.URL}}, breakingSummary())
	if len(errs) != 1 || flaky.Load() != before {
		t.Errorf("a redirect must not be followed (it would turn the POST into a GET): %v", errs)
	}
}

func TestNotifyRefusesNonHTTPURLs(t *testing.T) {
	errs := Notify(context.Background(), nil, []Webhook{{URL: "file:///etc/passwd"}, {URL: "hooks.example.com/x?token=SECRET"}}, breakingSummary())
	if len(errs) != 2 {
		t.Fatalf("want two errors, got %v", errs)
	}
	for _, err := range errs {
		if !strings.Contains(err.Error(), "http or https") || strings.Contains(err.Error(), "SECRET") {
			t.Errorf("error %q", err)
		}
	}
}

func TestNotifyRespectsTheCallersContext(t *testing.T) {
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The server notices a client that gave up only once the body is read.
		io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
	}))
	defer hang.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	errs := Notify(ctx, nil, []Webhook{{URL: hang.URL}}, breakingSummary())
	if time.Since(start) > 2*time.Second || len(errs) != 1 {
		t.Errorf("Notify outlived its context: %v, %v", time.Since(start), errs)
	}
}
