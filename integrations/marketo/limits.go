package marketo

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/chataccess/chataccess/integrations/failure"
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
	return ratelimit.SemaphoreKey(prefix, "marketo:"+c.InstanceKey())
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

// admit takes an in-flight slot and a rate slot, waiting at most
// MaxWait for each and never past ctx's deadline. A longer wait becomes a
// rate_limited failure, so the caller can reschedule instead of holding
// a worker.
func (c *Client) admit(ctx context.Context, cl call) (release func(), e *failure.Error) {
	limited := func(msg string, after time.Duration) *failure.Error {
		e := newError(cl.op, failure.ReasonRateLimited)
		e.User, e.Object, e.Message, e.RetryAfter = cl.user, cl.object, msg, after
		return e
	}
	failed := func(msg string, err error) *failure.Error {
		e := newError(cl.op, failure.FromContext(ctx, err))
		e.User, e.Object, e.Message, e.Err = cl.user, cl.object, msg, err
		return e
	}
	sctx, cancel := context.WithTimeout(ctx, c.cfg.MaxWait)
	release, err := c.inFlight.Acquire(sctx)
	cancel()
	if err != nil {
		if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			return nil, limited("all in-flight slots are busy", c.cfg.MaxWait)
		}
		return nil, failed("in-flight limit store failed", err)
	}
	if c.limiter == nil {
		return release, nil
	}
	maxWait := c.cfg.MaxWait
	if dl, ok := ctx.Deadline(); ok {
		maxWait = max(min(maxWait, time.Until(dl)), 0)
	}
	waitStart := time.Now()
	err = c.limiter.Wait(ctx, c.cfg.RateKey(), c.cfg.Rate, maxWait)
	c.observeLimitWait(cl.op, waitStart)
	if err == nil {
		return release, nil
	}
	release()
	var tooLong *ratelimit.WaitTooLongError
	if errors.As(err, &tooLong) {
		return nil, limited("the bot's share of the instance call rate is used up", tooLong.After)
	}
	return nil, failed("rate limit store failed", err)
}
