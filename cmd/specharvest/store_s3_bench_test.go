package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/specharvest/specharvest/harvest"
	"github.com/specharvest/specharvest/harvest/xanotest"
	"github.com/specharvest/specharvest/internal/s3test"
)

// BenchmarkStoreBackends runs a first night and an unchanged night of the
// same 200-group fleet into a local folder and into a bucket on a
// SeaweedFS gateway on loopback, and prints both times for each:
//
//	go test ./cmd/specharvest -run '^$' -bench StoreBackends -benchtime 1x
func BenchmarkStoreBackends(b *testing.B) {
	srv := s3test.Start(b)
	b.Setenv("AWS_ACCESS_KEY_ID", srv.AccessKey)
	b.Setenv("AWS_SECRET_ACCESS_KEY", srv.SecretKey)
	ctx := context.Background()
	sim, err := xanotest.Start(ctx, xanotest.Options{Fleet: xanotest.Generate(xanotest.GenOptions{Seed: 11, Instances: 2, Workspaces: 10, Groups: 10, Endpoints: 8})})
	if err != nil {
		b.Fatal(err)
	}
	defer sim.Close()
	pathStyle := true
	for i := 0; i < b.N; i++ {
		for _, store := range []struct{ name, loc string }{
			{"local", b.TempDir()},
			{"s3", fmt.Sprintf("s3://bench/run-%d-%d", i, time.Now().UnixNano())},
		} {
			cfg := &Config{Store: store.loc, Sources: []SourceConfig{{Name: "bench", Type: harvest.SourceXano, Master: sim.Master(), APIKey: sim.APIKey()}},
				S3: S3Settings{Endpoint: srv.Endpoint, PathStyle: &pathStyle}}
			n := &nightly{cfg: cfg, storeDir: store.loc, logger: slog.New(slog.NewTextHandler(io.Discard, nil)), now: time.Now}
			var took [2]time.Duration
			for night := range took {
				start := time.Now()
				res, err := n.run(ctx)
				if err != nil {
					b.Fatalf("%s night %d: %v", store.name, night+1, err)
				}
				took[night] = time.Since(start)
				if res.manifest.Summary.OK != 200 {
					b.Fatalf("%s night %d: %+v", store.name, night+1, res.manifest.Summary)
				}
			}
			b.ReportMetric(took[0].Seconds(), "s-first-"+store.name)
			b.ReportMetric(took[1].Seconds(), "s-unchanged-"+store.name)
			fmt.Printf("%-5s store, 200 groups: first night %6.2fs, unchanged night %6.2fs\n", store.name, took[0].Seconds(), took[1].Seconds())
		}
	}
}
