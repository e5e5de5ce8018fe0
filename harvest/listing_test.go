package harvest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

func TestDecodeListShapes(t *testing.T) {
	for _, body := range []string{
		`[{"id":1,"name":"a"},{"id":"2","name":"b"}]`,
		`{"items":[{"id":1,"name":"a"},{"id":"2","name":"b"}],"curPage":1,"nextPage":null}`,
		`{"workspaces":[{"id":1,"name":"a"},{"id":"2","name":"b"}]}`,
	} {
		var items []metaWorkspace
		next, err := decodeList([]byte(body), &items)
		if err != nil || next != 0 || len(items) != 2 || items[1].ID != "2" || items[0].ID != "1" {
			t.Fatalf("%s: %v %d %+v", body, err, next, items)
		}
	}
	var items []metaWorkspace
	if next, err := decodeList([]byte(`{"items":[],"nextPage":3}`), &items); err != nil || next != 3 {
		t.Fatalf("nextPage: %d %v", next, err)
	}
	if _, err := decodeList([]byte(`{"message":"nope"}`), &items); err == nil {
		t.Fatal("an object without items must be an error")
	}
}

// fakeMeta is one instance's Metadata API whose group listing misbehaves
// in the way a test asks.
func fakeMeta(t *testing.T, workspaces string, groups func(page int) (items []int, next string)) *httptest.Server {
	t.Helper()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer meta-token" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		p := r.URL.Path
		switch {
		case p == "/api:meta/workspace":
			fmt.Fprint(w, workspaces)
		case strings.HasSuffix(p, "/apigroup"):
			page, _ := strconv.Atoi(r.URL.Query().Get("page"))
			ids, next := groups(page)
			var items []string
			for _, id := range ids {
				items = append(items, fmt.Sprintf(`{"id":%d,"name":"Group %d"}`, id, id))
			}
			fmt.Fprintf(w, `{"curPage":%d,"nextPage":%s,"items":[%s]}`, page, next, strings.Join(items, ","))
		case strings.HasSuffix(p, "/openapi"):
			fmt.Fprint(w, `{"openapi":"3.0.0","info":{"title":"x","version":"1"},"paths":{}}`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestMetaPagingGuards(t *testing.T) {
	cases := []struct {
		name   string
		groups func(page int) ([]int, string)
		want   int // groups emitted; -1: the workspace fails
	}{
		{"three pages", func(p int) ([]int, string) {
			if p < 3 {
				return []int{2*p - 1, 2 * p}, strconv.Itoa(p + 1)
			}
			return []int{5}, "null"
		}, 5},
		{"empty page ends the listing", func(p int) ([]int, string) {
			if p == 1 {
				return []int{1}, "2"
			}
			return nil, "3"
		}, 1},
		{"nextPage does not advance", func(p int) ([]int, string) { return []int{p}, strconv.Itoa(p) }, -1},
		{"pages repeat themselves", func(p int) ([]int, string) { return []int{1, 2}, strconv.Itoa(p + 1) }, -1},
		{"pages without end", func(p int) ([]int, string) { return []int{p}, strconv.Itoa(p + 1) }, -1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := fakeMeta(t, `{"items":[{"id":7,"name":"Main"}]}`, c.groups)
			col := newCollect()
			cr := &Crawler{Wait: noWait}
			src := Source{Name: "m", Type: SourceXanoMeta, Instance: srv.URL, Token: "meta-token"}
			// The cap on pages is lowered through the source run for this test.
			report, err := crawlWithMaxPages(cr, src, col, 20)
			if err != nil {
				t.Fatal(err)
			}
			if c.want < 0 {
				if len(report.Failed) != 1 || report.Failed[0].Prefix != "m/-/main" || !errors.Is(report.Failed[0].Err, ErrPagingLoop) {
					t.Fatalf("want the workspace failed with ErrPagingLoop, got %+v", report.Failed)
				}
				if len(col.specs) != 0 {
					t.Fatalf("a listing that failed must not emit part of its groups: %v", col.keys())
				}
				return
			}
			if len(report.Failed) != 0 || len(col.specs) != c.want {
				t.Fatalf("got %d groups (want %d), failed %+v", len(col.specs), c.want, report.Failed)
			}
			if _, ok := col.specs["m/-/main/group-1"]; !ok {
				t.Fatalf("keys %v", col.keys())
			}
		})
	}
}

// crawlWithMaxPages runs one source with a lower page cap than the
// production one, which would take thousands of requests to reach.
func crawlWithMaxPages(c *Crawler, src Source, col *collect, pages int) (*CrawlReport, error) {
	opts := c.Options.withDefaults()
	cr := &crawl{c: c, opts: opts, logger: discardLogger(), emitSpec: col.emit, maxPages: pages,
		http: newStack(stackConfig{Options: opts, Wait: c.Wait})}
	run := &sourceRun{crawl: cr, src: src, result: SourceResult{Name: src.Name, Type: src.Type}}
	err := run.run(context.Background())
	return &CrawlReport{Groups: run.result.Groups, Failed: run.result.Failed, Sources: []SourceResult{run.result}}, err
}

func TestMetaWorkspaceShapes(t *testing.T) {
	one := func(p int) ([]int, string) { return []int{1}, "null" }
	for _, ws := range []string{`[{"id":7,"name":"Main"}]`, `{"items":[{"id":7,"name":"Main"}]}`, `{"workspaces":[{"id":"7","name":"Main"}]}`} {
		srv := fakeMeta(t, ws, one)
		col := newCollect()
		src := Source{Name: "m", Type: SourceXanoMeta, Instance: srv.URL + "/api:meta", Token: "meta-token"}
		report, err := (&Crawler{Wait: noWait}).Crawl(context.Background(), []Source{src}, col.emit)
		if err != nil || len(report.Failed) != 0 || len(col.specs) != 1 {
			t.Fatalf("%s: %v %+v %v", ws, err, report.Failed, col.keys())
		}
		if s := col.specs["m/-/main/group-1"]; s.Instance != strings.TrimPrefix(srv.URL, "http://") || s.Workspace != "Main" {
			t.Fatalf("%s: names %+v", ws, s)
		}
	}
}
