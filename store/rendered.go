package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// RenderedTTL is how long the hash of what a message or App Home shows
// is kept. Past it, the next update is sent even when it changes
// nothing: a forgotten hash costs one call, never a stale card.
const RenderedTTL = 14 * 24 * time.Hour

// claimRenderScript decides whether one update of a message (or App
// Home) should be sent.
//
// KEYS[1] rendered hash, KEYS[2] lease.
// ARGV[1] hash of the new content, ARGV[2] lease in ms, ARGV[3] token.
// Returns {previous hash or "", token}: the token is "" when the
// message already shows ARGV[1] (skip it) or another update of it holds
// the lease (wait and ask again); else the caller holds the lease.
var claimRenderScript = redis.NewScript(`
local prev = redis.call('GET', KEYS[1]) or ''
if prev == ARGV[1] then return {prev, ''} end
if redis.call('SET', KEYS[2], ARGV[3], 'NX', 'PX', ARGV[2]) then return {prev, ARGV[3]} end
return {prev, ''}
`)

// finishRenderScript ends an update claimed by claimRenderScript.
//
// KEYS[1] rendered hash, KEYS[2] lease.
// ARGV[1] token, ARGV[2] hash the message shows now ("" = unknown),
// ARGV[3] TTL in seconds.
// Returns 1 when the token still held the lease, else 0 (the lease ran
// out and another update may have run: the hash is then forgotten).
var finishRenderScript = redis.NewScript(`
if redis.call('GET', KEYS[2]) ~= ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 0
end
redis.call('DEL', KEYS[2])
if ARGV[2] == '' then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
end
return 1
`)

// ClaimRender asks whether an update of key (a message ref or a user's
// App Home) to content with this hash should be sent. It returns what
// key showed last (prev, "" when unknown) and a token when the caller
// may send: token "" with prev == hash means the update changes
// nothing; token "" otherwise means another update of key is in flight
// (ask again shortly). The lease ends on its own after lease, so a
// crashed sender blocks nobody for long.
func (s *Store) ClaimRender(ctx context.Context, key, hash string, lease time.Duration) (prev, token string, err error) {
	var b [8]byte
	_, _ = rand.Read(b[:])
	tok := hex.EncodeToString(b[:])
	res, err := claimRenderScript.Run(ctx, s.rdb, []string{s.k.rendered(key), s.k.renderedLease(key)},
		hash, lease.Milliseconds(), tok).StringSlice()
	if err != nil {
		return "", "", fmt.Errorf("store: claim render of %s: %w", key, err)
	}
	if len(res) != 2 {
		return "", "", fmt.Errorf("store: claim render of %s: unexpected reply %v", key, res)
	}
	return res[0], res[1], nil
}

// RememberRender records that key shows content with this hash, e.g.
// right after the message was posted, so a first update that changes
// nothing is skipped too.
func (s *Store) RememberRender(ctx context.Context, key, hash string) error {
	if err := s.rdb.Set(ctx, s.k.rendered(key), hash, RenderedTTL).Err(); err != nil {
		return fmt.Errorf("store: remember render of %s: %w", key, err)
	}
	return nil
}

// FinishRender releases the lease token holds on key and records shows,
// the hash of what key shows now ("" when unknown, e.g. after a
// transport error).
func (s *Store) FinishRender(ctx context.Context, key, token, shows string) error {
	err := finishRenderScript.Run(ctx, s.rdb, []string{s.k.rendered(key), s.k.renderedLease(key)},
		token, shows, int64(RenderedTTL/time.Second)).Err()
	if err != nil {
		return fmt.Errorf("store: finish render of %s: %w", key, err)
	}
	return nil
}
