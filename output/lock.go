package output

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// ErrLocked means another run holds the store's lock. The error returned
// with it is a *LockedError that names the holder.
var ErrLocked = errors.New("store is locked")

// LockInfo is the content of the lock file. Besides restic's
// {time, hostname, pid} it records what tells a live holder from a pid
// that merely exists: the process's start time (a reused pid has another),
// the kernel's boot id (a reboot ends every holder) and the pid namespace
// (a pid in another container means nothing here), and until when the
// holder can possibly need the lock.
type LockInfo struct {
	Time     time.Time `json:"time"`
	Hostname string    `json:"hostname"`
	PID      int       `json:"pid"`
	// StartTime is the holder's start in clock ticks since boot
	// (/proc/PID/stat), 0 where unknown.
	StartTime uint64 `json:"start_time,omitempty"`
	BootID    string `json:"boot_id,omitempty"`
	PIDNS     string `json:"pid_namespace,omitempty"`
	// Expires is when the holder's run is over by its own deadline plus a
	// margin; a holder that cannot be proven alive loses the lock then.
	Expires time.Time `json:"expires,omitzero"`
}

// LockedError says who holds the lock; errors.Is(err, ErrLocked) holds.
type LockedError struct {
	Path   string
	Holder LockInfo
	// Unreadable is set when the lock file cannot be parsed; the store
	// then counts as locked, for safety.
	Unreadable error
}

func (e *LockedError) Error() string {
	if e.Unreadable != nil {
		return fmt.Sprintf("store is locked: lock file %s is unreadable (%v); if no specharvest run is going, run `specharvest unlock --force`", e.Path, e.Unreadable)
	}
	msg := fmt.Sprintf("store is locked by pid %d on host %q since %s (lock file %s)",
		e.Holder.PID, e.Holder.Hostname, e.Holder.Time.UTC().Format(time.RFC3339), e.Path)
	if !e.Holder.Expires.IsZero() {
		msg += fmt.Sprintf("; it is taken over after %s unless that run is seen alive", e.Holder.Expires.UTC().Format(time.RFC3339))
	}
	return msg + "; if that run is certainly over, `specharvest unlock` removes the lock"
}

// Is makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

const lockName = "run.json"

// LockMargin is added to a run's deadline to give the time after which a
// lock whose holder cannot be seen is taken over: validating, merging and
// writing reports come after the crawl's deadline.
const LockMargin = 15 * time.Minute

// DefaultLockHold is how long a lock is honoured for callers that give no
// deadline of their own (store maintenance), and for a lock that names no
// expiry of its own.
const DefaultLockHold = 30*time.Minute + LockMargin

// Lock takes the store's run lock for at most DefaultLockHold; see LockFor.
func (s *Store) Lock(ctx context.Context) (unlock func() error, err error) {
	return s.LockFor(ctx, DefaultLockHold)
}

// LockFor takes the store's run lock, or fails at once with a *LockedError
// when its holder may still be alive. hold is how long this caller can
// need it at most (its deadline plus LockMargin); it is written into the
// lock. A held lock is stale, and replaced, when its holder is provably
// gone (see HolderState) or, when that cannot be told (another host,
// another pid namespace), once its expiry has passed. The returned unlock
// removes the lock if it is still ours.
func (s *Store) LockFor(ctx context.Context, hold time.Duration) (unlock func() error, err error) {
	return s.LockForProcess(ctx, hold, 0)
}

