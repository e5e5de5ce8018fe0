package harvest

import (
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"
	"sync"
)

// filter applies a source's include and exclude patterns.
//
// A pattern has up to three "/"-separated parts, matched against the
// instance, the workspace and the group in that order; parts left out
// match anything, so "prod-*" means every group of the instances named
// prod-*, and "*/*/internal*" every group named internal*. Each part is a
// path.Match glob ("**" is the same as "*"), compared case-insensitively
// with both the display name and its slug, so "Public API" and
// "public-api" both match the group "Public API".
//
// A group is crawled when it matches at least one include pattern (no
// include patterns means all) and no exclude pattern. Instances and
// workspaces that no include can reach, or that an exclude covers whole,
// are not even listed. For url sources the instance and workspace are
// "-"; for files sources the instance is "-", the workspace the
// directory below the glob's fixed prefix and the group the file name.
type filter struct {
	include [][]string
	exclude [][]string
	raw     [2][]string // the patterns as configured, for messages

	// What the filter saw, so that filters matching nothing in an
	// answered listing (a typo such as "acme-prd/*") fail the source
	// instead of emptying it.
	mu       sync.Mutex
	rejected int
	matched  int
	samples  []string
}

// maxFilterSamples is how many rejected names a no-match error quotes.
const maxFilterSamples = 5

// level is one step of the hierarchy: its names (display name, and the
// machine name when the source has one) and its slug.
type level struct {
	names []string
	slug  string
	id    string // the source's id of this instance, workspace or group, if any
}

func newFilter(include, exclude []string) (*filter, error) {
	f := &filter{raw: [2][]string{include, exclude}}
	var err error
	if f.include, err = parsePatterns(include); err != nil {
		return nil, err
	}
	if f.exclude, err = parsePatterns(exclude); err != nil {
		return nil, err
	}
	return f, nil
}

func parsePatterns(patterns []string) ([][]string, error) {
	out := make([][]string, 0, len(patterns))
	for _, p := range patterns {
		parts := strings.Split(strings.ToLower(strings.Trim(p, "/")), "/")
		if len(parts) > 3 {
			return nil, fmt.Errorf("pattern %q has more than three parts (instance/workspace/group)", p)
		}
		for i, part := range parts {
			if part == "**" {
				parts[i] = "*"
			}
			if _, err := path.Match(parts[i], ""); err != nil {
				return nil, fmt.Errorf("pattern %q: %w", p, err)
			}
		}
		out = append(out, parts)
	}
	return out, nil
}

// matches says whether pattern agrees with the levels both have.
func matches(pattern []string, levels []level) bool {
	for i := 0; i < len(pattern) && i < len(levels); i++ {
		if !matchesLevel(pattern[i], levels[i]) {
			return false
		}
	}
	return true
}

func matchesLevel(part string, l level) bool {
	if ok, _ := path.Match(part, l.slug); ok {
		return true
	}
	for _, n := range l.names {
		if ok, _ := path.Match(part, strings.ToLower(n)); ok && n != "" {
			return true
		}
	}
	return false
}

// allows says whether anything at or below levels may be crawled: for a
// group (three levels) whether the group itself is; for an instance or a
// workspace whether it is worth listing.
func (f *filter) allows(levels ...level) bool {
	ok := f.decide(levels)
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case ok && len(levels) == 3:
		f.matched++
	case !ok:
		f.rejected++
		if len(f.samples) < maxFilterSamples {
			names := make([]string, len(levels))
			for i, l := range levels {
				names[i] = l.slug
				if len(l.names) > 0 && l.names[0] != "" {
					names[i] = l.names[0]
				}
			}
			f.samples = append(f.samples, strings.Join(names, "/"))
		}
	}
	return ok
}

func (f *filter) decide(levels []level) bool {
	for _, p := range f.exclude {
		if len(p) <= len(levels) && matches(p, levels) {
			return false
		}
	}
	if len(f.include) == 0 {
		return true
	}
	for _, p := range f.include {
		if matches(p, levels) {
			return true
		}
	}
	return false
}

// ErrFilterMatchesNothing: the listings answered, but the include and
// exclude patterns left not one group of them.
var ErrFilterMatchesNothing = errors.New("the filters match no group")

// noMatch returns an error when the filters turned every listed name
// away; nil when something matched or nothing was listed at all.
func (f *filter) noMatch() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.matched > 0 || f.rejected == 0 {
		return nil
	}
	quoted := make([]string, len(f.samples))
	for i, s := range f.samples {
		quoted[i] = strconv.Quote(truncateName(s))
	}
	return fmt.Errorf("%w: include %s, exclude %s; names listed include %s",
		ErrFilterMatchesNothing, quoteList(f.raw[0]), quoteList(f.raw[1]), strings.Join(quoted, ", "))
}

func quoteList(ps []string) string {
	q := make([]string, len(ps))
	for i, p := range ps {
		q[i] = strconv.Quote(p)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// truncateName keeps a quoted name short whatever a listing returned.
func truncateName(s string) string {
	if r := []rune(s); len(r) > 80 {
		return string(r[:80]) + "…"
	}
	return s
}
