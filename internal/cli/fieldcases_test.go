package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
	"go.yaml.in/yaml/v3"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot/slackbot"
	"github.com/chataccess/chataccess/bot/slackbot/slackfake"
	"github.com/chataccess/chataccess/commands"
	"github.com/chataccess/chataccess/config"
	"github.com/chataccess/chataccess/internal/redistest"
	"github.com/chataccess/chataccess/internal/sandbox"
	"github.com/chataccess/chataccess/store"
)

// Field cases on serve's composition root: real Redis through the
// client serve builds (connectRedis, with its deadlines), the Adobe and
// Marketo emulators, a fake Slack, signed HTTP.

const (
	fieldSecret   = "field-signing-secret"
	fieldChannel  = "C0APPROVALS"
	fieldAdmins   = "C0ADMINS001"
	fieldLead     = "U0LEAD00001"
	fieldAnn      = "U0ANN000001"
	fieldBen      = "U0BEN000001"
	fieldLeadMail = "lea.lead@example.com"
)

func fieldPolicy(prefix string) string {
	return `
requesters: [everyone]
admins: [root@example.com]
adobe: {identity: {type: enterpriseID}}
redis: {prefix: "` + prefix + `"}
slack: {admin_channel: ` + fieldAdmins + `}
packages:
  agent:
    profiles: [{name: Live Agent}]
    marketo: {role: {name: DC Agent}, workspace: {name: Default}}
    approvers: [ann@example.com, ben@example.com]
    min_approvals: 2
    default_duration: 30d
    max_duration: 90d
    approval_channel: ` + fieldChannel + `
    dm_approvers: true
`
}

type fieldWorld struct {
	tb     testing.TB
	rdb    redis.UniversalClient
	prefix string
	st     *store.Store
	slack  *slackfake.Fake
	sb     *sandbox.Sandbox
	signer *slackbot.Verifier
	url    string
	policy string
	env    map[string]string
}