// LockForProcess is LockFor with the lock recorded as held by process
// pid (0: this process). A supervised run names its supervisor, whose
// life bounds its own (the child dies with it), so that a killed run's
// lock is seen stale the moment the supervisor is gone.
func (s *Store) LockForProcess(ctx context.Context, hold time.Duration, pid int) (unlock func() error, err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s.remote != nil {
		return s.remoteLock(ctx)
	}
	if hold <= 0 {
		hold = DefaultLockHold
	}
	dir := s.path(locksDir)
	if err := mkdirSynced(dir); err != nil {
		return nil, fmt.Errorf("lock store: %w", err)
	}
	mine := holderFor(time.Now().UTC(), pid)
	mine.Expires = mine.Time.Add(hold)
	data, _ := json.Marshal(mine)
	target := filepath.Join(dir, lockName)

	// The lock is written complete to a temp file and then linked into
	// place: link fails when the lock exists, so it is as exclusive as
	// O_EXCL, and nobody ever reads a half-written lock.
	f, err := createTemp(dir)
	if err != nil {
		return nil, fmt.Errorf("lock store: %w", err)
	}
	if err := finishTemp(ctx, f, func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
		return nil, fmt.Errorf("lock store: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)

	// Two tries: the second follows the removal of a stale lock.
	for attempt := 0; attempt < 2; attempt++ {
		err := os.Link(tmp, target)
		if err != nil && !errors.Is(err, fs.ErrExist) {
			// A file system without hard links: O_EXCL is as
			// exclusive, at the price of a moment in which the lock
			// is empty, which others read as held.
			err = createExclusive(target, data)
		}
		if err == nil {
			if err := syncDir(dir); err != nil {
				os.Remove(target)
				return nil, fmt.Errorf("lock store: %w", err)
			}
			return func() error { return releaseLock(target, mine) }, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("lock store: %w", err)
		}
		holder, readErr := readLock(target)
		if errors.Is(readErr, fs.ErrNotExist) {
			continue // released between our link and our read
		}
		if readErr != nil {
			return nil, &LockedError{Path: target, Unreadable: readErr}
		}
		if attempt > 0 || !Stale(holder, mine, hold) {
			return nil, &LockedError{Path: target, Holder: holder}
		}
		if err := removeStaleLock(ctx, target, dir, holder); err != nil {
			return nil, err
		}
	}
	holder, _ := readLock(target)
	return nil, &LockedError{Path: target, Holder: holder}
}

// removeStaleLock removes the lock judged stale, if it is still that
// very lock. Contenders that all judged it stale take turns under a guard
// the kernel releases when its holder dies, so only the first removes it;
// the others find it gone, and then link races with link, which exactly
// one wins. A fresh lock is never removed: while the stale file exists,
// nobody can take the lock without passing through the guard.
func removeStaleLock(ctx context.Context, target, dir string, stale LockInfo) error {
	return withTakeoverGuard(ctx, dir, func() error {
		current, err := readLock(target)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil || !current.same(stale) {
			return &LockedError{Path: target, Holder: current}
		}
		if err := os.Remove(target); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("lock store: remove stale lock: %w", err)
		}
		return syncDir(dir)
	})
}

func createExclusive(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}

func (l LockInfo) same(o LockInfo) bool {
	return l.PID == o.PID && l.Hostname == o.Hostname && l.Time.Equal(o.Time)
}

func readLock(path string) (LockInfo, error) {
	var info LockInfo
	data, err := os.ReadFile(path)
	if err != nil {
		return info, err
	}
	if err := json.Unmarshal(data, &info); err != nil {
		return info, fmt.Errorf("parse lock %s: %w", path, err)
	}
	return info, nil
}

// HolderState is what can be known about a lock's holder from here.
type HolderState int

const (
	// HolderAlive: same host, boot and pid namespace, and a process with
	// that pid and start time is running.
	HolderAlive HolderState = iota
	// HolderGone: provably not running: no such pid, a pid reused by a
	// process that started at another time, or a reboot since.
	HolderGone
	// HolderUnknown: another host or another pid namespace; its pid
	// cannot be checked from here.
	HolderUnknown
)

func (h HolderState) String() string {
	return [...]string{"alive", "gone", "unknown"}[h]
}

// currentHolder describes this process as a lock holder.
func currentHolder(now time.Time) LockInfo { return holderFor(now, 0) }

// holderFor describes process pid (0: this one) of this host.
func holderFor(now time.Time, pid int) LockInfo {
	if pid <= 0 {
		pid = os.Getpid()
	}
	host, _ := os.Hostname()
	info := LockInfo{Time: now, Hostname: host, PID: pid, BootID: bootID(), PIDNS: pidNamespace()}
	info.StartTime, _ = processStartTime(info.PID)
	return info
}

// JudgeHolder tells whether holder is alive, gone or unknown, as seen by
// the process described by me.
func JudgeHolder(holder, me LockInfo) HolderState {
	if holder.PID <= 0 || holder.Hostname != me.Hostname {
		return HolderUnknown
	}
	if holder.BootID != "" && me.BootID != "" && holder.BootID != me.BootID {
		return HolderGone // rebooted: no process of before survives
	}
	if holder.PIDNS != "" && me.PIDNS != "" && holder.PIDNS != me.PIDNS {
		// A container, or a run that was pid 1 of its own namespace:
		// the same number here is somebody else.
		return HolderUnknown
	}
	if processGone(holder.PID) {
		return HolderGone
	}
	if holder.StartTime != 0 {
		if st, ok := processStartTime(holder.PID); ok && st != holder.StartTime {
			return HolderGone // the pid was reused
		}
	}
	return HolderAlive
}

// Stale says whether a lock may be taken over: its holder is gone, or it
// cannot be seen and the lock has outlived its expiry (for a lock without
// one, its time plus hold).
func Stale(holder, me LockInfo, hold time.Duration) bool {
	switch JudgeHolder(holder, me) {
	case HolderGone:
		return true
	case HolderUnknown:
		expires := holder.Expires
		if expires.IsZero() {
			expires = holder.Time.Add(hold)
		}
		return me.Time.After(expires)
	}
	return false
}

// LockHolder reads the current lock: ok is false when the store is not
// locked.
func (s *Store) LockHolder(ctx context.Context) (holder LockInfo, state HolderState, ok bool, err error) {
	if err := ctx.Err(); err != nil {
		return holder, 0, false, err
	}
	if s.remote != nil {
		return s.remoteLockHolder(ctx)
	}
	holder, err = readLock(filepath.Join(s.path(locksDir), lockName))
	if errors.Is(err, fs.ErrNotExist) {
		return holder, 0, false, nil
	}
	if err != nil {
		return holder, HolderUnknown, true, err
	}
	return holder, JudgeHolder(holder, currentHolder(time.Now().UTC())), true, nil
}

// ForceUnlock removes the lock whatever its holder, for a human who knows
// the run is over. It goes through the takeover guard so that it never
// removes a lock that a new run took meanwhile.
func (s *Store) ForceUnlock(ctx context.Context, expected LockInfo) error {
	if s.remote != nil {
		return s.remoteForceUnlock(ctx, expected)
	}
	dir := s.path(locksDir)
	target := filepath.Join(dir, lockName)
	return withTakeoverGuard(ctx, dir, func() error {
		current, err := readLock(target)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err == nil && !current.same(expected) {
			return &LockedError{Path: target, Holder: current}
		}
		if err := os.Remove(target); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("unlock store: %w", err)
		}
		return syncDir(dir)
	})
}

func releaseLock(target string, mine LockInfo) error {
	holder, err := readLock(target)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("unlock store: %w", err)
	}
	if !holder.same(mine) {
		return fmt.Errorf("unlock store: lock %s is held by pid %d on host %q, not by us", target, holder.PID, holder.Hostname)
	}
	if err := os.Remove(target); err != nil {
		return fmt.Errorf("unlock store: %w", err)
	}
	return nil
}
