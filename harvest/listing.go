package harvest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// flexID is an id that a listing may write as a number or a string.
type flexID string

func (f *flexID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*f = ""
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexID(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("id is neither a number nor a string")
	}
	*f = flexID(n.String())
	return nil
}

// envelope is every list shape Xano is known to answer with: a bare array,
// {items:[…]} (paged, with curPage and nextPage) or {workspaces:[…]}.
type envelope struct {
	Items      json.RawMessage `json:"items"`
	Workspaces json.RawMessage `json:"workspaces"`
	CurPage    json.RawMessage `json:"curPage"`
	NextPage   json.RawMessage `json:"nextPage"`
}

// decodeList decodes one page into items and says which page comes next
// (0: none).
func decodeList[T any](body []byte, items *[]T) (next int, err error) {
	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] == '[' {
		return 0, json.Unmarshal(body, items)
	}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return 0, err
	}
	raw := env.Items
	if len(raw) == 0 || string(raw) == "null" {
		raw = env.Workspaces
	}
	if len(raw) == 0 || string(raw) == "null" {
		return 0, fmt.Errorf("neither a list nor an object with items")
	}
	if err := json.Unmarshal(raw, items); err != nil {
		return 0, err
	}
	return pageNumber(env.NextPage)
}

func pageNumber(raw json.RawMessage) (int, error) {
	s := strings.Trim(strings.TrimSpace(string(raw)), `"`)
	if s == "" || s == "null" || s == "false" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("nextPage %s is not a page number", raw)
	}
	return n, nil
}

// getBody fetches one listing; op names it in errors ("workspaces of
// instance …").
func (s *sourceRun) getBody(ctx context.Context, op, rawURL string, header http.Header) ([]byte, error) {
	start := time.Now()
	resp, err := s.http.fetch(ctx, &request{URL: rawURL, Header: header})
	if err != nil {
		return nil, withOp(err, op)
	}
	s.logger.LogAttrs(ctx, slog.LevelDebug, "listed", slog.String("source", s.src.Name), slog.String("what", op),
		slog.String("url", RedactURL(rawURL)), slog.Int("status", resp.Status), slog.Duration("took", time.Since(start)))
	return resp.Body, nil
}

// getJSON fetches one answer and decodes it into v.
func (s *sourceRun) getJSON(ctx context.Context, op, rawURL string, header http.Header, v any) error {
	body, err := s.getBody(ctx, op, rawURL, header)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("decode %s from %s: %w", op, RedactURL(rawURL), err)
	}
	return nil
}

// listAll reads a listing to its end, following nextPage. The first
// request carries page parameters only when paged is set (the workspace
// listing is normally not paged, but is followed if it says otherwise).
// A server that repeats itself — a nextPage that does not advance, a page
// of ids already seen, pages without end — is an error rather than a
// loop, and nothing of that listing is used.
func listAll[T any](ctx context.Context, s *sourceRun, op, base string, header http.Header, paged bool, id func(T) flexID) ([]T, error) {
	var all []T
	seen := map[flexID]bool{}
	page := 0
	if paged {
		page = 1
	}
	for pages := 1; ; pages++ {
		if pages > s.maxPages {
			return nil, fmt.Errorf("list %s: %w (more than %d pages)", op, ErrPagingLoop, s.maxPages)
		}
		u := base
		if page > 0 {
			u = withQuery(base, url.Values{"page": {strconv.Itoa(page)}, "per_page": {strconv.Itoa(s.pageSize())}})
		}
		body, err := s.getBody(ctx, op, u, header)
		if err != nil {
			return nil, err
		}
		var items []T
		next, err := decodeList(body, &items)
		if err != nil {
			return nil, fmt.Errorf("decode %s from %s: %w", op, RedactURL(u), err)
		}
		fresh := 0
		for _, it := range items {
			k := id(it)
			if k != "" && seen[k] {
				continue
			}
			seen[k] = k != ""
			all = append(all, it)
			fresh++
		}
		if next == 0 || len(items) == 0 {
			return all, nil
		}
		current := max(page, 1)
		if next <= current || fresh == 0 {
			return nil, fmt.Errorf("list %s: %w (page %d points to page %d)", op, ErrPagingLoop, current, next)
		}
		page = next
	}
}

// withQuery adds parameters to a URL, keeping those it has.
func withQuery(raw string, add url.Values) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	q := u.Query()
	for k, vs := range add {
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// joinURL appends path segments to a base URL, escaping each.
func joinURL(base string, segments ...string) string {
	var b strings.Builder
	b.WriteString(strings.TrimRight(base, "/"))
	for _, seg := range segments {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(seg))
	}
	return b.String()
}

// sameHost says whether two URLs name the same host and port, which is
// where a credential given for one may also be sent.
func sameHost(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	return err1 == nil && err2 == nil && ua.Host != "" && strings.EqualFold(ua.Host, ub.Host) && ua.Scheme == ub.Scheme
}
