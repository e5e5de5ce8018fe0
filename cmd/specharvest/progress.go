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

	// Status mode (startStatus): free text instead of the counts.
	text, shown   string
	start         time.Time
	stop, stopped chan struct{}
	once          sync.Once
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
	if p.stop != nil {
		fmt.Fprintf(p.w, "\r\033[K%s", p.text)
		return
	}
	fmt.Fprintf(p.w, "\r\033[Kgroups found %d · fetched %d · failed %d", p.found, p.fetched, p.failed)
}

// done draws the final counts and ends the line.
func (p *progressLine) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.draw()
	fmt.Fprintln(p.w)
}

// statusDelay is how long a command runs before its status line
// appears, so a command that finishes at once prints nothing extra.
const statusDelay = 500 * time.Millisecond

// startStatus gives validate, merge and diff the same redrawn line as
// run, with free text in place of the crawl's counts. It returns nil
// (whose methods do nothing) when w is not a terminal, so a pipe or a
// log file never receives a byte. A ticker redraws rather than each
// say, so a single slow step still shows once the delay has passed.
func startStatus(w io.Writer, now func() time.Time) *progressLine {
	if !isTerminal(w) {
		return nil
	}
	p := newProgressLine(w, now)
	p.start, p.stop = now(), make(chan struct{})
	p.stopped = make(chan struct{})
	go func() {
		defer close(p.stopped)
		t := time.NewTicker(p.interval)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.mu.Lock()
				if p.now().Sub(p.start) >= statusDelay && p.text != p.shown {
					p.shown = p.text
					p.draw()
				}
				p.mu.Unlock()
			}
		}
	}()
	return p
}

// say sets what the command is doing now; the ticker draws it.
func (p *progressLine) say(format string, args ...any) {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.text = fmt.Sprintf(format, args...)
	p.mu.Unlock()
}

// clear stops the redraws and wipes the line, if one was drawn, so the
// command's own output starts on a clean line. Safe to call twice.
func (p *progressLine) clear() {
	if p == nil {
		return
	}
	p.once.Do(func() {
		close(p.stop)
		<-p.stopped
		p.wipe()
	})
}

// wipe clears a drawn line; the ticker draws the status again later.
func (p *progressLine) wipe() { p.above(func() {}) }

// above wipes the line and runs write while the ticker cannot redraw, so
// a verdict printed mid-command never lands after the status text.
func (p *progressLine) above(write func()) {
	if p == nil {
		write()
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown != "" {
		fmt.Fprint(p.w, "\r\033[K")
		p.shown = ""
	}
	write()
}
