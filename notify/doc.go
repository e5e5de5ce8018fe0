// Package notify tells people about a nightly run: it posts the run's
// summary to the webhooks of the config, on the events each asked for
// (breaking, failure, changes, always), with a bounded retry of server
// errors and a deadline of its own, so that a receiver that is down or
// slow never holds the job. The summary it is given is already free of
// secrets; the package adds none.
//
//	errs := notify.Notify(ctx, logger, hooks, summary)
//
// A delivery error is returned for the caller to log, never fatal: the
// snapshot it reports on is already committed.
package notify
