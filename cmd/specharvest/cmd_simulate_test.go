package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// simGet fetches url with an optional bearer token and decodes JSON into v
// (when v is not nil); it returns the status and the raw body.
func simGet(t *testing.T, url, token string, v any) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if v != nil && resp.StatusCode == 200 {
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("GET %s: %v in %.200s", url, err, body)
		}
	}
	return resp.StatusCode, body
}

// startSimulate runs the simulate command until the test ends and returns
// its JSON line.
func startSimulate(t *testing.T, args ...string) simulateLine {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, w := io.Pipe()
	var stderr bytes.Buffer
	e := &env{stdout: w, stderr: &stderr, getenv: func(string) (string, bool) { return "", false }, now: time.Now}
	done := make(chan int, 1)
	go func() {
		done <- runWith(ctx, e, append([]string{"specharvest", "simulate"}, args...))
		w.Close()
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != exitOK {
				t.Errorf("simulate exited %d after its context ended: %s", code, stderr.String())
			}
		case <-time.After(10 * time.Second):
			t.Error("simulate did not stop when its context ended")
		}
	})
	lines := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		lines <- line
		io.Copy(io.Discard, out)
	}()
	select {
	case line := <-lines:
		var got simulateLine
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&got); err != nil {
			t.Fatalf("first stdout line %q: %v (stderr %s)", line, err, stderr.String())
		}
		return got
	case <-time.After(10 * time.Second):
		t.Fatal("simulate printed no line")
	}
	return simulateLine{}
}

func TestSimulateWalksBothRoutes(t *testing.T) {
	line := startSimulate(t, "--instances", "3", "--workspaces", "2", "--groups", "4", "--seed", "7", "--endpoints", "3")
	if line.Instances != 3 || line.Groups != 24 || !strings.HasPrefix(line.Master, "http://127.0.0.1:") || line.APIKey == "" || line.MetaToken == "" {
		t.Fatalf("line %+v", line)
	}

	// Developer API: master → tokenUrl → workspaces → a group document.
	var instances []struct {
		Name     string `json:"name"`
		TokenURL string `json:"tokenUrl"`
	}
	if s, _ := simGet(t, line.Master+"/api:developer/instance", line.APIKey, &instances); s != 200 || len(instances) != 3 {
		t.Fatalf("instances: %d, %d", s, len(instances))
	}
	var tok struct {
		AuthToken string `json:"authToken"`
		Origin    string `json:"origin"`
	}
	simGet(t, instances[0].TokenURL, "", &tok)
	var workspaces []struct {
		APIGroups []struct {
			Name        string `json:"name"`
			Swaggerspec string `json:"swaggerspec"`
		} `json:"apigroups"`
	}
	if s, _ := simGet(t, tok.Origin+"/api:developer/workspace", tok.AuthToken, &workspaces); s != 200 || len(workspaces) != 2 {
		t.Fatalf("workspaces: %d, %d", s, len(workspaces))
	}
	spec := workspaces[0].APIGroups[0].Swaggerspec
	sep := "?"
	if strings.Contains(spec, "?") {
		sep = "&"
	}
	var doc map[string]any
	if s, _ := simGet(t, spec+sep+"type=json", "", &doc); s != 200 || doc["openapi"] != "3.0.0" || doc["paths"] == nil {
		t.Fatalf("document: %d %v", s, doc["openapi"])
	}

	// Metadata API: master → meta_api → workspaces → apigroups → openapi.
	var metaInstances []struct {
		MetaAPI string `json:"meta_api"`
	}
	simGet(t, line.Master+"/api:meta/instance", line.MetaToken, &metaInstances)
	if len(metaInstances) != 3 {
		t.Fatalf("meta instances: %d", len(metaInstances))
	}
	var metaWorkspaces []struct {
		ID int `json:"id"`
	}
	simGet(t, metaInstances[0].MetaAPI+"/workspace", line.MetaToken, &metaWorkspaces)
	var page struct {
		Items []struct {
			ID int `json:"id"`
		} `json:"items"`
	}
	simGet(t, fmt.Sprintf("%s/workspace/%d/apigroup?page=1&per_page=50", metaInstances[0].MetaAPI, metaWorkspaces[0].ID), line.MetaToken, &page)
	if len(page.Items) != 4 {
		t.Fatalf("apigroups: %d", len(page.Items))
	}
	var metaDoc map[string]any
	u := fmt.Sprintf("%s/workspace/%d/apigroup/%d/openapi", metaInstances[0].MetaAPI, metaWorkspaces[0].ID, page.Items[0].ID)
	if s, _ := simGet(t, u, line.MetaToken, &metaDoc); s != 200 || metaDoc["paths"] == nil {
		t.Fatalf("meta document: %d", s)
	}

	// A wrong key: 401 with Xano's error body.
	s, body := simGet(t, line.Master+"/api:developer/instance", "wrong", nil)
	var xerr map[string]any
	if s != 401 || json.Unmarshal(body, &xerr) != nil || xerr["code"] != "ERROR_CODE_UNAUTHORIZED" || xerr["message"] == nil {
		t.Errorf("wrong key: %d %s", s, body)
	}
}

func TestSimulateFlagsAndFleetDir(t *testing.T) {
	line := startSimulate(t, "--instances", "1", "--workspaces", "1", "--groups", "2", "--api-key", "k-123", "--meta-token", "m-456",
		"--rate-limit", "100/1s", "--generation", "2", "--older-release")
	if line.APIKey != "k-123" || line.MetaToken != "m-456" {
		t.Errorf("keys %q %q", line.APIKey, line.MetaToken)
	}
	if s, _ := simGet(t, line.Master+"/api:developer/instance", "k-123", nil); s != 200 {
		t.Errorf("given key refused: %d", s)
	}

	dir := t.TempDir()
	os.MkdirAll(dir+"/inst/ws", 0o755)
	os.WriteFile(dir+"/inst/ws/one.json", []byte(`{"openapi":"3.0.0","info":{"title":"one","version":"1"},"paths":{}}`), 0o644)
	line = startSimulate(t, "--fleet", dir)
	if line.Instances != 1 || line.Groups != 1 {
		t.Errorf("fleet dir line %+v", line)
	}
}

func TestSimulateUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--fail-rate", "2"},
		{"--rate-limit", "ten"},
		{"--instances", "0"},
		{"--no-such-flag"},
		{"extra"},
		{"--fleet", "/does/not/exist"},
	} {
		var stdout, stderr bytes.Buffer
		e := &env{stdout: &stdout, stderr: &stderr, getenv: func(string) (string, bool) { return "", false }, now: time.Now}
		if code := runWith(context.Background(), e, append([]string{"specharvest", "simulate"}, args...)); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
		if stdout.Len() != 0 {
			t.Errorf("%v: printed %q", args, stdout.String())
		}
	}
}
