package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// acquireScript takes a semaphore slot.
//
// KEYS[1] sorted set of holders, scored by lease expiry (unix ms)
// ARGV[1] now (unix ms)
// ARGV[2] lease expiry (unix ms)
// ARGV[3] holder token
// ARGV[4] size
// Returns 1 when the slot was taken, 0 when all slots are held.
var acquireScript = redis.NewScript(`
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[4]) then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
  redis.call('PEXPIREAT', KEYS[1], ARGV[2])
  return 1
end
return 0
`)

// Semaphore bounds how many calls are in flight across all replicas.
// Slots are leased: a holder that dies frees its slot when the lease
// ends.
type Semaphore struct {
	rdb   redis.UniversalClient
	key   string
	size  int
	lease time.Duration
}

// NewSemaphore returns a semaphore of size slots stored at key. Each
// slot is held at most lease.
func NewSemaphore(rdb redis.UniversalClient, key string, size int, lease time.Duration) *Semaphore {
	return &Semaphore{rdb: rdb, key: key, size: max(size, 1), lease: lease}
}

// ErrSemaphoreFull is returned by TryAcquire when every slot is held.
var ErrSemaphoreFull = errors.New("semaphore full")

// TryAcquire takes a slot without waiting. It returns a release func,
// or ErrSemaphoreFull.
func (s *Semaphore) TryAcquire(ctx context.Context) (release func(), err error) {
	now := time.Now()
	token := strconv.FormatInt(now.UnixNano(), 36) + "-" + strconv.FormatUint(rand.Uint64(), 36)
	ok, err := acquireScript.Run(ctx, s.rdb, []string{s.key},
		now.UnixMilli(), now.Add(s.lease).UnixMilli(), token, s.size).Int()
	if err != nil {
		return nil, fmt.Errorf("semaphore %s: %w", s.key, err)
	}
	if ok != 1 {
		return nil, ErrSemaphoreFull
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		s.rdb.ZRem(ctx, s.key, token)
	}, nil
}

// Acquire waits for a slot until ctx ends, polling with jittered
// backoff from 5 ms to 200 ms.
func (s *Semaphore) Acquire(ctx context.Context) (release func(), err error) {
	wait := 5 * time.Millisecond
	for {
		release, err := s.TryAcquire(ctx)
		if !errors.Is(err, ErrSemaphoreFull) {
			return release, err
		}
		t := time.NewTimer(wait/2 + rand.N(wait))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("semaphore %s: %w", s.key, ctx.Err())
		case <-t.C:
		}
		wait = min(wait*2, 200*time.Millisecond)
	}
}
