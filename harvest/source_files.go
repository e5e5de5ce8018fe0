package harvest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/sync/errgroup"
)

// A files source reads local documents matched by globs. Besides the
// usual * ? [...] within one path segment, "**" as a whole segment
// matches any number of directories, including none: "specs/**/*.yaml"
// matches specs/a.yaml and specs/x/y/b.yaml.
//
// Keys: source/-/<directory>/<name>, where <directory> is the slug of the
// file's directory below the glob's fixed prefix ("-" for a file right in
// it) and <name> the slug of the file name without its extension. So with
// "specs/**/*.yaml", specs/billing/v2/api.yaml becomes
// source/-/billing-v2/api. Keys do not depend on where the tree is checked
// out. Names that collide get the file's extension, then a counter,
// appended ("api-json", "api-yaml").
//
// A base directory that cannot be read is a failed scope (the source's
// previous groups stay, as stale); a glob that matches nothing is only a
// warning.
//
// Only regular files that resolve inside their glob's fixed prefix (the
// directory of a pattern without wildcards) are read: a symbolic link may
// point elsewhere in that tree, but never out of it, and never at a
// device, a FIFO, a socket or anything under /proc, /sys or /dev. A
// document is stored world-readable, so a link to a private file or to
// /proc/self/environ must not turn a secret into a blob.

// fileMatch is one matched file with its place below its glob's prefix.
type fileMatch struct {
	path string // as matched, for Spec.URL
	real string // the regular file it resolves to, inside the root; what is read
	dir  string // slash-separated directory below the glob prefix; "" at the top
	name string // file name
}

func (s *sourceRun) crawlFiles(ctx context.Context, f *filter) error {
	seen := map[string]bool{}
	var files []fileMatch
	for _, pattern := range s.src.Paths {
		matches, err := expandGlob(pattern)
		if err != nil {
			if ferr := s.failScope(ctx, s.src.Name, fmt.Errorf("files %q: %w", pattern, err)); ferr != nil {
				return ferr
			}
			continue
		}
		if len(matches) == 0 {
			s.logger.LogAttrs(ctx, slog.LevelWarn, "pattern matches no file", slog.String("source", s.src.Name),
				slog.String("pattern", pattern))
		}
		for _, m := range matches {
			abs, err := filepath.Abs(m.path)
			if err != nil {
				abs = m.path
			}
			if !seen[abs] {
				seen[abs] = true
				files = append(files, m)
			}
		}
	}
	sort.Slice(files, func(i, j int) bool {
		if files[i].dir != files[j].dir {
			return files[i].dir < files[j].dir
		}
		return files[i].path < files[j].path
	})
	jobs := fileJobs(s.src.Name, files, f, s.book)
	s.foundGroups(jobs)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.opts.Concurrency)
	for _, j := range jobs {
		g.Go(func() error {
			spec := Spec{Key: j.key, Source: s.src.Name, Workspace: j.workspace, Group: j.name, URL: j.url}
			body, err := readRegularFile(j.file, j.url, s.opts.MaxSpecBytes)
			if gctx.Err() != nil {
				return gctx.Err()
			}
			if err != nil {
				spec.Err = err
				s.logger.LogAttrs(gctx, slog.LevelWarn, "group failed", slog.String("source", s.src.Name),
					slog.String("key", j.key), slog.String("url", j.url), slog.String("error", err.Error()))
			}
			spec.Body = body
			return s.emit(gctx, spec)
		})
	}
	return g.Wait()
}

// fileJobs names the matched files (see the key rules above).
func fileJobs(source string, files []fileMatch, f *filter, book keyBook) []groupJob {
	var dirs []Named
	dirIndex := map[string]int{}
	for _, m := range files {
		if _, ok := dirIndex[m.dir]; !ok {
			dirIndex[m.dir] = len(dirs)
			dirs = append(dirs, Named{Name: m.dir, ID: m.dir})
		}
	}
	dirNames := make([]string, len(dirs))
	for i, d := range dirs {
		dirNames[i] = d.Name
	}
	dirSlugs := StableSlugs(dirs, nil, dirNames, book[Key(source, "-")])
	for i, d := range dirs {
		if d.Name == "" {
			dirSlugs[i] = "-"
		}
	}
	byDir := map[string][]fileMatch{}
	for _, m := range files {
		byDir[m.dir] = append(byDir[m.dir], m)
	}
	none := level{names: []string{"-"}, slug: "-"}
	var jobs []groupJob
	for i, d := range dirs {
		members := byDir[d.Name]
		named := make([]Named, len(members))
		for j, m := range members {
			named[j] = Named{Name: strings.TrimSuffix(m.name, filepath.Ext(m.name)), ID: strings.TrimPrefix(filepath.Ext(m.name), ".")}
		}
		fileNames := make([]string, len(members))
		for j, m := range members {
			fileNames[j] = m.name
		}
		slugs := StableSlugs(named, nil, fileNames, book[Key(source, "-", dirSlugs[i])])
		wl := level{names: []string{d.Name}, slug: dirSlugs[i]}
		for j, m := range members {
			gl := level{names: []string{m.name, named[j].Name}, slug: slugs[j]}
			if !f.allows(none, wl, gl) {
				continue
			}
			jobs = append(jobs, groupJob{key: Key(source, "-", dirSlugs[i], slugs[j]), workspace: d.Name,
				name: m.name, url: m.path, file: m.real})
		}
	}
	return jobs
}

