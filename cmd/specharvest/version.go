package main

import (
	"runtime/debug"
	"strings"
)

// toolVersion says which build this is, for --version and every
// manifest's tool_version, so a snapshot can be traced to the code that
// wrote it. It comes from the build info the Go toolchain embeds:
//
//	go install …@v1.2.0             → v1.2.0
//	go build in a tagged checkout   → v1.2.0 (revision 0123456789ab, 2026-12-01T15:00:00Z)
//	go build in any other checkout  → v1.2.1-0.20261201150000-0123456789ab+dirty (revision 0123456789ab, 2026-12-01T15:00:00Z, modified)
//	go build -buildvcs=false        → devel
func toolVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	return versionOf(info)
}

// versionOf formats a build info; it is separate from toolVersion so
// every shape of build info can be tested without building binaries.
func versionOf(info *debug.BuildInfo) string {
	v := info.Main.Version
	if v == "" || v == "(devel)" {
		v = "devel"
	}
	vcs := map[string]string{}
	for _, s := range info.Settings {
		if name, ok := strings.CutPrefix(s.Key, "vcs."); ok {
			vcs[name] = s.Value
		}
	}
	var parts []string
	if rev := vcs["revision"]; rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		parts = append(parts, "revision "+rev)
	}
	if t := vcs["time"]; t != "" {
		parts = append(parts, t)
	}
	if vcs["modified"] == "true" {
		parts = append(parts, "modified")
	}
	if len(parts) == 0 {
		return v
	}
	return v + " (" + strings.Join(parts, ", ") + ")"
}
