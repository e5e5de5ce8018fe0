package xanotest

import (
	"strconv"
	"sync"
)

// Stats counts what the simulator answered since it started (or since
// ResetStats). It is also served as JSON by GET {master}/__sim/stats.
type Stats struct {
	// Hosts is keyed by listener address ("127.0.0.1:PORT").
	Hosts map[string]HostStats `json:"hosts"`
	// Routes counts requests by route name: developer-instances,
	// developer-token, developer-workspaces, apispec, meta-instances,
	// meta-auth-me, meta-workspaces, meta-apigroups, meta-openapi, unknown.
	Routes map[string]int `json:"routes"`
	// Statuses counts responses by status code ("200", "429", …); a
	// request the client abandoned while it hung counts as "hung".
	Statuses map[string]int `json:"statuses"`
}

// HostStats is one listener's load.
type HostStats struct {
	Requests      int `json:"requests"`
	MaxConcurrent int `json:"max_concurrent"`
}

type statsRecorder struct {
	mu       sync.Mutex
	hosts    map[string]*hostCounter
	routes   map[string]int
	statuses map[string]int
}

type hostCounter struct {
	requests, current, max int
}

func newStatsRecorder() *statsRecorder {
	return &statsRecorder{hosts: map[string]*hostCounter{}, routes: map[string]int{}, statuses: map[string]int{}}
}

func (s *statsRecorder) begin(host, route string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.hosts[host]
	if h == nil {
		h = &hostCounter{}
		s.hosts[host] = h
	}
	h.requests++
	h.current++
	if h.current > h.max {
		h.max = h.current
	}
	s.routes[route]++
}

func (s *statsRecorder) end(host string, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if h := s.hosts[host]; h != nil {
		h.current--
	}
	key := "hung"
	if status != 0 {
		key = strconv.Itoa(status)
	}
	s.statuses[key]++
}

func (s *statsRecorder) snapshot() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := Stats{Hosts: map[string]HostStats{}, Routes: map[string]int{}, Statuses: map[string]int{}}
	for k, h := range s.hosts {
		out.Hosts[k] = HostStats{Requests: h.requests, MaxConcurrent: h.max}
	}
	for k, v := range s.routes {
		out.Routes[k] = v
	}
	for k, v := range s.statuses {
		out.Statuses[k] = v
	}
	return out
}

func (s *statsRecorder) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, h := range s.hosts {
		if h.current == 0 {
			delete(s.hosts, k)
			continue
		}
		h.requests, h.max = 0, h.current
	}
	s.routes = map[string]int{}
	s.statuses = map[string]int{}
}
