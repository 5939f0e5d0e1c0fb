package postack

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/internal/logging"
)

// DefaultTimeout limits a task when Config.Timeout is not set.
const DefaultTimeout = 30 * time.Second

// queuePerWorker is how many tasks may wait per worker before more are
// dropped.
const queuePerWorker = 16

// Config configures a Runner.
type Config struct {
	// Workers is how many tasks run at once (at least 1).
	Workers int
	// Timeout limits each task (default DefaultTimeout).
	Timeout time.Duration
	// Dropped is told of each task dropped because the queue was full
	// (the adapter counts it in its metrics); nil: nobody is told.
	Dropped func()
	Logger  zerolog.Logger
}

// Runner runs post-ack work with bounded concurrency and a context that
// derives from the base context given to New, not from the request;
// each task gets its own timeout and the Runner's logger in its
// context. A task that panics is logged and does not take the process
// down.
type Runner struct {
	base      context.Context
	sem       chan struct{}
	timeout   time.Duration
	maxQueued int64
	queued    atomic.Int64
	wg        sync.WaitGroup
	log       zerolog.Logger
	dropped   func()
}

// New returns a runner of cfg.Workers concurrent tasks. At most 16 tasks
// per worker wait; more are dropped and counted. base should be
// cancelled only after Wait returned or the shutdown grace period ended.
func New(base context.Context, cfg Config) *Runner {
	workers := max(cfg.Workers, 1)
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &Runner{base: base, sem: make(chan struct{}, workers), timeout: timeout,
		maxQueued: int64(queuePerWorker * workers), log: cfg.Logger, dropped: cfg.Dropped}
}

// Go schedules fn and returns at once; false means the queue was full
// and fn was dropped. A nil fn is accepted and does nothing.
func (r *Runner) Go(fn bot.Later) bool {
	if fn == nil {
		return true
	}
	if r.queued.Add(1) > r.maxQueued {
		r.queued.Add(-1)
		if r.dropped != nil {
			r.dropped()
		}
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
		if r.base.Err() != nil {
			return // base ended while this waited for a worker
		}
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

// Busy reports whether the queue is full, so a caller can refuse work
// it would otherwise accept and then drop.
func (r *Runner) Busy() bool { return r.queued.Load() >= r.maxQueued }

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
