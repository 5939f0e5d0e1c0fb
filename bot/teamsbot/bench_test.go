package teamsbot_test

import (
	"bytes"
	"context"
	"encoding/json"
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

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/bot/teamsbot"
	"github.com/chataccess/chataccess/bot/teamsbot/teamsfake"
	"github.com/chataccess/chataccess/internal/redistest"
	"github.com/chataccess/chataccess/store"
)

// countingHandler counts commands; it does nothing else.
type countingHandler struct{ n atomic.Int64 }

func (h *countingHandler) HandleCommand(context.Context, bot.Command) bot.Reply {
	h.n.Add(1)
	return bot.Reply{}
}
func (h *countingHandler) HandleAction(context.Context, bot.Action) bot.ActionReply {
	return bot.ActionReply{}
}
func (h *countingHandler) HandleSubmission(context.Context, bot.Submission) bot.SubmissionReply {
	return bot.SubmissionReply{}
}
func (h *countingHandler) HandleHomeOpened(context.Context, bot.User) {}

const benchSenders = 200

// benchInterval is how often each sender posts (default 200 ms: 200
// senders offer 1000 activities/s). INGRESS_BENCH_INTERVAL=0 makes the
// senders closed-loop, to measure saturation.
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

// BenchmarkIngress sends signed Teams message activities from 200
// concurrent senders, each a person of their own, through the full
// POST /api/messages path (Bot Framework token check, parsing, the
// conversation reference and person kept in Redis, the redelivery
// claim, ack; the command runs after the ack) and, in the same run,
// through a bare handler that only checks the token and answers 200.
// It reports p50 and p99 (ms) and the ratio of the p99s (x-bare).
func BenchmarkIngress(b *testing.B) {
	fake := teamsfake.New(teamsfake.Config{AppID: appID, AppPassword: secret, TenantID: tenantID})
	defer fake.Close()
	rdb, prefix := redistest.Client(b)
	st := store.New(rdb, prefix)
	h := &countingHandler{}
	sender := teamsbot.NewSender(teamsbot.SenderConfig{AppID: appID, AppPassword: secret, TenantID: tenantID,
		LoginURL: fake.LoginURL(), ServiceURL: fake.ServiceURL(), Memory: st, HTTPClient: fake.Client()})
	a, err := teamsbot.New(context.Background(), teamsbot.Config{AppID: appID, OpenIDURL: fake.OpenIDURL(), Handler: h,
		Sender: sender, Claims: st, Memory: st, Command: "/dynchat", HTTPClient: fake.Client(), Workers: 64, Logger: zerolog.Nop()})
	if err != nil {
		b.Fatal(err)
	}
	ours := httptest.NewServer(a.HTTP)
	defer ours.Close()
	v := teamsbot.NewVerifier(teamsbot.VerifierConfig{AppID: appID, OpenIDURL: fake.OpenIDURL(), HTTPClient: fake.Client()})
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(http.MaxBytesReader(w, r.Body, teamsbot.DefaultMaxBody))
		raw, err := teamsbot.BearerToken(r.Header.Get("Authorization"))
		if err == nil {
			_, err = v.Verify(r.Context(), raw)
		}
		if err != nil {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer bare.Close()
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConns: 1000, MaxIdleConnsPerHost: 1000}}
	token := "Bearer " + fake.Token(appID)
	template := benchActivity(fake)
	interval := benchInterval(b)
	var seq atomic.Int64
	run := func(target string, n int) []time.Duration {
		var next atomic.Int64
		var mu sync.Mutex
		all := make([]time.Duration, 0, n)
		var wg sync.WaitGroup
		for sender := range benchSenders {
			who := strconv.Itoa(sender)
			wg.Go(func() {
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
					body := []byte(strings.NewReplacer("ZZID", strconv.FormatInt(seq.Add(1), 10), "ZZZZ", who).Replace(template))
					req, _ := http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Authorization", token)
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
			})
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
	run(bare.URL, 2*benchSenders)
	run(ours.URL, 2*benchSenders)

	// Alternate the two in ten rounds, so load from outside the
	// benchmark (a shared machine) falls on both alike.
	b.ResetTimer()
	var bareLat, ourLat []time.Duration
	for i := range 10 {
		n := b.N/10 + min(1, max(0, b.N%10-i))
		bareLat = append(bareLat, run(bare.URL, n)...)
		ourLat = append(ourLat, run(ours.URL, n)...)
	}
	b.StopTimer()
	slices.Sort(bareLat)
	slices.Sort(ourLat)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = a.Runner.Wait(ctx)
	if got, want := h.n.Load(), int64(b.N+2*benchSenders); got != want {
		b.Fatalf("handled %d commands, want %d", got, want)
	}
	if interval > 0 {
		b.ReportMetric(float64(benchSenders)/interval.Seconds(), "offered-rps")
	}
	b.ReportMetric(p(ourLat, 0.50), "p50-ms")
	b.ReportMetric(p(ourLat, 0.99), "p99-ms")
	b.ReportMetric(p(bareLat, 0.50), "bare-p50-ms")
	b.ReportMetric(p(bareLat, 0.99), "bare-p99-ms")
	if bp := p(bareLat, 0.99); bp > 0 {
		b.ReportMetric(p(ourLat, 0.99)/bp, "x-bare")
	}
}

// benchActivity is a channel message whose activity id (ZZID, unique
// per request) and sender (ZZZZ, one per sender) are placeholders.
func benchActivity(fake *teamsfake.Server) string {
	u := teamsfake.User{ObjectID: "aaaaaaaa-0000-4000-8000-ZZZZ", MRI: "29:u-ZZZZ", Name: "Bench User"}
	a := fake.Message(appID, u, channel, `add bob@example.com agent 30d "covering EMEA"`)
	a["id"] = "ZZID"
	data, _ := json.Marshal(a)
	return string(data)
}
