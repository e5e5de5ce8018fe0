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

// A key, once given, keeps its owner: a group that had a key keeps it
// however its siblings change, and a newcomer whose slug collides with it
// takes the suffix. The owner of a name is known by its source's id where
// the source gives ids (Xano instances, workspaces and groups), and by its
// exact name otherwise (files, URLs, and manifests written before ids
// were recorded).

// PreviousKey is a key given in an earlier snapshot, with the names and
// ids of its instance, workspace and group ("" where there is none).
type PreviousKey struct {
	Key   string
	Names [3]string
	IDs   [3]string
}

// keyBook maps a key prefix ("prod", "prod/main", "prod/main/books") to the
// segment each owner below it was given: identity → slug.
type keyBook map[string]map[string]string

func newKeyBook(prev []PreviousKey) keyBook {
	book := keyBook{}
	for _, p := range prev {
		segs := strings.Split(p.Key, "/")
		if len(segs) != 4 {
			continue
		}
		for l := 0; l < 3; l++ {
			prefix := strings.Join(segs[:l+1], "/")
			if book[prefix] == nil {
				book[prefix] = map[string]string{}
			}
			book[prefix][identity(p.IDs[l], p.Names[l])] = segs[l+1]
		}
	}
	return book
}

// identity is who owns a name: its id where there is one.
func identity(id, name string) string {
	if id != "" {
		return "id:" + id
	}
	return "name:" + name
}

// StableSlugs slugs siblings like UniqueSlugs, except that an owner that
// had a segment before (prev: identity → slug, see identity) keeps it, and
// no newcomer is given a segment that an earlier owner had. ids may be nil
// (the siblings have no ids of their own); names are the owners' names as
// recorded (Spec.Instance, Spec.Workspace, Spec.Group).
func StableSlugs(items []Named, ids, names []string, prev map[string]string) []string {
	slugs := make([]string, len(items))
	if len(prev) == 0 {
		return UniqueSlugs(items)
	}
	taken := map[string]bool{}
	for _, s := range prev {
		taken[s] = true
	}
	claimed := map[string]bool{}
	var rest []int
	for i := range items {
		id := ""
		if ids != nil {
			id = ids[i]
		}
		s, ok := prev[identity(id, names[i])]
		if !ok && id != "" {
			// A manifest from before ids were recorded knows the owner
			// by name only.
			s, ok = prev[identity("", names[i])]
		}
		if ok && !claimed[s] {
			slugs[i] = s
			claimed[s] = true
			continue
		}
		rest = append(rest, i)
	}
	sub := make([]Named, len(rest))
	for j, i := range rest {
		sub[j] = items[i]
	}
	base := UniqueSlugs(sub)
	for j, i := range rest {
		cand := base[j]
		if taken[cand] || claimed[cand] {
			id := Slug(items[i].ID)
			if items[i].ID == "" {
				id = "n"
			}
			root := Slug(items[i].Name)
			cand = root + "-" + id
			for n := 2; taken[cand] || claimed[cand]; n++ {
				cand = root + "-" + id + "-" + itoa(n)
			}
		}
		claimed[cand] = true
		slugs[i] = cand
	}
	return slugs
}
