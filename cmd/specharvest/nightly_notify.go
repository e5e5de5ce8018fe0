package main

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/specharvest/specharvest/merge/diff"
	"github.com/specharvest/specharvest/notify"
	"github.com/specharvest/specharvest/output"
)

// afterRun feeds the cron job's monitoring: the metrics file and the
// webhooks. Neither can fail the run: the snapshot is already committed.
func (n *nightly) afterRun(ctx context.Context, started time.Time, res *nightlyResult, runErr error, code int) {
	finished := n.now()
	metrics := output.RunMetrics{Finished: finished, Duration: finished.Sub(started), ExitCode: code,
		Groups: map[string]int{}, Findings: map[string]int{}}
	summary := notify.RunSummary{Started: started, Finished: finished, ExitCode: code}
	if runErr != nil {
		summary.Error = runErr.Error()
	}
	if res != nil {
		m := res.manifest
		metrics.Snapshot, metrics.Invalid, metrics.Operations = m.ID, m.Summary.Invalid, m.Summary.Operations
		metrics.Groups[output.StatusOK], metrics.Groups[output.StatusFailed], metrics.Groups[output.StatusStale] = m.Summary.OK, m.Summary.Failed, m.Summary.Stale
		summary.Snapshot, summary.Previous = m.ID, m.Previous
		summary.Groups, summary.OK, summary.Stale, summary.Failed = m.Summary.Specs, m.Summary.OK, m.Summary.Stale, m.Summary.Failed
		summary.Invalid, summary.Operations = m.Summary.Invalid, m.Summary.Operations
		summary.Page, summary.PageLocal = catalogPageLink(n.cfg.CatalogURL, res.pageDir, m.ID)
		for _, sp := range m.Specs {
			if sp.Status != output.StatusOK {
				summary.FailedGroups = append(summary.FailedGroups, sp.Key)
			}
		}
		metrics.Sources = map[string]bool{}
		for _, src := range res.sources {
			metrics.Sources[src.Name] = src.Up
			if !src.Up {
				summary.FailedSources = append(summary.FailedSources, src.Name)
			}
		}
		for _, held := range res.heldBack {
			summary.HeldBack += held
		}
		summary.TooStale = res.tooStale
		if res.merge != nil {
			for _, x := range res.merge.Excluded {
				summary.ExcludedFromMerge = append(summary.ExcludedFromMerge, x.Key+": "+x.Reason)
			}
		}
		var causes strings.Builder
		printUnhealthyGroups(&causes, m.Specs, false)
		for _, line := range strings.Split(strings.TrimSpace(causes.String()), "\n") {
			if line = strings.TrimSpace(line); line != "" {
				summary.StaleCauses = append(summary.StaleCauses, line)
			}
		}
		if c := res.changes; c != nil {
			summary.GroupsAdded, summary.GroupsRemoved, summary.GroupsChanged = c.Summary.GroupsAdded, c.Summary.GroupsRemoved, c.Summary.GroupsChanged
			summary.Breaking, summary.NonBreaking = c.Summary.Breaking, c.Summary.NonBreaking
			for _, g := range c.Groups {
				for _, f := range g.Changes {
					metrics.Findings[string(f.Level)]++
					if f.Level == diff.LevelBreaking && (len(summary.BreakingGroups) == 0 || summary.BreakingGroups[len(summary.BreakingGroups)-1] != g.Key) {
						summary.BreakingGroups = append(summary.BreakingGroups, g.Key)
					}
				}
			}
		}
	}
	if n.cfg.MetricsFile != "" {
		if err := output.WriteMetricsFile(ctx, n.cfg.MetricsFile, metrics); err != nil {
			n.logger.Warn("write the metrics file", "err", err)
		}
	}
	if len(n.cfg.Notify) > 0 && !errors.Is(runErr, output.ErrLocked) {
		hooks := make([]notify.Webhook, 0, len(n.cfg.Notify))
		for _, h := range n.cfg.Notify {
			hooks = append(hooks, notify.Webhook{URL: h.URL, On: h.On, Headers: h.Headers, Timeout: h.Timeout.Duration})
		}
		for _, err := range notify.Notify(ctx, n.logger, hooks, summary) {
			n.logger.Warn("webhook", "err", err)
		}
	}
}

// catalogPageLink is how a webhook points at the night's page: an
// absolute URL under catalog_url (where the store folder is served), or,
// without it, the page's path on this machine, marked as such so the
// message can say that a reader elsewhere cannot open it.
func catalogPageLink(catalogURL, pageDir, id string) (link string, local bool) {
	if catalogURL == "" {
		return pagePath(pageDir), true
	}
	return strings.TrimRight(catalogURL, "/") + "/snapshots/" + url.PathEscape(id) + "/" + catalogHTMLFile, false
}
