package main

import (
	"fmt"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/specharvest/specharvest/harvest"
	"github.com/specharvest/specharvest/output"
)

// Config is the whole configuration file (DESIGN §5; config.example.yaml
// documents every key).
type Config struct {
	Store       string          `yaml:"store"`
	Sources     []SourceConfig  `yaml:"sources"`
	Crawl       CrawlConfig     `yaml:"crawl"`
	Diff        DiffConfig      `yaml:"diff"`
	Retention   RetentionConfig `yaml:"retention"`
	MetricsFile string          `yaml:"metrics_file"`
	Notify      []NotifyConfig  `yaml:"notify"`
	// RemovalGuard bounds what one night may report removed per source.
	RemovalGuard RemovalGuardConfig `yaml:"removal_guard"`
	// StaleMaxAge is how long a group may stay stale before the run fails.
	StaleMaxAge Duration `yaml:"stale_max_age"`
	// CatalogURL is where the store's snapshots are served, for links in
	// webhooks; Ignore lists accepted findings (see ignore.go).
	CatalogURL string         `yaml:"catalog_url"`
	Ignore     []IgnoreConfig `yaml:"ignore"`
	// ignoreRules is Ignore, checked, with the line of each entry.
	ignoreRules []output.IgnoreRule

	// S3 configures a store: s3://bucket/prefix (store_s3.go).
	S3 S3Settings `yaml:"s3"`

	// credentialHints names, per source, the config key and environment
	// variable of its credential, for a 401 or 403 to point at.
	credentialHints []string
}

// RemovalGuardConfig: a night that would remove more than Share of a
// source's groups, and at least AtLeast of them, is not believed.
type RemovalGuardConfig struct {
	Share   *float64 `yaml:"share"`
	AtLeast *int     `yaml:"at_least"`
}

// Defaults of the removal guard and of stale_max_age.
const (
	defaultRemovalShare   = 0.5
	defaultRemovalAtLeast = 5
	defaultStaleMaxAge    = 7 * 24 * time.Hour
)

// RemovalLimits returns the guard with its defaults filled in.
func (c *Config) RemovalLimits() (share float64, atLeast int) {
	share, atLeast = defaultRemovalShare, defaultRemovalAtLeast
	if c.RemovalGuard.Share != nil {
		share = *c.RemovalGuard.Share
	}
	if c.RemovalGuard.AtLeast != nil {
		atLeast = *c.RemovalGuard.AtLeast
	}
	return share, atLeast
}

// StaleLimit returns stale_max_age with its default filled in.
func (c *Config) StaleLimit() time.Duration {
	if c.StaleMaxAge.Duration > 0 {
		return c.StaleMaxAge.Duration
	}
	return defaultStaleMaxAge
}

// SourceConfig is one entry of sources.
type SourceConfig struct {
	Name     string   `yaml:"name"`
	Type     string   `yaml:"type"`
	Master   string   `yaml:"master"`
	Instance string   `yaml:"instance"`
	APIKey   string   `yaml:"api_key"`
	Token    string   `yaml:"token"`
	Include  []string `yaml:"include"`
	Exclude  []string `yaml:"exclude"`
	URLs     []string `yaml:"urls"`
	Paths    []string `yaml:"paths"`
}

// CrawlConfig bounds the crawl.
type CrawlConfig struct {
	Concurrency  int      `yaml:"concurrency"`
	PerHost      int      `yaml:"per_host"`
	Rate         Rate     `yaml:"rate"`
	Timeout      Duration `yaml:"timeout"`
	Retries      *int     `yaml:"retries"`
	MaxSpecBytes ByteSize `yaml:"max_spec_bytes"`
	Deadline     Duration `yaml:"deadline"`
	ExternalRefs bool     `yaml:"external_refs"`
}

// DiffConfig sets the CI gate.
type DiffConfig struct {
	FailOn string `yaml:"fail_on"`
}

