package teamsbot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/chataccess/chataccess/bot"
)

// APIError is a refusal of the Bot Connector or Microsoft Graph: the
// HTTP status and the service's error code. errors.Is maps it onto the
// bot sentinel errors.
type APIError struct {
	Method string
	Status int
	Code   string
}

func (e *APIError) Error() string {
	if e.Code != "" {
		return fmt.Sprintf("%s: HTTP %d %s", e.Method, e.Status, e.Code)
	}
	return fmt.Sprintf("%s: HTTP %d", e.Method, e.Status)
}

// Is maps statuses to bot sentinels: 404 and 403 (the bot is not in the
// conversation or was blocked) are bot.ErrNotFound, 400 and 413
// bot.ErrInvalidContent.
func (e *APIError) Is(target error) bool {
	switch e.Status {
	case http.StatusNotFound, http.StatusForbidden:
		return target == bot.ErrNotFound
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		return target == bot.ErrInvalidContent
	}
	return false
}

// retryable statuses and the default wait before retrying them. Source:
// the project's Teams reference §3.4 (retry 429, 412, 502 and 504 with
// exponential backoff and jitter) and msteams-docs bots/how-to/rate-limit.md.
func retryableStatus(code int) bool {
	switch code {
	case http.StatusTooManyRequests, http.StatusPreconditionFailed, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// maxResponse bounds a response body read.
const maxResponse = 4 << 20

// client sends authorised JSON requests with bounded retries.
type client struct {
	hc         *http.Client
	maxWait    time.Duration
	maxRetries int
	metrics    *Metrics
}

// do sends one logical call: method+url with body (JSON, nil for none),
// decoding a 2xx answer into out (nil to ignore it). It retries a 401
// once with a fresh token and the retryable statuses up to maxRetries
// times when the wait is at most maxWait; a longer wait on 429 is
// returned as *bot.RateLimitError.
func (c *client) do(ctx context.Context, tok *tokens, name, method, url string, body, out any) error {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return fmt.Errorf("%s: encode: %w", name, err)
		}
	}
	refreshed := false
	for attempt := 0; ; attempt++ {
		status, code, after, err := c.once(ctx, tok, method, url, payload, out)
		switch {
		case err != nil:
			c.metrics.apiCall(name, "transport")
			return fmt.Errorf("%s: %w", name, err)
		case status >= 200 && status < 300:
			c.metrics.apiCall(name, "ok")
			return nil
		case status == http.StatusUnauthorized && !refreshed && tok != nil:
			c.metrics.apiCall(name, "retried")
			tok.drop()
			refreshed = true
			continue
		case retryableStatus(status):
			if after <= 0 {
				after = time.Duration(250<<min(attempt, 6)) * time.Millisecond
			}
			if after > c.maxWait || attempt >= c.maxRetries {
				c.metrics.apiCall(name, "ratelimited")
				if status == http.StatusTooManyRequests {
					return &bot.RateLimitError{Method: name, RetryAfter: after}
				}
				return &APIError{Method: name, Status: status, Code: code}
			}
			c.metrics.apiCall(name, "retried")
			jitter := time.Duration(rand.Int64N(int64(100 * time.Millisecond)))
			if err := sleep(ctx, after+jitter); err != nil {
				return fmt.Errorf("%s: waiting to retry: %w", name, err)
			}
			continue
		}
		c.metrics.apiCall(name, "error")
		return &APIError{Method: name, Status: status, Code: code}
	}
}

// once sends one request; it returns the status, the error code of a
// failed answer and its Retry-After.
func (c *client) once(ctx context.Context, tok *tokens, method, url string, payload []byte, out any) (int, string, time.Duration, error) {
	access := ""
	if tok != nil {
		var err error
		if access, err = tok.token(); err != nil {
			return 0, "", 0, err
		}
	}
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return 0, "", 0, err
	}
	if access != "" {
		req.Header.Set("Authorization", "Bearer "+access)
	}
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, "", 0, errors.New(scrubURL(err))
	}
	defer func() { _, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponse)); resp.Body.Close() }()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if out != nil {
			if err := json.NewDecoder(io.LimitReader(resp.Body, maxResponse)).Decode(out); err != nil && !errors.Is(err, io.EOF) {
				return 0, "", 0, fmt.Errorf("decode answer: %w", err)
			}
		}
		return resp.StatusCode, "", 0, nil
	}
	return resp.StatusCode, errorCode(resp.Body), retryAfter(resp.Header.Get("Retry-After")), nil
}

// errorCode reads the code of a Bot Connector ({"error":{"code":…}}) or
// Graph error body.
func errorCode(r io.Reader) string {
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.NewDecoder(io.LimitReader(r, 64<<10)).Decode(&e)
	return clip(inert(e.Error.Code), 64)
}

// retryAfter reads Retry-After in seconds or as an HTTP date.
func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(min(s, 86400)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
