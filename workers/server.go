package workers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/internal/logging"
)

// ServerConfig sizes the worker pool.
type ServerConfig struct {
	Queue       string
	Concurrency int
	// PollInterval is how often scheduled and retry tasks are moved to
	// pending, and how long an idle worker waits before looking for work
	// again (default 1 s). Rescheduled sagas come back for rate-limit
	// slots a few at a time, so an idle pool must notice them quickly or
	// evenly paced slots go unused.
	PollInterval time.Duration
	// ShutdownTimeout is how long running tasks get to finish on stop.
	ShutdownTimeout time.Duration
}

// Server runs the task handlers.
type Server struct {
	srv *asynq.Server
	mux *asynq.ServeMux
}

// Handlers are the parts the task handlers call. Notifier may be nil.
type Handlers struct {
	Executor *Executor
	Service  *approvals.Service
	Ledger   Ledger
	Notifier ExpiryNotifier
	Logger   zerolog.Logger
}

// NewServer builds a worker server on rdb.
func NewServer(rdb redis.UniversalClient, cfg ServerConfig, h Handlers) *Server {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 20
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 20 * time.Second
	}
	log := h.Logger.With().Str(logging.Component, "workers").Logger()
	srv := asynq.NewServerFromRedisClient(rdb, asynq.Config{
		Concurrency:              cfg.Concurrency,
		Queues:                   map[string]int{cfg.Queue: 1},
		RetryDelayFunc:           retryDelay,
		IsFailure:                func(err error) bool { var w *WaitError; return !errors.As(err, &w) },
		DelayedTaskCheckInterval: cfg.PollInterval,
		TaskCheckInterval:        cfg.PollInterval,
		ShutdownTimeout:          cfg.ShutdownTimeout,
		Logger:                   asynqLogger{log},
		LogLevel:                 asynq.WarnLevel,
		ErrorHandler: asynq.ErrorHandlerFunc(func(ctx context.Context, t *asynq.Task, err error) {
			var w *WaitError
			if errors.As(err, &w) {
				return
			}
			id, _ := asynq.GetTaskID(ctx)
			log.Warn().Err(err).Str(logging.TaskID, id).Str("type", t.Type()).Msg("task failed; the queue will retry it")
		}),
	})
	mux := asynq.NewServeMux()
	withLog := func(f func(context.Context, payload) error) asynq.HandlerFunc {
		return func(ctx context.Context, t *asynq.Task) error {
			var p payload
			if err := json.Unmarshal(t.Payload(), &p); err != nil {
				return fmt.Errorf("%w: bad payload: %v", asynq.SkipRetry, err)
			}
			id, _ := asynq.GetTaskID(ctx)
			n, _ := asynq.GetRetryCount(ctx)
			l := log.With().Str(logging.TaskID, id).Int(logging.Attempt, n).Logger()
			return f(l.WithContext(ctx), p)
		}
	}
	mux.Handle(TypeExecute, withLog(func(ctx context.Context, p payload) error {
		id, _ := asynq.GetTaskID(ctx)
		return h.Executor.Execute(ctx, p.RequestID, id)
	}))
	mux.Handle(TypeExpire, withLog(h.expire))
	mux.Handle(TypeWarn, withLog(h.warn))
	return &Server{srv: srv, mux: mux}
}

// retryDelay honours a WaitError's wait; a task whose worker died
// (lease expired) resumes at once, since its saga is idempotent;
// anything else gets asynq's default backoff.
func retryDelay(n int, err error, t *asynq.Task) time.Duration {
	var w *WaitError
	if errors.As(err, &w) {
		return max(w.After, time.Second)
	}
	if errors.Is(err, asynq.ErrLeaseExpired) {
		return time.Second
	}
	return asynq.DefaultRetryDelayFunc(n, err, t)
}

// Run processes tasks until ctx ends, then shuts down, letting running
// tasks finish within the shutdown timeout.
func (s *Server) Run(ctx context.Context) error {
	if err := s.srv.Start(s.mux); err != nil {
		return fmt.Errorf("workers: start: %w", err)
	}
	<-ctx.Done()
	s.srv.Shutdown()
	return nil
}

// expire ends a grant whose time is up with a system-approved removal
// that runs through the same saga.
func (h Handlers) expire(ctx context.Context, p payload) error {
	g, err := h.Ledger.Grant(ctx, p.Email, p.Package)
	if errors.Is(err, approvals.ErrNoGrant) {
		return nil // already removed
	}
	if err != nil {
		return err
	}
	if g.RequestID != p.RequestID {
		return nil // replaced by a newer grant (an extension) with its own expiry
	}
	r, err := h.Service.RevokeWith(ctx, g.Email, g.Package, approvals.System, expiredReason(g))
	if errors.Is(err, approvals.ErrDuplicateRequest) {
		return nil // a removal is already under way
	}
	if err != nil {
		return err
	}
	zerolog.Ctx(ctx).Info().Str(logging.RequestID, r.ID).Str("revokes", g.RequestID).Msg("grant expired; removal submitted")
	return nil
}

// expiredReason is why an expired grant's removal was made, e.g.
// "access expired: DC-1003 granted agent on 2026-11-24 until 2026-12-24 09:00 UTC".
func expiredReason(g *approvals.Grant) approvals.Sentence {
	return approvals.Say(fmt.Sprintf("access expired: %s granted %s on %s until %s", g.RequestID, g.Package,
		g.Since.UTC().Format("2006-01-02"), g.Until.UTC().Format("2006-01-02 15:04 MST")),
		"reason.expired", map[string]string{"ID": g.RequestID, "Package": g.Package,
			"SinceDate": g.Since.UTC().Format(time.RFC3339), "UntilDateTime": g.Until.UTC().Format(time.RFC3339)})
}

// warn tells the holder a grant ends soon.
func (h Handlers) warn(ctx context.Context, p payload) error {
	if h.Notifier == nil {
		return nil
	}
	g, err := h.Ledger.Grant(ctx, p.Email, p.Package)
	if errors.Is(err, approvals.ErrNoGrant) {
		return nil
	}
	if err != nil {
		return err
	}
	if g.RequestID != p.RequestID {
		return nil
	}
	return h.Notifier.WarnExpiry(ctx, *g)
}

// asynqLogger routes asynq's own logs into zerolog.
type asynqLogger struct{ l zerolog.Logger }

func (a asynqLogger) Debug(args ...any) { a.l.Debug().Msg(fmt.Sprint(args...)) }
func (a asynqLogger) Info(args ...any)  { a.l.Info().Msg(fmt.Sprint(args...)) }
func (a asynqLogger) Warn(args ...any)  { a.l.Warn().Msg(fmt.Sprint(args...)) }
func (a asynqLogger) Error(args ...any) { a.l.Error().Msg(fmt.Sprint(args...)) }
func (a asynqLogger) Fatal(args ...any) { a.l.Error().Msg(fmt.Sprint(args...)) }
