package teamsbot

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/internal/logging"
)

// Runner runs post-ack work (the After of handler replies, App Home
// publishing, message updates) with bounded concurrency and a context
// that outlives the request: it derives from the base context given to
// NewRunner, not from the request, and each task gets its own timeout.
//
// Work that must survive a restart belongs in the job queue; the Runner
// is for best-effort follow-ups that take a few seconds.
type Runner struct {
	base      context.Context
	sem       chan struct{}
	timeout   time.Duration
	maxQueued int64
	queued    atomic.Int64
	wg        sync.WaitGroup
	log       zerolog.Logger
	metrics   *Metrics
}

// NewRunner returns a runner of at most workers concurrent tasks, each
// limited to timeout. At most 16×workers tasks wait; more are dropped
// and counted. base should be cancelled only after Wait returned or the
// shutdown grace period ended.
func NewRunner(base context.Context, workers int, timeout time.Duration, log zerolog.Logger, m *Metrics) *Runner {
	workers = max(workers, 1)
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	return &Runner{base: base, sem: make(chan struct{}, workers), timeout: timeout,
		maxQueued: int64(16 * workers), log: log, metrics: m}
}

// Go schedules fn and returns at once; false means the queue was full
// and fn was dropped.
func (r *Runner) Go(fn bot.Later) bool {
	if fn == nil {
		return true
	}
	if r.queued.Add(1) > r.maxQueued {
		r.queued.Add(-1)
		r.metrics.dropped()
		r.log.Error().Msg("post-ack work dropped: runner queue full")
		return false
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer r.queued.Add(-1)
		select {
		case r.sem <- struct{}{}:
		case <-r.base.Done():
			return
		}
		defer func() { <-r.sem }()
		ctx, cancel := context.WithTimeout(r.log.WithContext(r.base), r.timeout)
		defer cancel()
		defer func() {
			if p := recover(); p != nil {
				r.log.Error().Interface(logging.Panic, p).Msg("post-ack work panicked")
			}
		}()
		fn(ctx)
	}()
	return true
}

// Wait blocks until all scheduled work finished or ctx ends.
func (r *Runner) Wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Busy reports whether the queue is full, so a caller can refuse work
// it would otherwise accept and then drop.
func (r *Runner) Busy() bool { return r.queued.Load() >= r.maxQueued }