// RetentionConfig says which snapshots to keep.
type RetentionConfig struct {
	KeepLast    int `yaml:"keep_last"`
	KeepDaily   int `yaml:"keep_daily"`
	KeepWeekly  int `yaml:"keep_weekly"`
	KeepMonthly int `yaml:"keep_monthly"`
}

// NotifyConfig is one webhook.
type NotifyConfig struct {
	URL     string            `yaml:"url"`
	On      []string          `yaml:"on"`
	Headers map[string]string `yaml:"headers"`
	Timeout Duration          `yaml:"timeout"`
}

// ConfigError names the file, line and key of a bad setting.
type ConfigError struct {
	File string
	Line int
	Key  string
	Msg  string
}

func (c *ConfigError) Error() string {
	var b strings.Builder
	b.WriteString(c.File)
	if c.Line > 0 {
		fmt.Fprintf(&b, ":%d", c.Line)
	}
	if c.Key != "" {
		fmt.Fprintf(&b, ": %s", c.Key)
	}
	b.WriteString(": ")
	b.WriteString(c.Msg)
	return b.String()
}

// Duration is a time.Duration written as "30s", "30m" or "7d".
type Duration struct{ time.Duration }

// UnmarshalYAML parses Go duration syntax, plus whole days ("7d").
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	text := strings.TrimSpace(n.Value)
	var v time.Duration
	var err error
	if days, ok := strings.CutSuffix(text, "d"); ok {
		var k int
		k, err = strconv.Atoi(days)
		if err == nil && (k < 0 || k > 100000) {
			err = fmt.Errorf("out of range")
		}
		v = time.Duration(k) * 24 * time.Hour
	} else {
		v, err = time.ParseDuration(text)
	}
	if err != nil || v < 0 {
		return fmt.Errorf("%q is not a duration (like 30s, 5m or 7d)", n.Value)
	}
	d.Duration = v
	return nil
}

// ByteSize is a size written as 64MiB, 10MB, 512KiB or a plain number of bytes.
type ByteSize int64

var byteSizePattern = regexp.MustCompile(`^\s*([0-9]+)\s*([KMGT]i?B|B)?\s*$`)

// UnmarshalYAML parses sizes with binary or decimal units.
func (s *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	m := byteSizePattern.FindStringSubmatch(n.Value)
	if m == nil {
		return fmt.Errorf("%q is not a size (like 64MiB or 1000000)", n.Value)
	}
	v, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return fmt.Errorf("%q is not a size: %v", n.Value, err)
	}
	mult := map[string]int64{"": 1, "B": 1, "KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12,
		"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}[m[2]]
	if v > (1<<62)/mult {
		return fmt.Errorf("%q is too large", n.Value)
	}
	*s = ByteSize(v * mult)
	return nil
}

// Rate is a per-host request rate, written "10/20s" (10 requests every 20
// seconds, Xano's free plan) or as a number of requests per second; 0 is
// unlimited.
type Rate struct{ PerSecond float64 }

// UnmarshalYAML parses "N/D" or a plain number.
func (r *Rate) UnmarshalYAML(n *yaml.Node) error {
	v, err := parseRate(n.Value)
	if err != nil {
		return err
	}
	r.PerSecond = v
	return nil
}

func parseRate(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if num, per, ok := strings.Cut(s, "/"); ok {
		count, err := strconv.Atoi(strings.TrimSpace(num))
		d, derr := time.ParseDuration(strings.TrimSpace(per))
		if err != nil || derr != nil || count < 0 || d <= 0 {
			return 0, fmt.Errorf("%q is not a rate (like 10/20s)", s)
		}
		return float64(count) / d.Seconds(), nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("%q is not a rate (like 10/20s or 5)", s)
	}
	return v, nil
}

// maxAliasExpansions bounds YAML alias use, so an alias bomb is an error
// rather than an exhausted machine.
const maxAliasExpansions = 1000

