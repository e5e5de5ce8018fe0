package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/specharvest/specharvest/output"
)

// S3Settings are the config's s3 mapping, used when store is an
// s3://bucket/prefix URL:
//
//	store: s3://api-catalog/nightly
//	s3: {endpoint: https://s3.example.com, region: us-east-1, path_style: false}
//
// Credentials come from access_key / secret_key (write them as ${VAR}),
// else from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
type S3Settings struct {
	Endpoint  string `yaml:"endpoint"`
	Region    string `yaml:"region"`
	PathStyle *bool  `yaml:"path_style"`
	AccessKey string `yaml:"access_key"`
	SecretKey string `yaml:"secret_key"`

	// credentialsFrom names the variables the keys were written as, for
	// the error a refused sign-in gives; never a key.
	credentialsFrom string
}

// Environment variables an S3 store reads, as the AWS tools do.
const (
	envAccessKey   = "AWS_ACCESS_KEY_ID"
	envSecretKey   = "AWS_SECRET_ACCESS_KEY"
	envEndpointS3  = "AWS_ENDPOINT_URL_S3"
	envEndpoint    = "AWS_ENDPOINT_URL"
	envRegion      = "AWS_REGION"
	envRegionOld   = "AWS_DEFAULT_REGION"
	s3StoreScheme  = "s3://"
	defaultRegion  = "us-east-1"
	s3SettingsHelp = "s3://bucket/prefix[?endpoint=URL&region=R&path_style=true]"
)

func isS3Store(loc string) bool { return strings.HasPrefix(loc, s3StoreScheme) }

var varPattern = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// checkS3 checks the s3 settings against the store they serve.
func (d *configDecoder) checkS3(c *Config) error {
	bad := func(key, format string, a ...any) error {
		return &ConfigError{File: d.file, Line: d.lineOf(key), Key: key, Msg: fmt.Sprintf(format, a...)}
	}
	s := &c.S3
	given := s.Endpoint != "" || s.Region != "" || s.PathStyle != nil || s.AccessKey != "" || s.SecretKey != ""
	if !isS3Store(c.Store) {
		if given {
			return bad("s3", "s3 settings apply only to a store: %s", s3SettingsHelp)
		}
		return nil
	}
	if _, err := parseS3Store(c.Store); err != nil {
		return bad("store", "%v", err)
	}
	if s.Endpoint != "" {
		if u, err := url.Parse(s.Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return bad("s3.endpoint", "want http(s)://host[:port]")
		}
	}
	if (s.AccessKey == "") != (s.SecretKey == "") {
		return bad("s3", "access_key and secret_key go together")
	}
	if s.AccessKey != "" {
		var names []string
		for _, k := range []string{"s3.access_key", "s3.secret_key"} {
			m := varPattern.FindAllStringSubmatch(d.raw[k], -1)
			if len(m) == 0 {
				return bad(k, "write the key as ${VAR}: a key in the config file would end up in version control")
			}
			for _, g := range m {
				names = append(names, g[1])
			}
		}
		s.credentialsFrom = strings.Join(names, " and ") + " (s3.access_key / s3.secret_key)"
	}
	return nil
}

// s3Store is a parsed s3:// store location.
type s3Store struct {
	bucket, prefix string
	query          url.Values
}

func parseS3Store(loc string) (s3Store, error) {
	u, err := url.Parse(loc)
	if err != nil || u.Scheme != "s3" || u.Host == "" || u.User != nil || u.Fragment != "" {
		return s3Store{}, fmt.Errorf("store %q: want %s", loc, s3SettingsHelp)
	}
	for k := range u.Query() {
		switch k {
		case "endpoint", "region", "path_style":
		default:
			return s3Store{}, fmt.Errorf("store %q: unknown setting %q (endpoint, region, path_style)", loc, k)
		}
	}
	return s3Store{bucket: u.Host, prefix: strings.Trim(u.Path, "/"), query: u.Query()}, nil
}

