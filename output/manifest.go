package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
)

// ManifestFormat is the manifest.json format this package writes and reads.
const ManifestFormat = 1

// MaxManifestProblems caps the problems kept per spec in a manifest; the
// full list belongs to the validation report, and uncapped lists would make
// thirty nightly manifests of a dirty fleet outweigh the blobs they point at.
const MaxManifestProblems = 10

// Spec statuses in a manifest. Whether a document is valid is a separate
// flag (Valid), because an invalid spec is still stored.
const (
	StatusOK     = "ok"
	StatusStale  = "stale"
	StatusFailed = "failed"
)

// Manifest is snapshots/<ID>/manifest.json: what one run saw.
type Manifest struct {
	Format      int         `json:"format"`
	ID          string      `json:"id"`
	Previous    string      `json:"previous"`
	Started     time.Time   `json:"started"`
	Finished    time.Time   `json:"finished"`
	ToolVersion string      `json:"tool_version"`
	Summary     Summary     `json:"summary"`
	Specs       []SpecEntry `json:"specs"`
	// FailedScopes records which crawl scopes (a source, an instance, a
	// workspace) could not be listed, so a reader can tell why groups
	// under them were carried forward as stale instead of removed.
	FailedScopes []FailedScope `json:"failed_scopes,omitempty"`
	// Reports lists the snapshot's report files (merged document,
	// changes, catalog, pages): each is a blob, shared by every snapshot
	// whose report is identical, and verify checks each.
	Reports []ReportEntry `json:"reports,omitempty"`
}

// ReportEntry is one report file of a snapshot and the blob it is.
type ReportEntry struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Bytes  int64  `json:"bytes"`
}

// Report returns the entry of report name, or nil.
func (m *Manifest) Report(name string) *ReportEntry {
	for i := range m.Reports {
		if m.Reports[i].Name == name {
			return &m.Reports[i]
		}
	}
	return nil
}

// Summary counts a manifest's specs. Invalid counts specs whose document
// is stored but does not validate, whatever their status.
type Summary struct {
	Specs      int `json:"specs"`
	OK         int `json:"ok"`
	Failed     int `json:"failed"`
	Stale      int `json:"stale"`
	Invalid    int `json:"invalid"`
	Operations int `json:"operations"`
}

// SpecEntry is one API group (or one URL or file) in a snapshot.
type SpecEntry struct {
	Key       string `json:"key"`
	Source    string `json:"source"`
	Instance  string `json:"instance,omitempty"`
	Workspace string `json:"workspace,omitempty"`
	Group     string `json:"group,omitempty"`
	// URL is where the document came from, with every secret removed.
	URL        string `json:"url,omitempty"`
	Status     string `json:"status"`
	SHA256     string `json:"sha256,omitempty"`
	Bytes      int64  `json:"bytes"`
	OpenAPI    string `json:"openapi,omitempty"`
	Title      string `json:"title,omitempty"`
	Operations int    `json:"operations"`
	Valid      bool   `json:"valid"`
	// Problems holds at most MaxManifestProblems entries; ProblemsTotal is
	// the full count when the list was cut.
	Problems      []string `json:"problems,omitempty"`
	ProblemsTotal int      `json:"problems_total,omitempty"`
	Errors        int      `json:"errors,omitempty"`
	Warnings      int      `json:"warnings,omitempty"`
	Error         string   `json:"error,omitempty"`
	// ETag is the server's entity tag, kept for conditional requests on
	// the next run.
	ETag string `json:"etag,omitempty"`
	// ChangedIn is the ID of the snapshot in which this key's current blob
	// first appeared, so history needs no walk over every manifest.
	ChangedIn string `json:"changed_in,omitempty"`
	// Carried marks a group a sharded run (run --source) did not harvest:
	// copied unchanged from the snapshot it built on.
	Carried bool `json:"carried,omitempty"`
	// IDs are the source's ids of the instance, workspace and group, so
	// the next run gives the key to the same owner whatever its name.
	IDs []string `json:"ids,omitempty"`
	// LastFetched is when the document was last fetched (the start of that
	// snapshot) and StaleNights how many runs in a row it could not be;
	// both are set on stale entries only.
	LastFetched time.Time `json:"last_fetched,omitzero"`
	StaleNights int       `json:"stale_nights,omitempty"`
	// Flags mark entries a reader must not take at face value, such as
	// FlagSuspectRemoval.
	Flags []string `json:"flags,omitempty"`
}

