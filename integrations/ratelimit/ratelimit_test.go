package ratelimit_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chataccess/chataccess/integrations/ratelimit"
	"github.com/chataccess/chataccess/internal/redistest"
	"github.com/redis/go-redis/v9"
)

// secondClient opens another connection pool to the same Redis, standing
// in for another replica.
func secondClient(t *testing.T) redis.UniversalClient {
	t.Helper()
	opt, err := redis.ParseURL(redistest.URL())
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

func TestLimiterSharedAcrossReplicas(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	limiters := []*ratelimit.Limiter{ratelimit.New(rdb, prefix), ratelimit.New(secondClient(t), prefix)}
	lim := ratelimit.Per(10, 500*time.Millisecond) // burst 10, then one per 50 ms
	ctx := context.Background()
	var allowed atomic.Int64
	start := time.Now()
	deadline := start.Add(600 * time.Millisecond)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := limiters[g%2]
			for time.Now().Before(deadline) {
				d, err := l.Reserve(ctx, "action", lim)
				if err != nil {
					t.Error(err)
					return
				}
				if d == 0 {
					allowed.Add(1)
				} else if d < 0 || d > 500*time.Millisecond {
					t.Errorf("next slot in %v", d)
				}
				time.Sleep(2 * time.Millisecond)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	ceiling := 10 + int64(10*elapsed/(500*time.Millisecond))
	got := allowed.Load()
	if got > ceiling+1 {
		t.Errorf("allowed %d in %v across 2 clients, ceiling %d", got, elapsed, ceiling)
	}
	if got < 15 {
		t.Errorf("allowed only %d in %v; the limiter is too strict", got, elapsed)
	}
}

func TestLimiterKeysAreIndependent(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	l := ratelimit.New(rdb, prefix)
	ctx := context.Background()
	lim := ratelimit.Limit{Rate: 1, Period: time.Minute, Burst: 1}
	for _, key := range []string{"a", "b"} {
		if d, err := l.Reserve(ctx, key, lim); err != nil || d != 0 {
			t.Fatalf("%s first: %v %v", key, d, err)
		}
	}
	d, err := l.Reserve(ctx, "a", lim)
	if err != nil || d < 50*time.Second || d > time.Minute {
		t.Errorf("a second: %v %v, want about a minute", d, err)
	}
	// redis_rate adds its own "rate:" in front of the prefix.
	n, err := rdb.Exists(ctx, "rate:"+prefix+"a", "rate:"+prefix+"b").Result()
	if err != nil || n != 2 {
		t.Errorf("keys rate:<prefix>a and b: %d exist, %v", n, err)
	}
	ttl, err := rdb.PTTL(ctx, "rate:"+prefix+"a").Result()
	if err != nil || ttl <= 0 || ttl > 3*time.Minute {
		t.Errorf("key TTL %v %v: keys must expire by themselves", ttl, err)
	}
}

func TestWait(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	l := ratelimit.New(rdb, prefix)
	ctx := context.Background()
	tests := []struct {
		name    string
		lim     ratelimit.Limit
		maxWait time.Duration
		calls   int
		wantErr error
		minTook time.Duration
	}{
		{"within burst", ratelimit.Per(3, time.Second), time.Second, 3, nil, 0},
		{"waits for a near slot", ratelimit.Limit{Rate: 10, Period: time.Second, Burst: 1}, time.Second, 3, nil, 150 * time.Millisecond},
		{"far slot returns at once", ratelimit.Limit{Rate: 1, Period: time.Hour, Burst: 1}, time.Second, 2, ratelimit.ErrWaitTooLong, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			var err error
			for range tt.calls {
				if err = l.Wait(ctx, tt.name, tt.lim, tt.maxWait); err != nil {
					break
				}
			}
			took := time.Since(start)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err %v, want %v", err, tt.wantErr)
			}
			var wt *ratelimit.WaitTooLongError
			if tt.wantErr != nil {
				if !errors.As(err, &wt) || wt.After < 50*time.Minute || wt.Key != tt.name {
					t.Errorf("WaitTooLongError %+v", wt)
				}
				if took > 200*time.Millisecond {
					t.Errorf("took %v; a far slot must not be slept through", took)
				}
			}
			if took < tt.minTook {
				t.Errorf("took %v, want >= %v", took, tt.minTook)
			}
		})
	}
}

func TestWaitHonoursContext(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	l := ratelimit.New(rdb, prefix)
	lim := ratelimit.Limit{Rate: 1, Period: 10 * time.Second, Burst: 1}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := l.Wait(ctx, "k", lim, time.Minute); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err := l.Wait(ctx, "k", lim, time.Minute)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > time.Second {
		t.Errorf("err %v after %v", err, time.Since(start))
	}
}

func TestLimitString(t *testing.T) {
	if s := ratelimit.PerMinute(10).String(); s != "10/1m0s" {
		t.Errorf("String() = %q", s)
	}
}
