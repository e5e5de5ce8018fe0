package diff

import (
	"net/url"
	"strings"

	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
)

// Servers: a different base path moves every operation (on Xano it is the
// group's /api:XXXX); a different host with the same path usually means
// the API was served from elsewhere, worth a look but not a contract break.

func firstServer(servers []*v3.Server) (host, path string, ok bool) {
	if len(servers) == 0 || servers[0] == nil {
		return "", "", false
	}
	return splitServerURL(servers[0].URL)
}

// splitServerURL splits a server URL into its host and base path.
func splitServerURL(raw string) (host, path string, ok bool) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", strings.TrimRight(raw, "/"), true
	}
	return strings.ToLower(u.Host), strings.TrimRight(u.Path, "/"), true
}

func (d *differ) compareServers() {
	bHost, bPath, bOK := firstServer(d.base.doc.Servers)
	rHost, rPath, rOK := firstServer(d.revision.doc.Servers)
	if !bOK || !rOK {
		return
	}
	switch {
	case bPath != rPath:
		d.report(RuleServerBasePathChanged, findingScope{}, "servers", "server base path changed from %q to %q", orSlash(bPath), orSlash(rPath))
	case bHost != rHost && bHost != "" && rHost != "":
		d.report(RuleServerHostChanged, findingScope{}, "servers", "server host changed from %s to %s", bHost, rHost)
	}
}

func orSlash(path string) string {
	if path == "" {
		return "/"
	}
	return path
}
