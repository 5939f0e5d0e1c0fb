package marketo

import (
	"context"
	"sync"
	"time"
)

// TokenCache holds identity tokens keyed by instance and client id
// ("use the Client Id as a key to manage each token independently",
// mkto-dev:help/rest-api/authentication.md). Clients of the same
// instance and client id that share a TokenCache share one token and
// one refresh. The zero value is not usable; call NewTokenCache.
type TokenCache struct {
	mu      sync.Mutex
	entries map[string]*tokenEntry
}

// NewTokenCache returns an empty cache.
func NewTokenCache() *TokenCache { return &TokenCache{entries: map[string]*tokenEntry{}} }

func (c *TokenCache) entry(key string) *tokenEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok {
		e = &tokenEntry{}
		c.entries[key] = e
	}
	return e
}

// tokenRefreshMargin renews a token this long before it expires, so a
// call never leaves with a token that dies on the way.
const tokenRefreshMargin = 60 * time.Second

// tokenEntry is one cached token and at most one fetch in flight.
type tokenEntry struct {
	mu        sync.Mutex
	token     string
	gen       uint64 // increments with every fetched token
	refreshAt time.Time
	fetch     *tokenFetch // non-nil while a fetch runs
}

type tokenFetch struct {
	done  chan struct{}
	token string
	gen   uint64
	err   error
}

// fetchFunc asks the identity endpoint for a token.
type fetchFunc func(ctx context.Context) (Token, error)

// get returns a usable token and its generation. Concurrent callers
// whose token is stale wait for one shared fetch; the fetch runs on a
// context detached from any single caller, so one caller giving up does
// not fail the others.
func (e *tokenEntry) get(ctx context.Context, now func() time.Time, timeout time.Duration, fetch fetchFunc) (string, uint64, error) {
	e.mu.Lock()
	if e.token != "" && now().Before(e.refreshAt) {
		t, g := e.token, e.gen
		e.mu.Unlock()
		return t, g, nil
	}
	f := e.fetch
	if f == nil {
		f = &tokenFetch{done: make(chan struct{})}
		e.fetch = f
		prev := e.token
		go e.run(context.WithoutCancel(ctx), f, prev, now, timeout, fetch)
	}
	e.mu.Unlock()
	select {
	case <-f.done:
		return f.token, f.gen, f.err
	case <-ctx.Done():
		return "", 0, ctx.Err()
	}
}

func (e *tokenEntry) run(ctx context.Context, f *tokenFetch, prev string, now func() time.Time, timeout time.Duration, fetch fetchFunc) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tok, err := fetch(ctx)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.fetch = nil
	f.err = err
	if err == nil {
		e.gen++
		e.token = tok.AccessToken
		// A fresh token is renewed a minute early. Marketo answers an
		// early renewal with the same token and its remaining life
		// (authentication.md), so a token seen again is used until
		// it really expires, and at least a second, to avoid asking in
		// a loop.
		margin := min(tokenRefreshMargin, tok.ExpiresIn/2)
		if tok.AccessToken == prev {
			margin = 0
		}
		e.refreshAt = now().Add(max(tok.ExpiresIn-margin, time.Second))
		f.token, f.gen = e.token, e.gen
	}
	close(f.done)
}

// invalidate drops the token of generation gen after Marketo refused it
// (601/602). Callers that saw an older generation change nothing, so a
// hundred callers refused at once cause one refresh.
func (e *tokenEntry) invalidate(gen uint64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.gen == gen {
		e.token = ""
	}
}
