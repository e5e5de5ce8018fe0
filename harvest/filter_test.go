package harvest

import "testing"

func lv(name, slug string) level { return level{names: []string{name}, slug: slug} }

func TestFilter(t *testing.T) {
	prod, staging := lv("Production", "production"), lv("Staging", "staging")
	books, internal := lv("Book Store", "book-store"), lv("Internal", "internal")
	public, admin := lv("Public API", "public-api"), lv("Admin API", "admin-api")

	cases := []struct {
		name             string
		include, exclude []string
		levels           []level
		want             bool
	}{
		{"no patterns: everything", nil, nil, []level{prod, books, public}, true},
		{"include by instance display name", []string{"Prod*"}, nil, []level{prod, books, public}, true},
		{"include prunes other instances", []string{"prod*"}, nil, []level{staging}, false},
		{"include by slug of group", []string{"*/*/public-api"}, nil, []level{prod, books, public}, true},
		{"include by group misses", []string{"*/*/public-api"}, nil, []level{prod, books, admin}, false},
		{"workspace still worth listing", []string{"*/*/public-api"}, nil, []level{prod, books}, true},
		{"exclude a workspace whole", nil, []string{"*/internal"}, []level{prod, internal}, false},
		{"exclude covers its groups", nil, []string{"*/internal"}, []level{prod, internal, public}, false},
		{"exclude a group does not prune its workspace", nil, []string{"*/*/admin*"}, []level{prod, books}, true},
		{"exclude a group", nil, []string{"*/*/admin*"}, []level{prod, books, admin}, false},
		{"exclude wins over include", []string{"production"}, []string{"production/book-store"}, []level{prod, books, public}, false},
		{"double star is a star", []string{"**/book*"}, nil, []level{staging, books, admin}, true},
		{"case-insensitive", []string{"*/BOOK STORE"}, nil, []level{prod, books, public}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := newFilter(c.include, c.exclude)
			if err != nil {
				t.Fatal(err)
			}
			if got := f.allows(c.levels...); got != c.want {
				t.Fatalf("allows = %v, want %v", got, c.want)
			}
		})
	}
	for _, bad := range []string{"a/b/c/d", "[x"} {
		if _, err := newFilter([]string{bad}, nil); err == nil {
			t.Errorf("pattern %q accepted", bad)
		}
	}
}
