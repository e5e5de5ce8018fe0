package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// progressLine redraws one status line on a terminal (groups found,
// fetched, failed). Under cron there is no terminal and structured log
// lines are written instead, so nothing here is ever seen in a log file.
type progressLine struct {
	w        io.Writer
	mu       sync.Mutex
	found    int
	fetched  int
	failed   int
	last     time.Time
	interval time.Duration
	now      func() time.Time
}

// isTerminal reports whether w is a character device (an interactive
// terminal) rather than a file or pipe.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func newProgressLine(w io.Writer, now func() time.Time) *progressLine {
	return &progressLine{w: w, interval: 100 * time.Millisecond, now: now}
}

// set takes the crawl's running totals and redraws at most every
// interval, so a fast crawl does not spend its time writing to the terminal.
func (p *progressLine) set(found, fetched, failed int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.found, p.fetched, p.failed = found, fetched, failed
	if t := p.now(); t.Sub(p.last) >= p.interval {
		p.last = t
		p.draw()
	}
}

func (p *progressLine) draw() {
	fmt.Fprintf(p.w, "\r\033[Kgroups found %d · fetched %d · failed %d", p.found, p.fetched, p.failed)
}

// done draws the final counts and ends the line.
func (p *progressLine) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.draw()
	fmt.Fprintln(p.w)
}
