package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browserNames are the Chromium-based browsers Open looks for, in order.
var browserNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// Find returns the path of a Chromium-based browser, skipping the test
// when there is none (failing it under CI=true).
func Find(t testing.TB) string {
	t.Helper()
	for _, name := range browserNames {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no chromium, chromium-browser or google-chrome on PATH; CI must install one (apt-get install -y chromium)")
	}
	t.Skip("no chromium, chromium-browser or google-chrome on PATH: install one (apt-get install chromium) to check the catalog page in a browser")
	return ""
}

// ArtifactDir is where a test leaves its screenshots:
// $SPECHARVEST_ARTIFACTS when set, so CI can keep them, else a temp folder.
func ArtifactDir(t testing.TB) string {
	t.Helper()
	if dir := os.Getenv("SPECHARVEST_ARTIFACTS"); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	return t.TempDir()
}

// Tab is one browser tab. Ctx drives it with chromedp; it ends when the
// test does, or after the timeout given to Open.
type Tab struct {
	Ctx context.Context

	mu        sync.Mutex
	problems  []string
	stop      context.CancelFunc
	listening chan struct{}
}

// Open starts a headless browser with one tab, already listening to its
// console, and closes it when the test ends.
func Open(t testing.TB, timeout time.Duration) *Tab {
	t.Helper()
	browser := Find(t)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1000),
	)...)
	t.Cleanup(cancelAlloc)
	tabCtx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelTab)
	// Start the browser before listening, so no console line of the first
	// page is missed.
	if err := chromedp.Do(tabCtx); err != nil {
		t.Fatalf("start %s: %v", browser, err)
	}
	tab := &Tab{Ctx: tabCtx, listening: make(chan struct{})}
	listenCtx, stop := context.WithCancel(tabCtx)
	tab.stop = stop
	messages := chromedp.Console(listenCtx)
	go func() {
		defer close(tab.listening)
		for msg, err := range messages {
			if err != nil {
				return
			}
			if msg.Type == chromedp.ConsoleError || msg.IsException() {
				tab.mu.Lock()
				tab.problems = append(tab.problems, msg.String())
				tab.mu.Unlock()
			}
		}
	}()
	t.Cleanup(tab.stopListening)
	return tab
}

func (tab *Tab) stopListening() {
	tab.stop()
	<-tab.listening
}

// Problems stops listening and returns the console errors and uncaught
// exceptions seen so far.
func (tab *Tab) Problems() []string {
	tab.stopListening()
	tab.mu.Lock()
	defer tab.mu.Unlock()
	return append([]string(nil), tab.problems...)
}

// Screenshot captures the tab (the whole page when full is set) into
// ArtifactDir under name, and logs where it is.
func (tab *Tab) Screenshot(t testing.TB, name string, full bool) string {
	t.Helper()
	capture := chromedp.CaptureScreenshot()
	if full {
		capture = chromedp.FullScreenshot(100)
	}
	shot, err := chromedp.Run(tab.Ctx, capture)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join(ArtifactDir(t), name)
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
	return path
}
