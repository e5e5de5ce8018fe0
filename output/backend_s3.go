package output

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Config says where an S3Backend keeps its objects and how it signs in.
type S3Config struct {
	// Bucket and Prefix: objects live under s3://Bucket/Prefix/.
	Bucket string
	Prefix string
	// Endpoint is the service's URL (https://s3.example.com, or
	// http://127.0.0.1:8333 for a gateway on this machine); empty means AWS.
	Endpoint string
	Region   string
	// PathStyle true addresses the bucket in the path (endpoint/bucket/key),
	// as MinIO, SeaweedFS and most gateways need; false as a host name
	// (bucket.endpoint/key), as AWS prefers; nil lets minio-go choose by
	// the endpoint (host names for AWS and the clouds it knows, paths
	// elsewhere).
	PathStyle *bool
	AccessKey string
	SecretKey string
	// CredentialsFrom names where the keys came from (the variables to
	// check), for the error a refused sign-in gives. Never a key itself.
	CredentialsFrom string
	// PartSize is the size of one part of a multipart upload, and so the
	// most an upload holds in memory; objects no larger go up in one PUT.
	// Zero means DefaultS3PartSize. S3 requires at least 5 MiB.
	PartSize int64
	// CreateBucket creates the bucket when it is missing.
	CreateBucket bool
}

// DefaultS3PartSize is the default PartSize.
const DefaultS3PartSize = 16 << 20

// S3Backend keeps a store's objects in an S3-compatible bucket through
// minio-go, which speaks to AWS S3, Google Cloud Storage's S3 API,
// Cloudflare R2, MinIO and SeaweedFS alike.
//
// The guarantees a folder gets from link and rename come here from
// conditional requests: PutIfAbsent sends If-None-Match: * (on the single
// PUT, or on the request completing a multipart upload, which minio-go's
// plain PutObject does not do and Core.CompleteMultipartUpload does);
// Swap sends If-Match with the ETag read. A failed multipart upload is
// aborted, and AbortStaleUploads removes those a killed process left.
type S3Backend struct {
	cfg    S3Config
	client *minio.Client
	core   minio.Core
}

var _ Backend = (*S3Backend)(nil)

// NewS3Backend connects to the bucket (creating it when cfg.CreateBucket
// and it is missing). A refused sign-in is an *S3CredentialsError.
func NewS3Backend(ctx context.Context, cfg S3Config) (*S3Backend, error) {
	if cfg.Bucket == "" {
		return nil, errors.New("s3 store: no bucket named")
	}
	cfg.Prefix = strings.Trim(cfg.Prefix, "/")
	if cfg.Prefix != "" {
		if err := validatePrefix(cfg.Prefix + "/"); err != nil {
			return nil, fmt.Errorf("s3 store: prefix %q is not a clean relative path", cfg.Prefix)
		}
	}
	if cfg.PartSize == 0 {
		cfg.PartSize = DefaultS3PartSize
	}
	if cfg.PartSize < 5<<20 {
		return nil, fmt.Errorf("s3 store: part size %d is below the 5 MiB S3 requires", cfg.PartSize)
	}
	host, secure, err := parseS3Endpoint(cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	lookup := minio.BucketLookupAuto
	if cfg.PathStyle != nil {
		lookup = minio.BucketLookupDNS
		if *cfg.PathStyle {
			lookup = minio.BucketLookupPath
		}
	}
	client, err := minio.New(host, &minio.Options{
		Creds:        credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:       secure,
		Region:       cfg.Region,
		BucketLookup: lookup,
		// Retries are the caller's business: a conditional request that
		// failed for a network reason may have succeeded, and the store
		// decides what that means.
		MaxRetries: 1,
	})
	if err != nil {
		return nil, fmt.Errorf("s3 store %s: %w", cfg.Endpoint, err)
	}
	b := &S3Backend{cfg: cfg, client: client, core: minio.Core{Client: client}}
	exists, err := client.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, b.wrap("open bucket", "", err)
	}
	if !exists {
		if !cfg.CreateBucket {
			return nil, fmt.Errorf("s3 store %s: bucket %q does not exist", b.Location(), cfg.Bucket)
		}
		if err := client.MakeBucket(ctx, cfg.Bucket, minio.MakeBucketOptions{Region: cfg.Region}); err != nil {
			code := minio.ToErrorResponse(err).Code
			if code != "BucketAlreadyOwnedByYou" && code != "BucketAlreadyExists" {
				return nil, b.wrap("create bucket", "", err)
			}
		}
	}
	return b, nil
}