// expandGlob lists the regular files a pattern matches.
func expandGlob(pattern string) ([]fileMatch, error) {
	slashed := filepath.ToSlash(pattern)
	segs := strings.Split(slashed, "/")
	fixed := 0
	for fixed < len(segs) && !hasMeta(segs[fixed]) {
		fixed++
	}
	if fixed == len(segs) {
		// No wildcard: one file, which must exist, inside its directory.
		real, err := containedFile(filepath.Dir(pattern), pattern)
		if err != nil {
			return nil, err
		}
		return []fileMatch{{path: pattern, real: real, name: filepath.Base(pattern)}}, nil
	}
	for _, seg := range segs[fixed:] {
		if _, err := path.Match(seg, ""); err != nil {
			return nil, err
		}
	}
	base := strings.Join(segs[:fixed], "/")
	if base == "" && strings.HasPrefix(slashed, "/") {
		base = "/"
	}
	root := filepath.FromSlash(base)
	if root == "" {
		root = "."
	}
	rest := segs[fixed:]
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, err
	}
	var out []fileMatch
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root {
				return err
			}
			return nil // an unreadable subdirectory is skipped, not fatal
		}
		if d.IsDir() || !(d.Type().IsRegular() || d.Type()&fs.ModeSymlink != 0) {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return nil
		}
		relSegs := strings.Split(filepath.ToSlash(rel), "/")
		if !matchSegments(rest, relSegs) {
			return nil
		}
		real, err := resolveInside(realRoot, p)
		if err != nil {
			return nil // skipped: a link out of the tree, or not a regular file
		}
		dir := path.Dir(filepath.ToSlash(rel))
		if dir == "." {
			dir = ""
		}
		out = append(out, fileMatch{path: p, real: real, dir: dir, name: d.Name()})
		return nil
	})
	if err != nil && !errors.Is(err, fs.SkipAll) {
		return nil, err
	}
	return out, nil
}

// errOutsideRoot: a matched path resolves outside its configured root.
var errOutsideRoot = errors.New("resolves outside the configured directory")

// errNotRegular: a matched path is a device, FIFO, socket or directory.
var errNotRegular = errors.New("not a regular file")

// forbiddenTrees are kernel views whose "regular files" hold process
// state (environment, memory maps) rather than documents.
var forbiddenTrees = []string{"/proc", "/sys", "/dev"}

// containedFile resolves p, which must lie inside root.
func containedFile(root, p string) (string, error) {
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return "", err
	}
	return resolveInside(realRoot, p)
}

// resolveInside follows every link of p and checks that the result is a
// regular file below realRoot (itself already resolved) and not in a
// kernel tree.
func resolveInside(realRoot, p string) (string, error) {
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return "", err
	}
	if real, err = filepath.Abs(real); err != nil {
		return "", err
	}
	absRoot, err := filepath.Abs(realRoot)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(absRoot, real)
	if err != nil || !filepath.IsLocal(rel) {
		return "", errOutsideRoot
	}
	for _, t := range forbiddenTrees {
		if real == t || strings.HasPrefix(real, t+string(filepath.Separator)) {
			return "", errOutsideRoot
		}
	}
	info, err := os.Lstat(real)
	if err != nil {
		return "", err
	}
	if !info.Mode().IsRegular() {
		return "", errNotRegular
	}
	return real, nil
}

func hasMeta(seg string) bool { return strings.ContainsAny(seg, `*?[\`) }

// matchSegments matches path segments against pattern segments, where
// "**" stands for any number of segments.
func matchSegments(pattern, name []string) bool {
	if len(pattern) == 0 {
		return len(name) == 0
	}
	if pattern[0] == "**" {
		return matchSegments(pattern[1:], name) || (len(name) > 0 && matchSegments(pattern, name[1:]))
	}
	if len(name) == 0 {
		return false
	}
	ok, _ := path.Match(pattern[0], name[0])
	return ok && matchSegments(pattern[1:], name[1:])
}
