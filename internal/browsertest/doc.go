// Package browsertest opens pages in headless Chromium for the tests that
// check the catalog page the way a person uses it.
//
//	tab := browsertest.Open(t, 90*time.Second)
//	chromedp.Run(tab.Ctx, chromedp.Navigate(url))
//	...
//	if problems := tab.Problems(); len(problems) > 0 { t.Errorf(...) }
//
// Open finds Debian's chromium (or another Chromium-based browser) on
// PATH. Where there is none, the test is skipped with a clear message,
// except under CI=true, where it fails: CI installs the browser, so the
// page is always checked there. The browser starts with the flags this
// closed network needs (no background networking, no component updates)
// and a fresh profile, and console errors and uncaught exceptions are
// collected from the first navigation on.
package browsertest
