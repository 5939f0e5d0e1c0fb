package teamsbot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/bot/ingress/ingresstest"
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

// BenchmarkIngress sends signed Teams message activities from 200
// concurrent senders, each a person of their own, through the full
// POST /api/messages path (Bot Framework token check, parsing,
// classification, ack; after the ack, on the same two CPUs, the
// redelivery claim in Redis, the conversation reference and person
// kept, and the command) and, in the same run, through a bare handler
// that only checks the token and answers 200.
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
	token := "Bearer " + fake.Token(appID)
	template := benchActivity(fake)
	load := ingresstest.NewLoad(b, func(target string, sender int, seq int64) *http.Request {
		body := []byte(strings.NewReplacer("ZZID", strconv.FormatInt(seq, 10), "ZZZZ", strconv.Itoa(sender)).Replace(template))
		req, _ := http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", token)
		return req
	})
	load.Compare(b, bare.URL, ours.URL)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = a.Runner.Wait(ctx)
	if got, want := h.n.Load(), int64(b.N+2*ingresstest.Senders); got != want {
		b.Fatalf("handled %d commands, want %d", got, want)
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