// parseS3Endpoint turns an endpoint URL into minio-go's host and TLS flag.
func parseS3Endpoint(endpoint string) (host string, secure bool, err error) {
	if endpoint == "" {
		return "s3.amazonaws.com", true, nil
	}
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return "", false, fmt.Errorf("s3 endpoint %q: want http(s)://host[:port] with nothing after it", endpoint)
	}
	return u.Host, u.Scheme == "https", nil
}

// Location is s3://bucket/prefix at the endpoint; never a key.
func (b *S3Backend) Location() string {
	loc := "s3://" + b.cfg.Bucket
	if b.cfg.Prefix != "" {
		loc += "/" + b.cfg.Prefix
	}
	if b.cfg.Endpoint != "" {
		loc += " at " + b.cfg.Endpoint
	}
	return loc
}

// URL is s3://bucket/prefix.
func (b *S3Backend) URL() string {
	if b.cfg.Prefix == "" {
		return "s3://" + b.cfg.Bucket
	}
	return "s3://" + b.cfg.Bucket + "/" + b.cfg.Prefix
}

func (b *S3Backend) object(key string) string {
	if b.cfg.Prefix == "" {
		return key
	}
	return b.cfg.Prefix + "/" + key
}

// S3CredentialsError is a sign-in the service refused. It names where
// the keys came from so the user knows which variable to check; it never
// holds a key.
type S3CredentialsError struct {
	Location string
	Code     string
	From     string
}

func (e *S3CredentialsError) Error() string {
	from := e.From
	if from == "" {
		from = "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
	}
	return fmt.Sprintf("s3 store %s: the service refused the credentials (%s); check %s", e.Location, e.Code, from)
}

// wrap turns a minio-go error into the store's vocabulary: absent objects,
// failed conditions and refused credentials are recognisable with
// errors.Is/As; the rest keeps its text and the key it concerned.
func (b *S3Backend) wrap(op, key string, err error) error {
	if err == nil {
		return nil
	}
	what := op
	if key != "" {
		what += " " + key
	}
	resp := minio.ToErrorResponse(err)
	switch resp.Code {
	case "NoSuchKey":
		return fmt.Errorf("%s: %w", what, ErrObjectNotFound)
	case "PreconditionFailed", "ConditionalRequestConflict":
		return fmt.Errorf("%s: %w", what, ErrConflict)
	case "InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "InvalidToken", "ExpiredToken":
		return &S3CredentialsError{Location: b.Location(), Code: resp.Code, From: b.cfg.CredentialsFrom}
	}
	switch resp.StatusCode {
	case http.StatusPreconditionFailed, http.StatusConflict:
		return fmt.Errorf("%s: %w", what, ErrConflict)
	case http.StatusNotFound:
		if key != "" {
			return fmt.Errorf("%s: %w", what, ErrObjectNotFound)
		}
	case http.StatusForbidden, http.StatusUnauthorized:
		return &S3CredentialsError{Location: b.Location(), Code: http.StatusText(resp.StatusCode), From: b.cfg.CredentialsFrom}
	}
	var nerr net.Error
	if errors.As(err, &nerr) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("s3 store %s: %s: service unreachable: %w", b.Location(), what, err)
	}
	return fmt.Errorf("s3 store %s: %s: %w", b.Location(), what, err)
}

// PutIfAbsent uploads r under key with If-None-Match: *. An object up to
// PartSize goes in one PUT; a larger one as a multipart upload whose
// completion carries the condition, aborted if anything fails, so neither
// a half-written object nor an orphaned upload stays behind.
func (b *S3Backend) PutIfAbsent(ctx context.Context, key string, r io.Reader, size int64) error {
	if err := ValidateObjectKey(key); err != nil {
		return err
	}
	first, err := readPart(ctx, r, b.cfg.PartSize, size)
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	opts := minio.PutObjectOptions{ContentType: "application/octet-stream"}
	opts.SetMatchETagExcept("*")
	if int64(len(first)) < b.cfg.PartSize || size == int64(len(first)) {
		_, err := b.core.PutObject(ctx, b.cfg.Bucket, b.object(key), bytes.NewReader(first), int64(len(first)), "", "", opts)
		return b.putErr(key, err)
	}
	return b.putMultipart(ctx, key, first, r, opts)
}