// LoadConfig reads, expands and checks a config file. Every error is a
// *ConfigError naming file, line and key.
func LoadConfig(path string, getenv func(string) (string, bool)) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &ConfigError{File: path, Msg: err.Error()}
	}
	return parseConfig(path, data, getenv)
}

func parseConfig(file string, data []byte, getenv func(string) (string, bool)) (*Config, error) {
	cfg, d, err := decodeConfig(file, data, getenv)
	if err != nil {
		return nil, err
	}
	if err := d.check(cfg); err != nil {
		return nil, err
	}
	if cfg.ignoreRules, err = ignoreRules(d, cfg.Ignore); err != nil {
		return nil, err
	}
	return cfg, nil
}

// decodeConfig reads the file into a Config, checking names and types but
// not whether the sources make sense together (check does that).
func decodeConfig(file string, data []byte, getenv func(string) (string, bool)) (*Config, *configDecoder, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		line, msg := yamlSyntaxError(data, err)
		return nil, nil, &ConfigError{File: file, Line: line, Msg: msg}
	}
	cfg := &Config{}
	if len(doc.Content) == 0 {
		return nil, nil, &ConfigError{File: file, Msg: "the file is empty"}
	}
	d := &configDecoder{file: file, getenv: getenv, lines: map[string]int{}, raw: map[string]string{}}
	if err := d.decode("", doc.Content[0], reflect.ValueOf(cfg).Elem()); err != nil {
		return nil, nil, err
	}
	return cfg, d, nil
}

var yamlLinePattern = regexp.MustCompile(`line (\d+)`)

// configDecoder walks the YAML tree against the Config struct itself,
// rather than using yaml's decoder, so that unknown keys, wrong types and
// missing variables all report the exact line and dotted key.
type configDecoder struct {
	file   string
	getenv func(string) (string, bool)
	lines  map[string]int // dotted key → line, for checks after decoding
	// raw holds scalar values as written, before ${VAR} expansion, so
	// a check can name the variable a setting came from.
	raw     map[string]string
	aliases int
	// secrets are the values variables expanded to, with the variable
	// names: every error message is scrubbed of them (scrub), whatever
	// field it is about and however it quotes the value.
	secrets []expandedVar
	// vars lists the variables used by each dotted key.
	vars map[string][]string
}

type expandedVar struct{ name, value string }

var unmarshalerType = reflect.TypeOf((*yaml.Unmarshaler)(nil)).Elem()

func (d *configDecoder) fail(n *yaml.Node, key, format string, a ...any) error {
	return d.errorAt(n.Line, key, format, a...)
}

// errorAt is where every config error is made, so it is where a value
// that came from the environment is taken out of the message again.
func (d *configDecoder) errorAt(line int, key, format string, a ...any) error {
	return &ConfigError{File: d.file, Line: line, Key: key, Msg: d.scrub(fmt.Sprintf(format, a...))}
}

// minScrubbed is the shortest variable value scrubbed from messages; a
// one- or two-letter value would garble every word and is no secret.
const minScrubbed = 3

// scrub replaces every form in which a message may quote a variable's
// value (as is, escaped, lower-cased, slugged, URL-escaped) with the
// variable's name.
func (d *configDecoder) scrub(msg string) string {
	vars := append([]expandedVar(nil), d.secrets...)
	sort.Slice(vars, func(i, j int) bool { return len(vars[i].value) > len(vars[j].value) })
	for _, v := range vars {
		if len(v.value) < minScrubbed {
			continue
		}
		quoted := strconv.Quote(v.value)
		forms := []string{v.value, quoted[1 : len(quoted)-1], strings.ToLower(v.value),
			url.QueryEscape(v.value), url.PathEscape(v.value), harvest.RedactText(v.value)}
		if sl := harvest.Slug(v.value); len(sl) >= minScrubbed && sl != "unnamed" {
			forms = append(forms, sl)
		}
		for _, f := range forms {
			if len(f) >= minScrubbed {
				msg = strings.ReplaceAll(msg, f, "${"+v.name+"}")
			}
		}
	}
	return msg
}

