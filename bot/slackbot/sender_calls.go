package slackbot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/internal/logging"
	"github.com/slack-go/slack"
)

// How every Web API call is made: retries after 429, outcomes for the
// metrics, skipping updates that change nothing, the JSON charset.

// once calls fn without retrying.
func (s *Sender) once(ctx context.Context, method string, fn func() error) error {
	err := fn()
	s.metrics.apiCall(method, outcome(err))
	return classify(method, err)
}

// call calls fn, retrying a 429 whose Retry-After is at most maxWait,
// up to maxRetries times; a longer wait returns *bot.RateLimitError.
func (s *Sender) call(ctx context.Context, method string, fn func() error) error {
	for attempt := 0; ; attempt++ {
		err := fn()
		s.metrics.apiCall(method, outcome(err))
		after, limited := retryAfter(err)
		if !limited {
			return classify(method, err)
		}
		if after > s.maxWait || attempt >= s.maxRetries {
			return &bot.RateLimitError{Method: method, RetryAfter: after}
		}
		s.log.Debug().Str("method", method).Int(logging.CallAttempt, attempt+1).
			Dur("retry_after", after).Msg("slack rate limited, waiting")
		jitter := time.Duration(rand.Int64N(int64(250 * time.Millisecond)))
		if err := sleep(ctx, after+jitter); err != nil {
			return fmt.Errorf("%s: waiting out rate limit: %w", method, err)
		}
	}
}

func retryAfter(err error) (time.Duration, bool) {
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		return rl.RetryAfter, true
	}
	var sc slack.StatusCodeError
	if errors.As(err, &sc) && sc.Code == http.StatusTooManyRequests {
		return time.Second, true // 429 without Retry-After
	}
	return 0, false
}

func outcome(err error) string {
	if err == nil {
		return "ok"
	}
	if _, ok := retryAfter(err); ok {
		return "ratelimited"
	}
	return classOf(classify("", err)).String()
}

// unlessUnchanged sends an update of key (a message or an App Home)
// unless it already shows content with this hash, one update of key at
// a time. Without a RenderMemory, or when it fails, it just sends.
func (s *Sender) unlessUnchanged(ctx context.Context, method, key, hash string, send func() error) error {
	if s.rendered == nil {
		return send()
	}
	var prev, token string
	var err error
	for wait := 0; ; wait++ {
		prev, token, err = s.rendered.ClaimRender(ctx, key, hash, renderLease)
		if err != nil {
			s.log.Debug().Err(err).Str("method", method).Msg("render memory unavailable; sending the update")
			return send()
		}
		if token != "" {
			break
		}
		if prev == hash {
			s.metrics.apiCall(method, "unchanged")
			return nil
		}
		if wait == renderWaits {
			return send() // the other update is slow; ours is the newer content
		}
		if err := sleep(ctx, renderPause); err != nil {
			return fmt.Errorf("%s: waiting for another update of the same message: %w", method, err)
		}
	}
	err = send()
	shows := hash
	switch {
	case err == nil:
	case classOf(err) == ClassPermanent || errors.Is(err, bot.ErrRateLimited):
		shows = prev // refused: the message still shows what it showed
	default:
		shows = "" // a transport error: it may or may not have changed
	}
	// The lease must be released even when ctx just ended.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	if ferr := s.rendered.FinishRender(fctx, key, token, shows); ferr != nil {
		s.log.Debug().Err(ferr).Str("method", method).Msg("could not record what the message shows")
	}
	return err
}

// messageKey names a message in the render memory.
func messageKey(channel, ts string) string { return "msg|slack|" + channel + "|" + ts }

// contentHash is a short digest of rendered content.
func contentHash(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// withCharset returns a copy of hc whose requests that carry a JSON body
// say charset=utf-8, as Slack asks (api.slack.com/web, "JSON-encoded
// bodies"; without it Slack answers with the warning missing_charset).
// slack-go sends views.* as bare application/json.
func withCharset(hc *http.Client) *http.Client {
	c := *hc
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	c.Transport = charsetTransport{base: base}
	return &c
}

type charsetTransport struct{ base http.RoundTripper }

// RoundTrip adds charset=utf-8 to a bare application/json body.
func (t charsetTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Header.Get("Content-Type") == "application/json" {
		req = req.Clone(req.Context())
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	return t.base.RoundTrip(req)
}
