package harvest

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// TestKeysNeverChangeOwner is the law of stable keys: over random
// sequences of nights in which groups are added, renamed, and named so
// that their slugs collide (case, accents, punctuation), a segment once
// given to an owner is never given to another, and an owner keeps its
// segment from night to night.
func TestKeysNeverChangeOwner(t *testing.T) {
	names := []string{"Books", "books", "BOOKS", "Böoks", "books!", "Orders", "orders", "Users", "users-1", "users 1", "Users-2"}
	seeds := 300
	if testing.Short() {
		seeds = 60
	}
	for seed := 0; seed < seeds; seed++ {
		r := rand.New(rand.NewPCG(uint64(seed), 7))
		withIDs := seed%2 == 0 // Xano listings have ids; files and URLs do not
		type owner struct{ id, name string }
		var owners []owner
		nextID := 1
		owned := map[string]string{} // segment → owner identity, forever
		held := map[string]string{}  // owner identity → segment last night
		prev := map[string]string{}  // identity → segment, as the previous manifest says
		ident := func(o owner) string { return identity(o.id, o.name) }
		for night := 0; night < 12; night++ {
			// Edits of the night.
			for k := r.IntN(3); k > 0; k-- {
				name := names[r.IntN(len(names))]
				if !withIDs {
					// Without ids an owner is its name: names are unique.
					dup := false
					for _, o := range owners {
						dup = dup || o.name == name
					}
					if dup {
						continue
					}
				}
				o := owner{name: name}
				if withIDs {
					o.id = strconv.Itoa(nextID)
					nextID++
				}
				owners = append(owners, o)
			}
			if withIDs && len(owners) > 0 && r.IntN(3) == 0 {
				owners[r.IntN(len(owners))].name = names[r.IntN(len(names))] // a rename
			}
			r.Shuffle(len(owners), func(i, j int) { owners[i], owners[j] = owners[j], owners[i] })
			items := make([]Named, len(owners))
			ids := make([]string, len(owners))
			recorded := make([]string, len(owners))
			for i, o := range owners {
				items[i] = Named{Name: o.name, ID: o.id}
				ids[i], recorded[i] = o.id, o.name
			}
			var idArg []string
			if withIDs {
				idArg = ids
			}
			slugs := StableSlugs(items, idArg, recorded, prev)
			seen := map[string]bool{}
			next := map[string]string{}
			for i, o := range owners {
				s := slugs[i]
				if !keySegmentOK(s) {
					t.Fatalf("seed %d night %d: %q is not a safe segment", seed, night, s)
				}
				if seen[s] {
					t.Fatalf("seed %d night %d: segment %q given twice: %v", seed, night, s, slugs)
				}
				seen[s] = true
				id := ident(o)
				if withIDs {
					id = "id:" + o.id
				}
				if before, ok := owned[s]; ok && before != id {
					t.Fatalf("seed %d night %d: segment %q moved from %s to %s", seed, night, s, before, id)
				}
				if before, ok := held[id]; ok && before != s {
					t.Fatalf("seed %d night %d: %s had %q and now has %q", seed, night, id, before, s)
				}
				owned[s] = id
				held[id] = s
				next[identity(o.id, o.name)] = s
			}
			prev = next
		}
	}
}

func keySegmentOK(s string) bool {
	if s == "" || strings.HasPrefix(s, "-") || strings.HasSuffix(s, "-") || strings.Contains(s, "--") {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
