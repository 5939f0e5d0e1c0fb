package teamsbot

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/chataccess/chataccess/bot/ingress"
	"github.com/chataccess/chataccess/bot/postack"
)

// DefaultMaxBody is the largest activity accepted (256 KiB). Teams
// messages are at most about 100 KB; an invoke carries a card's data and
// inputs. Anything bigger is answered 413 unread.
const DefaultMaxBody = 256 << 10

// HTTP serves POST /api/messages. Each request is checked in this
// order, and a failure stops it with nothing stored and nothing called:
// size (413), bearer token present (401), token valid (403; 503 when the
// Bot Framework keys cannot be fetched), activity well formed (400),
// token bound to the activity (403), activity handled by chataccess
// (501 for an unknown invoke), room to handle a message after the ack
// (503 while the post-ack queue is full).
type HTTP struct {
	v        *Verifier
	d        *Dispatcher
	runner   *postack.Runner
	metrics  *Metrics
	maxBody  int64
	now      func() time.Time
	insecure bool // local development: no token check, loopback only
}

// NewHTTP returns the endpoint for a verifier and dispatcher.
func NewHTTP(v *Verifier, d *Dispatcher, r *postack.Runner, m *Metrics) *HTTP {
	return &HTTP{v: v, d: d, runner: r, metrics: m, maxBody: DefaultMaxBody, now: time.Now}
}

// Register adds POST /api/messages to mux.
func (h *HTTP) Register(mux *http.ServeMux) { mux.Handle("POST /api/messages", h) }

// ServeHTTP implements http.Handler.
func (h *HTTP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := h.now()
	kind := kindOther
	reject := func(status int, outcome string) {
		h.metrics.request(kind, outcome)
		http.Error(w, http.StatusText(status), status)
	}
	body, status, outcome := ingress.ReadBody(w, r, h.maxBody)
	if status != 0 {
		reject(status, outcome)
		return
	}
	tok, status, outcome := h.authorize(r)
	if status != 0 {
		reject(status, outcome)
		return
	}
	a, err := ParseActivity(body)
	if err != nil {
		reject(http.StatusBadRequest, "bad_request")
		return
	}
	if tok != nil {
		if err := tok.Bind(a); err != nil {
			h.metrics.authFailure(reason(err))
			reject(http.StatusForbidden, "forbidden")
			return
		}
	} else if !loopbackURL(a.ServiceURL) {
		// Local development sends replies (with a token) only back to
		// an emulator on this machine.
		reject(http.StatusForbidden, "forbidden")
		return
	}
	in, err := classify(a)
	if err != nil {
		if errors.Is(err, ErrUnknownInvoke) {
			reject(http.StatusNotImplemented, "unknown_invoke")
		} else {
			reject(http.StatusBadRequest, "bad_request")
		}
		return
	}
	kind = in.kind
	if (kind == kindMessage || kind == kindUpdate) && h.runner.Busy() {
		// The command would be dropped after the ack: refuse it before
		// anything is claimed, so the Bot Connector's retry is handled.
		w.Header().Set("Retry-After", "5")
		reject(http.StatusServiceUnavailable, "busy")
		return
	}
	ans := h.d.handle(r.Context(), in)
	h.write(w, ans)
	h.metrics.request(kind, ans.outcome)
	h.metrics.acked(kind, h.now().Sub(start).Seconds())
	h.runner.Go(ans.later)
}

// authorize checks the request's token (or, in local development, that
// it comes from loopback). A non-zero status is the refusal to send.
func (h *HTTP) authorize(r *http.Request) (*Token, int, string) {
	if h.insecure {
		if !loopback(r.RemoteAddr) {
			return nil, http.StatusForbidden, "forbidden"
		}
		return nil, 0, ""
	}
	raw, err := BearerToken(r.Header.Get("Authorization"))
	if err != nil {
		h.metrics.authFailure(reason(err))
		return nil, http.StatusUnauthorized, "unauthorized"
	}
	tok, err := h.v.Verify(r.Context(), raw)
	if err != nil {
		h.metrics.authFailure(reason(err))
		if errors.Is(err, ErrKeysUnreachable) {
			h.d.log.Error().Err(err).Msg("cannot verify Teams activities")
			return nil, http.StatusServiceUnavailable, "keys_unreachable"
		}
		return nil, http.StatusForbidden, "forbidden"
	}
	return tok, 0, ""
}

func (h *HTTP) write(w http.ResponseWriter, ans answer) {
	if ans.body == nil {
		w.WriteHeader(ans.status)
		return
	}
	data, err := json.Marshal(ans.body)
	if err != nil {
		h.d.log.Error().Err(err).Msg("encode invoke answer")
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(ans.status)
	_, _ = w.Write(data)
}

// loopback reports whether a host:port (or host) is on this machine.
func loopback(addr string) bool {
	host := addr
	if h, _, err := net.SplitHostPort(addr); err == nil {
		host = h
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func loopbackURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && loopback(u.Hostname())
}