func (d *configDecoder) decode(key string, n *yaml.Node, v reflect.Value) error {
	if n.Kind == yaml.AliasNode {
		d.aliases++
		if d.aliases > maxAliasExpansions {
			return d.fail(n, key, "too many alias expansions")
		}
		return d.decode(key, n.Alias, v)
	}
	if key != "" {
		d.lines[key] = n.Line
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil // an empty value leaves the default
	}
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		return d.decode(key, n, v.Elem())
	}
	if reflect.PointerTo(v.Type()).Implements(unmarshalerType) {
		if n.Kind != yaml.ScalarNode {
			return d.fail(n, key, "expected a single value, found %s", kindName(n))
		}
		sc, err := d.expand(key, n)
		if err != nil {
			return err
		}
		if err := v.Addr().Interface().(yaml.Unmarshaler).UnmarshalYAML(sc); err != nil {
			if sc.Value != n.Value {
				// The message would quote what a variable expanded to,
				// which may be a secret: word it on the text as written.
				asWritten := reflect.New(v.Type()).Interface().(yaml.Unmarshaler)
				if werr := asWritten.UnmarshalYAML(n); werr != nil {
					return d.fail(n, key, "%v, once its variables are expanded", werr)
				}
				return d.fail(n, key, "%q is not valid once its variables are expanded", n.Value)
			}
			return d.fail(n, key, "%v", err)
		}
		return nil
	}
	switch v.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return d.fail(n, key, "expected a mapping, found %s", kindName(n))
		}
		fields := map[string]int{}
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
			if tag != "" && tag != "-" {
				fields[tag] = i
			}
		}
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			child := joinKey(key, k.Value)
			idx, ok := fields[k.Value]
			if !ok {
				return d.fail(k, child, "unknown key (known: %s)", strings.Join(sortedKeys(fields), ", "))
			}
			if seen[k.Value] {
				return d.fail(k, child, "key given twice")
			}
			seen[k.Value] = true
			if err := d.decode(child, val, v.Field(idx)); err != nil {
				return err
			}
		}
		return nil
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return d.fail(n, key, "expected a list, found %s", kindName(n))
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			if err := d.decode(fmt.Sprintf("%s[%d]", key, i), item, s.Index(i)); err != nil {
				return err
			}
		}
		v.Set(s)
		return nil
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return d.fail(n, key, "expected a mapping, found %s", kindName(n))
		}
		m := reflect.MakeMap(v.Type())
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			elem := reflect.New(v.Type().Elem()).Elem()
			if err := d.decode(joinKey(key, k.Value), val, elem); err != nil {
				return err
			}
			m.SetMapIndex(reflect.ValueOf(k.Value), elem)
		}
		v.Set(m)
		return nil
	}
	if n.Kind != yaml.ScalarNode {
		return d.fail(n, key, "expected a single value, found %s", kindName(n))
	}
	d.raw[key] = n.Value
	sc, err := d.expand(key, n)
	if err != nil {
		return err
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(sc.Value)
	case reflect.Bool:
		var b bool
		if err := sc.Decode(&b); err != nil {
			return d.fail(n, key, "expected true or false, found %s", shown(n, sc))
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int64:
		i, err := strconv.ParseInt(sc.Value, 10, 64)
		if err != nil {
			return d.fail(n, key, "expected a whole number, found %s", shown(n, sc))
		}
		v.SetInt(i)
	case reflect.Float64:
		f, err := strconv.ParseFloat(sc.Value, 64)
		if err != nil {
			return d.fail(n, key, "expected a number, found %s", shown(n, sc))
		}
		v.SetFloat(f)
	default:
		return d.fail(n, key, "unsupported setting type %s", v.Type())
	}
	return nil
}

