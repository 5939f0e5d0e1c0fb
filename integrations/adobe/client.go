package adobe

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chataccess/chataccess/integrations/failure"
	"github.com/chataccess/chataccess/integrations/ratelimit"
	"github.com/rs/zerolog"
)

// Limiter takes a slot of a named rate limit. *ratelimit.Limiter
// satisfies it; nil means "no limit".
type Limiter interface {
	Reserve(ctx context.Context, key string, lim ratelimit.Limit) (time.Duration, error)
}

var _ Limiter = (*ratelimit.Limiter)(nil)

// HTTPDoer sends requests; *http.Client implements it.
type HTTPDoer interface {
	Do(*http.Request) (*http.Response, error)
}

// kind names a UMAPI throttle bucket.
type kind string

const (
	kindAction    kind = "action"
	kindUserRead  kind = "user_read"
	kindGroupRead kind = "group_read"
)

// Client talks to IMS and UMAPI for one organization and credential.
// It is safe for concurrent use.
type Client struct {
	cfg       Config
	http      HTTPDoer
	lim       Limiter
	log       zerolog.Logger
	now       func() time.Time
	userAgent string
	tokens    tokenSource

	cdMu     sync.Mutex
	cooldown map[kind]time.Time // Adobe's last Retry-After per bucket

	calls struct{ token, action, userRead, groupRead atomic.Int64 }
	obs   failure.Observer // see WithObserver
}

// Option supplies a collaborator of a Client (values go in Config).
type Option func(*Client)

// WithLimiter counts calls in lim (e.g. a *ratelimit.Limiter over Redis).
// A nil lim disables client-side limits.
func WithLimiter(lim Limiter) Option {
	return func(c *Client) {
		if l, ok := lim.(*ratelimit.Limiter); ok && l == nil {
			lim = nil
		}
		c.lim = lim
	}
}

// WithHTTPClient replaces the client's own *http.Client.
func WithHTTPClient(h HTTPDoer) Option { return func(c *Client) { c.http = h } }

// WithLogger sets the logger used when a call's context carries none.
func WithLogger(l zerolog.Logger) Option { return func(c *Client) { c.log = l } }

// WithClock injects the clock used for token expiry and Retry-After dates.
func WithClock(now func() time.Time) Option { return func(c *Client) { c.now = now } }

// New returns a Client. cfg is validated and completed with defaults.
func New(cfg Config, opts ...Option) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	c := &Client{
		cfg:       cfg,
		log:       zerolog.Nop(),
		now:       time.Now,
		userAgent: "chataccess/" + cfg.Version,
		cooldown:  map[kind]time.Time{},
	}
	// The per-call deadline (HTTPTimeout) is set on each call's context;
	// the client's own timeouts are a backstop for requests without one.
	c.http = &http.Client{
		Timeout: cfg.HTTPTimeout,
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			MaxIdleConnsPerHost:   4,
			MaxConnsPerHost:       16,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: cfg.HTTPTimeout,
		},
		// A redirect would carry the bearer token elsewhere: never follow.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	for _, o := range opts {
		o(c)
	}
	c.tokens.c = c
	return c, nil
}

// Config returns the effective configuration (secret included; it prints redacted).
func (c *Client) Config() Config { return c.cfg }

// Calls counts HTTP attempts made by kind: "token", "action", "user_read", "group_read".
func (c *Client) Calls() map[string]int64 {
	return map[string]int64{
		"token": c.calls.token.Load(), "action": c.calls.action.Load(),
		"user_read": c.calls.userRead.Load(), "group_read": c.calls.groupRead.Load(),
	}
}

// logger is the context's logger when it has one, else the client's.
func (c *Client) logger(ctx context.Context) *zerolog.Logger {
	if l := zerolog.Ctx(ctx); l != zerolog.DefaultContextLogger && l.GetLevel() != zerolog.Disabled {
		return l
	}
	return &c.log
}

func (c *Client) limitFor(k kind) ratelimit.Limit {
	l := c.cfg.Limits
	n := l.ActionsPerMinute
	switch k {
	case kindUserRead:
		n = l.UserReadsPerMinute
	case kindGroupRead:
		n = l.GroupReadsPerMinute
	}
	return ratelimit.Limit{Rate: n, Period: l.Period, Burst: min(l.Burst, n)}
}

// limitKey is the Redis key (under the limiter's prefix) of a bucket; the
// limits are Adobe's per client, so the key holds the client id.
func (c *Client) limitKey(k kind) string { return "adobe:" + c.cfg.ClientID + ":" + string(k) }

// noWaitKey marks a context whose calls must not wait for a slot.
type noWaitKey struct{}

// NoWait returns a context whose calls never sleep for a client-side
// rate-limit slot: when none is free they fail at once with a
// rate_limited *failure.Error whose Delay says when one frees up.
// Background work that is rescheduled through a queue uses it, so a
// worker is never held waiting (the batcher's action calls still wait:
// that wait is what fills each call).
func NoWait(ctx context.Context) context.Context { return context.WithValue(ctx, noWaitKey{}, true) }

// acquire takes a rate-limit slot for k, waiting at most MaxLimitWait
// and never past ctx's deadline (not at all under NoWait).
func (c *Client) acquire(ctx context.Context, op string, k kind) *failure.Error {
	if d := c.cooldownLeft(k); d > 0 {
		e := newError(op, failure.ReasonRateLimited)
		e.RetryAfter, e.Message = d, "waiting out Adobe's Retry-After"
		return e
	}
	if c.lim == nil {
		return nil
	}
	for {
		d, err := c.lim.Reserve(ctx, c.limitKey(k), c.limitFor(k))
		if err != nil {
			e := newError(op, failure.FromContext(ctx, err))
			e.Message, e.Err = "rate limiter unavailable", err
			return e
		}
		if d == 0 {
			return nil
		}
		maxWait := c.cfg.MaxLimitWait
		if dl, ok := ctx.Deadline(); ok {
			maxWait = min(maxWait, time.Until(dl))
		}
		if noWait, _ := ctx.Value(noWaitKey{}).(bool); noWait || d > maxWait {
			e := newError(op, failure.ReasonRateLimited)
			e.RetryAfter, e.Message = d, "client-side limit "+c.limitFor(k).String()
			return e
		}
		// Wake a little early and ask again: with an even pacing (burst 1)
		// every millisecond of oversleep is lost for good, because GCRA
		// schedules the next slot from the moment this one is taken.
		c.observeLimitWait(op, d)
		if err := failure.Sleep(ctx, d-min(d/4, 2*time.Millisecond)); err != nil {
			e := newError(op, failure.FromContext(ctx, err))
			e.Err = err
			return e
		}
	}
}

func (c *Client) cooldownLeft(k kind) time.Duration {
	c.cdMu.Lock()
	defer c.cdMu.Unlock()
	if d := c.cooldown[k].Sub(c.now()); d > 0 {
		return d
	}
	return 0
}

func (c *Client) setCooldown(k kind, d time.Duration) {
	c.cdMu.Lock()
	defer c.cdMu.Unlock()
	if until := c.now().Add(d); until.After(c.cooldown[k]) {
		c.cooldown[k] = until
	}
}

// scrub removes the client secret and the current token from s.
func (c *Client) scrub(s string) string {
	c.tokens.mu.Lock()
	tok := c.tokens.token
	c.tokens.mu.Unlock()
	return failure.Scrub(s, c.cfg.ClientSecret, tok)
}

// String keeps the client printable without its secret.
func (c *Client) String() string { return fmt.Sprintf("adobe.Client{%s}", c.cfg) }
