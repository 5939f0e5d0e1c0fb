package marketo

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/chataccess/chataccess/integrations/ratelimit"
)

// RateLimiter takes a slot of a named rate, sleeping at most maxWait and
// returning *ratelimit.WaitTooLongError when the slot is further away.
// *ratelimit.Limiter implements it.
type RateLimiter interface {
	Wait(ctx context.Context, key string, lim ratelimit.Limit, maxWait time.Duration) error
}

// Semaphore bounds calls in flight; Acquire waits until ctx ends.
// *ratelimit.Semaphore implements it.
type Semaphore interface {
	Acquire(ctx context.Context) (release func(), err error)
}

// HTTPDoer sends requests; *http.Client implements it.
type HTTPDoer interface {
	Do(*http.Request) (*http.Response, error)
}

var (
	_ RateLimiter = (*ratelimit.Limiter)(nil)
	_ Semaphore   = (*ratelimit.Semaphore)(nil)
	_ HTTPDoer    = (*http.Client)(nil)
)

// RateKey is the ratelimit key of the instance's call rate.
func (c Config) RateKey() string { return "marketo:" + c.InstanceKey() + ":calls" }

// SemaphoreKey is a suggested Redis key for the in-flight semaphore;
// prefix is the store's versioned prefix, e.g. "chataccess:v1:".
func (c Config) SemaphoreKey(prefix string) string {
	return prefix + "sem:marketo:" + c.InstanceKey()
}

// SemaphoreLease is how long a semaphore slot may be held: one HTTP
// call plus slack, so a crashed replica frees its slot soon.
func (c Config) SemaphoreLease() time.Duration {
	return c.withDefaults().HTTPTimeout + 5*time.Second
}

// localSemaphore bounds calls in flight inside one process.
type localSemaphore chan struct{}

func (s localSemaphore) Acquire(ctx context.Context) (func(), error) {
	select {
	case s <- struct{}{}:
		return func() { <-s }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// admit takes an in-flight slot and a rate slot, waiting at most MaxWait
// for each. A longer wait becomes a rate_limited *Error, so the caller
// can reschedule instead of holding a worker.
func (c *Client) admit(ctx context.Context, op, target string) (release func(), err error) {
	sctx, cancel := context.WithTimeout(ctx, c.cfg.MaxWait)
	release, err = c.inFlight.Acquire(sctx)
	cancel()
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("marketo: %s: %w", op, ctx.Err())
		}
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, &Error{Reason: ReasonRateLimited, Op: op, Target: target, Message: "all in-flight slots are busy", RetryAfter: c.cfg.MaxWait}
		}
		return nil, &Error{Reason: ReasonUnavailable, Op: op, Target: target, Message: "in-flight limit store failed", Err: err}
	}
	if c.cfg.Limiter == nil {
		return release, nil
	}
	err = c.cfg.Limiter.Wait(ctx, c.cfg.RateKey(), c.cfg.Rate, c.cfg.MaxWait)
	if err == nil {
		return release, nil
	}
	release()
	var tooLong *ratelimit.WaitTooLongError
	switch {
	case errors.As(err, &tooLong):
		return nil, &Error{Reason: ReasonRateLimited, Op: op, Target: target, Message: "the bot's share of the instance call rate is used up", RetryAfter: tooLong.After}
	case ctx.Err() != nil:
		return nil, fmt.Errorf("marketo: %s: %w", op, ctx.Err())
	}
	return nil, &Error{Reason: ReasonUnavailable, Op: op, Target: target, Message: "rate limit store failed", Err: err}
}
