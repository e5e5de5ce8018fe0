package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Events a webhook can be sent on.
const (
	// NotifyBreaking: the diff against the previous snapshot found at least
	// one breaking change.
	NotifyBreaking = "breaking"
	// NotifyFailure: the run failed (exit 1) or some groups could not be
	// fetched (failed or carried forward as stale).
	NotifyFailure = "failure"
	// NotifyChanges: any group was added, removed or changed.
	NotifyChanges = "changes"
	// NotifyAlways: every run.
	NotifyAlways = "always"
)

// Delivery bounds. A webhook is a courtesy of a nightly job: it must not
// hold the job (or the lock it has already released) for long, and a
// receiver that is down for one night is not worth more than a few tries.
const (
	DefaultNotifyTimeout = 10 * time.Second
	maxNotifyTime        = 30 * time.Second
	notifyAttempts       = 3
	notifyFirstBackoff   = 250 * time.Millisecond
	maxListedGroups      = 20
)

// Webhook is one receiver of run summaries (notify: in the config).
type Webhook struct {
	URL string
	// On lists the events that trigger it; empty means breaking and
	// failure.
	On []string
	// Headers are added to every request, for receivers that want a token;
	// they are never logged.
	Headers map[string]string
	// Timeout bounds the whole delivery, retries included; zero means
	// DefaultNotifyTimeout.
	Timeout time.Duration
}

// RunSummary is what a webhook receives about one run. Everything in it
// is already free of secrets: keys are names, errors are redacted.
type RunSummary struct {
	Snapshot       string    `json:"snapshot,omitempty"`
	Previous       string    `json:"previous,omitempty"`
	Started        time.Time `json:"started"`
	Finished       time.Time `json:"finished"`
	ExitCode       int       `json:"exit_code"`
	Error          string    `json:"error,omitempty"`
	Groups         int       `json:"groups"`
	OK             int       `json:"ok"`
	Stale          int       `json:"stale"`
	Failed         int       `json:"failed"`
	Invalid        int       `json:"invalid"`
	Operations     int       `json:"operations"`
	GroupsAdded    int       `json:"groups_added"`
	GroupsRemoved  int       `json:"groups_removed"`
	GroupsChanged  int       `json:"groups_changed"`
	Breaking       int       `json:"breaking"`
	NonBreaking    int       `json:"non_breaking"`
	BreakingGroups []string  `json:"breaking_groups,omitempty"`
	FailedGroups   []string  `json:"failed_groups,omitempty"`
	// FailedSources are sources that failed as a whole or in part (a
	// listing, their filters), even with no group to carry forward.
	FailedSources []string `json:"failed_sources,omitempty"`
	// HeldBack counts removals the removal guard held back as suspect.
	HeldBack int `json:"held_back,omitempty"`
	// TooStale lists groups stale for longer than stale_max_age.
	TooStale []string `json:"too_stale,omitempty"`
	// ExcludedFromMerge lists the groups left out of the merged document
	// (their document does not load), each as "key: reason".
	ExcludedFromMerge []string `json:"excluded_from_merge,omitempty"`
	// StaleCauses says why groups are not ok, one line per cause.
	StaleCauses []string `json:"stale_causes,omitempty"`
	// Page is where to read the report: the path or URL of index.html.
	Page string `json:"page,omitempty"`
	// PageLocal says Page is a path on the machine that ran the job (no
	// catalog_url is configured), not a link anyone can open.
	PageLocal bool `json:"page_local,omitempty"`
}

// changedGroups counts the groups added, removed or changed, as
// diff.ChangeSummary.ChangedGroups does: notify imports nothing of the
// project, so it keeps this mirror of the one count.
func (s RunSummary) changedGroups() int {
	return s.GroupsAdded + s.GroupsRemoved + s.GroupsChanged
}

// Events lists the events this run raises, in a fixed order.
func (s RunSummary) Events() []string {
	events := []string{NotifyAlways}
	if s.Breaking > 0 {
		events = append(events, NotifyBreaking)
	}
	if s.ExitCode == 1 || s.Failed > 0 || s.Stale > 0 || len(s.FailedSources) > 0 || s.HeldBack > 0 || len(s.TooStale) > 0 {
		events = append(events, NotifyFailure)
	}
	if s.changedGroups() > 0 || s.Breaking+s.NonBreaking > 0 {
		events = append(events, NotifyChanges)
	}
	return events
}

