package slackbot

import (
	"context"
	"sync"
	"time"

	"github.com/chataccess/chataccess/bot"
)

// maxCacheEntries bounds every cache of the sender; a full cache drops
// its expired entries, and when none have expired it starts empty.
const maxCacheEntries = 10000

// ttlCache is a small bounded map cache with expiry, for users, groups
// and DM channels. It only ever holds answers the platform gave: a
// failed or negative lookup (unknown, deactivated, no email) is never
// put. A ctx marked bot.Fresh always misses, so decisions read the
// platform itself.
type ttlCache[V any] struct {
	ttl time.Duration
	mu  sync.Mutex
	m   map[string]ttlEntry[V]
	now func() time.Time
}

type ttlEntry[V any] struct {
	v   V
	exp time.Time
}

func newTTLCache[V any](ttl time.Duration) ttlCache[V] {
	return ttlCache[V]{ttl: ttl, m: map[string]ttlEntry[V]{}, now: time.Now}
}

func (c *ttlCache[V]) get(ctx context.Context, k string) (V, bool) {
	var zero V
	if bot.IsFresh(ctx) {
		return zero, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok || c.now().After(e.exp) {
		return zero, false
	}
	return e.v, true
}

func (c *ttlCache[V]) put(k string, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if len(c.m) >= maxCacheEntries {
		for key, e := range c.m {
			if now.After(e.exp) {
				delete(c.m, key)
			}
		}
		if len(c.m) >= maxCacheEntries {
			c.m = map[string]ttlEntry[V]{}
		}
	}
	c.m[k] = ttlEntry[V]{v: v, exp: now.Add(c.ttl)}
}

// drop forgets k (an answer the platform has since contradicted).
func (c *ttlCache[V]) drop(k string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, k)
}

// len is the number of entries, expired ones included.
func (c *ttlCache[V]) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
