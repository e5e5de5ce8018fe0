package harvest

import (
	"fmt"
	"net/http"
)

// maxRedirects bounds a redirect chain; a document that needs more is
// misconfigured, and a loop must not spin until the timeout.
const maxRedirects = 5

// checkRedirect caps the chain, never lets a Referer through, and drops
// the credential when a redirect
// leaves the host (host and port) of the first request. net/http keeps
// Authorization for the same host name on another port and for
// subdomains ("foo.com" → "sub.foo.com"); a Xano token must reach only
// the host it was given for, so this is stricter.
func checkRedirect(req *http.Request, via []*http.Request) error {
	// net/http sets Referer to the previous URL before it asks this
	// policy; that URL may be a tokenUrl or a swaggerspec with ?token=,
	// and the next hop may be anyone's.
	req.Header.Del("Referer")
	if len(via) >= maxRedirects {
		return fmt.Errorf("%w (more than %d)", ErrTooManyRedirects, maxRedirects)
	}
	if req.URL.Host != via[0].URL.Host || (via[0].URL.Scheme == "https" && req.URL.Scheme != "https") {
		req.Header.Del("Authorization")
		req.Header.Del("Cookie")
	}
	return nil
}
