package adobe

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chataccess/chataccess/integrations/ratelimit"
	"github.com/rs/zerolog"
)

// Limiter takes a slot of a named rate limit. *ratelimit.Limiter
// satisfies it; nil means "no limit".
type Limiter interface {
	Reserve(ctx context.Context, key string, lim ratelimit.Limit) (time.Duration, error)
}

var _ Limiter = (*ratelimit.Limiter)(nil)

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
	http      *http.Client
	lim       Limiter
	log       zerolog.Logger
	now       func() time.Time
	userAgent string
	tokens    tokenSource

	cdMu     sync.Mutex
	cooldown map[kind]time.Time // Adobe's last Retry-After per bucket

	calls struct{ token, action, userRead, groupRead atomic.Int64 }
}

// Option customises a Client.
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
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// WithLogger sets the logger (component "adobe" is added).
func WithLogger(l zerolog.Logger) Option {
	return func(c *Client) { c.log = l.With().Str("component", "adobe").Logger() }
}

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

// LimitKey is the Redis key (under the limiter's prefix) of a bucket; the
// limits are Adobe's per client, so the key holds the client id.
func (c *Client) limitKey(k kind) string { return "adobe:" + c.cfg.ClientID + ":" + string(k) }

// noWaitKey marks a context whose calls must not wait for a slot.
type noWaitKey struct{}

// NoWait returns a context whose calls never sleep for a client-side
// rate-limit slot: when none is free they fail at once with a
// rate_limited *Error whose Delay says when one frees up. Background
// work that is rescheduled through a queue uses it, so a worker is never
// held waiting (the batcher's action calls still wait: that wait is what
// fills each call).
func NoWait(ctx context.Context) context.Context { return context.WithValue(ctx, noWaitKey{}, true) }

