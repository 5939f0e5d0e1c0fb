package vendormap

import (
	"context"
	"sync"
	"time"
)

// readTimeout bounds one listing read. The read serves every caller
// waiting on it, so it runs without the first caller's cancellation.
const readTimeout = 2 * time.Minute

// listing is one vendor list (the organization's groups, an instance's
// roles or workspaces) shared by every lookup of a process: at most one
// read of it is under way at a time, every caller that may use that read
// waits for it, and a good read is kept for ttl if it holds at most
// maxItems entries.
//
// Reads are numbered in the order they start. A lookup notes mark()
// when it begins; a read numbered at least that mark started after the
// lookup began, so its answer is as fresh as the lookup can ask for.
type listing[T any] struct {
	read     func(ctx context.Context) ([]T, error)
	now      func() time.Time
	ttl      time.Duration
	maxItems int

	mu     sync.Mutex
	seq    uint64       // reads started so far
	kept   *snapshot[T] // the last good read still kept; nil when none
	flight *snapshot[T] // the newest read under way; nil when none
	floor  uint64       // reads numbered below floor are never kept (see drop)
}

// snapshot is one read: its number, start time and answer.
type snapshot[T any] struct {
	seq   uint64
	at    time.Time
	done  chan struct{}
	items []T
	err   error
}

// mark is the number the next read will get.
func (l *listing[T]) mark() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.seq + 1
}

// get returns a read numbered at least min: the kept one while younger
// than ttl, else the read under way, else a new read. min 0 accepts any
// kept read. The error is the read's, or ctx's while waiting.
func (l *listing[T]) get(ctx context.Context, min uint64) (*snapshot[T], error) {
	l.mu.Lock()
	if k := l.kept; k != nil && k.seq >= min && l.now().Sub(k.at) < l.ttl {
		l.mu.Unlock()
		return k, nil
	}
	f := l.flight
	if f == nil || f.seq < min {
		l.seq++
		f = &snapshot[T]{seq: l.seq, at: l.now(), done: make(chan struct{})}
		l.flight = f
		go l.run(context.WithoutCancel(ctx), f)
	}
	l.mu.Unlock()
	select {
	case <-f.done:
		return f, f.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// run reads the list for f and keeps a good answer that is newer than
// the kept one and not from before the last drop.
func (l *listing[T]) run(ctx context.Context, f *snapshot[T]) {
	ctx, cancel := context.WithTimeout(ctx, readTimeout)
	items, err := l.read(ctx)
	cancel()
	l.mu.Lock()
	f.items, f.err = items, err
	if err == nil && f.seq >= l.floor && len(items) <= l.maxItems && (l.kept == nil || f.seq > l.kept.seq) {
		l.kept = f
	}
	if l.flight == f {
		l.flight = nil
	}
	l.mu.Unlock()
	close(f.done)
}

// drop forgets the kept read, and makes sure no read that started before
// now is kept later: the vendor contradicted what they said.
func (l *listing[T]) drop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.kept = nil
	l.floor = l.seq + 1
}

// lookup answers a question about the list with find: from the kept read
// when find succeeds on it, else from a read that started after lookup
// began, so a "no" is never older than the question. find's error is
// returned as is when that fresh read cannot answer either.
func lookup[T, R any](ctx context.Context, l *listing[T], find func([]T) (R, error)) (R, error) {
	mark := l.mark()
	s, err := l.get(ctx, 0)
	if err != nil {
		var zero R
		return zero, err
	}
	v, ferr := find(s.items)
	if ferr == nil || s.seq >= mark {
		return v, ferr
	}
	if s, err = l.get(ctx, mark); err != nil {
		var zero R
		return zero, err
	}
	return find(s.items)
}

// fresh answers from a read that started after the call began, whatever
// is kept: for questions whose "no" decides something, such as which
// profiles a removal must cover.
func fresh[T, R any](ctx context.Context, l *listing[T], find func([]T) (R, error)) (R, error) {
	s, err := l.get(ctx, l.mark())
	if err != nil {
		var zero R
		return zero, err
	}
	return find(s.items)
}
