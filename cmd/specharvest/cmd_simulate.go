package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/specharvest/specharvest/harvest/xanotest"
)

// simulateLine is the one JSON line simulate prints once it listens, so a
// script (or a test) can read where to point the crawler.
type simulateLine struct {
	Master    string `json:"master"`
	APIKey    string `json:"api_key"`
	MetaToken string `json:"meta_token"`
	Instances int    `json:"instances"`
	Groups    int    `json:"groups"`
}

func cmdSimulate(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "simulate")
	addr := fs.String("addr", "127.0.0.1:0", "master listen address; instances listen on 127.0.0.1:0")
	fleetDir := fs.String("fleet", "", "serve the documents under `DIR`/<instance>/<workspace>/<group>.json|yaml instead of a generated fleet")
	instances := fs.Int("instances", 2, "generated fleet: instances")
	workspaces := fs.Int("workspaces", 2, "generated fleet: workspaces per instance")
	groups := fs.Int("groups", 6, "generated fleet: API groups per workspace")
	endpoints := fs.Int("endpoints", 8, "generated fleet: operations per group")
	seed := fs.Int64("seed", 1, "seed of the generated fleet, its secrets and its faults")
	generation := fs.Int("generation", 1, "generation of the generated fleet to serve")
	latency := fs.Duration("latency", 0, "delay before every answer")
	failRate := fs.Float64("fail-rate", 0, "fraction of requests answered 500/502/503")
	hangRate := fs.Float64("hang-rate", 0, "fraction of requests that never answer")
	truncateRate := fs.Float64("truncate-rate", 0, "fraction of answers cut short")
	tooManyRate := fs.Float64("too-many-rate", 0, "fraction of requests answered 429 with Retry-After: 1")
	rateLimit := fs.String("rate-limit", "", "Xano free-plan limit per token, `N/D` (e.g. 10/20s)")
	apiKey := fs.String("api-key", "", "Developer API key to accept (default: derived from the seed)")
	metaToken := fs.String("meta-token", "", "Metadata API token to accept (default: derived from the seed)")
	olderRelease := fs.Bool("older-release", false, "Metadata API /openapi answers 404; only documentation.link works")
	portsFrom := fs.Int("ports-from", 0, "listen on fixed ports: the master on `N`, instance i on N+1+i, so a restarted simulator is the same account")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: specharvest simulate [flags]")
		fmt.Fprintln(fs.Output(), "\nServes a simulated Xano account on 127.0.0.1 and prints one JSON line (master, api_key, meta_token, instances, groups) once it listens.")
		fs.PrintDefaults()
		fmt.Fprintln(fs.Output())
		fmt.Fprint(fs.Output(), simControlsHelp)
	}
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("simulate takes no arguments, got %q", rest[0])
	}
	for name, v := range map[string]float64{"fail-rate": *failRate, "hang-rate": *hangRate, "truncate-rate": *truncateRate, "too-many-rate": *tooManyRate} {
		if v < 0 || v > 1 {
			return usagef("--%s must be between 0 and 1, got %v", name, v)
		}
	}
	if *portsFrom < 0 || *portsFrom > 65535-*instances-1 {
		return usagef("--ports-from must be a port with room for the master and %d instances above it, got %d", *instances, *portsFrom)
	}
	if *instances < 1 || *workspaces < 1 || *groups < 1 || *endpoints < 1 || *generation < 1 {
		return usagef("--instances, --workspaces, --groups, --endpoints and --generation must be at least 1")
	}
	limit, err := parseRateLimit(*rateLimit)
	if err != nil {
		return usagef("--rate-limit: %v", err)
	}

	var fleet *xanotest.Fleet
	if *fleetDir != "" {
		fleet, err = xanotest.LoadFleet(ctx, *fleetDir)
		if err != nil {
			return usagef("--fleet: %v", err)
		}
	} else {
		fleet = xanotest.Generate(xanotest.GenOptions{Seed: *seed, Instances: *instances, Workspaces: *workspaces,
			Groups: *groups, Endpoints: *endpoints, Generation: *generation})
	}
	var faults []xanotest.Fault
	if *failRate > 0 {
		faults = append(faults, xanotest.Fault{Kind: xanotest.FaultServerError, Rate: *failRate})
	}
	if *tooManyRate > 0 {
		faults = append(faults, xanotest.Fault{Kind: xanotest.FaultTooManyRequests, Rate: *tooManyRate, RetryAfter: time.Second})
	}
	if *hangRate > 0 {
		faults = append(faults, xanotest.Fault{Kind: xanotest.FaultHang, Rate: *hangRate})
	}
	if *truncateRate > 0 {
		faults = append(faults, xanotest.Fault{Kind: xanotest.FaultTruncate, Rate: *truncateRate})
	}
	masterAddr := *addr
	if *portsFrom > 0 && !flagGiven(fs, "addr") {
		masterAddr = "" // the master takes the first of the fixed ports
	}
	srv, err := xanotest.Start(ctx, xanotest.Options{Fleet: fleet, Addr: masterAddr, APIKey: *apiKey, MetaToken: *metaToken,
		Latency: *latency, Faults: faults, RateLimit: limit, Seed: *seed, OlderRelease: *olderRelease, PortsFrom: *portsFrom})
	if err != nil {
		return err
	}
	defer srv.Close()
	line, err := json.Marshal(simulateLine{Master: srv.Master(), APIKey: srv.APIKey(), MetaToken: srv.MetaToken(),
		Instances: len(fleet.Instances), Groups: len(fleet.Groups())})
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(e.stdout, "%s\n", line); err != nil {
		return err
	}
	<-ctx.Done()
	return nil
}

