package metrics

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Sources of state read at scrape time, for chataccess_metrics_read_errors_total.
const (
	sourceLedger = "ledger"
	sourceQueue  = "queue"
)

// errReadTimeout is a read of Redis that did not answer within ReadTimeout.
var errReadTimeout = errors.New("metrics: read timed out")

// reader reads one source of state at most once per interval, within a
// deadline, for every scrape that asks in between: concurrent scrapes
// wait for the one read under way instead of starting their own.
type reader[T any] struct {
	read     func(context.Context) (T, error)
	timeout  time.Duration
	interval time.Duration
	now      func() time.Time
	failed   func() // counts a failed read

	mu   sync.Mutex
	at   time.Time
	val  T
	err  error
	took time.Duration
}

func newReader[T any](m *Metrics, source string, read func(context.Context) (T, error)) *reader[T] {
	c := m.readErrors.WithLabelValues(source)
	return &reader[T]{read: read, timeout: m.opts.ReadTimeout, interval: m.opts.MinReadInterval, now: m.opts.Now, failed: c.Inc}
}

// get returns the latest read, reading again when it is older than the
// interval. took is how long that read took.
func (r *reader[T]) get() (val T, took time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.at.IsZero() && r.now().Sub(r.at) < r.interval {
		return r.val, r.took, r.err
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.timeout)
	defer cancel()
	start := time.Now()
	r.val, r.err = within(ctx, r.read)
	r.took, r.at = time.Since(start), r.now()
	if r.err != nil {
		r.failed()
	}
	return r.val, r.took, r.err
}

// within runs read and gives up when ctx ends, even if read does not
// watch ctx (the queue's inspector does not); such a read finishes on
// its own, bounded by the Redis client's own timeouts.
func within[T any](ctx context.Context, read func(context.Context) (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	go func() {
		v, err := read(ctx)
		ch <- result{v, err}
	}()
	select {
	case res := <-ch:
		return res.v, res.err
	case <-ctx.Done():
		var zero T
		return zero, errReadTimeout
	}
}