// notifyPayload is the JSON body. text makes it readable as is by Slack,
// Mattermost, Teams workflows and most chat incoming webhooks; the other
// fields are for machines.
type notifyPayload struct {
	Text    string     `json:"text"`
	Tool    string     `json:"tool"`
	Events  []string   `json:"events"`
	Summary RunSummary `json:"summary"`
}

// Notify sends s to every hook whose events the run raised, concurrently,
// and returns one error per hook that could not be reached (nil when all
// were). Each delivery is retried a few times on network errors, 429 and
// 5xx, within the hook's timeout; the whole call returns within 30
// seconds whatever the receivers do. Run it after the snapshot is
// committed, and only log what it returns: a webhook never changes the
// outcome of a run. Logs and errors name a hook by its scheme and host
// only, because webhook URLs often carry their secret in the path or
// query.
func Notify(ctx context.Context, logger *slog.Logger, hooks []Webhook, s RunSummary) []error {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	raised := s.Events()
	ctx, cancel := context.WithTimeout(ctx, maxNotifyTime)
	defer cancel()

	client := &http.Client{
		// A redirect would turn the POST into a GET to wherever the
		// receiver points; a webhook that moved is a configuration error.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	errs := make([]error, len(hooks))
	var wg sync.WaitGroup
	for i, h := range hooks {
		events := matchingEvents(h.On, raised)
		name := hookName(i, h.URL)
		if len(events) == 0 {
			logger.Debug("webhook not triggered", "hook", name)
			continue
		}
		body, err := json.Marshal(notifyPayload{Text: notifyText(s), Tool: "specharvest", Events: events, Summary: capLists(s)})
		if err != nil {
			errs[i] = fmt.Errorf("%s: encode summary: %w", name, err)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			took := time.Now()
			err := deliver(ctx, client, h, body)
			if err != nil {
				errs[i] = fmt.Errorf("%s: %w", name, err)
				logger.Warn("webhook failed", "hook", name, "events", strings.Join(events, ","), "err", err, "took", time.Since(took).Round(time.Millisecond))
				return
			}
			logger.Info("webhook sent", "hook", name, "events", strings.Join(events, ","), "took", time.Since(took).Round(time.Millisecond))
		}()
	}
	wg.Wait()
	var out []error
	for _, err := range errs {
		if err != nil {
			out = append(out, err)
		}
	}
	return out
}

func matchingEvents(on, raised []string) []string {
	if len(on) == 0 {
		on = []string{NotifyBreaking, NotifyFailure}
	}
	var out []string
	for _, r := range raised {
		for _, o := range on {
			if o == r {
				out = append(out, r)
				break
			}
		}
	}
	return out
}

// deliver posts body to the hook, retrying what may pass on a second try.
func deliver(ctx context.Context, client *http.Client, h Webhook, body []byte) error {
	if u, err := url.Parse(h.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("the webhook url must be an http or https url")
	}
	timeout := h.Timeout
	if timeout <= 0 {
		timeout = DefaultNotifyTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	backoff := notifyFirstBackoff
	var last error
	for attempt := 1; attempt <= notifyAttempts; attempt++ {
		retry, err := post(ctx, client, h, body)
		if err == nil {
			return nil
		}
		last = err
		if !retry || attempt == notifyAttempts {
			break
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("gave up after %d attempts: %w", attempt, last)
		case <-t.C:
		}
		backoff *= 2
	}
	return last
}

// post makes one attempt and says whether another may succeed.
func post(ctx context.Context, client *http.Client, h Webhook, body []byte) (retry bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
	if err != nil {
		return false, errors.New("invalid webhook url")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "specharvest")
	for k, v := range h.Headers {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		// *url.Error repeats the whole URL, secret included; keep only
		// what went wrong.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		if ctx.Err() != nil {
			return false, fmt.Errorf("no answer in time: %w", ctx.Err())
		}
		return true, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return false, nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return true, fmt.Errorf("receiver answered %s", resp.Status)
	default:
		return false, fmt.Errorf("receiver answered %s", resp.Status)
	}
}

// hookName identifies a hook in logs and errors without its secret.
func hookName(i int, raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Sprintf("webhook %d", i+1)
	}
	return fmt.Sprintf("webhook %d (%s://%s)", i+1, u.Scheme, u.Host)
}