// simControlsHelp documents the simulator's runtime controls
// (xanotest.SimRoutes; a test keeps the two equal), each with a curl line.
const simControlsHelp = `Runtime controls, served by the master (MASTER is "master" of the printed line; not counted in stats):
  GET  /__sim/stats                 requests, errors and bytes served, per listener
       curl -s $MASTER/__sim/stats
  GET  /__sim/fleet                 instances, workspaces and groups with their ids and formats (no secrets)
       curl -s $MASTER/__sim/fleet
  GET  /__sim/edits?from=N&to=M     the edits between two generations: what a diff of those nights must find
       curl -s "$MASTER/__sim/edits?from=1&to=2"
  GET  /__sim/generation            the generation being served
       curl -s $MASTER/__sim/generation
  POST /__sim/generation?n=N        serve generation N from now on: the next night, on the same ports
       curl -s -X POST "$MASTER/__sim/generation?n=2"
  POST /__sim/expire-tokens         every authToken issued so far answers 401 until tokenUrl is fetched again
       curl -s -X POST $MASTER/__sim/expire-tokens
  POST /__sim/instance?name=NAME&down=true|false
                                    the instance answers 503 (its port stays bound), or comes back
       curl -s -X POST "$MASTER/__sim/instance?name=acme-prod&down=true"

Restarting simulate (say with --generation 2) moves every instance to new ports, and the
documents' servers move with them, unless --ports-from N keeps the ports; POST /__sim/generation
on the running simulator is the other way to a second night.
`

// parseRateLimit reads "N/D" (10/20s); empty means no limit.
func parseRateLimit(s string) (xanotest.RateLimit, error) {
	if s == "" {
		return xanotest.RateLimit{}, nil
	}
	n, d, ok := strings.Cut(s, "/")
	if !ok {
		return xanotest.RateLimit{}, fmt.Errorf("want N/DURATION like 10/20s, got %q", s)
	}
	requests, err := strconv.Atoi(n)
	if err != nil || requests < 1 {
		return xanotest.RateLimit{}, fmt.Errorf("want a positive request count, got %q", n)
	}
	window, err := time.ParseDuration(d)
	if err != nil || window <= 0 {
		return xanotest.RateLimit{}, fmt.Errorf("want a positive duration like 20s, got %q", d)
	}
	return xanotest.RateLimit{Requests: requests, Window: window}, nil
}
