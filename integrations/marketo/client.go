package marketo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/internal/logging"
)

// Paths. User management has no /rest prefix
// (mkto-dev:help/rest-api/user-management.md); identity is
// /identity/oauth/token (mkto-apis:static/swagger-identity.json).
const (
	identityPath = "/identity/oauth/token"
	umPath       = "/userservice/management/v1/users"
)

// maxBody caps how much of a response is read.
const maxBody = 8 << 20

// Client talks to one Marketo instance. It is safe for concurrent use.
type Client struct {
	cfg      Config
	http     HTTPDoer
	tokens   *tokenEntry
	inFlight Semaphore
	ua       string
	pageMode atomic.Value // PageOffsetMode learned by the auto probe
}

// New checks cfg and returns a client.
func New(cfg Config) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("marketo: config: %w", err)
	}
	cfg = cfg.withDefaults()
	c := &Client{cfg: cfg, ua: "chataccess/" + cfg.UserAgentVersion + " (marketo)"}
	c.http = cfg.HTTPClient
	if c.http == nil {
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
	cache := cfg.Tokens
	if cache == nil {
		cache = NewTokenCache()
	}
	c.tokens = cache.entry(cfg.InstanceKey() + "\x00" + cfg.ClientID)
	c.inFlight = cfg.InFlight
	if c.inFlight == nil {
		c.inFlight = make(localSemaphore, cfg.MaxInFlight)
	}
	c.pageMode.Store(cfg.PageOffset)
	return c, nil
}

// Config returns the client's config with defaults filled in.
func (c *Client) Config() Config { return c.cfg }

func (c *Client) logger(ctx context.Context) *zerolog.Logger {
	if l := zerolog.Ctx(ctx); l != zerolog.DefaultContextLogger && l.GetLevel() != zerolog.Disabled {
		return l
	}
	if c.cfg.Logger != nil {
		return c.cfg.Logger
	}
	return zerolog.Ctx(ctx)
}

// scrub removes the secret and the current token from s.
func (c *Client) scrub(s string) string {
	if c.cfg.ClientSecret != "" {
		s = strings.ReplaceAll(s, c.cfg.ClientSecret, redacted)
	}
	c.tokens.mu.Lock()
	tok := c.tokens.token
	c.tokens.mu.Unlock()
	if tok != "" {
		s = strings.ReplaceAll(s, tok, redacted)
	}
	return s
}

// transportError turns a failed Do into an unavailable *Error whose
// text has no query string (the identity URL carries the secret).
func (c *Client) transportError(op, target, path string, err error) *Error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = &url.Error{Op: ue.Op, URL: c.cfg.BaseURL + path, Err: ue.Err}
	}
	return &Error{Reason: ReasonUnavailable, Op: op, Target: target, Err: err}
}

// FetchToken asks the identity endpoint for a token, as documented:
// GET {BaseURL}/identity/oauth/token?grant_type=client_credentials&client_id=…&client_secret=…
// Identity calls "are not counted towards API call limit"
// (swagger-identity.json), so they skip the limiter.
func (c *Client) FetchToken(ctx context.Context) (Token, error) {
	const op = "get token"
	q := url.Values{"grant_type": {"client_credentials"}, "client_id": {c.cfg.ClientID}, "client_secret": {c.cfg.ClientSecret}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.cfg.BaseURL+identityPath+"?"+q.Encode(), nil)
	if err != nil {
		return Token{}, &Error{Reason: ReasonInvalid, Op: op, Message: "cannot build the identity request"}
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.ua)
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return Token{}, fmt.Errorf("marketo: %s: %w", op, ctx.Err())
		}
		return Token{}, c.transportError(op, "", identityPath, err)
	}
	body, rerr := readBody(resp)
	if rerr != nil {
		return Token{}, c.transportError(op, "", identityPath, rerr)
	}
	now := c.cfg.Clock()
	eb, _ := ParseErrorBody(body)
	if resp.StatusCode != http.StatusOK || eb.Failed() {
		e := classify(op, resp.StatusCode, eb.Code, c.scrub(eb.Message), resp.Header, now)
		switch eb.Code {
		case "invalid_client", "unauthorized_client", "invalid_grant", "access_denied":
			e.Reason = ReasonAuth
		}
		if e.Message == "" {
			e.Message = http.StatusText(resp.StatusCode)
		}
		return Token{}, e
	}
	tok, err := ParseToken(body)
	if err != nil {
		return Token{}, &Error{Reason: ReasonUnavailable, Op: op, Status: resp.StatusCode, Message: err.Error()}
	}
	c.logger(ctx).Debug().Str(logging.Vendor, "marketo").Dur("expires_in", tok.ExpiresIn).Msg("marketo token issued")
	return tok, nil
}

// readBody reads and closes the body, draining what is past maxBody.
func readBody(resp *http.Response) ([]byte, error) {
	defer func() {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		_ = resp.Body.Close()
	}()
	return io.ReadAll(io.LimitReader(resp.Body, maxBody))
}