var envPattern = regexp.MustCompile(`\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// expand replaces ${VAR} from the environment ("$$" is a literal "$"). A
// variable that is not set is an error: an empty secret must never be sent.
func (d *configDecoder) expand(key string, n *yaml.Node) (*yaml.Node, error) {
	var missing string
	out := envPattern.ReplaceAllStringFunc(n.Value, func(m string) string {
		if m == "$$" {
			return "$"
		}
		name := m[2 : len(m)-1]
		v, ok := d.getenv(name)
		if !ok && missing == "" {
			missing = name
		}
		if ok {
			d.secrets = append(d.secrets, expandedVar{name: name, value: v})
			if d.vars == nil {
				d.vars = map[string][]string{}
			}
			d.vars[key] = append(d.vars[key], name)
		}
		return v
	})
	if missing != "" {
		return nil, d.fail(n, key, "environment variable %s is not set", missing)
	}
	c := *n
	c.Value = out
	return &c, nil
}

// shown quotes a value for an error message. A value that came from the
// environment may be a secret, so it is shown as written in the file.
func shown(raw, expanded *yaml.Node) string {
	if raw.Value != expanded.Value {
		return fmt.Sprintf("%q (once its variables are expanded)", raw.Value)
	}
	return fmt.Sprintf("%q", expanded.Value)
}

func joinKey(parent, child string) string {
	if parent == "" {
		return child
	}
	return parent + "." + child
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("%q", n.Value)
	}
	return "something else"
}

// check validates values that decode fine but make no sense together.
func (d *configDecoder) check(c *Config) error {
	bad := func(key, format string, a ...any) error {
		return d.errorAt(d.lineOf(key), key, format, a...)
	}
	if len(c.Sources) == 0 {
		return bad("sources", "at least one source is needed")
	}
	names := map[string]bool{}
	for i, s := range c.Sources {
		k := fmt.Sprintf("sources[%d]", i)
		switch {
		case s.Name == "":
			return bad(k, "name is required")
		case harvest.Slug(s.Name) != s.Name:
			return bad(k+".name", "%q must be lower-case letters, digits and dashes (try %q)", s.Name, harvest.Slug(s.Name))
		case names[s.Name]:
			return bad(k+".name", "source %q is named twice", s.Name)
		}
		names[s.Name] = true
		switch s.Type {
		case harvest.SourceXano:
			if s.Master == "" {
				return bad(k+".master", "a xano source needs master")
			}
			if s.APIKey == "" {
				return bad(k+".api_key", "a xano source needs api_key")
			}
		case harvest.SourceXanoMeta:
			if (s.Master == "") == (s.Instance == "") {
				return bad(k, "a xano-meta source needs exactly one of master or instance")
			}
			if s.Token == "" {
				return bad(k+".token", "a xano-meta source needs token")
			}
		case harvest.SourceURL:
			if len(s.URLs) == 0 {
				return bad(k+".urls", "a url source needs urls")
			}
		case harvest.SourceFiles:
			if len(s.Paths) == 0 {
				return bad(k+".paths", "a files source needs paths")
			}
		case "":
			return bad(k, "type is required (xano, xano-meta, url or files)")
		default:
			return bad(k+".type", "unknown type %q (xano, xano-meta, url or files)", s.Type)
		}
		// Whatever else the crawler would refuse (a URL that is not
		// http(s), a glob that does not parse) is a config error too, to
		// be named here with its line rather than fail the run later.
		if err := c.HarvestSources()[i].Validate(); err != nil {
			return bad(k, "%v", err)
		}
	}
	if checkFailOn(c.Diff.FailOn) != nil {
		return bad("diff.fail_on", "%s", failOnUsage(c.Diff.FailOn))
	}
	for _, k := range []struct {
		key string
		v   int
	}{{"crawl.concurrency", c.Crawl.Concurrency}, {"crawl.per_host", c.Crawl.PerHost},
		{"retention.keep_last", c.Retention.KeepLast}, {"retention.keep_daily", c.Retention.KeepDaily},
		{"retention.keep_weekly", c.Retention.KeepWeekly}, {"retention.keep_monthly", c.Retention.KeepMonthly}} {
		if k.v < 0 {
			return bad(k.key, "must not be negative")
		}
	}
	if c.Crawl.Retries != nil && *c.Crawl.Retries < 0 {
		return bad("crawl.retries", "must not be negative")
	}
	if g := c.RemovalGuard; g.Share != nil && (*g.Share <= 0 || *g.Share > 1) {
		return bad("removal_guard.share", "must be more than 0 and at most 1 (a share of a source's groups)")
	}
	if g := c.RemovalGuard; g.AtLeast != nil && *g.AtLeast < 1 {
		return bad("removal_guard.at_least", "must be at least 1")
	}
	c.credentialHints = make([]string, len(c.Sources))
	for i, s := range c.Sources {
		field := "api_key"
		if s.Type == harvest.SourceXanoMeta {
			field = "token"
		}
		key := fmt.Sprintf("sources[%d].%s", i, field)
		hint := fmt.Sprintf("check %s of source %q", field, s.Name)
		if vars := d.vars[key]; len(vars) > 0 {
			hint += fmt.Sprintf(" (the environment variable %s)", strings.Join(vars, ", "))
		}
		c.credentialHints[i] = hint
	}
	if c.CatalogURL != "" {
		if u, err := url.Parse(c.CatalogURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return bad("catalog_url", "%q is not an http(s) URL with a host", c.CatalogURL)
		}
	}
	for i, n := range c.Notify {
		if n.URL == "" {
			return bad(fmt.Sprintf("notify[%d]", i), "url is required")
		}
		for j, on := range n.On {
			switch on {
			case "breaking", "failure", "changes", "always":
			default:
				return bad(fmt.Sprintf("notify[%d].on[%d]", i, j), "must be breaking, failure, changes or always, not %q", on)
			}
		}
	}
	return d.checkS3(c)
}

func (d *configDecoder) lineOf(key string) int {
	for k := key; k != ""; {
		if l, ok := d.lines[k]; ok {
			return l
		}
		i := strings.LastIndexAny(k, ".[")
		if i < 0 {
			break
		}
		k = k[:i]
	}
	return 0
}

// HarvestOptions turns the crawl settings into harvest.Options, keeping
// the defaults for what is not set.
func (c *Config) HarvestOptions() harvest.Options {
	o := harvest.DefaultOptions()
	if c.Crawl.Concurrency > 0 {
		o.Concurrency = c.Crawl.Concurrency
	}
	if c.Crawl.PerHost > 0 {
		o.PerHost = c.Crawl.PerHost
	}
	o.Rate = c.Crawl.Rate.PerSecond
	if c.Crawl.Timeout.Duration > 0 {
		o.Timeout = c.Crawl.Timeout.Duration
	}
	if c.Crawl.Retries != nil {
		o.Retries = *c.Crawl.Retries
	}
	if c.Crawl.MaxSpecBytes > 0 {
		o.MaxSpecBytes = int64(c.Crawl.MaxSpecBytes)
	}
	if c.Crawl.Deadline.Duration > 0 {
		o.Deadline = c.Crawl.Deadline.Duration
	}
	o.ExternalRefs = c.Crawl.ExternalRefs
	return o
}

// HarvestSources turns the source settings into harvest.Sources.
func (c *Config) HarvestSources() []harvest.Source {
	out := make([]harvest.Source, 0, len(c.Sources))
	for i, s := range c.Sources {
		hs := harvest.Source{Name: s.Name, Type: s.Type, Master: s.Master, Instance: s.Instance,
			APIKey: s.APIKey, Token: s.Token, Include: s.Include, Exclude: s.Exclude, URLs: s.URLs, Paths: s.Paths}
		if i < len(c.credentialHints) {
			hs.CredentialHint = c.credentialHints[i]
		}
		out = append(out, hs)
	}
	return out
}
