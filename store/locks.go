package store

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// unlockScript deletes a lock only if this holder still owns it.
//
// KEYS[1] lock key; ARGV[1] holder token. Returns 1 if deleted.
var unlockScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

// lockScript takes or re-takes a lock.
//
// KEYS[1] lock key; ARGV[1] holder token; ARGV[2] ttl (ms).
// Returns 1 when the caller now holds the lock, 0 when another does.
var lockScript = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if cur == false or cur == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
`)

// TryLock takes the named lock for ttl if nobody else holds it. The same
// holder may take it again (a task re-run after its worker died holds
// the same token), which also renews the ttl. It returns ok=false when
// another holder has it. Call unlock when done; a holder that dies frees
// the lock when the ttl ends.
func (s *Store) TryLock(ctx context.Context, name, holder string, ttl time.Duration) (unlock func(), ok bool, err error) {
	key := s.k.lock(name)
	n, err := lockScript.Run(ctx, s.rdb, []string{key}, holder, ttl.Milliseconds()).Int()
	if err != nil {
		return nil, false, fmt.Errorf("store: lock %s: %w", name, err)
	}
	if n != 1 {
		return nil, false, nil
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		unlockScript.Run(ctx, s.rdb, []string{key}, holder)
	}, true, nil
}

// Claim marks name as done exactly once across every replica: the first
// caller gets true, everyone after gets false until ttl ends. Scheduled
// jobs claim "<schedule>@<slot time>" so each slot runs once.
func (s *Store) Claim(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	ok, err := s.rdb.SetNX(ctx, s.k.claim(name), holder, ttl).Result()
	if err != nil {
		return false, fmt.Errorf("store: claim %s: %w", name, err)
	}
	return ok, nil
}

// ClaimAll claims each of names as Claim does, in one round trip (one
// pipeline; on a cluster, one per node holding some of the keys), in
// order: won[i] says whether this call claimed names[i], so of two equal
// names only the first can win. An error means the outcome of any name
// is unknown.
func (s *Store) ClaimAll(ctx context.Context, names []string, holder string, ttl time.Duration) (won []bool, err error) {
	cmds := make([]*redis.BoolCmd, len(names))
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, name := range names {
			cmds[i] = p.SetNX(ctx, s.k.claim(name), holder, ttl)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: claim %d names: %w", len(names), err)
	}
	won = make([]bool, len(names))
	for i, c := range cmds {
		won[i] = c.Val()
	}
	return won, nil
}