// call describes one API request.
type call struct {
	op, target string
	method     string
	path       string // below umPath, already escaped
	query      url.Values
	body       []byte // nil for GET
}

// do runs a call with the limits, the token and short retries: at most
// MaxAttempts tries (a token refresh is free, once), jittered
// exponential backoff, Retry-After honoured, a fresh request each try.
// Waits longer than MaxWait are returned as *Error with RetryAfter.
func (c *Client) do(ctx context.Context, cl call) ([]byte, error) {
	log := c.logger(ctx)
	refreshed := false
	for attempt := 1; ; attempt++ {
		start := time.Now()
		body, gen, err := c.once(ctx, cl)
		if err == nil {
			log.Debug().Str(logging.Vendor, "marketo").Str(logging.Op, cl.op).Int(logging.CallAttempt, attempt).
				Dur("duration", time.Since(start)).Msg("marketo call")
			return body, nil
		}
		var e *Error
		if !errors.As(err, &e) {
			return nil, err // context ended
		}
		if (isTokenCode(e.Code) || (e.Status == http.StatusUnauthorized && e.Code == "")) && gen != 0 {
			if !refreshed {
				refreshed = true
				c.tokens.invalidate(gen)
				attempt--
				log.Debug().Str(logging.Vendor, "marketo").Str(logging.Op, cl.op).Str(logging.Code, e.Code).Msg("marketo token refused, refreshing")
				continue
			}
			e.Reason = ReasonAuth
			return nil, e
		}
		if !e.Retryable() || e.Reason == ReasonQuota || attempt >= c.cfg.MaxAttempts {
			return nil, e
		}
		delay := backoff(c.cfg.RetryBase, attempt, e)
		if e.RetryAfter > 0 {
			delay = e.RetryAfter
		}
		if delay > c.cfg.MaxWait {
			e.RetryAfter = delay
			return nil, e
		}
		log.Warn().Str(logging.Vendor, "marketo").Str(logging.Op, cl.op).Int(logging.CallAttempt, attempt).Str(logging.Reason, string(e.Reason)).
			Int(logging.Status, e.Status).Str(logging.Code, e.Code).Dur(logging.RetryIn, delay).Msg("marketo call failed, retrying")
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("marketo: %s: %w", cl.op, ctx.Err())
		case <-t.C:
		}
	}
}

// backoff is full jitter over base·2^(attempt-1), capped at 8 s.
func backoff(base time.Duration, attempt int, e *Error) time.Duration {
	if e.Code == "606" {
		// Another integration may be using the instance's window; back off harder.
		base *= 4
	}
	d := min(base<<(attempt-1), 8*time.Second)
	return d/2 + rand.N(d/2+1)
}

// once sends one request. gen is the token generation used (0 when no
// token was sent).
func (c *Client) once(ctx context.Context, cl call) (body []byte, gen uint64, err error) {
	release, err := c.admit(ctx, cl.op, cl.target)
	if err != nil {
		return nil, 0, err
	}
	defer release()
	tok, gen, err := c.tokens.get(ctx, c.cfg.Clock, c.cfg.HTTPTimeout, c.FetchToken)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			cp := *e
			cp.Target = cl.target
			return nil, 0, &cp
		}
		return nil, 0, fmt.Errorf("marketo: %s: %w", cl.op, err)
	}
	u := c.cfg.BaseURL + umPath + cl.path
	if len(cl.query) > 0 {
		u += "?" + cl.query.Encode()
	}
	var rd io.Reader
	if cl.body != nil {
		rd = bytes.NewReader(cl.body)
	}
	req, err := http.NewRequestWithContext(ctx, cl.method, u, rd)
	if err != nil {
		return nil, 0, &Error{Reason: ReasonInvalid, Op: cl.op, Target: cl.target, Message: "cannot build the request"}
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.ua)
	if cl.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, gen, fmt.Errorf("marketo: %s: %w", cl.op, ctx.Err())
		}
		return nil, gen, c.transportError(cl.op, cl.target, umPath+cl.path, err)
	}
	body, err = readBody(resp)
	if err != nil {
		return nil, gen, c.transportError(cl.op, cl.target, umPath+cl.path, err)
	}
	eb, perr := ParseErrorBody(body)
	ok := resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusCreated
	if ok && !eb.Failed() {
		if perr != nil {
			return nil, gen, &Error{Reason: ReasonUnavailable, Op: cl.op, Target: cl.target, Status: resp.StatusCode, Message: "unreadable answer"}
		}
		return body, gen, nil
	}
	e := classify(cl.op, resp.StatusCode, eb.Code, c.scrub(eb.Message), resp.Header, c.cfg.Clock())
	e.Target = cl.target
	if e.Message == "" && !ok {
		e.Message = http.StatusText(resp.StatusCode)
	}
	return nil, gen, e
}
