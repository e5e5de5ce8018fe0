//go:build !unix

package output

import (
	"context"
	"sync"
)

// swapMu stands in for flock where there is none: it orders the swaps of
// one process, which is all a system without flock can promise.
var swapMu sync.Mutex

func withFlock(ctx context.Context, path string, fn func() error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	swapMu.Lock()
	defer swapMu.Unlock()
	return fn()
}