// putErr: a failed condition on a put means the object exists.
func (b *S3Backend) putErr(key string, err error) error {
	err = b.wrap("put", key, err)
	if errors.Is(err, ErrConflict) {
		return fmt.Errorf("put %s: %w", key, ErrExists)
	}
	return err
}

// readPart reads up to max bytes of r, fewer when r ends first; it
// allocates only what a known size needs.
func readPart(ctx context.Context, r io.Reader, max, size int64) ([]byte, error) {
	var buf bytes.Buffer
	if size >= 0 && size < max {
		buf.Grow(int(size))
	}
	if _, err := io.Copy(&buf, io.LimitReader(contextReader{ctx: ctx, r: r}, max)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (b *S3Backend) putMultipart(ctx context.Context, key string, first []byte, r io.Reader, opts minio.PutObjectOptions) (err error) {
	obj := b.object(key)
	// The upload is created without the condition (it would be checked
	// only at completion anyway), and completed with it.
	id, err := b.core.NewMultipartUpload(ctx, b.cfg.Bucket, obj, minio.PutObjectOptions{ContentType: opts.ContentType})
	if err != nil {
		return b.wrap("put", key, err)
	}
	defer func() {
		if err != nil {
			// A cancelled run still cleans up after itself.
			actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			b.core.AbortMultipartUpload(actx, b.cfg.Bucket, obj, id)
		}
	}()
	var parts []minio.CompletePart
	part := first
	for n := 1; len(part) > 0; n++ {
		p, err := b.core.PutObjectPart(ctx, b.cfg.Bucket, obj, id, n, bytes.NewReader(part), int64(len(part)), minio.PutObjectPartOptions{})
		if err != nil {
			return b.wrap("put", key, err)
		}
		parts = append(parts, minio.CompletePart{PartNumber: n, ETag: p.ETag})
		if part, err = readPart(ctx, r, b.cfg.PartSize, -1); err != nil {
			return fmt.Errorf("put %s: %w", key, err)
		}
	}
	_, err = b.core.CompleteMultipartUpload(ctx, b.cfg.Bucket, obj, id, parts, opts)
	return b.putErr(key, err)
}

// AbortStaleUploads aborts the multipart uploads under the store's prefix
// that started more than olderThan ago: what a killed run left. Younger
// ones may belong to a run still going.
func (b *S3Backend) AbortStaleUploads(ctx context.Context, olderThan time.Duration) (int, error) {
	prefix := ""
	if b.cfg.Prefix != "" {
		prefix = b.cfg.Prefix + "/"
	}
	n := 0
	for up := range b.client.ListIncompleteUploads(ctx, b.cfg.Bucket, prefix, true) {
		if up.Err != nil {
			return n, b.wrap("list uploads", "", up.Err)
		}
		if time.Since(up.Initiated) < olderThan {
			continue
		}
		if err := b.core.AbortMultipartUpload(ctx, b.cfg.Bucket, up.Key, up.UploadID); err != nil {
			return n, b.wrap("abort upload", up.Key, err)
		}
		n++
	}
	return n, nil
}

// Get opens the object; the first request is made here, so an absent
// object is reported now rather than on the first read.
func (b *S3Backend) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := ValidateObjectKey(key); err != nil {
		return nil, err
	}
	rc, _, _, err := b.core.GetObject(ctx, b.cfg.Bucket, b.object(key), minio.GetObjectOptions{})
	if err != nil {
		return nil, b.wrap("get", key, err)
	}
	return rc, nil
}

// Stat asks for the object's head.
func (b *S3Backend) Stat(ctx context.Context, key string) (ObjectInfo, error) {
	if err := ValidateObjectKey(key); err != nil {
		return ObjectInfo{}, err
	}
	info, err := b.client.StatObject(ctx, b.cfg.Bucket, b.object(key), minio.StatObjectOptions{})
	if err != nil {
		return ObjectInfo{}, b.wrap("stat", key, err)
	}
	return ObjectInfo{Key: key, Size: info.Size, Modified: info.LastModified}, nil
}

// List pages through the bucket listing under the prefix; S3 lists keys
// in byte order, which is key order.
func (b *S3Backend) List(ctx context.Context, prefix string, fn func(ObjectInfo) error) error {
	if err := validatePrefix(prefix); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the listing goroutine when fn stops early
	full := b.object(prefix)
	if prefix == "" && b.cfg.Prefix != "" {
		full = b.cfg.Prefix + "/"
	}
	strip := ""
	if b.cfg.Prefix != "" {
		strip = b.cfg.Prefix + "/"
	}
	for o := range b.client.ListObjects(ctx, b.cfg.Bucket, minio.ListObjectsOptions{Prefix: full, Recursive: true}) {
		if o.Err != nil {
			return b.wrap("list", prefix, o.Err)
		}
		key := strings.TrimPrefix(o.Key, strip)
		if !strings.HasPrefix(key, prefix) || ValidateObjectKey(key) != nil {
			continue
		}
		if err := fn(ObjectInfo{Key: key, Size: o.Size, Modified: o.LastModified}); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// Delete removes the object.
func (b *S3Backend) Delete(ctx context.Context, key string) error {
	if err := ValidateObjectKey(key); err != nil {
		return err
	}
	err := b.client.RemoveObject(ctx, b.cfg.Bucket, b.object(key), minio.RemoveObjectOptions{})
	if err = b.wrap("delete", key, err); errors.Is(err, ErrObjectNotFound) {
		return nil
	}
	return err
}

// maxSmallObject bounds what Load reads: latest and lock leases are a
// few hundred bytes, and a huge object there is damage, not data.
const maxSmallObject = 1 << 20

// Load reads the object and the ETag of what was read, from one GET.
func (b *S3Backend) Load(ctx context.Context, key string) ([]byte, string, error) {
	if err := ValidateObjectKey(key); err != nil {
		return nil, "", err
	}
	rc, info, _, err := b.core.GetObject(ctx, b.cfg.Bucket, b.object(key), minio.GetObjectOptions{})
	if err != nil {
		return nil, "", b.wrap("load", key, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxSmallObject+1))
	if err != nil {
		return nil, "", b.wrap("load", key, err)
	}
	if len(data) > maxSmallObject {
		return nil, "", fmt.Errorf("load %s: larger than %d bytes", key, maxSmallObject)
	}
	if info.ETag == "" {
		return nil, "", fmt.Errorf("load %s: the service returned no ETag, so it cannot be swapped safely", key)
	}
	return data, info.ETag, nil
}

// Swap puts data with If-Match on version, or If-None-Match: * when
// version is "".
func (b *S3Backend) Swap(ctx context.Context, key string, data []byte, version string) (string, error) {
	if err := ValidateObjectKey(key); err != nil {
		return "", err
	}
	opts := minio.PutObjectOptions{ContentType: "text/plain"}
	if version == "" {
		opts.SetMatchETagExcept("*")
	} else {
		opts.SetMatchETag(version)
	}
	info, err := b.core.PutObject(ctx, b.cfg.Bucket, b.object(key), bytes.NewReader(data), int64(len(data)), "", "", opts)
	if err != nil {
		err = b.wrap("swap", key, err)
		if version != "" && errors.Is(err, ErrObjectNotFound) {
			// If-Match on a deleted object.
			return "", fmt.Errorf("swap %s: %w (it is gone)", key, ErrConflict)
		}
		return "", err
	}
	if info.ETag == "" {
		return "", fmt.Errorf("swap %s: the service returned no ETag", key)
	}
	return info.ETag, nil
}

const leaseKey = locksDir + "/" + lockName

// Lock takes the lease object locks/run.json with If-None-Match: *. A
// lease whose expiry has passed (its holder crashed, or stopped renewing)
// is taken over with If-Match on its ETag, so of several contenders
// exactly one wins. Expiry is judged by this machine's clock against the
// holder's; keep the ttl well above any clock skew between runners.
func (b *S3Backend) Lock(ctx context.Context, owner LockInfo, ttl time.Duration) (Lease, error) {
	return b.LockKey(ctx, leaseKey, owner, ttl)
}

// LockKey takes a lease on any key, as Lock does on the run lock; sharded
// runs lock one lease per source this way.
func (b *S3Backend) LockKey(ctx context.Context, leaseKey string, owner LockInfo, ttl time.Duration) (Lease, error) {
	if err := ValidateObjectKey(leaseKey); err != nil {
		return nil, err
	}
	if ttl <= 0 {
		return nil, errors.New("lock store: a lease needs a positive ttl")
	}
	info := owner
	info.Expires = owner.Time.Add(ttl)
	l := &s3Lease{b: b, key: leaseKey, info: info, ttl: ttl}
	data, _ := json.Marshal(l.info)
	// Two tries: the second follows an expired lease.
	for attempt := 0; attempt < 2; attempt++ {
		etag, err := b.Swap(ctx, leaseKey, data, "")
		if err == nil {
			l.etag = etag
			return l, nil
		}
		if !errors.Is(err, ErrConflict) {
			return nil, fmt.Errorf("lock store: %w", err)
		}
		cur, version, err := b.Load(ctx, leaseKey)
		if errors.Is(err, ErrObjectNotFound) {
			continue // released between our put and our read
		}
		if err != nil {
			return nil, fmt.Errorf("lock store: %w", err)
		}
		var holder LockInfo
		if err := json.Unmarshal(cur, &holder); err != nil {
			return nil, &LockedError{Path: b.Location() + "/" + leaseKey, Unreadable: err}
		}
		// A holder on this host whose process is gone crashed: its lease
		// is as good as expired, so a killed run does not lock the next
		// one out for a whole ttl.
		if time.Now().Before(holder.Expires) && JudgeHolder(holder, currentHolder(time.Now().UTC())) != HolderGone {
			return nil, &LockedError{Path: b.Location() + "/" + leaseKey, Holder: holder}
		}
		etag, err = b.Swap(ctx, leaseKey, data, version)
		if err == nil {
			l.etag = etag
			return l, nil
		}
		if !errors.Is(err, ErrConflict) {
			return nil, fmt.Errorf("lock store: %w", err)
		}
		// Someone else took the expired lease first.
	}
	cur, _, _ := b.Load(ctx, leaseKey)
	var holder LockInfo
	json.Unmarshal(cur, &holder)
	return nil, &LockedError{Path: b.Location() + "/" + leaseKey, Holder: holder}
}

type s3Lease struct {
	b    *S3Backend
	key  string
	info LockInfo
	etag string
	ttl  time.Duration
}

// Renew moves the expiry forward with If-Match on the lease's ETag; a
// lease someone took over no longer matches.
func (l *s3Lease) Renew(ctx context.Context) error {
	next := l.info
	next.Expires = time.Now().UTC().Add(l.ttl)
	data, _ := json.Marshal(next)
	etag, err := l.b.Swap(ctx, l.key, data, l.etag)
	if errors.Is(err, ErrConflict) {
		return fmt.Errorf("renew lock: %w", ErrLeaseLost)
	}
	if err != nil {
		return fmt.Errorf("renew lock: %w", err)
	}
	l.info, l.etag = next, etag
	return nil
}

// Release deletes the lease if it is still ours. S3 has no conditional
// delete that every service honours, so this is a check, then a delete:
// a lease taken over in between would be removed, which costs the new
// holder its exclusivity only if it was itself expired already.
func (l *s3Lease) Release(ctx context.Context) error {
	_, version, err := l.b.Load(ctx, l.key)
	if errors.Is(err, ErrObjectNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("unlock store: %w", err)
	}
	if version != l.etag {
		return fmt.Errorf("unlock store: %w", ErrLeaseLost)
	}
	if err := l.b.Delete(ctx, l.key); err != nil {
		return fmt.Errorf("unlock store: %w", err)
	}
	return nil
}

// Publish writes an object whether or not one exists: for a publishing
// prefix (a static site, a CDN origin) that always holds the current
// catalog, not for the store, whose objects are written once. minio-go
// streams a large body in parts.
func (b *S3Backend) Publish(ctx context.Context, key string, r io.Reader, size int64, contentType string) error {
	if err := ValidateObjectKey(key); err != nil {
		return err
	}
	_, err := b.client.PutObject(ctx, b.cfg.Bucket, b.object(key), r, size, minio.PutObjectOptions{ContentType: contentType, PartSize: uint64(b.cfg.PartSize)})
	return b.wrap("publish", key, err)
}
