package marketo

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/chataccess/chataccess/integrations/failure"
	"github.com/chataccess/chataccess/internal/logging"
	"github.com/rs/zerolog"
)

// Paths. User management has no /rest prefix
// (mkto-dev:help/rest-api/user-management.md); identity is
// /identity/oauth/token (mkto-apis:static/swagger-identity.json).
const (
	identityPath = "/identity/oauth/token"
	umPath       = "/userservice/management/v1/users"
)

// Client talks to one Marketo instance. It is safe for concurrent use.
type Client struct {
	cfg      Config
	http     HTTPDoer
	limiter  RateLimiter
	inFlight Semaphore
	cache    *TokenCache
	tokens   *tokenEntry
	now      func() time.Time
	log      zerolog.Logger
	ua       string
	pageMode atomic.Value // PageOffsetMode learned by the auto probe
	obs      failure.Observer
}

// Option supplies a collaborator of a Client (values go in Config).
type Option func(*Client)

// WithLimiter counts Config.Rate across replicas (usually a
// *ratelimit.Limiter); without it there is no shared rate limit.
func WithLimiter(l RateLimiter) Option { return func(c *Client) { c.limiter = l } }

// WithInFlight bounds concurrent calls across replicas (usually a
// *ratelimit.Semaphore of MaxInFlight slots); without it the bound of
// MaxInFlight is local to the process.
func WithInFlight(s Semaphore) Option { return func(c *Client) { c.inFlight = s } }

// WithTokenCache shares identity tokens between clients of the same
// instance and client id; without it the client has its own cache.
func WithTokenCache(t *TokenCache) Option { return func(c *Client) { c.cache = t } }

// WithHTTPClient replaces the client's own *http.Client (tests).
func WithHTTPClient(h HTTPDoer) Option { return func(c *Client) { c.http = h } }

// WithClock sets the clock used for token expiry, Retry-After dates and
// the quota reset (default time.Now).
func WithClock(now func() time.Time) Option { return func(c *Client) { c.now = now } }

// WithLogger sets the logger used when a call's context carries none.
func WithLogger(l zerolog.Logger) Option { return func(c *Client) { c.log = l } }

// New checks cfg and returns a client.
func New(cfg Config, opts ...Option) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("marketo: config: %w", err)
	}
	cfg = cfg.withDefaults()
	c := &Client{cfg: cfg, ua: "chataccess/" + cfg.UserAgentVersion + " (marketo)", now: time.Now, log: zerolog.Nop()}
	for _, o := range opts {
		o(c)
	}
	if c.http == nil {
		// The per-call deadline (HTTPTimeout) is set on each call's
		// context; these timeouts are a backstop.
		c.http = &http.Client{
			Timeout: cfg.HTTPTimeout,
			Transport: &http.Transport{
				Proxy:                 http.ProxyFromEnvironment,
				DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
				TLSHandshakeTimeout:   10 * time.Second,
				ResponseHeaderTimeout: cfg.HTTPTimeout,
				MaxIdleConnsPerHost:   InstanceConcurrency,
				MaxConnsPerHost:       InstanceConcurrency,
				IdleConnTimeout:       90 * time.Second,
				ForceAttemptHTTP2:     true,
			},
			// Never follow a redirect with the Authorization header to
			// another host: a redirect is an error here.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	if c.cache == nil {
		c.cache = NewTokenCache()
	}
	c.tokens = c.cache.entry(cfg.InstanceKey() + "\x00" + cfg.ClientID)
	if c.inFlight == nil {
		c.inFlight = make(localSemaphore, cfg.MaxInFlight)
	}
	c.pageMode.Store(cfg.PageOffset)
	return c, nil
}

// Config returns the client's config with defaults filled in.
func (c *Client) Config() Config { return c.cfg }

// logger is the context's logger when it has one, else the client's.
func (c *Client) logger(ctx context.Context) *zerolog.Logger {
	if l := zerolog.Ctx(ctx); l != zerolog.DefaultContextLogger && l.GetLevel() != zerolog.Disabled {
		return l
	}
	return &c.log
}

// scrub removes the secret and the current token from s.
func (c *Client) scrub(s string) string {
	c.tokens.mu.Lock()
	tok := c.tokens.token
	c.tokens.mu.Unlock()
	return failure.Scrub(s, c.cfg.ClientSecret, tok)
}

// transportError classifies a failed round trip (timeout, cancellation
// or network failure). Its text holds no query string (the identity URL
// carries the secret) and no token.
func (c *Client) transportError(ctx context.Context, cl call, err error, start time.Time) *failure.Error {
	e := newError(cl.op, failure.FromContext(ctx, err))
	e.User, e.Object = cl.user, cl.object
	if e.Reason == failure.ReasonTimeout {
		e.Waited = time.Since(start)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = &url.Error{Op: ue.Op, URL: c.cfg.BaseURL + cl.pathForLogs(), Err: ue.Err}
	}
	e.Err = scrubbedError{c.scrub(err.Error()), err}
	return e
}

// scrubbedError carries a transport error whose text had secrets removed.
type scrubbedError struct {
	msg string
	err error
}

func (s scrubbedError) Error() string { return s.msg }
func (s scrubbedError) Unwrap() error { return s.err }

// FetchToken asks the identity endpoint for a token, as documented:
// GET {BaseURL}/identity/oauth/token?grant_type=client_credentials&client_id=…&client_secret=…
// Identity calls "are not counted towards API call limit"
// (swagger-identity.json), so they skip the limiter. It is bounded by
// ctx and by HTTPTimeout.
func (c *Client) FetchToken(ctx context.Context) (Token, error) {
	cl := call{op: "get token", identity: true}
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, c.cfg.HTTPTimeout)
	defer cancel()
	q := url.Values{"grant_type": {"client_credentials"}, "client_id": {c.cfg.ClientID}, "client_secret": {c.cfg.ClientSecret}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.cfg.BaseURL+identityPath+"?"+q.Encode(), nil)
	if err != nil {
		e := newError(cl.op, failure.ReasonConfig)
		e.Message = "cannot build the identity request"
		return Token{}, e
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.ua)
	resp, err := c.http.Do(req)
	if err != nil {
		return Token{}, c.transportError(ctx, cl, err, start)
	}
	body, rerr := failure.ReadBody(resp)
	if rerr != nil {
		return Token{}, c.transportError(ctx, cl, rerr, start)
	}
	eb, _ := ParseErrorBody(body)
	if resp.StatusCode != http.StatusOK || eb.Failed() {
		e := classify(cl.op, resp.StatusCode, eb.Code, c.scrub(eb.Message), resp.Header, c.now(), false, c.cfg.MaxRetryAfter)
		if e.Message == "" {
			e.Message = http.StatusText(resp.StatusCode)
		}
		return Token{}, e
	}
	tok, err := ParseToken(body)
	if err != nil {
		e := newError(cl.op, failure.ReasonUnknown)
		e.Status, e.Message = resp.StatusCode, failure.Clip(err.Error(), failure.MessageLen)
		return Token{}, e
	}
	c.logger(ctx).Debug().Str(logging.Vendor, "marketo").Dur("expires_in", tok.ExpiresIn).Msg("marketo token issued")
	return tok, nil
}