// FlagSuspectRemoval marks a group that this run would have reported
// removed, held back as stale because the night removed more than the
// removal guard allows.
const FlagSuspectRemoval = "suspect-removal"

// FailedScope is a crawl scope that could not be listed this run.
type FailedScope struct {
	Prefix string `json:"prefix"`
	Error  string `json:"error"`
}

// HasBlob reports whether the entry points at a stored document: ok and
// stale entries do, failed ones do not.
func (e *SpecEntry) HasBlob() bool {
	return e.Status != StatusFailed && e.SHA256 != ""
}

// Spec returns the entry with the given key, or nil. The manifest's specs
// must be sorted by key, as every committed manifest is.
func (m *Manifest) Spec(key string) *SpecEntry {
	i := sort.Search(len(m.Specs), func(i int) bool { return m.Specs[i].Key >= key })
	if i < len(m.Specs) && m.Specs[i].Key == key {
		return &m.Specs[i]
	}
	return nil
}

// Summarize counts the specs as Commit records them.
func Summarize(specs []SpecEntry) Summary {
	s := Summary{Specs: len(specs)}
	for _, e := range specs {
		switch e.Status {
		case StatusOK:
			s.OK++
		case StatusStale:
			s.Stale++
		case StatusFailed:
			s.Failed++
		}
		if e.Status != StatusFailed && !e.Valid {
			s.Invalid++
		}
		s.Operations += e.Operations
	}
	return s
}

// CapProblems keeps the first MaxManifestProblems problems of e and
// records the full count in ProblemsTotal.
func (e *SpecEntry) CapProblems() {
	if len(e.Problems) > MaxManifestProblems {
		if e.ProblemsTotal < len(e.Problems) {
			e.ProblemsTotal = len(e.Problems)
		}
		e.Problems = e.Problems[:MaxManifestProblems:MaxManifestProblems]
	}
}

// normalize brings a manifest into the form Commit writes and checks what
// must hold for it to be written at all.
func (m *Manifest) normalize() error {
	m.Format = ManifestFormat
	sort.SliceStable(m.Specs, func(i, j int) bool { return m.Specs[i].Key < m.Specs[j].Key })
	for i := range m.Specs {
		e := &m.Specs[i]
		if err := ValidateKey(e.Key); err != nil {
			return err
		}
		if i > 0 && m.Specs[i-1].Key == e.Key {
			return fmt.Errorf("manifest lists key %q twice", e.Key)
		}
		switch e.Status {
		case StatusOK, StatusStale:
			if !validSHA(e.SHA256) {
				return fmt.Errorf("spec %q: status %s needs a sha256, got %q", e.Key, e.Status, e.SHA256)
			}
		case StatusFailed:
		default:
			return fmt.Errorf("spec %q: unknown status %q", e.Key, e.Status)
		}
		e.CapProblems()
	}
	if m.Previous != "" {
		if err := ValidateID(m.Previous); err != nil {
			return fmt.Errorf("previous: %w", err)
		}
		if m.Previous >= m.ID {
			return fmt.Errorf("previous snapshot %s is not older than %s", m.Previous, m.ID)
		}
	}
	m.Summary = Summarize(m.Specs)
	return nil
}

// manifestHead is a manifest without its specs, for encoding.
type manifestHead struct {
	Format       int           `json:"format"`
	ID           string        `json:"id"`
	Previous     string        `json:"previous"`
	Started      time.Time     `json:"started"`
	Finished     time.Time     `json:"finished"`
	ToolVersion  string        `json:"tool_version"`
	Summary      Summary       `json:"summary"`
	FailedScopes []FailedScope `json:"failed_scopes,omitempty"`
	Reports      []ReportEntry `json:"reports,omitempty"`
}

