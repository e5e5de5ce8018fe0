package harvest

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/specharvest/specharvest/harvest/xanotest"
)

func TestCrawlStopsOnEmitError(t *testing.T) {
	fleet := xanotest.Generate(xanotest.GenOptions{Seed: 21, Instances: 2, Workspaces: 2, Groups: 10, Endpoints: 2})
	srv := xanotest.NewServer(t, xanotest.Options{Fleet: fleet, Latency: 5 * time.Millisecond})
	diskFull := errors.New("disk full")
	var calls atomic.Int32
	_, err := testCrawler(nil).Crawl(context.Background(), sources(srv), func(ctx context.Context, s Spec) error {
		if calls.Add(1) == 3 {
			return diskFull
		}
		return nil
	})
	if !errors.Is(err, diskFull) {
		t.Fatalf("want the emit error back, got %v", err)
	}
	if n := int(calls.Load()); n >= 2*len(fleet.Groups()) {
		t.Fatalf("the crawl went on after emit failed: %d calls", n)
	}
}

func TestCrawlDeadline(t *testing.T) {
	fleet := xanotest.Generate(xanotest.GenOptions{Seed: 22, Instances: 2, Workspaces: 2, Groups: 10, Endpoints: 2})
	srv := xanotest.NewServer(t, xanotest.Options{Fleet: fleet, Latency: 100 * time.Millisecond})
	c := testCrawler(nil)
	c.Options.Deadline = 350 * time.Millisecond
	var emitted atomic.Int32
	start := time.Now()
	report, err := c.Crawl(context.Background(), sources(srv), func(ctx context.Context, s Spec) error {
		if s.Err != nil {
			t.Errorf("a group was emitted with the crawl's own end as its error: %v", s.Err)
		}
		emitted.Add(1)
		return nil
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want a deadline error, got %v", err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Fatalf("the deadline did not stop the crawl promptly: %s", took)
	}
	if report == nil || len(report.Sources) != 2 {
		t.Fatalf("the report so far must come back: %+v", report)
	}
	stopped := map[string]bool{}
	for _, f := range report.Failed {
		if errors.Is(f.Err, context.DeadlineExceeded) {
			stopped[f.Prefix] = true
		}
	}
	if !stopped["dev"] || !stopped["meta"] {
		t.Fatalf("every unfinished source must be a failed scope: %+v", report.Failed)
	}
	if int(emitted.Load()) >= 2*len(fleet.Groups()) {
		t.Fatal("the fleet was complete: the test did not hit the deadline")
	}
}

func TestCrawlRejectsBadSources(t *testing.T) {
	bad := []Source{
		{Name: "x", Type: "ftp"},
		{Name: "x", Type: SourceXano, Master: "http://m"},
		{Name: "x", Type: SourceXanoMeta, Master: "http://m", Instance: "http://i", Token: "t"},
		{Name: "x", Type: SourceURL, URLs: []string{"ftp://h/doc.json?token=hidden"}},
		{Name: "x", Type: SourceFiles, Paths: []string{"*.json"}, Include: []string{"a/b/c/d"}},
	}
	for _, s := range bad {
		_, err := (&Crawler{}).Crawl(context.Background(), []Source{s}, newCollect().emit)
		if err == nil || strings.Contains(err.Error(), "hidden") {
			t.Errorf("%+v: want a config error without secrets, got %v", s, err)
		}
	}
}
