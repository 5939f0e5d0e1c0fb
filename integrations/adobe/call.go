package adobe

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/chataccess/chataccess/integrations/failure"
	"github.com/chataccess/chataccess/internal/logging"
)

// call is one UMAPI request.
type call struct {
	op     string
	kind   kind
	method string
	path   string // after /v2/usermanagement
	query  url.Values
	body   []byte
	accept func(status int) bool // statuses other than 2xx handed back to the caller
	// slotTaken says the first attempt's rate-limit slot is already held.
	slotTaken bool
	// user and groups name what the call is about, for its failures.
	user   string
	groups []string
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// do runs cl within one deadline (HTTPTimeout) covering the rate-limit
// wait, the token, every attempt and the waits between them. It retries
// inside the call only what fails fast (429 with a short Retry-After,
// 502/503/504, dropped connections), at most MaxAttempts times, plus one
// re-authentication on 401. A call that runs out of time fails with
// failure.ReasonTimeout and is not retried here: the caller's queue
// reschedules it.
func (c *Client) do(ctx context.Context, cl call) (_ *response, err error) {
	start := time.Now()
	defer c.observeCall(cl.op, start, &err)
	ctx, cancel := context.WithTimeout(ctx, c.cfg.HTTPTimeout)
	defer cancel()
	var last *failure.Error
	reauthed, stale, haveSlot := false, "", cl.slotTaken
	for attempt := 1; ; attempt++ {
		resp, err := c.attempt(ctx, cl, haveSlot, stale)
		haveSlot = false
		switch {
		case err != nil:
			last = err
		case resp.status >= 200 && resp.status < 300, cl.accept != nil && cl.accept(resp.status):
			return resp.response, nil
		case resp.status == http.StatusUnauthorized && !reauthed:
			// One re-auth and retry (umapi-doc partials/unauthorized.md:
			// invalid or expired token). It does not count as an attempt.
			reauthed, stale = true, resp.token
			attempt--
			continue
		default:
			last = c.umapiError(cl, resp.response, attempt)
			if last.Reason == failure.ReasonRateLimited && last.RetryAfter > 0 {
				c.setCooldown(cl.kind, last.RetryAfter)
			}
		}
		last.Attempts = attempt
		if last.Reason == failure.ReasonTimeout {
			last.Waited = time.Since(start)
		}
		wait, ok := c.inlineWait(ctx, last, attempt)
		if !ok {
			return nil, last
		}
		c.logger(ctx).Debug().Str(logging.Vendor, "adobe").Str(logging.Op, cl.op).Int(logging.CallAttempt, attempt).
			Str(logging.Reason, string(last.Reason)).Int(logging.Status, last.Status).Dur(logging.RetryIn, wait).Msg("adobe call retry")
		c.observeRetry(cl.op, last, wait)
		if err := failure.Sleep(ctx, wait); err != nil {
			return nil, c.transportError(ctx, cl, err, start)
		}
	}
}

// attemptResult is one answer and the token it was sent with.
type attemptResult struct {
	*response
	token string
}

// attempt takes a slot (unless held), a token, and sends cl once.
func (c *Client) attempt(ctx context.Context, cl call, haveSlot bool, stale string) (*attemptResult, *failure.Error) {
	start := time.Now()
	if !haveSlot { // every request Adobe sees costs a slot, retries included
		if e := c.acquire(ctx, cl.op, cl.kind); e != nil {
			e.User, e.Object = cl.user, profilesObject(cl.groups)
			return nil, e
		}
	}
	tok, err := c.tokens.get(ctx, stale)
	if err != nil {
		return nil, err
	}
	resp, serr := c.send(ctx, cl, tok)
	if serr != nil {
		return nil, c.transportError(ctx, cl, serr, start)
	}
	return &attemptResult{response: resp, token: tok}, nil
}

func (c *Client) send(ctx context.Context, cl call, tok string) (*response, error) {
	u := c.cfg.UMAPIURL + umapiPath + cl.path
	if len(cl.query) > 0 {
		u += "?" + cl.query.Encode()
	}
	var body io.Reader
	if cl.body != nil {
		body = bytes.NewReader(cl.body)
	}
	req, err := http.NewRequestWithContext(ctx, cl.method, u, body)
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
	raw, err := failure.ReadBody(resp)
	if err != nil {
		return nil, err
	}
	c.logger(ctx).Debug().Str(logging.Vendor, "adobe").Str(logging.Op, cl.op).Int(logging.Status, resp.StatusCode).
		Dur("took", time.Since(start)).Str("x_request_id", req.Header.Get("X-Request-Id")).Msg("adobe call")
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

// umapiError classifies a non-2xx answer. The status decides, except that
// a documented code in the body refines a 4xx, and a 404 is "not found"
// only when the body says a user or group is missing: any other 404
// means the path itself is wrong (ADOBE_UMAPI_URL).
func (c *Client) umapiError(cl call, resp *response, attempt int) *failure.Error {
	e := newError(cl.op, reasonForStatus(resp.status))
	e.Status, e.User, e.Object = resp.status, cl.user, profilesObject(cl.groups)
	var b umapiBody
	if len(resp.body) > 0 && json.Unmarshal(resp.body, &b) == nil {
		e.Message = c.scrub(failure.Clip(b.Message, failure.MessageLen))
		switch {
		case strings.HasPrefix(b.Result, "error.") || strings.HasPrefix(b.Result, "plc."):
			e.Code = failure.Clip(b.Result, 120)
			r := reasonForCode(e.Code)
			if resp.status == http.StatusNotFound && r != failure.ReasonNotFound {
				break // a 404 with another code is still a wrong path
			}
			if resp.status < 500 && resp.status != http.StatusTooManyRequests && resp.status != http.StatusUnauthorized {
				e.Reason = r
			}
		case b.ErrorCode != "":
			e.Code = failure.Clip(b.ErrorCode, 40)
		}
	}
	if resp.status == http.StatusUnauthorized && e.Message == "" {
		e.Message = "token rejected after re-authentication"
	}
	if e.Reason == failure.ReasonRateLimited || e.Reason == failure.ReasonUnavailable {
		c.setRetryAfter(e, resp.header.Get("Retry-After"), attempt)
	}
	if e.Reason == failure.ReasonMaintenance && e.RetryAfter == 0 {
		e.RetryAfter = orgMigratingDelay
	}
	return e
}

// setRetryAfter fills e.RetryAfter from the header, capped at
// MaxRetryAfter; a 429 without a usable header gets umapi-client's
// backoff 15·2^(n-1) s plus jitter.
func (c *Client) setRetryAfter(e *failure.Error, h string, attempt int) {
	d, capped, ok := failure.ParseRetryAfter(h, c.now(), c.cfg.MaxRetryAfter)
	if !ok && e.Status == http.StatusTooManyRequests {
		base := c.cfg.DefaultRetryAfter << min(attempt-1, 6)
		d = min(base+rand.N(c.cfg.DefaultRetryAfter/3+1), c.cfg.MaxRetryAfter)
	}
	e.RetryAfter, e.RetryAfterCapped = d, capped
}

// inlineWait says whether to retry e inside this call and after how
// long: only fast failures umapi-client retries (429, 502, 503, 504,
// dropped connections), never a timeout, and only when the wait fits in
// MaxInlineWait and in what is left of the call's deadline.
func (c *Client) inlineWait(ctx context.Context, e *failure.Error, attempt int) (time.Duration, bool) {
	if attempt >= c.cfg.MaxAttempts {
		return 0, false
	}
	switch e.Reason {
	case failure.ReasonRateLimited, failure.ReasonUnavailable:
	default:
		return 0, false
	}
	if e.Status != 0 && e.Status != 429 && e.Status != 502 && e.Status != 503 && e.Status != 504 {
		return 0, false
	}
	if e.Code == "error.throttled_by_external_service" && e.RetryAfter == 0 {
		return 0, false
	}
	wait := e.RetryAfter
	if wait == 0 && e.Reason == failure.ReasonUnavailable {
		wait = failure.Backoff(c.cfg.RetryBase, c.cfg.MaxInlineWait, attempt)
	}
	if wait > c.cfg.MaxInlineWait {
		return 0, false
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait+time.Second {
		return 0, false
	}
	return wait, true
}

// transportError classifies an error of the HTTP round trip: timeout
// (the call's deadline or the transport's), cancellation, or a network
// failure. Its text is scrubbed of the secret and the token.
func (c *Client) transportError(ctx context.Context, cl call, err error, start time.Time) *failure.Error {
	e := newError(cl.op, failure.FromContext(ctx, err))
	e.User, e.Object = cl.user, profilesObject(cl.groups)
	if e.Reason == failure.ReasonTimeout {
		e.Waited = time.Since(start)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // the URL holds no secret, but keep messages short
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

// unreadable is the failure of a 2xx answer whose body does not have the
// documented shape: an answer nobody documented, so a few tries at most.
func (c *Client) unreadable(cl call, resp *response, perr error) *failure.Error {
	e := newError(cl.op, failure.ReasonUnknown)
	e.Status, e.User, e.Object = resp.status, cl.user, profilesObject(cl.groups)
	e.Message = "unreadable response: " + c.scrub(failure.Clip(perr.Error(), 200))
	return e
}