// encode is the manifest's on-disk form: the header on the first line and
// one spec per line. That keeps it readable, greppable and diffable line
// by line, at under half the size of indented JSON — which matters,
// because a manifest is the one thing every nightly run adds even when
// nothing changed.
func (m *Manifest) encode() ([]byte, error) {
	head, err := json.Marshal(manifestHead{Format: m.Format, ID: m.ID, Previous: m.Previous, Started: m.Started,
		Finished: m.Finished, ToolVersion: m.ToolVersion, Summary: m.Summary, FailedScopes: m.FailedScopes, Reports: m.Reports})
	if err != nil {
		return nil, fmt.Errorf("encode manifest %s: %w", m.ID, err)
	}
	var b bytes.Buffer
	b.Write(head[:len(head)-1])
	b.WriteString(`,"specs":[`)
	for i := range m.Specs {
		spec, err := json.Marshal(&m.Specs[i])
		if err != nil {
			return nil, fmt.Errorf("encode manifest %s: spec %q: %w", m.ID, m.Specs[i].Key, err)
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("\n")
		b.Write(spec)
	}
	b.WriteString("\n]}\n")
	return b.Bytes(), nil
}

func decodeManifest(data []byte) (*Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("parse manifest: %w", err)
	}
	if m.Format != ManifestFormat {
		return nil, fmt.Errorf("manifest format %d is not supported (want %d)", m.Format, ManifestFormat)
	}
	return &m, nil
}

// idPattern is the snapshot ID: UTC start second plus an optional
// fixed-width suffix for runs started in the same second. The strict form
// is also what keeps an ID from naming anything outside snapshots/.
var idPattern = regexp.MustCompile(`^[0-9]{8}T[0-9]{6}Z(-[0-9]{3})?$`)

const idLayout = "20060102T150405Z"

// maxIDSuffix bounds how many snapshots may start in one second.
const maxIDSuffix = 999

// InvalidNameError is a snapshot ID, key or file name that could escape
// the folder it is meant for, or is not one at all.
type InvalidNameError struct {
	Kind   string // "snapshot id", "key", "file name"
	Name   string
	Reason string
}

func (e *InvalidNameError) Error() string {
	return fmt.Sprintf("invalid %s %q: %s", e.Kind, e.Name, e.Reason)
}

// ValidateID accepts only IDs of the form this store creates.
func ValidateID(id string) error {
	if !idPattern.MatchString(id) {
		return &InvalidNameError{Kind: "snapshot id", Name: id, Reason: "want a UTC time like 20261127T020000Z"}
	}
	return nil
}

// IDTime is the start second encoded in a snapshot ID.
func IDTime(id string) (time.Time, error) {
	if err := ValidateID(id); err != nil {
		return time.Time{}, err
	}
	return time.Parse(idLayout, id[:len(idLayout)])
}

// ValidateKey accepts keys that are safe as relative paths on every
// system: slash-separated, non-empty segments, none "." or "..", no
// backslash, NUL or other control characters, not absolute.
func ValidateKey(key string) error {
	bad := func(reason string) error { return &InvalidNameError{Kind: "key", Name: key, Reason: reason} }
	if key == "" {
		return bad("empty")
	}
	if strings.HasPrefix(key, "/") {
		return bad("absolute path")
	}
	for _, r := range key {
		if r < 0x20 || r == 0x7f {
			return bad("control character")
		}
		if r == '\\' || r == ':' {
			return bad(fmt.Sprintf("%q is not allowed", r))
		}
	}
	for _, seg := range strings.Split(key, "/") {
		switch seg {
		case "":
			return bad("empty path segment")
		case ".", "..":
			return bad(fmt.Sprintf("%q path segment", seg))
		}
	}
	return nil
}

// validateFileName accepts a plain file name for a snapshot report.
func validateFileName(name string) error {
	bad := func(reason string) error { return &InvalidNameError{Kind: "file name", Name: name, Reason: reason} }
	switch {
	case name == "" || name == "." || name == "..":
		return bad("not a file name")
	case strings.ContainsAny(name, "/\\:"):
		return bad("must be a plain file name")
	case strings.HasPrefix(name, "."):
		return bad("hidden names are reserved for temporary files")
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return bad("control character")
		}
	}
	return nil
}

func validSHA(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