func capLists(s RunSummary) RunSummary {
	if len(s.BreakingGroups) > maxListedGroups {
		s.BreakingGroups = s.BreakingGroups[:maxListedGroups]
	}
	if len(s.FailedGroups) > maxListedGroups {
		s.FailedGroups = s.FailedGroups[:maxListedGroups]
	}
	if len(s.ExcludedFromMerge) > maxListedGroups {
		s.ExcludedFromMerge = s.ExcludedFromMerge[:maxListedGroups]
	}
	return s
}

// notifyText is the one message people read in their chat; it says the
// worst first, whichever event sent it. Slack treats &, < and > as markup,
// so names are escaped the way it asks.
func notifyText(s RunSummary) string {
	esc := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace
	var b strings.Builder
	b.WriteString("specharvest: ")
	var head []string
	if s.ExitCode == 1 {
		head = append(head, "the run failed")
	}
	if s.Breaking > 0 {
		h := fmt.Sprintf("%d breaking change%s", s.Breaking, notifyPlural(s.Breaking))
		if n := len(s.BreakingGroups); n > 0 {
			h += fmt.Sprintf(" in %d API group%s", n, notifyPlural(n))
		}
		head = append(head, h)
	}
	if s.Failed+s.Stale > 0 {
		head = append(head, fmt.Sprintf("%d group%s failed, %d stale", s.Failed, notifyPlural(s.Failed), s.Stale))
	}
	if n := len(s.FailedSources); n > 0 {
		head = append(head, fmt.Sprintf("%d source%s failed (%s)", n, notifyPlural(n), esc(strings.Join(s.FailedSources, ", "))))
	}
	if s.HeldBack > 0 {
		head = append(head, fmt.Sprintf("%d removal%s held back as suspect", s.HeldBack, notifyPlural(s.HeldBack)))
	}
	if n := len(s.TooStale); n > 0 {
		head = append(head, fmt.Sprintf("%d group%s stale past stale_max_age", n, notifyPlural(n)))
	}
	if s.changedGroups() > 0 {
		head = append(head, fmt.Sprintf("%d added, %d removed, %d changed", s.GroupsAdded, s.GroupsRemoved, s.GroupsChanged))
	}
	if len(head) == 0 {
		head = append(head, "no changes")
	}
	b.WriteString(strings.Join(head, "; "))
	if s.Snapshot != "" {
		fmt.Fprintf(&b, " (snapshot %s", s.Snapshot)
		if s.Previous != "" {
			fmt.Fprintf(&b, " vs %s", s.Previous)
		}
		b.WriteString(")")
	}
	if s.Error != "" {
		fmt.Fprintf(&b, "\nError: %s", esc(s.Error))
	}
	list := func(label string, keys []string) {
		if len(keys) == 0 {
			return
		}
		shown := keys
		if len(shown) > 10 {
			shown = shown[:10]
		}
		fmt.Fprintf(&b, "\n%s: %s", label, esc(strings.Join(shown, ", ")))
		if len(keys) > len(shown) {
			fmt.Fprintf(&b, " and %d more", len(keys)-len(shown))
		}
	}
	list("Breaking", s.BreakingGroups)
	list("Failed", s.FailedGroups)
	list("Left out of the merged document", s.ExcludedFromMerge)
	fmt.Fprintf(&b, "\n%d groups: %d ok, %d stale, %d failed, %d invalid", s.Groups, s.OK, s.Stale, s.Failed, s.Invalid)
	switch {
	case s.Page != "" && s.PageLocal:
		fmt.Fprintf(&b, "\nReport (a file on the machine that ran specharvest; set catalog_url: in the config to link it): %s", esc(s.Page))
	case s.Page != "":
		fmt.Fprintf(&b, "\nReport: %s", esc(s.Page))
	}
	return b.String()
}

func notifyPlural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
