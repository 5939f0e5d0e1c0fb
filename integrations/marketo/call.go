package marketo

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/chataccess/chataccess/integrations/failure"
	"github.com/chataccess/chataccess/internal/logging"
)

// call describes one API request.
type call struct {
	op     string
	method string
	path   string // below umPath, already escaped
	query  url.Values
	body   []byte // nil for GET
	// user and object name what the call is about, for its failures.
	user, object string
	// perUser says the path names one user: a "not found" there is about
	// the user; on other paths it is about the base URL.
	perUser bool
	// identity marks the token call (its URL carries the secret).
	identity bool
}

// pathForLogs is the call's path without a query string.
func (cl call) pathForLogs() string {
	if cl.identity {
		return identityPath
	}
	return umPath + cl.path
}

// do runs cl within one deadline (HTTPTimeout) covering the in-flight
// and rate slots, the token, every attempt and the waits between them.
// It retries inside the call only what fails fast and says "soon"
// (606, 615, 429, 5xx and the transient codes), at most MaxAttempts
// times with jittered exponential backoff or Retry-After, plus one token
// refresh on 601/602. A wait longer than MaxWait, a timeout, and every
// other failure return at once; the caller's queue decides what next.
func (c *Client) do(ctx context.Context, cl call) (_ []byte, err error) {
	log := c.logger(ctx)
	start := time.Now()
	defer c.observeCall(cl.op, start, &err)
	ctx, cancel := context.WithTimeout(ctx, c.cfg.HTTPTimeout)
	defer cancel()
	refreshed := false
	for attempt := 1; ; attempt++ {
		body, gen, e := c.once(ctx, cl, start)
		if e == nil {
			log.Debug().Str(logging.Vendor, "marketo").Str(logging.Op, cl.op).Int(logging.CallAttempt, attempt).
				Dur("duration", time.Since(start)).Msg("marketo call")
			return body, nil
		}
		e.Attempts = attempt
		if e.Reason == failure.ReasonTimeout {
			e.Waited = time.Since(start)
		}
		if (isTokenCode(e.Code) || (e.Status == http.StatusUnauthorized && e.Code == "")) && gen != 0 {
			if !refreshed {
				refreshed = true
				c.tokens.invalidate(gen)
				attempt--
				log.Debug().Str(logging.Vendor, "marketo").Str(logging.Op, cl.op).Str(logging.Code, e.Code).Msg("marketo token refused, refreshing")
				continue
			}
			e.Reason = failure.ReasonAuth
			return nil, e
		}
		delay, ok := c.inlineWait(ctx, e, attempt)
		if !ok {
			return nil, defaultWaits(e, c.now())
		}
		log.Warn().Str(logging.Vendor, "marketo").Str(logging.Op, cl.op).Int(logging.CallAttempt, attempt).Str(logging.Reason, string(e.Reason)).
			Int(logging.Status, e.Status).Str(logging.Code, e.Code).Dur(logging.RetryIn, delay).Msg("marketo call failed, retrying")
		c.observeRetry(cl.op, e, delay)
		if err := failure.Sleep(ctx, delay); err != nil {
			return nil, c.transportError(ctx, cl, err, start)
		}
	}
}

// inlineWait says whether to retry e inside this call and after how long:
// rate limits and transient failures only, never a timeout or an unknown
// answer, and only when the wait fits in MaxWait and in the deadline. A
// rate limit that must wait longer reports the wait in RetryAfter.
func (c *Client) inlineWait(ctx context.Context, e *failure.Error, attempt int) (time.Duration, bool) {
	if e.Reason != failure.ReasonRateLimited && e.Reason != failure.ReasonUnavailable || attempt >= c.cfg.MaxAttempts {
		return 0, false
	}
	base := c.cfg.RetryBase
	if e.Code == "606" {
		// Another integration may be using the instance's window; back off harder.
		base *= 4
	}
	delay := failure.Backoff(base, 8*time.Second, attempt)
	if e.RetryAfter > 0 {
		delay = e.RetryAfter
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < delay+time.Second {
		return 0, false
	}
	if delay > c.cfg.MaxWait {
		if e.Reason == failure.ReasonRateLimited {
			e.RetryAfter = max(e.RetryAfter, delay)
		}
		return 0, false
	}
	return delay, true
}

// once sends one request. gen is the token generation used (0 when no
// token was sent).
func (c *Client) once(ctx context.Context, cl call, start time.Time) (body []byte, gen uint64, e *failure.Error) {
	release, e := c.admit(ctx, cl)
	if e != nil {
		return nil, 0, e
	}
	defer release()
	tok, gen, err := c.tokens.get(ctx, c.now, c.cfg.HTTPTimeout, c.FetchToken)
	if err != nil {
		if te, ok := err.(*failure.Error); ok {
			cp := *te
			cp.User, cp.Object = cl.user, cl.object
			return nil, 0, &cp
		}
		return nil, 0, c.transportError(ctx, cl, err, start)
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
		e := newError(cl.op, failure.ReasonConfig)
		e.User, e.Object, e.Message = cl.user, cl.object, "cannot build the request"
		return nil, 0, e
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.ua)
	if cl.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, gen, c.transportError(ctx, cl, err, start)
	}
	body, err = failure.ReadBody(resp)
	if err != nil {
		return nil, gen, c.transportError(ctx, cl, err, start)
	}
	return body, gen, c.answer(cl, resp, body)
}

// answer classifies a response: nil for a 200/201 whose body reports no
// failure, else the failure. User management answers have no success
// envelope, so the status decides first (user-management.md).
func (c *Client) answer(cl call, resp *http.Response, body []byte) *failure.Error {
	eb, perr := ParseErrorBody(body)
	ok := resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusCreated
	if ok && !eb.Failed() {
		if perr != nil {
			e := newError(cl.op, failure.ReasonUnknown)
			e.User, e.Object, e.Status, e.Message = cl.user, cl.object, resp.StatusCode, "unreadable answer"
			return e
		}
		return nil
	}
	e := classifyAnswer(cl.op, resp.StatusCode, eb.Code, c.scrub(eb.Message), resp.Header, c.now(), cl.perUser, c.cfg.MaxRetryAfter)
	e.User, e.Object = cl.user, cl.object
	if e.Message == "" && !ok {
		e.Message = http.StatusText(resp.StatusCode)
	}
	return e
}