// acquire takes a rate-limit slot for k, waiting at most MaxLimitWait
// (not at all under NoWait).
func (c *Client) acquire(ctx context.Context, op string, k kind) error {
	if d := c.cooldownLeft(k); d > 0 {
		return &Error{Reason: ReasonRateLimited, Op: op, Index: -1, Step: -1, RetryAfter: d,
			Message: "waiting out Adobe's Retry-After"}
	}
	if c.lim == nil {
		return nil
	}
	for {
		d, err := c.lim.Reserve(ctx, c.limitKey(k), c.limitFor(k))
		if err != nil {
			if ctx.Err() != nil {
				return &Error{Reason: ReasonCanceled, Op: op, Index: -1, Step: -1, Err: ctx.Err()}
			}
			return &Error{Reason: ReasonUnavailable, Op: op, Index: -1, Step: -1, Message: "rate limiter unavailable", Err: err}
		}
		if d == 0 {
			return nil
		}
		if noWait, _ := ctx.Value(noWaitKey{}).(bool); noWait || d > c.cfg.MaxLimitWait {
			return &Error{Reason: ReasonRateLimited, Op: op, Index: -1, Step: -1, RetryAfter: d,
				Message: "client-side limit " + c.limitFor(k).String()}
		}
		// Wake a little early and ask again: with an even pacing (burst 1)
		// every millisecond of oversleep is lost for good, because GCRA
		// schedules the next slot from the moment this one is taken.
		if err := sleep(ctx, d-min(d/4, 2*time.Millisecond)); err != nil {
			return &Error{Reason: ReasonCanceled, Op: op, Index: -1, Step: -1, Err: err}
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

// call is one UMAPI request.
type call struct {
	op     string
	kind   kind
	method string
	path   string // after /v2/usermanagement
	query  url.Values
	body   []byte
	accept func(status int) bool // statuses other than 200 handed back to the caller
	// slotTaken says the first attempt's rate-limit slot is already held.
	slotTaken bool
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// do runs c with rate limiting, one re-auth on 401 and short retries.
func (c *Client) do(ctx context.Context, cl call) (*response, error) {
	var last *Error
	reauthed := false
	stale := ""
	haveSlot := cl.slotTaken
	for attempt := 1; ; attempt++ {
		if !haveSlot { // every request Adobe sees costs a slot, retries included
			if err := c.acquire(ctx, cl.op, cl.kind); err != nil {
				return nil, err
			}
		}
		haveSlot = false
		tok, err := c.tokens.get(ctx, stale)
		if err != nil {
			return nil, err
		}
		resp, err := c.send(ctx, cl, tok)
		if err != nil {
			last = c.transportError(ctx, cl.op, err)
		} else {
			switch {
			case resp.status >= 200 && resp.status < 300, cl.accept != nil && cl.accept(resp.status):
				return resp, nil
			case resp.status == http.StatusUnauthorized && !reauthed:
				// One re-auth and retry (umapi-doc partials/unauthorized.md:
				// invalid or expired token). It does not count as an attempt.
				reauthed, stale = true, tok
				attempt--
				continue
			}
			last = c.umapiError(cl.op, resp, attempt)
			if last.Reason == ReasonRateLimited && last.RetryAfter > 0 {
				c.setCooldown(cl.kind, last.RetryAfter)
			}
		}
		last.Attempts = attempt
		wait, ok := c.inlineWait(last, attempt)
		if !ok {
			return nil, last
		}
		c.log.Debug().Str("op", cl.op).Int("attempt", attempt).Str("reason", string(last.Reason)).
			Int("status", last.Status).Dur("wait", wait).Msg("adobe call retry")
		if err := sleep(ctx, wait); err != nil {
			return nil, &Error{Reason: ReasonCanceled, Op: cl.op, Index: -1, Step: -1, Err: err}
		}
	}
}

func (c *Client) send(ctx context.Context, cl call, tok string) (*response, error) {
	u := c.cfg.UMAPIURL + "/v2/usermanagement" + cl.path
	if len(cl.query) > 0 {
		u += "?" + cl.query.Encode()
	}
	var body *bytes.Reader
	if cl.body != nil {
		body = bytes.NewReader(cl.body)
	}
	var req *http.Request
	var err error
	if body != nil {
		req, err = http.NewRequestWithContext(ctx, cl.method, u, body)
	} else {
		req, err = http.NewRequestWithContext(ctx, cl.method, u, nil)
	}
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("X-Api-Key", c.cfg.ClientID)
	req.Header.Set("X-Request-Id", newRequestID(c.now()))
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("Accept", "application/json")
	if cl.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	switch cl.kind {
	case kindAction:
		c.calls.action.Add(1)
	case kindUserRead:
		c.calls.userRead.Add(1)
	case kindGroupRead:
		c.calls.groupRead.Add(1)
	}
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	raw, err := readBody(resp)
	if err != nil {
		return nil, err
	}
	c.log.Debug().Str("op", cl.op).Int("status", resp.StatusCode).Dur("took", time.Since(start)).
		Str("x_request_id", req.Header.Get("X-Request-Id")).Msg("adobe call")
	return &response{status: resp.StatusCode, header: resp.Header, body: raw}, nil
}

// newRequestID mirrors umapi-client's "{uuid4}_{epoch_ms}".
func newRequestID(now time.Time) string {
	var b [16]byte
	_, _ = crand.Read(b[:])
	return hex.EncodeToString(b[:]) + "_" + strconv.FormatInt(now.UnixMilli(), 10)
}

// umapiBody is the common error envelope: {"result":"error.x","message":"..."}
// (umapi-doc partials/notFound.md), or for throttling
// {"error_code":"429050","message":"Too many requests"} (partials/throttling.md).
type umapiBody struct {
	Result    string `json:"result"`
	Message   string `json:"message"`
	ErrorCode string `json:"error_code"`
}

func (c *Client) umapiError(op string, resp *response, attempt int) *Error {
	e := &Error{Op: op, Status: resp.status, Reason: reasonForStatus(resp.status), Index: -1, Step: -1}
	var b umapiBody
	if len(resp.body) > 0 && json.Unmarshal(resp.body, &b) == nil {
		e.Message = c.scrub(truncate(b.Message, 300))
		switch {
		case strings.HasPrefix(b.Result, "error."):
			e.Code = b.Result
			if r := reasonForCode(b.Result); resp.status < 500 && resp.status != 429 && r != ReasonInvalid {
				e.Reason = r
			}
		case b.ErrorCode != "":
			e.Code = b.ErrorCode
		}
	}
	if resp.status == http.StatusUnauthorized {
		e.Reason = ReasonAuth
		if e.Message == "" {
			e.Message = "token rejected after re-authentication"
		}
	}
	if e.Reason == ReasonRateLimited || e.Reason == ReasonUnavailable {
		c.setRetryAfter(e, resp.header.Get("Retry-After"), attempt)
	}
	return e
}

// setRetryAfter fills e.RetryAfter from the header, capped at
// MaxRetryAfter; a 429 without a usable header gets umapi-client's
// backoff 15·2^(n-1) s plus jitter.
func (c *Client) setRetryAfter(e *Error, h string, attempt int) {
	d, ok := ParseRetryAfter(h, c.now())
	if !ok && e.Status == http.StatusTooManyRequests {
		base := c.cfg.DefaultRetryAfter << min(attempt-1, 6)
		d = base + rand.N(c.cfg.DefaultRetryAfter/3+1)
	}
	if d > c.cfg.MaxRetryAfter {
		d, e.RetryAfterCapped = c.cfg.MaxRetryAfter, true
	}
	e.RetryAfter = d
}

// inlineWait says whether to retry e inside the client and after how long.
func (c *Client) inlineWait(e *Error, attempt int) (time.Duration, bool) {
	if !e.Retryable() || e.Reason == ReasonOrgMigrating || attempt >= c.cfg.MaxAttempts {
		return 0, false
	}
	// umapi-client retries only 429, 502, 503, 504 and transport errors.
	if e.Status != 0 && e.Status != 429 && e.Status != 502 && e.Status != 503 && e.Status != 504 {
		return 0, false
	}
	if e.Code == "error.throttled_by_external_service" && e.RetryAfter == 0 {
		return 0, false
	}
	wait := e.RetryAfter
	if wait == 0 && e.Reason == ReasonUnavailable {
		ceil := c.cfg.RetryBase << min(attempt-1, 10)
		wait = ceil/2 + rand.N(ceil/2+1)
	}
	if wait > c.cfg.MaxInlineWait {
		return 0, false
	}
	return wait, true
}

// transportError classifies an error of the HTTP round trip.
func (c *Client) transportError(ctx context.Context, op string, err error) *Error {
	if ctx.Err() != nil {
		return &Error{Reason: ReasonCanceled, Op: op, Index: -1, Step: -1, Err: ctx.Err()}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // the URL holds no secret, but keep messages short
	}
	return &Error{Reason: ReasonUnavailable, Op: op, Index: -1, Step: -1, Err: scrubbedError{c.scrub(err.Error()), err}}
}

// scrubbedError carries a transport error whose text had secrets removed.
type scrubbedError struct {
	msg string
	err error
}

func (s scrubbedError) Error() string { return s.msg }
func (s scrubbedError) Unwrap() error { return s.err }

// scrub removes the client secret and the current token from s.
func (c *Client) scrub(s string) string {
	if c.cfg.ClientSecret != "" {
		s = strings.ReplaceAll(s, c.cfg.ClientSecret, "<secret>")
	}
	c.tokens.mu.Lock()
	tok := c.tokens.token
	c.tokens.mu.Unlock()
	if tok != "" {
		s = strings.ReplaceAll(s, tok, "<token>")
	}
	return s
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func asError(err error, target **Error) bool { return errors.As(err, target) }

// String keeps the client printable without its secret.
func (c *Client) String() string { return fmt.Sprintf("adobe.Client{%s}", c.cfg) }