// s3ConfigFor works out the S3 settings of store loc: the URL's query
// first, then the config's s3 mapping, then the AWS_* environment.
func s3ConfigFor(loc string, set S3Settings, getenv func(string) (string, bool)) (output.S3Config, error) {
	st, err := parseS3Store(loc)
	if err != nil {
		return output.S3Config{}, &usageError{err: err}
	}
	env := func(names ...string) string {
		for _, n := range names {
			if v, ok := getenv(n); ok && v != "" {
				return v
			}
		}
		return ""
	}
	first := func(vals ...string) string {
		for _, v := range vals {
			if v != "" {
				return v
			}
		}
		return ""
	}
	cfg := output.S3Config{
		Bucket:   st.bucket,
		Prefix:   st.prefix,
		Endpoint: first(st.query.Get("endpoint"), set.Endpoint, env(envEndpointS3, envEndpoint)),
		Region:   first(st.query.Get("region"), set.Region, env(envRegion, envRegionOld), defaultRegion),
	}
	cfg.PathStyle = set.PathStyle
	if v := st.query.Get("path_style"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return output.S3Config{}, usagef("store %q: path_style must be true or false", loc)
		}
		cfg.PathStyle = &b
	}
	if set.AccessKey != "" {
		cfg.AccessKey, cfg.SecretKey, cfg.CredentialsFrom = set.AccessKey, set.SecretKey, set.credentialsFrom
	} else {
		cfg.AccessKey, cfg.SecretKey = env(envAccessKey), env(envSecretKey)
		cfg.CredentialsFrom = envAccessKey + " and " + envSecretKey
		if cfg.AccessKey == "" || cfg.SecretKey == "" {
			return output.S3Config{}, fmt.Errorf("store %s: no credentials: set %s and %s (or s3.access_key / s3.secret_key as ${VAR} in the config)",
				loc, envAccessKey, envSecretKey)
		}
	}
	return cfg, nil
}

// createS3Store opens (creating bucket and store when missing) the store
// a run writes to.
func createS3Store(ctx context.Context, loc string, set S3Settings) (*output.Store, error) {
	cfg, err := s3ConfigFor(loc, set, os.LookupEnv)
	if err != nil {
		return nil, err
	}
	cfg.CreateBucket = true
	b, err := output.NewS3Backend(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return output.CreateBackend(ctx, b)
}

// openS3Store opens an existing S3 store for a command that reads it;
// settings come from the URL's query and the AWS_* environment.
func openS3Store(ctx context.Context, loc string) (*output.Store, error) {
	cfg, err := s3ConfigFor(loc, S3Settings{}, os.LookupEnv)
	if err != nil {
		return nil, err
	}
	b, err := output.NewS3Backend(ctx, cfg)
	if err != nil {
		return nil, err
	}
	st, err := output.OpenBackend(ctx, b)
	if errors.Is(err, output.ErrNotStore) {
		return nil, fmt.Errorf("no store at %s (no store.json): run `specharvest run` first, or pass --store", loc)
	}
	return st, err
}

// publishSnapshot uploads snapshot id's bundle to the bucket prefix loc
// (settings from its query and the AWS_* environment), creating the
// bucket when missing, and removes what an earlier publish wrote there
// that this snapshot no longer has.
func publishSnapshot(ctx context.Context, st *output.Store, id, loc string) (written, removed int, err error) {
	cfg, err := s3ConfigFor(loc, S3Settings{}, os.LookupEnv)
	if err != nil {
		return 0, 0, err
	}
	cfg.CreateBucket = true
	dst, err := output.NewS3Backend(ctx, cfg)
	if err != nil {
		return 0, 0, err
	}
	return output.PublishSnapshot(ctx, st, id, dst)
}

// withS3Settings carries the config's s3 endpoint, region and path style
// into an s3:// store location, for the commands that open the store by
// its location alone; credentials stay in the environment.
func withS3Settings(loc string, set S3Settings) string {
	if !isS3Store(loc) {
		return loc
	}
	u, err := url.Parse(loc)
	if err != nil {
		return loc
	}
	q := u.Query()
	if set.Endpoint != "" && q.Get("endpoint") == "" {
		q.Set("endpoint", set.Endpoint)
	}
	if set.Region != "" && q.Get("region") == "" {
		q.Set("region", set.Region)
	}
	if set.PathStyle != nil && q.Get("path_style") == "" {
		q.Set("path_style", strconv.FormatBool(*set.PathStyle))
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// createStore opens the store a run writes to, a folder or a bucket.
func createStore(ctx context.Context, cfg *Config, loc string) (*output.Store, error) {
	if isS3Store(loc) {
		return createS3Store(ctx, loc, cfg.S3)
	}
	return output.Create(ctx, loc)
}
