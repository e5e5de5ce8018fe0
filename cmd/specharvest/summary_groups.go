package main

import (
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/specharvest/specharvest/output"
)

// summaryKeysShown is how many keys a summary line names per cause; -v
// names them all.
const summaryKeysShown = 3

var causeURL = regexp.MustCompile(`https?://[^\s"']*[^\s"':,.;)]`)

// causeOf is what groups that failed for the same reason share: their
// error without the URL that differs from group to group.
func causeOf(err string) string {
	return strings.Join(strings.Fields(causeURL.ReplaceAllString(err, "<url>")), " ")
}

// printUnhealthyGroups prints the stale and failed groups of a snapshot
// one line per status and cause, with the count and the first few keys,
// so an instance that was down with 110 groups is one line, not 110; with
// verbose every key is listed under its cause.
func printUnhealthyGroups(w io.Writer, specs []output.SpecEntry, verbose bool) {
	type bucket struct {
		status, cause string
		keys          []string
		nights        int       // the longest run of stale nights
		oldest        time.Time // the oldest last fetch
	}
	buckets := map[[2]string]*bucket{}
	for _, sp := range specs {
		if sp.Status == output.StatusOK {
			continue
		}
		id := [2]string{sp.Status, causeOf(sp.Error)}
		b, ok := buckets[id]
		if !ok {
			b = &bucket{status: sp.Status, cause: id[1]}
			buckets[id] = b
		}
		b.keys = append(b.keys, sp.Key)
		b.nights = max(b.nights, sp.StaleNights)
		if !sp.LastFetched.IsZero() && (b.oldest.IsZero() || sp.LastFetched.Before(b.oldest)) {
			b.oldest = sp.LastFetched
		}
	}
	list := make([]*bucket, 0, len(buckets))
	for _, b := range buckets {
		sort.Strings(b.keys)
		list = append(list, b)
	}
	// Biggest causes first: they are what to fix first.
	sort.Slice(list, func(i, j int) bool {
		if len(list[i].keys) != len(list[j].keys) {
			return len(list[i].keys) > len(list[j].keys)
		}
		if list[i].status != list[j].status {
			return list[i].status < list[j].status
		}
		return list[i].cause < list[j].cause
	})
	for _, b := range list {
		cause := b.cause
		if cause == "" {
			cause = "no error recorded"
		}
		groups := "1 group"
		if len(b.keys) != 1 {
			groups = fmt.Sprintf("%d groups", len(b.keys))
		}
		if b.nights > 0 {
			// How long they have been stale: what stale_max_age judges.
			groups += fmt.Sprintf(" (stale for up to %d nights, last fetched %s)", b.nights, b.oldest.UTC().Format("2006-01-02"))
		}
		if verbose {
			fmt.Fprintf(w, "  %s %s: %s\n", strings.ToUpper(b.status), groups, cause)
			for _, k := range b.keys {
				fmt.Fprintf(w, "      %s\n", k)
			}
			continue
		}
		shown := b.keys
		more := ""
		if len(shown) > summaryKeysShown {
			more = fmt.Sprintf(" and %d more (-v lists all)", len(shown)-summaryKeysShown)
			shown = shown[:summaryKeysShown]
		}
		fmt.Fprintf(w, "  %s %s: %s — %s%s\n", strings.ToUpper(b.status), groups, cause, strings.Join(shown, ", "), more)
	}
}