// newFieldWorld builds and starts serve's app; the Redis client is the
// one serve makes (connectRedis), on a key prefix of its own.
func newFieldWorld(tb testing.TB) *fieldWorld {
	tb.Helper()
	_, prefix := redistest.Client(tb) // the prefix, purged at the end
	rdb, err := connectRedis(context.Background(), redistest.URL())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = rdb.Close() })
	w := &fieldWorld{tb: tb, rdb: rdb, prefix: prefix, st: store.New(rdb, prefix), signer: slackbot.NewVerifier(fieldSecret, nil)}
	w.sb = sandbox.Start(sandbox.Options{AdobeTimeScale: 1.0 / 60, MarketoTimeScale: 0.05, UserLag: 100 * time.Millisecond})
	tb.Cleanup(w.sb.Close)
	w.slack = slackfake.New()
	tb.Cleanup(w.slack.Close)
	for _, u := range []slackfake.User{
		{ID: fieldLead, Name: "Lea Lead", DisplayName: "lea", Email: fieldLeadMail},
		{ID: fieldAnn, Name: "Ann Approver", DisplayName: "ann", Email: "ann@example.com"},
		{ID: fieldBen, Name: "Ben Approver", DisplayName: "ben", Email: "ben@example.com"},
	} {
		w.slack.AddUser(u)
	}
	w.env = map[string]string{
		"SLACK_BOT_TOKEN": slackfake.Token, "SLACK_SIGNING_SECRET": fieldSecret, "SLACK_API_URL": w.slack.URL(),
		"ADOBE_IMS_URL": w.sb.AdobeURL(), "ADOBE_UMAPI_URL": w.sb.AdobeURL(), "ADOBE_ORG_ID": w.sb.Adobe.OrgID(),
		"ADOBE_CLIENT_ID": w.sb.Adobe.ClientID(), "ADOBE_CLIENT_SECRET": w.sb.Adobe.ClientSecret(),
		"MARKETO_BASE_URL": w.sb.MarketoURL(), "MARKETO_CLIENT_ID": "chataccess-demo", "MARKETO_CLIENT_SECRET": "demo-secret",
		"REDIS_URL": redistest.URL(),
	}
	w.policy = filepath.Join(tb.TempDir(), "chataccess.yaml")
	if err := os.WriteFile(w.policy, []byte(fieldPolicy(prefix)), 0o600); err != nil {
		tb.Fatal(err)
	}
	getenv := func(k string) string { return w.env[k] }
	cfg, err := config.Load(w.policy, getenv)
	if err == nil {
		err = cfg.Validate()
	}
	if err != nil {
		tb.Fatal(err)
	}
	senv, err := config.LoadEnv(getenv)
	if err != nil {
		tb.Fatal(err)
	}
	a, err := build(context.Background(), wiring{cfg: cfg, env: senv, rdb: rdb, log: zerolog.Nop(), replica: "field",
		poll: 50 * time.Millisecond, notify: 50 * time.Millisecond, sweep: time.Hour, userLag: 100 * time.Millisecond})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(a.close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	w.url = "http://" + ln.Addr().String()
	srv := &http.Server{Handler: a.mux, ReadHeaderTimeout: 5 * time.Second}
	ctx, cancel := context.WithCancel(context.Background())
	var g group
	g.addSignal(ctx)
	a.start(&g, srv, func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	done := make(chan struct{})
	go func() { _, _ = g.run(); close(done) }()
	tb.Cleanup(func() { cancel(); <-done })
	return w
}

// post sends a signed Slack request and returns the answer's status,
// body and how long it took.
func (w *fieldWorld) post(path, body string) (int, string, time.Duration) {
	w.tb.Helper()
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req, _ := http.NewRequest(http.MethodPost, w.url+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", w.signer.Sign(ts, []byte(body)))
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), time.Since(start)
}

func (w *fieldWorld) command(user, text string) (string, time.Duration) {
	w.tb.Helper()
	form := url.Values{"team_id": {"T1"}, "channel_id": {"C0WORKROOM1"}, "user_id": {user}, "command": {"/dynchat"},
		"text": {text}, "trigger_id": {"trig-" + strconv.FormatInt(time.Now().UnixNano(), 36)}}
	code, body, took := w.post("/slack/commands", form.Encode())
	if code != http.StatusOK {
		w.tb.Fatalf("command answered %d: %s", code, body)
	}
	var ack struct{ Text string }
	_ = json.Unmarshal([]byte(body), &ack)
	return ack.Text, took
}

func (w *fieldWorld) click(user, action, id string, msg slackfake.Message) {
	w.tb.Helper()
	id = cardValue(msg.Blocks, action, id) // with the ledger's identity, as drawn
	payload, _ := json.Marshal(map[string]any{
		"type": "block_actions", "user": map[string]any{"id": user}, "team": map[string]any{"id": "T1"},
		"trigger_id": "trig-" + user + "-" + strconv.FormatInt(time.Now().UnixNano(), 36), "channel": map[string]any{"id": msg.Channel},
		"container": map[string]any{"type": "message", "message_ts": msg.TS, "channel_id": msg.Channel},
		"message":   map[string]any{"ts": msg.TS, "text": msg.Text, "blocks": json.RawMessage(orEmpty(msg.Blocks))},
		"actions":   []any{map[string]any{"action_id": action, "block_id": "decide:" + id, "type": "button", "value": id}},
	})
	if code, body, _ := w.post("/slack/interactions", url.Values{"payload": {string(payload)}}.Encode()); code != http.StatusOK {
		w.tb.Fatalf("click answered %d: %s", code, body)
	}
}

func orEmpty(blocks string) string {
	if blocks == "" {
		return "[]"
	}
	return blocks
}

// card waits for the top-level message in channel that mentions id.
func (w *fieldWorld) card(channel, id string) slackfake.Message {
	w.tb.Helper()
	var found slackfake.Message
	w.wait(10*time.Second, "card of "+id+" in "+channel, func() bool {
		for _, m := range w.slack.Messages() {
			if m.Channel == channel && m.ThreadTS == "" && strings.Contains(m.Blocks, id) {
				found = m
				return true
			}
		}
		return false
	})
	return found
}

func (w *fieldWorld) wait(limit time.Duration, what string, cond func() bool) {
	w.tb.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			w.tb.Fatalf("waited %s for %s", limit, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// quiet waits until no Slack call was made for d.
func (w *fieldWorld) quiet(d time.Duration) {
	n, since := len(w.slack.Calls("")), time.Now()
	for time.Since(since) < d {
		time.Sleep(20 * time.Millisecond)
		if m := len(w.slack.Calls("")); m != n {
			n, since = m, time.Now()
		}
	}
}

func (w *fieldWorld) lastRequest(ctx context.Context) *approvals.Request {
	w.tb.Helper()
	reqs, err := w.st.List(ctx, approvals.AllRequests(), 1)
	if err != nil || len(reqs) == 0 {
		w.tb.Fatalf("no request: %v", err)
	}
	return reqs[0]
}

// TestFieldRedisPauseAnswersInTime: with Redis paused (CLIENT PAUSE) a
// slash command was answered after 3.9 s, past Slack's 3 s, because
// Redis I/O had no deadline. Now the command is answered in time with a
// sentence saying to try again, and nothing was written.
func TestFieldRedisPauseAnswersInTime(t *testing.T) {
	w := newFieldWorld(t)
	ctx := context.Background()
	seqKey := w.prefix + "{ledger}:seq"
	seqBefore, _ := w.rdb.Get(ctx, seqKey).Int64()
	// Warm the actor lookups so the command reaches Redis at once.
	if text, _ := w.command(fieldLead, "list"); text == "" {
		t.Fatal("no answer to list")
	}
	const pause = 2 * time.Second // without deadlines the command would wait it out and succeed
	admin, err := connectRedis(ctx, redistest.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if err := admin.Do(ctx, "CLIENT", "PAUSE", pause.Milliseconds(), "ALL").Err(); err != nil {
		t.Fatal(err)
	}
	pausedAt := time.Now()
	text, took := w.command(fieldLead, `add carol@example.com agent 30d "covering EMEA"`)
	time.Sleep(time.Until(pausedAt.Add(pause + 300*time.Millisecond)))

	if took >= 2500*time.Millisecond {
		t.Errorf("answered after %s; Slack gives up at 3 s and the adapter's budget is 2.5 s", took)
	}
	if !strings.Contains(text, "try again") || !strings.Contains(text, "nothing was changed") {
		t.Errorf("answer %q, want a sentence saying nothing changed and to try again", text)
	}
	if n, err := w.st.Count(ctx, approvals.AllRequests()); err != nil || n != 0 {
		t.Errorf("%d requests after the paused command (%v), want none", n, err)
	}
	if seq, _ := w.rdb.Get(ctx, seqKey).Int64(); seq != seqBefore {
		t.Errorf("request id counter moved from %d to %d: the abandoned command ran after the pause", seqBefore, seq)
	}
	t.Logf("answered in %s during a %s pause: %q", took.Round(time.Millisecond), pause, text)

	// Once Redis is back, the same command works.
	if text, _ := w.command(fieldLead, `add carol@example.com agent 30d "covering EMEA"`); !strings.Contains(text, "sent") {
		t.Fatalf("after the pause: %q", text)
	}
}

// TestAdminDeadLettersAndReplay drives `chataccess admin dead-letters`
// and `chataccess admin replay <id>` through the CLI entry point.
func TestAdminDeadLettersAndReplay(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	st := store.New(rdb, prefix)
	ctx := context.Background()
	policy := filepath.Join(t.TempDir(), "chataccess.yaml")
	if err := os.WriteFile(policy, []byte(fieldPolicy(prefix)), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		env := Env{Stdout: &out, Stderr: &errb, Getenv: func(k string) string {
			if k == "REDIS_URL" {
				return redistest.URL()
			}
			return ""
		}}
		// flags go before the positional id, as flag.Parse wants
		full := append([]string{args[0], args[1], "--config", policy}, args[2:]...)
		code := Run(ctx, full, env)
		return code, out.String(), errb.String()
	}
	if code, out, errs := run("admin", "dead-letters"); code != 0 || !strings.Contains(out, "no dead letters") {
		t.Fatalf("empty list: %d %q %q", code, out, errs)
	}

	// One event the notifier group gave up on: submitted, handed out
	// once (the cap), failed, handed out no more.
	svc := approvals.NewService(mustPolicy(t, policy), st, approvals.ClockFunc(time.Now))
	r, err := svc.Submit(ctx, approvals.SubmitInput{Kind: approvals.KindAdd, Package: "agent", Target: approvals.Target{Email: "carol@example.com"},
		Justification: "covering EMEA", Requester: approvals.Actor{ID: fieldLead, Email: fieldLeadMail, Platform: approvals.PlatformSlack}})
	if err != nil {
		t.Fatal(err)
	}
	box, err := st.Outbox(ctx, "notify", time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	box.WithMaxDeliveries(1)
	got, err := box.Read(ctx, "c", 10, -1)
	if err != nil || len(got) != 1 {
		t.Fatalf("read %v %v", got, err)
	}
	_ = box.Nack(ctx, got[0].ID, "slack dm U0GONE: conversations.open: user_disabled")
	time.Sleep(5 * time.Millisecond)
	if again, _ := box.Read(ctx, "c", 10, -1); len(again) != 0 {
		t.Fatalf("handed out past the cap: %v", again)
	}
	id := "notify/" + got[0].ID

	code, out, errs := run("admin", "dead-letters")
	if code != 0 || !strings.Contains(out, id) || !strings.Contains(out, r.ID) || !strings.Contains(out, "submitted") ||
		!strings.Contains(out, "user_disabled") || !strings.Contains(out, "1 dead letter;") {
		t.Fatalf("list: %d %q %q", code, out, errs)
	}
	code, out, errs = run("admin", "replay", id)
	if code != 0 || !strings.Contains(out, id+" is back on the outbox") {
		t.Fatalf("replay: %d %q %q", code, out, errs)
	}
	box.WithMaxDeliveries(3)
	back, err := box.Read(ctx, "c", 10, -1)
	if err != nil || len(back) != 1 || back[0].Record.RequestID != r.ID || back[0].Deliveries != 1 {
		t.Fatalf("replayed event %+v %v", back, err)
	}
	if code, out, _ := run("admin", "dead-letters"); code != 0 || !strings.Contains(out, "no dead letters") {
		t.Fatalf("after replay: %d %q", code, out)
	}
	if code, _, errs := run("admin", "replay", id); code != 1 || !strings.Contains(errs, "no such dead letter") {
		t.Fatalf("second replay: %d %q", code, errs)
	}
	if code, _, _ := run("admin", "replay"); code != 2 {
		t.Fatalf("replay without an id: exit %d, want 2", code)
	}
}

func mustPolicy(t *testing.T, path string) *approvals.Policy {
	t.Helper()
	cfg, err := config.Load(path, func(string) string { return "" })
	if err == nil {
		err = cfg.Validate()
	}
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Policy()
}

// BenchmarkSlackCallsPerExecutedRequest counts the Slack Web API calls
// one executed request costs through serve's composition root: a slash
// command, the channel card, two approvers' DM copies (both approve),
// the requester's copy and notes, the add through the Admin Console and
// Marketo, every card redrawn to its final state. All figures are per
// request: identical-updates counts chat.update calls that changed
// nothing (goal 0), identical-homes views.publish calls that did.
//
//	go test ./internal/cli -run '^$' -bench SlackCallsPerExecutedRequest -benchtime 3x
func BenchmarkSlackCallsPerExecutedRequest(b *testing.B) {
	w := newFieldWorld(b)
	ctx := context.Background()
	calls0 := len(w.slack.Calls(""))
	updates0 := len(w.slack.Calls("chat.update"))
	homes0 := len(w.slack.Calls("views.publish"))
	b.ResetTimer()
	for i := range b.N {
		text, _ := w.command(fieldLead, "add carol"+strconv.Itoa(i)+"@example.com agent 30d \"covering EMEA\"")
		if !strings.Contains(text, "sent") {
			b.Fatalf("command: %q", text)
		}
		r := w.lastRequest(ctx)
		w.click(fieldAnn, commands.ActionApprove, r.ID, w.card("D"+fieldAnn, r.ID))
		w.click(fieldBen, commands.ActionApprove, r.ID, w.card("D"+fieldBen, r.ID))
		w.wait(60*time.Second, r.ID+" completed", func() bool {
			got, err := w.st.Get(ctx, r.ID)
			if err == nil && got.State == approvals.StateFailed {
				b.Fatalf("%s failed: %s", r.ID, got.Failure)
			}
			return err == nil && got.State == approvals.StateCompleted
		})
		w.wait(10*time.Second, "final card of "+r.ID, func() bool {
			return strings.Contains(w.card(fieldChannel, r.ID).Blocks, "until")
		})
		w.quiet(500 * time.Millisecond)
	}
	b.StopTimer()
	n := float64(b.N)
	identicalUpdates := 0
	for _, m := range w.slack.Messages() {
		identicalUpdates += m.Identical
	}
	identicalHomes, last := 0, map[string]string{}
	for _, v := range w.slack.Views() {
		if v.Method != "views.publish" {
			continue
		}
		raw, _ := json.Marshal(v.View)
		if last[v.User] == string(raw) {
			identicalHomes++
		}
		last[v.User] = string(raw)
	}
	b.ReportMetric(float64(len(w.slack.Calls(""))-calls0)/n, "slack-calls/request")
	b.ReportMetric(float64(len(w.slack.Calls("chat.update"))-updates0)/n, "chat.update/request")
	b.ReportMetric(float64(len(w.slack.Calls("views.publish"))-homes0)/n, "views.publish/request")
	b.ReportMetric(float64(identicalUpdates)/n, "identical-updates")
	b.ReportMetric(float64(identicalHomes)/n, "identical-homes")
}

// TestManifestEscapesMentions: with should_escape false Slack sent a
// typed @alice as plain text; the manifest must ask for mentions as
// <@U…|name>.
func TestManifestEscapesMentions(t *testing.T) {
	raw, err := os.ReadFile("../../manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Features struct {
			SlashCommands []struct {
				Command      string `yaml:"command"`
				ShouldEscape *bool  `yaml:"should_escape"`
			} `yaml:"slash_commands"`
		} `yaml:"features"`
	}
	if err := yaml.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Features.SlashCommands) == 0 {
		t.Fatal("no slash command in the manifest")
	}
	for _, c := range m.Features.SlashCommands {
		if c.ShouldEscape == nil || !*c.ShouldEscape {
			t.Errorf("%s: should_escape must be true", c.Command)
		}
	}
}
