package harvest

import (
	"fmt"
	"path"
	"strings"
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
}

// level is one step of the hierarchy: its names (display name, and the
// machine name when the source has one) and its slug.
type level struct {
	names []string
	slug  string
}

func newFilter(include, exclude []string) (*filter, error) {
	f := &filter{}
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
