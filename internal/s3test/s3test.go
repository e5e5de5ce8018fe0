//go:build linux

package s3test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Environment variables that steer the helper.
const (
	EnvBinary   = "SPECHARVEST_WEED"
	EnvRequired = "SPECHARVEST_S3_REQUIRED"
)

// Binary returns the path of the weed binary, or skips the test (fails it
// when SPECHARVEST_S3_REQUIRED=1) when there is none.
func Binary(t testing.TB) string {
	t.Helper()
	if p, ok := FindBinary(); ok {
		return p
	}
	msg := "no SeaweedFS weed binary: run `bash .ci/seaweedfs build` (about 5 minutes once, then cached) or set " + EnvBinary + " to test the S3 store against a real server"
	if os.Getenv(EnvRequired) == "1" {
		t.Fatal(msg + " (" + EnvRequired + "=1: the S3 tests must run here)")
	}
	t.Skip(msg)
	return ""
}

// FindBinary looks where Binary looks, without a test.
func FindBinary() (string, bool) {
	if p := os.Getenv(EnvBinary); p != "" {
		if isExecutable(p) {
			return p, true
		}
		return "", false
	}
	if home, err := os.UserHomeDir(); err == nil {
		p := filepath.Join(home, ".cache", "specharvest", "seaweedfs", "weed")
		if isExecutable(p) {
			return p, true
		}
	}
	if p, err := exec.LookPath("weed"); err == nil {
		return p, true
	}
	return "", false
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// Server is one running SeaweedFS gateway.
type Server struct {
	// Endpoint is the S3 URL, http://127.0.0.1:PORT.
	Endpoint  string
	AccessKey string
	SecretKey string
	// Dir holds the server's data and its log (weed.log).
	Dir string

	bin   string
	ports []int
	mu    sync.Mutex
	cmd   *exec.Cmd
	done  chan struct{}
}

// Start runs a fresh server with random credentials and stops it when
// the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := Binary(t)
	s := &Server{AccessKey: "test" + randomHex(8), SecretKey: randomHex(20), Dir: t.TempDir(), bin: bin}
	ports, err := freePorts(7)
	if err != nil {
		t.Fatal(err)
	}
	s.ports = ports
	s.Endpoint = "http://127.0.0.1:" + strconv.Itoa(ports[0])
	t.Cleanup(s.Stop)
	if err := s.start(); err != nil {
		t.Fatal(err)
	}
	return s
}

var shared struct {
	sync.Mutex
	srv *Server
	err error
}

// Shared returns one server for the whole test binary, started on first
// use: tests that do not stop it share it, each under its own bucket or
// prefix. The package's TestMain must call StopShared after m.Run.
func Shared(t testing.TB) *Server {
	t.Helper()
	bin := Binary(t)
	shared.Lock()
	defer shared.Unlock()
	if shared.srv == nil && shared.err == nil {
		dir, err := os.MkdirTemp("", "specharvest-s3-")
		if err != nil {
			t.Fatal(err)
		}
		s := &Server{AccessKey: "test" + randomHex(8), SecretKey: randomHex(20), Dir: dir, bin: bin}
		if s.ports, err = freePorts(7); err != nil {
			t.Fatal(err)
		}
		s.Endpoint = "http://127.0.0.1:" + strconv.Itoa(s.ports[0])
		if shared.err = s.start(); shared.err == nil {
			shared.srv = s
		}
	}
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.srv
}

// StopShared stops the shared server, if one was started, and removes its
// folder.
func StopShared() {
	shared.Lock()
	defer shared.Unlock()
	if shared.srv != nil {
		shared.srv.Stop()
		os.RemoveAll(shared.srv.Dir)
		shared.srv = nil
	}
}

// Restart starts a stopped server again on the same folder and ports.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	if err := s.start(); err != nil {
		t.Fatal(err)
	}
}

func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return fmt.Errorf("seaweedfs: already running")
	}
	data := filepath.Join(s.Dir, "data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		return err
	}
	logf, err := os.OpenFile(filepath.Join(s.Dir, "weed.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	p := s.ports
	cmd := exec.Command(s.bin, "mini",
		"-dir="+data, "-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-master.telemetry=false",
		"-s3.port="+strconv.Itoa(p[0]), "-s3.port.grpc="+strconv.Itoa(p[1]),
		"-master.port="+strconv.Itoa(p[2]), "-master.port.grpc="+strconv.Itoa(p[3]),
		"-volume.port="+strconv.Itoa(p[4]), "-volume.port.grpc="+strconv.Itoa(p[5]),
		"-filer.port="+strconv.Itoa(p[6]), "-filer.port.grpc="+strconv.Itoa(p[6]+1),
		"-s3.port.iceberg=0", "-s3.port.lance=0", "-webdav=false", "-admin.ui=false",
		"-s3.localSocket="+filepath.Join(s.Dir, "s3.sock"),
		"-filer.localSocket="+filepath.Join(s.Dir, "filer.sock"),
	)
	cmd.Dir = s.Dir
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+s.AccessKey, "AWS_SECRET_ACCESS_KEY="+s.SecretKey)
	cmd.Stdout, cmd.Stderr = logf, logf
	// Its own process group, so stopping it stops every child it forks,
	// and it dies with the test binary that started it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("start seaweedfs: %w", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); logf.Close(); close(done) }()
	s.cmd, s.done = cmd, done
	if err := s.waitHealthy(done, 90*time.Second); err != nil {
		s.stopLocked()
		log, _ := os.ReadFile(filepath.Join(s.Dir, "weed.log"))
		if len(log) > 4000 {
			log = log[len(log)-4000:]
		}
		return fmt.Errorf("%w\n--- weed.log (tail) ---\n%s", err, log)
	}
	return nil
}

// waitHealthy polls /healthz, then waits until a bucket can be listed:
// the gateway answers health before its filer is ready for requests.
func (s *Server) waitHealthy(done <-chan struct{}, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: 2 * time.Second}
	for time.Now().Before(deadline) {
		select {
		case <-done:
			return fmt.Errorf("seaweedfs exited while starting")
		default:
		}
		resp, err := client.Get(s.Endpoint + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("seaweedfs at %s not healthy after %s", s.Endpoint, timeout)
}

// Stop ends the server (SIGTERM, then SIGKILL) and waits for it. It is
// safe to call twice.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopLocked()
}

func (s *Server) stopLocked() {
	if s.cmd == nil {
		return
	}
	pgid := s.cmd.Process.Pid
	syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		syscall.Kill(-pgid, syscall.SIGKILL)
		<-s.done
	}
	s.cmd, s.done = nil, nil
}

// Log is what the server printed, for a failing test's message.
func (s *Server) Log() string {
	b, _ := os.ReadFile(filepath.Join(s.Dir, "weed.log"))
	return string(bytes.TrimSpace(b))
}

// freePorts asks the kernel for n free loopback ports whose +10000
// neighbours are free too (SeaweedFS derives some gRPC ports that way).
func freePorts(n int) ([]int, error) {
	var ports []int
	var keep []net.Listener
	defer func() {
		for _, l := range keep {
			l.Close()
		}
	}()
	for len(ports) < n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		keep = append(keep, l)
		port := l.Addr().(*net.TCPAddr).Port
		if port+10000 > 65535 {
			continue
		}
		// Reserve port+1 too, for the filer's gRPC port.
		l2, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port+1))
		if err != nil {
			continue
		}
		keep = append(keep, l2)
		ports = append(ports, port)
	}
	return ports, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// WaitContext is a context for one test's S3 calls.
func WaitContext(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
