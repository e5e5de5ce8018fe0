package output

import (
	"math/rand"
	"reflect"
	"strings"
	"testing"
)

const excerptDoc = `{"openapi":"3.0.0","paths":{
 "/v1.0/books":{"get":{"parameters":[{"name":"page","in":"query","schema":{"type":"integer"}},{"$ref":"#/components/parameters/Status"}],
  "responses":{"200":{"description":"ok","content":{"application/vnd.api+json":{"schema":{"type":"object","properties":{
   "items":{"type":"array","items":{"$ref":"#/components/schemas/Book"}}}}}}}}}}},
 "components":{"parameters":{"Status":{"name":"status","in":"query","schema":{"type":"string","enum":["a","b"]}}},
  "schemas":{"Book":{"type":"object","properties":{"total":{"type":"integer"},"a.b":{"type":"string"}}}}}}`

// TestLocate follows the diff's locations into a document: keys with dots
// (paths, media types), parameters by place and name, items[] into an
// array's items, property names into properties, and $refs.
func TestLocate(t *testing.T) {
	doc, err := ParseDocument([]byte(excerptDoc))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		op, loc, pointer string
		depth            int
	}{
		{"GET /v1.0/books", "request.parameters.query.page", "/paths/~1v1.0~1books/get/parameters/0", 2},
		{"GET /v1.0/books", "request.parameters.query.status", "/components/parameters/Status", 2},
		{"GET /v1.0/books", "response.200.application/vnd.api+json.items[].total", "/components/schemas/Book/properties/total", 5},
		{"", "paths./v1.0/books", "/paths/~1v1.0~1books", 2},
		{"", "components.schemas.Book.total", "/components/schemas/Book/properties/total", 4},
		{"", "components.schemas.Book.a.b", "/components/schemas/Book/properties/a.b", 4},
		// Stops at the deepest node it reaches.
		{"GET /v1.0/books", "response.200.application/vnd.api+json.items[].missing", "/components/schemas/Book", 4},
	} {
		_, path, depth, found := Locate(doc, tc.op, tc.loc, -1)
		if !found || pointer(path) != tc.pointer || depth != tc.depth {
			t.Errorf("Locate(%q, %q) = %s at depth %d (found %v), want %s at depth %d", tc.op, tc.loc, pointer(path), depth, found, tc.pointer, tc.depth)
		}
	}
	if _, _, _, found := Locate(doc, "DELETE /v1.0/books", "request.parameters.query.page", -1); found {
		t.Error("Locate found an operation the document does not have")
	}
	// A limit stops the walk early: both sides of a comparison are cut to
	// the depth both reach.
	if _, path, depth, _ := Locate(doc, "GET /v1.0/books", "response.200.application/vnd.api+json.items[].total", 2); depth != 2 || pointer(path) != "/paths/~1v1.0~1books/get/responses/200" {
		t.Errorf("with limit 2: %s at depth %d", pointer(path), depth)
	}
}

// TestSideBySideLaw: for any two excerpts, the left column reads a and
// the right b, in order; an unmarked row holds the same line on both
// sides; and no marked line could have been matched instead — the number
// of unmarked rows is the length of a longest common subsequence.
func TestSideBySideLaw(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	words := []string{"{", "}", `"type": "integer"`, `"type": "string"`, `"format": "int64",`, `"enum": [`, `"a",`, `"a"`, `"b"`, `"b",`, "],"}
	gen := func() []string {
		out := make([]string, rng.Intn(14))
		for i := range out {
			out[i] = words[rng.Intn(len(words))]
		}
		return out
	}
	for n := 0; n < 3000; n++ {
		a, b := gen(), gen()
		rows := SideBySide(a, b)
		var left, right []string
		same := 0
		for _, r := range rows {
			if r.HasLeft {
				left = append(left, r.Left)
			}
			if r.HasRight {
				right = append(right, r.Right)
			}
			if !r.LeftChanged && !r.RightChanged {
				if !r.HasLeft || !r.HasRight || sameLine(r.Left, r.Right) == false {
					t.Fatalf("unmarked row %+v differs\na=%q\nb=%q", r, a, b)
				}
				same++
			}
			if (r.HasLeft && !r.LeftChanged) != (r.HasRight && !r.RightChanged) {
				t.Fatalf("row %+v is half marked\na=%q\nb=%q", r, a, b)
			}
		}
		if !reflect.DeepEqual(nonNil(left), nonNil(a)) || !reflect.DeepEqual(nonNil(right), nonNil(b)) {
			t.Fatalf("columns do not read back the excerpts\na=%q\nb=%q\nleft=%q\nright=%q", a, b, left, right)
		}
		if want := lcsLen(a, b); same != want {
			t.Fatalf("%d unmarked rows, longest common subsequence is %d\na=%q\nb=%q", same, want, a, b)
		}
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// lcsLen is the textbook recursion, memoised: the oracle for the law.
func lcsLen(a, b []string) int {
	memo := map[[2]int]int{}
	var f func(i, j int) int
	f = func(i, j int) int {
		if i == len(a) || j == len(b) {
			return 0
		}
		if v, ok := memo[[2]int{i, j}]; ok {
			return v
		}
		v := max(f(i+1, j), f(i, j+1))
		if sameLine(a[i], b[j]) {
			v = max(v, 1+f(i+1, j+1))
		}
		memo[[2]int{i, j}] = v
		return v
	}
	return f(0, 0)
}

func TestHunksKeepContextAroundChanges(t *testing.T) {
	a := strings.Split("0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19", " ")
	b := append([]string(nil), a...)
	b[10] = "ten"
	rows := SideBySide(a, b)
	kept := Hunks(rows, 2)
	if len(kept) != 5 || rows[kept[2]].Left != "10" || rows[kept[2]].Right != "ten" {
		t.Errorf("kept %v of %d rows", kept, len(rows))
	}
}
