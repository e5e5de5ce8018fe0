package xanotest

import (
	"bytes"
	"context"
	"testing"
)

// Every generated document meant valid passes kin-openapi once Xano's
// documented defects are repaired, and every one meant invalid fails —
// across generations, so edited and added groups are covered too.
func TestGeneratedDocumentsValidAsMarked(t *testing.T) {
	ctx := context.Background()
	fleet := Generate(GenOptions{Seed: 3, Instances: 2, Workspaces: 1, Groups: 12, Endpoints: 7})
	srv := NewServer(t, Options{Fleet: fleet})
	counts := map[Format]int{}
	for _, gen := range []int{1, 2, 3} {
		srv.SetGeneration(gen)
		valid, invalid := 0, 0
		for _, ref := range srv.Fleet().Groups() {
			g := ref.Group
			url := srv.InstanceURL(g.Host) + "/apispec:" + g.Canonical + "?type=json&token=" + g.SwaggerToken
			r := get(t, url, "")
			if r.status != 200 {
				t.Fatalf("generation %d group %q: status %d", gen, g.Name, r.status)
			}
			err := validate(ctx, r.body)
			switch g.Expect {
			case ExpectValid:
				valid++
				if err != nil {
					t.Errorf("generation %d group %d %q (%s) meant valid: %v", gen, g.ID, g.Name, g.Format, err)
				}
			case ExpectInvalid:
				invalid++
				if err == nil {
					t.Errorf("generation %d group %d %q (%s) meant invalid, but validates", gen, g.ID, g.Name, g.Format)
				}
			default:
				t.Errorf("generated group %q has no expectation", g.Name)
			}
			if gen == 1 {
				counts[g.Format]++
			}
		}
		if valid == 0 || invalid == 0 {
			t.Errorf("generation %d: %d valid and %d invalid documents; want some of each", gen, valid, invalid)
		}
	}
	for _, f := range []Format{FormatOpenAPI30, FormatOpenAPI31, FormatSwagger20} {
		if counts[f] == 0 {
			t.Errorf("no %s documents in a fleet of 24 groups", f)
		}
	}
}

// The defects are really there: a strict loader refuses a Xano-style
// document before repair, as it refuses the real ones in testdata.
func TestGeneratedDocumentsCarryXanoDefects(t *testing.T) {
	fleet := Generate(GenOptions{Seed: 5, Groups: 12})
	body, err := fleet.Document(fleet.Groups()[0].Group.ID, "http://127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	for _, defect := range []string{`"maxItems":"`, `"minItems":"0"`, `"default":"false"`, `"default":"now"`, `"format":"timestamptz"`,
		`"openapi":"3.0.0"`, `"bearerAuth"`, `|GET"`, `<br /><br />\n<b>Authentication:</b> required`, `"multipart/form-data"`,
		`"Rate Limited. Too many requests."`, `"/auth/login"`} {
		if !contains(body, defect) {
			t.Errorf("document lacks %s", defect)
		}
	}
	all := ""
	for _, ref := range fleet.Groups() {
		b, _ := fleet.Document(ref.Group.ID, "http://127.0.0.1:1")
		all += string(b)
	}
	if !contains([]byte(all), `"required":true}`) {
		t.Error(`no property carries "required": true`)
	}
	if !contains([]byte(all), `"in":"path","description":"","schema"`) {
		t.Error("no path parameter lacks required")
	}
}

func contains(b []byte, s string) bool { return bytes.Contains(b, []byte(s)) }
