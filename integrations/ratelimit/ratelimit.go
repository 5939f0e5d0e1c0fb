package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// Limit is a rate: Rate events per Period, with bursts up to Burst.
type Limit struct {
	Rate   int
	Period time.Duration
	Burst  int
}

// PerMinute is n events a minute with a burst of n.
func PerMinute(n int) Limit { return Limit{Rate: n, Period: time.Minute, Burst: n} }

// Per is n events per period with a burst of n.
func Per(n int, period time.Duration) Limit { return Limit{Rate: n, Period: period, Burst: n} }

// String renders the limit, e.g. "10/1m0s".
func (l Limit) String() string { return fmt.Sprintf("%d/%s", l.Rate, l.Period) }

// Limiter takes slots from named limits stored in Redis.
type Limiter struct {
	rl     *redis_rate.Limiter
	prefix string
}

// New returns a limiter whose keys are "rate:" + prefix + key (e.g.
// "rate:chataccess:v1:rl:adobe:<client>:action"): redis_rate always puts
// its own "rate:" in front. Each key expires by itself once its limit is
// idle again.
func New(rdb redis.UniversalClient, prefix string) *Limiter {
	return &Limiter{rl: redis_rate.NewLimiter(rdb), prefix: prefix}
}

// Reserve takes one slot of the key's limit if one is free now. It
// returns 0 when the caller may go, or how long until a slot frees up
// (nothing is taken in that case).
func (l *Limiter) Reserve(ctx context.Context, key string, lim Limit) (time.Duration, error) {
	res, err := l.rl.Allow(ctx, l.limitKey(key), redis_rate.Limit{Rate: lim.Rate, Period: lim.Period, Burst: max(lim.Burst, 1)})
	if err != nil {
		return 0, fmt.Errorf("ratelimit %s: %w", key, err)
	}
	if res.Allowed > 0 {
		return 0, nil
	}
	if res.RetryAfter <= 0 {
		return time.Millisecond, nil
	}
	return res.RetryAfter, nil
}

// WaitTooLongError says a slot frees up later than the caller agreed to
// wait. The caller should reschedule its work for After from now instead
// of sleeping.
type WaitTooLongError struct {
	Key   string
	After time.Duration
}

func (e *WaitTooLongError) Error() string {
	return fmt.Sprintf("ratelimit %s: next slot in %s", e.Key, e.After.Round(time.Millisecond))
}

// ErrWaitTooLong matches *WaitTooLongError with errors.Is.
var ErrWaitTooLong = errors.New("rate limit wait too long")

// Is makes errors.Is(err, ErrWaitTooLong) true.
func (e *WaitTooLongError) Is(target error) bool { return target == ErrWaitTooLong }

// Wait takes a slot, sleeping while the next one is at most maxWait
// away. When it is further away, Wait returns *WaitTooLongError at once.
func (l *Limiter) Wait(ctx context.Context, key string, lim Limit, maxWait time.Duration) error {
	for {
		d, err := l.Reserve(ctx, key, lim)
		if err != nil {
			return err
		}
		if d == 0 {
			return nil
		}
		if d > maxWait {
			return &WaitTooLongError{Key: key, After: d}
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}
