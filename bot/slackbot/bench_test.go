package slackbot

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/bot"
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

const benchSenders = 200

// benchInterval is how often each sender clicks (default 200 ms: 200
// senders offer 1000 clicks/s, far above a real workspace). Set
// INGRESS_BENCH_INTERVAL=0 for closed-loop senders that measure
// saturation instead (latency is then concurrency / throughput).
func benchInterval(b *testing.B) time.Duration {
	s := os.Getenv("INGRESS_BENCH_INTERVAL")
	if s == "" {
		return 200 * time.Millisecond
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		b.Fatalf("INGRESS_BENCH_INTERVAL: %v", err)
	}
	return d
}

// BenchmarkIngress sends signed block_actions interactions from 200
// concurrent senders (each clicking every benchInterval) through the full HTTP path (verification, parsing,
// the handler's Redis write, ack) and, in the same run, through a bare
// handler that only verifies the signature and answers 200. It reports
// our p99 (p99-ms) and its ratio to the bare p99 (x-bare).
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
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConns: 1000, MaxIdleConnsPerHost: 1000}}

	interval := benchInterval(b)
	var seq atomic.Int64
	head, tail := benchTemplate()
	run := func(target string, n int) []time.Duration {
		var next atomic.Int64
		var mu sync.Mutex
		all := make([]time.Duration, 0, n)
		var wg sync.WaitGroup
		for range benchSenders {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var lat []time.Duration
				due := time.Now()
				if interval > 0 {
					due = due.Add(time.Duration(rand.Int64N(int64(interval))))
				}
				for next.Add(1) <= int64(n) {
					if d := time.Until(due); d > 0 {
						time.Sleep(d)
					}
					due = due.Add(interval)
					body := []byte(head + "U" + strconv.FormatInt(seq.Add(1), 10) + tail)
					ts := strconv.FormatInt(time.Now().Unix(), 10)
					req, _ := http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					req.Header.Set("X-Slack-Request-Timestamp", ts)
					req.Header.Set("X-Slack-Signature", v.Sign(ts, body))
					t0 := time.Now()
					resp, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					lat = append(lat, time.Since(t0))
					if resp.StatusCode != http.StatusOK {
						b.Errorf("status %d", resp.StatusCode)
						return
					}
				}
				mu.Lock()
				all = append(all, lat...)
				mu.Unlock()
			}()
		}
		wg.Wait()
		slices.Sort(all)
		return all
	}
	p := func(lat []time.Duration, q float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return float64(lat[min(len(lat)-1, int(q*float64(len(lat))))].Microseconds()) / 1000
	}
	// Warm up both servers: open the 200 connections, load the script.
	run(bare.URL, 2*benchSenders)
	run(ours.URL, 2*benchSenders)

	b.ResetTimer()
	bareLat := run(bare.URL, b.N)
	ourLat := run(ours.URL, b.N)
	b.StopTimer()

	if n := h.errs.Load(); n > 0 {
		b.Fatalf("%d redis errors", n)
	}
	stored, _ := rdb.XLen(context.Background(), prefix+"clicks").Result()
	if want := int64(b.N + 2*benchSenders); stored != want {
		b.Fatalf("stored %d clicks, want %d", stored, want)
	}
	if interval > 0 {
		b.ReportMetric(float64(benchSenders)/interval.Seconds(), "offered-rps")
	}
	b.ReportMetric(p(ourLat, 0.99), "p99-ms")
	b.ReportMetric(p(ourLat, 0.50), "p50-ms")
	b.ReportMetric(p(bareLat, 0.99), "bare-p99-ms")
	if bp := p(bareLat, 0.99); bp > 0 {
		b.ReportMetric(p(ourLat, 0.99)/bp, "x-bare")
	}
}
