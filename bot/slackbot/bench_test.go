package slackbot

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/bot/ingress/ingresstest"
	"github.com/chataccess/chataccess/internal/redistest"
)

// recordClick stores a click once: SET NX on (message, action, user) as
// the double-click guard, then XADD to the clicks stream.
//
// KEYS[1] dedupe key, KEYS[2] stream; ARGV[1] ttl seconds, ARGV[2..] fields.
// Returns 1 when recorded, 0 for a duplicate click.
var recordClick = redis.NewScript(`
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', '100000', '*', 'user', ARGV[2], 'action', ARGV[3], 'value', ARGV[4])
  return 1
end
return 0`)

// clickHandler is the benchmark's bot.Handler: it persists each click
// in Redis inside the ack window.
type clickHandler struct {
	rdb    redis.UniversalClient
	prefix string
	errs   atomic.Int64
}

func (h *clickHandler) HandleAction(ctx context.Context, a bot.Action) bot.ActionReply {
	dedupe := h.prefix + "click:" + a.Message.ID + ":" + a.ActionID + ":" + a.User.ID
	if err := recordClick.Run(ctx, h.rdb, []string{dedupe, h.prefix + "clicks"}, 60, a.User.ID, a.ActionID, a.Value).Err(); err != nil {
		h.errs.Add(1)
	}
	return bot.ActionReply{}
}
func (h *clickHandler) HandleCommand(context.Context, bot.Command) bot.Reply { return bot.Reply{} }
func (h *clickHandler) HandleSubmission(context.Context, bot.Submission) bot.SubmissionReply {
	return bot.SubmissionReply{}
}
func (h *clickHandler) HandleHomeOpened(context.Context, bot.User) {}

// benchTemplate is a block_actions payload the size of a real approval
// card click (~3 KB) with a placeholder user id, so every click is
// unique and persisted; building it once keeps the senders cheap.
func benchTemplate() (string, string) {
	msg, _ := RenderMessage(approvalCard())
	p := map[string]any{
		"type": "block_actions", "trigger_id": "1337.42.abc", "response_url": "https://hooks.slack.com/actions/T1/1/x",
		"user": map[string]any{"id": "UXXXX", "username": "user", "team_id": "T1"}, "team": map[string]any{"id": "T1"},
		"channel":   map[string]any{"id": "C1"},
		"container": map[string]any{"type": "message", "message_ts": "1700000000.000100", "channel_id": "C1"},
		"actions":   []any{map[string]any{"action_id": "approve", "block_id": "decide:DC-1042", "value": "DC-1042", "type": "button"}},
		"message":   map[string]any{"ts": "1700000000.000100", "text": msg.Text, "blocks": msg.Blocks},
	}
	body := form(p)
	i := strings.Index(body, "UXXXX")
	return body[:i], body[i+len("UXXXX"):]
}

// BenchmarkIngress sends signed block_actions interactions from 200
// concurrent senders (ingresstest.Load: each clicking every 200 ms by
// default) through the full HTTP path (verification, parsing, the
// handler's Redis write, ack) and, in the same run, through a bare
// handler that only verifies the signature and answers 200. It reports
// p50 and p99 (ms) of both and the ratio of the p99s (x-bare).
func BenchmarkIngress(b *testing.B) {
	rdb, prefix := redistest.Client(b)
	const secret = "bench-signing-secret"
	v := NewVerifier(secret, nil)
	h := &clickHandler{rdb: rdb, prefix: prefix}
	runner := NewRunner(context.Background(), 8, time.Second, zerolog.Nop(), nil)
	d := NewDispatcher(DispatcherConfig{Handler: h, Runner: runner, Metrics: NewMetrics(nil), Logger: zerolog.Nop()})
	ours := httptest.NewServer(NewHTTP(v, d).Interactions())
	defer ours.Close()
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, DefaultMaxBody))
		if err != nil || v.Verify(r.Header, body) != nil {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer bare.Close()
	head, tail := benchTemplate()
	load := ingresstest.NewLoad(b, func(target string, _ int, seq int64) *http.Request {
		body := []byte(head + "U" + strconv.FormatInt(seq, 10) + tail)
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		req, _ := http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Slack-Request-Timestamp", ts)
		req.Header.Set("X-Slack-Signature", v.Sign(ts, body))
		return req
	})
	load.Compare(b, bare.URL, ours.URL)

	if n := h.errs.Load(); n > 0 {
		b.Fatalf("%d redis errors", n)
	}
	stored, _ := rdb.XLen(context.Background(), prefix+"clicks").Result()
	if want := int64(b.N + 2*ingresstest.Senders); stored != want {
		b.Fatalf("stored %d clicks, want %d", stored, want)
	}
}
