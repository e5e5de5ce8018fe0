package harvest

import (
	"strings"
	"unicode"
)

// maxSlugLen keeps every key segment well below file-name limits.
const maxSlugLen = 64

// Slug makes a name safe as one segment of a key and of a file path:
// lower-case ASCII letters and digits separated by single dashes. Letters
// with accents lose them; anything else becomes a dash. A name with nothing
// left becomes "unnamed", so a key segment is never empty, "." or "..".
func Slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		r = foldAccent(r)
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if dash && b.Len() > 0 {
				if b.Len()+2 > maxSlugLen {
					break // a dash and one more letter would pass the limit
				}
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			if b.Len() >= maxSlugLen {
				break
			}
			continue
		}
		dash = true
	}
	if b.Len() == 0 {
		return "unnamed"
	}
	return b.String()
}

// foldAccent maps common Latin letters with diacritics to their base
// letter; it is deliberately small (no Unicode tables dependency): names
// outside Latin scripts fall back to the id suffix that collisions get.
func foldAccent(r rune) rune {
	if r < unicode.MaxASCII {
		return r
	}
	const from = "àáâãäåāăąçćčďèéêëēėęěìíîïīįłñńňòóôõöøōőŕřśšşťţùúûüūůűųýÿźżž"
	const to = "aaaaaaaaacccdeeeeeeeeiiiiiilnnnoooooooorrsssttuuuuuuuuyyzzz"
	fromRunes := []rune(from)
	for i, f := range fromRunes {
		if f == r {
			return rune(to[i])
		}
	}
	return r
}

// Named is one sibling (instance, workspace or group) with the id its
// source gave it, used to make slugs unique among siblings.
type Named struct {
	Name string
	ID   string
}

// UniqueSlugs slugs sibling names so that no two share a slug: every name
// whose slug collides with another's gets "-<id>" appended ("-n" when it
// has no id), and a further "-2", "-3"… should even that be taken. With
// distinct ids, as every Xano listing gives, a name's slug does not depend
// on the order of its siblings.
func UniqueSlugs(items []Named) []string {
	counts := map[string]int{}
	slugs := make([]string, len(items))
	for i, it := range items {
		slugs[i] = Slug(it.Name)
		counts[slugs[i]]++
	}
	used := map[string]bool{}
	for _, s := range slugs {
		if counts[s] == 1 {
			used[s] = true
		}
	}
	for i, s := range slugs {
		if counts[s] == 1 {
			continue
		}
		id := Slug(items[i].ID)
		if items[i].ID == "" {
			id = "n"
		}
		cand := s + "-" + id
		for n := 2; used[cand]; n++ {
			cand = s + "-" + id + "-" + itoa(n)
		}
		used[cand] = true
		slugs[i] = cand
	}
	return slugs
}

func itoa(n int) string {
	var buf [20]byte
	i := len(buf)
	for n > 0 || i == len(buf) {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
	}
	return string(buf[i:])
}

// Key joins slugged segments into a group key: source/instance/workspace/group.
func Key(segments ...string) string { return strings.Join(segments, "/") }
