package main

import (
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func fakeEnv(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

func TestConfigExampleLoads(t *testing.T) {
	cfg, err := LoadConfig(filepath.Join("..", "..", "config.example.yaml"), fakeEnv(map[string]string{
		"XANO_DEVELOPER_API_KEY":  "dev-key",
		"XANO_META_TOKEN":         "meta-token",
		"SPECHARVEST_WEBHOOK_URL": "http://127.0.0.1:9/hook",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Sources) != 4 {
		t.Fatalf("sources = %d, want 4", len(cfg.Sources))
	}
	if cfg.Sources[0].APIKey != "dev-key" || cfg.Sources[1].Token != "meta-token" {
		t.Fatalf("variables not expanded: %+v", cfg.Sources[:2])
	}
	opts := cfg.HarvestOptions()
	if opts.Concurrency != 16 || opts.PerHost != 4 || opts.Timeout != 30*time.Second || opts.Retries != 5 ||
		opts.MaxSpecBytes != 64<<20 || opts.Deadline != 30*time.Minute {
		t.Fatalf("crawl options = %+v", opts)
	}
	if cfg.Retention.KeepLast != 30 || cfg.Diff.FailOn != "none" || cfg.Store != "./api-catalog" {
		t.Fatalf("config = %+v", cfg)
	}
	if len(cfg.Notify) != 1 || cfg.Notify[0].Timeout.Duration != 10*time.Second {
		t.Fatalf("notify = %+v", cfg.Notify)
	}
}

func TestConfigErrorsNameFileLineAndKey(t *testing.T) {
	env := fakeEnv(map[string]string{"KEY": "k"})
	cases := []struct {
		name, yaml string
		line       int
		key, msg   string
	}{
		{"unknown key", "sources:\n  - name: a\n    type: url\n    urls: [http://x]\n    colour: red\n", 5, "sources[0].colour", "unknown key"},
		{"wrong type", "sources:\n  - name: a\n    type: url\n    urls: [http://x]\ncrawl:\n  concurrency: lots\n", 6, "crawl.concurrency", "whole number"},
		{"missing variable", "sources:\n  - name: a\n    type: xano\n    master: http://m\n    api_key: ${NOPE}\n", 5, "sources[0].api_key", "NOPE is not set"},
		{"bad duration", "sources:\n  - name: a\n    type: url\n    urls: [http://x]\ncrawl:\n  timeout: soon\n", 6, "crawl.timeout", "not a duration"},
		{"bad size", "sources:\n  - name: a\n    type: url\n    urls: [http://x]\ncrawl:\n  max_spec_bytes: 12 parsecs\n", 6, "crawl.max_spec_bytes", "not a size"},
		{"list for a string", "store: [a, b]\nsources:\n  - name: a\n    type: url\n    urls: [http://x]\n", 1, "store", "expected a single value"},
		{"unknown type", "sources:\n  - name: a\n    type: ftp\n", 3, "sources[0].type", "unknown type"},
		{"duplicate source", "sources:\n  - name: a\n    type: url\n    urls: [http://x]\n  - name: a\n    type: url\n    urls: [http://y]\n", 5, "sources[1].name", "named twice"},
		{"bad fail_on", "sources:\n  - name: a\n    type: url\n    urls: [http://x]\ndiff:\n  fail_on: sometimes\n", 6, "diff.fail_on", "none, breaking, warning or changes"},
		{"duplicate key", "store: a\nstore: b\nsources:\n  - name: a\n    type: url\n    urls: [http://x]\n", 2, "store", "given twice"},
		{"no sources", "store: a\n", 0, "sources", "at least one"},
		{"syntax", "sources: [\n", 0, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseConfig("conf.yaml", []byte(c.yaml), env)
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want *ConfigError", err)
			}
			if ce.File != "conf.yaml" {
				t.Errorf("file = %q", ce.File)
			}
			if c.line != 0 && ce.Line != c.line {
				t.Errorf("line = %d, want %d (%v)", ce.Line, c.line, err)
			}
			if ce.Key != c.key {
				t.Errorf("key = %q, want %q (%v)", ce.Key, c.key, err)
			}
			if !strings.Contains(err.Error(), c.msg) {
				t.Errorf("error %q does not mention %q", err, c.msg)
			}
			if exitCode(err) != exitUsage {
				t.Errorf("exit code = %d, want %d", exitCode(err), exitUsage)
			}
		})
	}
}

func TestConfigAliasBombIsRefused(t *testing.T) {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 10; i++ {
		b.WriteString("a" + strconv.Itoa(i) + ": &a" + strconv.Itoa(i) + " [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + strconv.Itoa(i-1))
		}
		b.WriteString("]\n")
	}
	b.WriteString("sources:\n  - name: a\n    type: url\n    urls: *a9\n")
	_, err := parseConfig("bomb.yaml", []byte(b.String()), fakeEnv(nil))
	if err == nil {
		t.Fatal("an alias bomb was accepted")
	}
}

func TestConfigRateForms(t *testing.T) {
	for in, want := range map[string]float64{"0": 0, "5": 5, "10/20s": 0.5, "60/1m": 1} {
		got, err := parseRate(in)
		if err != nil || got != want {
			t.Errorf("parseRate(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"fast", "10/", "-1", "3/0s"} {
		if _, err := parseRate(bad); err == nil {
			t.Errorf("parseRate(%q) accepted", bad)
		}
	}
}

func TestLoadConfigMissingFile(t *testing.T) {
	_, err := LoadConfig(filepath.Join(t.TempDir(), "nope.yaml"), fakeEnv(nil))
	var ce *ConfigError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "nope.yaml") {
		t.Fatalf("err = %v, want a config error naming the file", err)
	}
}
