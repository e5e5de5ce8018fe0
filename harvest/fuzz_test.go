package harvest

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// A key segment becomes a folder name in exports and reports: only
// lower-case ASCII letters and digits in dash-separated runs, so it can
// never be ".", "..", empty, or hold a separator or a NUL.
var safeSegment = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

func FuzzSlug(f *testing.F) {
	for _, seed := range []string{
		"Public API", "public-api", "../../etc/passwd", "a/b\\c", "nul\x00byte", "..", ".", "",
		"Café Crème", "注文管理", "ÅÄÖ", "\xff\xfe\xfd", strings.Repeat("long name ", 40),
		"İstanbul", "K", "---", "a--b", " trailing ",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, name string) {
		s := Slug(name)
		if !safeSegment.MatchString(s) {
			t.Fatalf("Slug(%q) = %q: not a safe segment", name, s)
		}
		if len(s) > maxSlugLen {
			t.Fatalf("Slug(%q) = %q: %d bytes, limit %d", name, s, len(s), maxSlugLen)
		}
		if again := Slug(name); again != s {
			t.Fatalf("Slug(%q) is not deterministic: %q then %q", name, s, again)
		}
		// A slug is a fixed point: slugging a key segment again must not
		// move it, or keys would drift between runs that re-slug names.
		if again := Slug(s); again != s {
			t.Fatalf("Slug(Slug(%q)) = %q, want %q", name, again, s)
		}
	})
}

// FuzzUniqueSlugs reads its input as sibling names separated by newlines,
// each optionally followed by a tab and its id.
func FuzzUniqueSlugs(f *testing.F) {
	for _, seed := range []string{
		"Public API\t1\npublic-api\t2",
		"a\na\na",
		"a\t1\na\t2\na-1\t3",
		"a\t1\na\t1-2\na-1\t2\na-1\t3",
		"注文\t7\n注文\t8\n在庫\t9",
		"../x\t1\n/x\t2\nx\t3",
		"\x00\t\x00\n\x00\t\x00",
		strings.Repeat("z", 200) + "\t" + strings.Repeat("9", 200) + "\n" + strings.Repeat("Z", 200) + "\t" + strings.Repeat("8", 200),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, input string) {
		items := parseNamed(input)
		slugs := UniqueSlugs(items)
		if len(slugs) != len(items) {
			t.Fatalf("%d slugs for %d items", len(slugs), len(items))
		}
		seen := map[string]int{}
		for i, s := range slugs {
			if !safeSegment.MatchString(s) {
				t.Fatalf("item %d %+v got %q: not a safe segment", i, items[i], s)
			}
			base := Slug(items[i].Name)
			if s != base && !strings.HasPrefix(s, base+"-") {
				t.Fatalf("item %d %+v got %q, which does not start with its own slug %q", i, items[i], s, base)
			}
			// The suffix is the id's slug (or "n") and at most a counter.
			if limit := maxSlugLen + 1 + maxSlugLen + 1 + 20; len(s) > limit {
				t.Fatalf("item %d %+v got %q: %d bytes, limit %d", i, items[i], s, len(s), limit)
			}
			if j, dup := seen[s]; dup {
				t.Fatalf("items %d %+v and %d %+v share the slug %q", j, items[j], i, items[i], s)
			}
			seen[s] = i
		}
		if again := UniqueSlugs(items); !equalStrings(again, slugs) {
			t.Fatalf("UniqueSlugs is not deterministic: %q then %q", slugs, again)
		}

		// Sources give every sibling its own numeric id. Then the listing
		// order must not matter: the same fleet listed in another order
		// keeps its keys, or a night would report groups changed for
		// nothing.
		numbered := make([]Named, len(items))
		for i, it := range items {
			numbered[i] = Named{Name: it.Name, ID: strconv.Itoa(i + 1)}
		}
		forward := UniqueSlugs(numbered)
		reversed := make([]Named, len(numbered))
		for i, it := range numbered {
			reversed[len(numbered)-1-i] = it
		}
		backward := UniqueSlugs(reversed)
		for i := range numbered {
			if got := backward[len(numbered)-1-i]; got != forward[i] {
				t.Fatalf("%+v is %q listed forward and %q listed backward", numbered[i], forward[i], got)
			}
		}
	})
}

func parseNamed(input string) []Named {
	if input == "" {
		return nil
	}
	lines := strings.Split(input, "\n")
	if len(lines) > 64 {
		lines = lines[:64]
	}
	items := make([]Named, 0, len(lines))
	for _, line := range lines {
		name, id, _ := strings.Cut(line, "\t")
		items = append(items, Named{Name: name, ID: id})
	}
	return items
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// FuzzRedactURL checks that whatever path and token a listing returns in a
// document URL, the token never survives redaction.
func FuzzRedactURL(f *testing.F) {
	for _, seed := range []struct{ path, param, secret string }{
		{"apispec:abc", "token", "s3cr3tTokenValue"},
		{"p", "api_key", "k3yk3yk3y&x=1"},
		{"a/b/c", "TOKEN", "UPPERsecret"},
		{"x", "access_token", "tok en/value+"},
		{"", "token", "注文トークン値"},
	} {
		f.Add(seed.path, seed.param, seed.secret)
	}
	f.Fuzz(func(t *testing.T, path, param, secret string) {
		switch strings.ToLower(param) {
		case "token", "api_key", "access_token":
		default:
			param = "token"
		}
		prefix := "https://x1.example.xano.io/" + url.PathEscape(path) + "?type=json&" + param + "="
		raw := prefix + url.QueryEscape(secret)
		out := RedactURL(raw)
		if again := RedactURL(raw); again != out {
			t.Fatalf("RedactURL(%q) is not deterministic: %q then %q", raw, out, again)
		}
		// Short secrets, and secrets that the rest of the URL spells out
		// anyway, prove nothing when found.
		if len(secret) < 8 || strings.Contains(prefix, secret) || strings.Contains(prefix, url.QueryEscape(secret)) {
			return
		}
		if strings.Contains(out, secret) || strings.Contains(out, url.QueryEscape(secret)) {
			t.Fatalf("RedactURL(%q) = %q still holds the %s value", raw, out, param)
		}
	})
}
