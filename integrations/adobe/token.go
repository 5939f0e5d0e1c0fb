package adobe

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chataccess/chataccess/integrations/failure"
)

const opToken = "ims.token"

// tokenResponse is the IMS OAuth S2S answer:
// {"access_token":"...","token_type":"bearer","expires_in":86399}; expires_in
// is in seconds (umapi-doc:docs/en/RefOverview.md). Errors look like
// {"error":"invalid_client","error_description":"..."}.
type tokenResponse struct {
	AccessToken      string          `json:"access_token"`
	TokenType        string          `json:"token_type"`
	ExpiresIn        json.RawMessage `json:"expires_in"`
	Error            string          `json:"error"`
	ErrorDescription string          `json:"error_description"`
}

// parseToken parses an IMS token body and returns the token and its lifetime.
func parseToken(body []byte) (token string, lifetime time.Duration, err error) {
	var tr tokenResponse
	if err := json.Unmarshal(body, &tr); err != nil {
		return "", 0, fmt.Errorf("decode token response: %w", err)
	}
	if tr.Error != "" {
		return "", 0, fmt.Errorf("ims error %q", tr.Error)
	}
	if tr.AccessToken == "" {
		return "", 0, fmt.Errorf("token response has no access_token")
	}
	if tt := strings.ToLower(tr.TokenType); tt != "" && tt != "bearer" {
		return "", 0, fmt.Errorf("token type %q is not bearer", tr.TokenType)
	}
	secs, ok := lenientInt(tr.ExpiresIn)
	if !ok || secs <= 0 {
		// Missing or odd lifetime: assume a short one and renew early.
		return tr.AccessToken, 10 * time.Minute, nil
	}
	if secs > 10*365*24*3600 {
		secs = 10 * 365 * 24 * 3600
	}
	return tr.AccessToken, time.Duration(secs) * time.Second, nil
}

// lenientInt reads a JSON number or a quoted number.
func lenientInt(raw json.RawMessage) (int64, bool) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return 0, false
	}
	if s[0] == '"' {
		var q string
		if json.Unmarshal(raw, &q) != nil {
			return 0, false
		}
		s = strings.TrimSpace(q)
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != f || f > 9e18 || f < -9e18 {
		return 0, false
	}
	return int64(f), true
}

// tokenSource caches the IMS token and refreshes it with one request no
// matter how many callers need it at once.
type tokenSource struct {
	c *Client

	mu      sync.Mutex
	token   string
	renewAt time.Time
	flight  *tokenFlight
}

type tokenFlight struct {
	done  chan struct{}
	token string
	err   *failure.Error
}

// get returns a valid token. stale, when not empty, is a token UMAPI just
// rejected with 401: it is dropped unless another caller already replaced it.
func (ts *tokenSource) get(ctx context.Context, stale string) (string, *failure.Error) {
	ts.mu.Lock()
	if stale != "" && ts.token == stale {
		ts.token = ""
	}
	if ts.token != "" && ts.c.now().Before(ts.renewAt) {
		tok := ts.token
		ts.mu.Unlock()
		return tok, nil
	}
	f := ts.flight
	if f == nil {
		f = &tokenFlight{done: make(chan struct{})}
		ts.flight = f
		// The fetch outlives any one caller's cancellation so the others
		// still get their token; it has its own deadline.
		go ts.fetch(context.WithoutCancel(ctx), f)
	}
	ts.mu.Unlock()
	select {
	case <-f.done:
		return f.token, f.err
	case <-ctx.Done():
		e := newError(opToken, failure.FromContext(ctx, ctx.Err()))
		e.Err = ctx.Err()
		return "", e
	}
}

func (ts *tokenSource) fetch(ctx context.Context, f *tokenFlight) {
	ctx, cancel := context.WithTimeout(ctx, ts.c.cfg.HTTPTimeout)
	defer cancel()
	tok, life, err := ts.c.requestToken(ctx)
	ts.mu.Lock()
	if err == nil {
		margin := min(ts.c.cfg.TokenRefreshMargin, life/10)
		ts.token, ts.renewAt = tok, ts.c.now().Add(life-margin)
	}
	ts.flight = nil
	ts.mu.Unlock()
	f.token, f.err = tok, err
	close(f.done)
}

// requestToken makes the IMS call: POST form body, never the query
// string, because query strings end up in logs (Developer Console IMS
// guide). Fast failures are retried like UMAPI calls, within ctx.
func (c *Client) requestToken(ctx context.Context) (string, time.Duration, *failure.Error) {
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {c.cfg.ClientID},
		"client_secret": {c.cfg.ClientSecret},
		"scope":         {c.cfg.Scope},
	}
	body := []byte(form.Encode())
	cl := call{op: opToken}
	start := time.Now()
	for attempt := 1; ; attempt++ {
		tok, life, last := c.tokenAttempt(ctx, body, start)
		if last == nil {
			return tok, life, nil
		}
		last.Attempts = attempt
		wait, ok := c.inlineWait(ctx, last, attempt)
		if !ok {
			return "", 0, last
		}
		if err := failure.Sleep(ctx, wait); err != nil {
			return "", 0, c.transportError(ctx, cl, err, start)
		}
	}
}

// tokenAttempt sends one IMS token request.
func (c *Client) tokenAttempt(ctx context.Context, body []byte, start time.Time) (string, time.Duration, *failure.Error) {
	cl := call{op: opToken}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.IMSURL+c.cfg.TokenPath, bytes.NewReader(body))
	if err != nil {
		e := newError(opToken, failure.ReasonConfig)
		e.Message = "cannot build the IMS request (ADOBE_IMS_URL)"
		return "", 0, e
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	c.calls.token.Add(1)
	resp, err := c.http.Do(req)
	if err != nil {
		return "", 0, c.transportError(ctx, cl, err, start)
	}
	raw, rerr := failure.ReadBody(resp)
	switch {
	case rerr != nil:
		return "", 0, c.transportError(ctx, cl, rerr, start)
	case resp.StatusCode == http.StatusOK:
		tok, life, perr := parseToken(raw)
		if perr == nil {
			return tok, life, nil
		}
		e := newError(opToken, failure.ReasonUnknown)
		e.Status, e.Message = resp.StatusCode, c.scrub(failure.Clip(perr.Error(), failure.MessageLen))
		return "", 0, e
	}
	return "", 0, c.imsError(resp, raw)
}

// imsError classifies an IMS failure. 400/401/403 (invalid_client,
// invalid_scope, unauthorized_client, ...) mean the credential is wrong;
// a 404 means ADOBE_IMS_URL points somewhere else.
func (c *Client) imsError(resp *http.Response, raw []byte) *failure.Error {
	e := newError(opToken, reasonForStatus(resp.StatusCode))
	e.Status = resp.StatusCode
	var tr tokenResponse
	if json.Unmarshal(raw, &tr) == nil && tr.Error != "" {
		e.Code = failure.Clip(tr.Error, 80)
		e.Message = c.scrub(failure.Clip(tr.ErrorDescription, 200))
	}
	switch resp.StatusCode {
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden:
		e.Reason = failure.ReasonAuth
	case http.StatusNotFound:
		e.Message = "ADOBE_IMS_URL answers 404 for the token path " + c.cfg.TokenPath
	}
	if e.Reason == failure.ReasonRateLimited || e.Reason == failure.ReasonUnavailable {
		c.setRetryAfter(e, resp.Header.Get("Retry-After"), 1)
	}
	return e
}
