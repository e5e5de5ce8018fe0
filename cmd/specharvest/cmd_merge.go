package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/specharvest/specharvest/harvest"
	"github.com/specharvest/specharvest/harvest/validate"
	"github.com/specharvest/specharvest/merge"
)

// mergeListed is how many collisions and renames the summary lists
// without -v; the counts per kind are always complete.
const mergeListed = 10

func cmdMerge(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "merge")
	out := fs.String("o", "", "write the merged document to `FILE` (.json, .yaml or .yml); stdout as JSON when absent")
	title := fs.String("title", "Merged API", "info.title of the merged document")
	var verbose bool
	fs.BoolVar(&verbose, "v", false, "list every collision and rename, not only the first ten")
	fs.BoolVar(&verbose, "verbose", false, "same as -v")
	prefixComponents := fs.String("prefix-components", "", "name every component of each input `BY` its key or file name (key, file): books_User, as redocly join's --prefix-components-with-info-prop")
	prefixTags := fs.String("prefix-tags", "", "name every tag of each input `BY` its key or file name (key, file): books_Users")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("usage: specharvest merge FILE|URL... [-o OUT.json|OUT.yaml] [--title T] [--prefix-components key|file] [--prefix-tags key|file] [-v]")
	}
	yamlOut := false
	switch strings.ToLower(filepath.Ext(*out)) {
	case ".yaml", ".yml":
		yamlOut = true
	case ".json":
	default:
		if *out != "" {
			return usagef("-o %s: the extension must be .json, .yaml or .yml", *out)
		}
	}

	// The summary goes to stdout unless stdout carries the document.
	summary := e.stdout
	if *out == "" {
		summary = e.stderr
	}

	for flagName, v := range map[string]string{"prefix-components": *prefixComponents, "prefix-tags": *prefixTags} {
		if v != "" && v != "key" && v != "file" {
			return usagef("--%s must be key or file, not %q", flagName, v)
		}
	}
	status := startStatus(e.stderr, e.now)
	defer status.clear()
	inputs, err := loadMergeInputs(ctx, e, pos, status)
	if err != nil {
		return err
	}
	for i, in := range inputs {
		inputs[i].Doc = merge.PrefixTags(merge.PrefixComponents(in.Doc, inputPrefix(in, *prefixComponents)), inputPrefix(in, *prefixTags))
	}
	status.say("merge: merging %d documents", len(inputs))
	doc, report, err := merge.Merge(inputs, merge.Options{Title: *title})
	if err != nil {
		return err
	}
	var data []byte
	if yamlOut {
		data, err = merge.MarshalDocumentYAML(doc)
	} else {
		data, err = merge.MarshalDocument(doc)
	}
	if err != nil {
		return err
	}
	status.clear()
	if *out == "" {
		if _, err := e.stdout.Write(data); err != nil {
			return fmt.Errorf("write merged document: %w", err)
		}
	} else if err := writeFileAtomic(*out, data); err != nil {
		return err
	}
	printMergeSummary(summary, report, verbose)
	if *out != "" {
		fmt.Fprintf(summary, "wrote %s\n", *out)
	}
	return nil
}

// loadMergeInputs reads and loads every argument. A document that cannot
// be read or loaded at all stops the command, naming it; one that loads
// but is invalid is merged, with a warning, since the merge only needs
// its structure and the nightly run merges such documents too.
func loadMergeInputs(ctx context.Context, e *env, args []string, status *progressLine) ([]merge.Input, error) {
	names := make([]string, len(args))
	bodies := make([][]byte, len(args))
	named := make([]harvest.Named, len(args))
	for i, arg := range args {
		status.say("merge: reading %d/%d %s", i+1, len(args), documentBaseName(arg))
		body, name, err := harvest.ReadDocument(ctx, arg, harvest.DefaultOptions())
		if name == "" {
			name = arg
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		names[i], bodies[i] = name, body
		named[i] = harvest.Named{Name: documentBaseName(name), ID: strconv.Itoa(i + 1)}
	}
	// Two files called openapi.json in different folders still get
	// distinct keys.
	keys := harvest.UniqueSlugs(named)
	inputs := make([]merge.Input, len(args))
	for i := range args {
		status.say("merge: loading %d/%d %s", i+1, len(args), documentBaseName(names[i]))
		res := validate.Load(ctx, bodies[i], validate.Options{})
		if res.Doc == nil {
			return nil, fmt.Errorf("%s cannot be loaded: %s", names[i], firstError(res))
		}
		if !res.Valid {
			status.above(func() {
				fmt.Fprintf(e.stderr, "warning: %s is not valid (%d errors, first: %s); merged anyway\n", names[i], res.Errors(), firstError(res))
			})
		}
		inputs[i] = merge.Input{Key: keys[i], Group: named[i].Name, Doc: res.Doc}
	}
	return inputs, nil
}

// documentBaseName is the last element of a path or of a URL's path.
func documentBaseName(name string) string {
	if i := strings.Index(name, "://"); i >= 0 {
		rest := name[i+3:]
		if j := strings.IndexAny(rest, "?#"); j >= 0 {
			rest = rest[:j]
		}
		if base := path.Base(rest); base != "." && base != "/" {
			return base
		}
		return rest
	}
	return filepath.Base(name)
}

func firstError(res *validate.Result) string {
	for _, p := range res.Problems {
		if p.Level == validate.LevelError {
			return p.String()
		}
	}
	return "no details"
}

func printMergeSummary(w io.Writer, r *merge.Report, verbose bool) {
	fmt.Fprintf(w, "merged %d documents: %d operations in, %d out\n", r.Inputs, r.OperationsIn, r.OperationsOut)
	fmt.Fprintf(w, "collisions: %d\n", len(r.Collisions))
	for i, c := range r.Collisions {
		if i == mergeListed && !verbose {
			fmt.Fprintf(w, "  … and %d more (-v lists them all)\n", len(r.Collisions)-i)
			break
		}
		fmt.Fprintf(w, "  %s in %s: %s\n", c.Path, strings.Join(c.Keys, ", "), c.Resolution)
	}
	perKind := map[string]int{}
	for _, rn := range r.Renames {
		perKind[rn.Kind]++
	}
	var kinds []string
	for k, n := range perKind {
		kinds = append(kinds, fmt.Sprintf("%s %d", k, n))
	}
	sort.Strings(kinds)
	if len(kinds) == 0 {
		fmt.Fprintln(w, "renames: 0")
		return
	}
	fmt.Fprintf(w, "renames: %d (%s)\n", len(r.Renames), strings.Join(kinds, ", "))
	for i, rn := range r.Renames {
		if i == mergeListed && !verbose {
			fmt.Fprintf(w, "  … and %d more (-v lists them all)\n", len(r.Renames)-i)
			break
		}
		fmt.Fprintf(w, "  %s of %s: %s → %s\n", rn.Kind, rn.Key, rn.From, rn.To)
	}
}

// writeFileAtomic writes through a temporary file in the target folder,
// so that an interrupted merge never leaves half a document behind.
func writeFileAtomic(name string, data []byte) error {
	dir := filepath.Dir(name)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(name)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	defer os.Remove(tmp.Name())
	// CreateTemp makes the file private; a merged document is not.
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// inputPrefix is what --prefix-components and --prefix-tags put before
// an input's names: its key, or its file name without the extension,
// then an underscore; "" when the flag is not given.
func inputPrefix(in merge.Input, by string) string {
	switch by {
	case "key":
		return in.Key + "_"
	case "file":
		return strings.TrimSuffix(in.Group, filepath.Ext(in.Group)) + "_"
	}
	return ""
}
