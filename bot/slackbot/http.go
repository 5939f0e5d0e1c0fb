package slackbot

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/chataccess/chataccess/bot/ingress"
	"github.com/chataccess/chataccess/internal/logging"
)

// claimFailed answers a slash command that could not be checked for
// replay (Redis did not answer in time): nothing was done.
const claimFailed = "I could not reach my database just now, so nothing was changed. Please try again in a minute."

// commandUser is the user id of a slash command's form body, "" when
// it cannot be read.
func commandUser(body []byte) string {
	c, err := parseCommandForm(body)
	if err != nil {
		return ""
	}
	return c.UserID
}

// DefaultMaxBody is the largest request body accepted (64 KiB). Slack's
// interaction payloads carry the whole message or view, which stays far
// below this; anything bigger is answered 413 unread.
const DefaultMaxBody = 64 << 10

// HTTP serves Slack's HTTP-mode endpoints. Every request is verified
// (signature, timestamp window, body size) before anything is parsed;
// a rejected request gets 401, 413 or 400 and touches nothing.
type HTTP struct {
	v       *Verifier
	d       *Dispatcher
	maxBody int64
	now     func() time.Time
}

// NewHTTP returns the HTTP endpoints for a verifier and dispatcher.
func NewHTTP(v *Verifier, d *Dispatcher) *HTTP {
	return &HTTP{v: v, d: d, maxBody: DefaultMaxBody, now: time.Now}
}

// Register adds POST /slack/commands, /slack/interactions and
// /slack/events to mux.
func (h *HTTP) Register(mux *http.ServeMux) {
	mux.Handle("POST /slack/commands", h.Commands())
	mux.Handle("POST /slack/interactions", h.Interactions())
	mux.Handle("POST /slack/events", h.Events())
}

// Commands handles slash commands. A command is handled once: the same
// signed bytes again (a replay inside the signature window) are
// acknowledged and ignored.
func (h *HTTP) Commands() http.Handler {
	return h.endpoint("commands", func(ctx context.Context, body []byte) (ack, error) {
		c, err := parseCommandForm(body)
		if err != nil {
			return ack{}, err
		}
		if a, seen, err := h.replayed(ctx, c.TriggerID, body); seen || err != nil {
			return a, err
		}
		return h.d.command(ctx, c), nil
	})
}

// Interactions handles interactivity payloads, each once, like Commands.
func (h *HTTP) Interactions() http.Handler {
	return h.endpoint("interactions", func(ctx context.Context, body []byte) (ack, error) {
		ic, err := parseInteractionForm(body)
		if err != nil {
			return ack{}, err
		}
		if a, seen, err := h.replayed(ctx, ic.TriggerID, body); seen || err != nil {
			return a, err
		}
		return h.d.interaction(ctx, ic), nil
	})
}

// replayed claims a verified request; seen means it was handled before
// and is answered with an empty 200 and nothing else. Without a claim
// store (tests that pass no Dedupe) nothing is claimed.
func (h *HTTP) replayed(ctx context.Context, triggerID string, body []byte) (ack, bool, error) {
	if h.d.dedupe == nil {
		return ack{}, false, nil
	}
	first, err := h.d.dedupe.FirstRequest(ctx, triggerID, body)
	if err != nil {
		return ack{}, false, err
	}
	if !first {
		h.d.log.Warn().Str("trigger_id", truncateForLog(triggerID)).Msg("slack request replayed; ignored")
		return ack{outcome: "replay"}, true, nil
	}
	return ack{}, false, nil
}

// Events handles the Events API, including url_verification.
func (h *HTTP) Events() http.Handler {
	return h.endpoint("events", func(ctx context.Context, body []byte) (ack, error) {
		ev, err := parseEvent(body)
		if err != nil {
			return ack{}, err
		}
		return h.d.event(ctx, ev), nil
	})
}

func (h *HTTP) endpoint(name string, handle func(context.Context, []byte) (ack, error)) http.Handler {
	m := h.d.metrics
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := h.now()
		reject := func(status int, outcome string) {
			m.request(name, outcome)
			w.Header().Set("X-Slack-No-Retry", "1")
			http.Error(w, http.StatusText(status), status)
		}
		body, status, outcome := ingress.ReadBody(w, r, h.maxBody)
		if status != 0 {
			reject(status, outcome)
			return
		}
		if err := h.v.Verify(r.Header, body); err != nil {
			m.signatureFailure(reason(err))
			reject(http.StatusUnauthorized, "unauthorized")
			return
		}
		a, err := handle(r.Context(), body)
		if errors.Is(err, ErrClaim) {
			// Fail closed: a request that cannot be checked against
			// earlier deliveries could be a replay. Slack shows an error;
			// nothing changed.
			h.d.log.Error().Err(err).Str(logging.Endpoint, name).Msg("slack request refused")
			if name == "commands" {
				// A slash command shows its answer: say so in a sentence
				// rather than let Slack print an HTTP status.
				body, _ := ephemeralBody(Renderer{}, h.d.sayQuickly(r.Context(), commandUser(body), "adapter.no_database", claimFailed), false)
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write(body)
				m.request(name, "claim_error")
				return
			}
			reject(http.StatusServiceUnavailable, "claim_error")
			return
		}
		if err != nil {
			h.d.log.Warn().Err(err).Str(logging.Endpoint, name).Msg("malformed slack request")
			reject(http.StatusBadRequest, "bad_request")
			return
		}
		if a.body != nil {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(a.body)
		} else {
			w.WriteHeader(http.StatusOK)
		}
		m.request(name, a.outcome)
		m.acked(name, h.now().Sub(start).Seconds())
		h.d.runner.Go(a.later)
	})
}
