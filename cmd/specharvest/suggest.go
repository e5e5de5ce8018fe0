package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

// suggest returns the candidates nearest to what the user typed: those
// within a small edit distance (a typo, a swapped pair of letters) or
// that start with what was typed, keeping only the nearest of them. Nothing far off is
// suggested, because a wrong suggestion is worse than none.
func suggest(typed string, candidates []string) []string {
	type scored struct {
		name string
		d    int
	}
	var hits []scored
	limit := max(1, min(3, len(typed)/4))
	for _, c := range candidates {
		d := editDistance(strings.ToLower(typed), strings.ToLower(c))
		if d <= limit || (len(typed) >= 2 && strings.HasPrefix(c, typed)) {
			hits = append(hits, scored{c, d})
		}
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].d < hits[j].d })
	out := make([]string, 0, len(hits))
	for _, h := range hits {
		// Only the nearest: a second-best guess is mostly noise.
		if h.d > hits[0].d {
			break
		}
		out = append(out, h.name)
	}
	return out
}

// editDistance is the optimal string alignment distance: insertions,
// deletions, substitutions and swaps of neighbours each cost one.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// didYouMean words the best suggestions as the end of an error line, or
// returns "" when there is none.
func didYouMean(typed string, candidates []string, prefix string) string {
	s := suggest(typed, candidates)
	if len(s) == 0 {
		return ""
	}
	if len(s) > 3 {
		s = s[:3]
	}
	for i := range s {
		s[i] = prefix + s[i]
	}
	return "; did you mean " + strings.Join(s, " or ") + "?"
}

// flagError turns the flag package's error into the one line a user
// reads: what was wrong, the nearest real flag, and where the help is.
func flagError(fs *flag.FlagSet, err error) error {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		var names []string
		fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
		msg = fmt.Sprintf("unknown flag --%s%s", strings.TrimLeft(name, "-"), didYouMean(strings.TrimLeft(name, "-"), names, "--"))
	}
	return &usageError{err: fmt.Errorf("%s (see `%s --help`)", msg, fs.Name())}
}

// parseQuietly parses args without letting the flag package print its
// error and the whole usage: a typo gets one line (flagError), while
// -h/--help still prints the usage.
func parseQuietly(fs *flag.FlagSet, args []string) error {
	out := fs.Output()
	usage := fs.Usage
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	err := fs.Parse(args)
	fs.SetOutput(out)
	fs.Usage = usage
	if errors.Is(err, flag.ErrHelp) {
		if usage != nil {
			usage()
		} else {
			fmt.Fprintf(out, "Usage of %s:\n", fs.Name())
			fs.PrintDefaults()
		}
		return err
	}
	if err != nil {
		return flagError(fs, err)
	}
	return nil
}
