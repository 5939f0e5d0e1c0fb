package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot/slackbot/slackfake"
	"github.com/chataccess/chataccess/internal/redistest"
)

// cardValue is the value of the request button actionID in a message's
// blocks: the request id and, from a serve process, the ledger's
// identity ("DC-1001@3f9a1c2e7b4d"). fallback when there is none.
func cardValue(blocks, actionID, fallback string) string {
	var bs []struct {
		Elements []struct {
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
		} `json:"elements"`
		Accessory *struct {
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
		} `json:"accessory"`
	}
	_ = json.Unmarshal([]byte(blocks), &bs)
	for _, b := range bs {
		for _, e := range b.Elements {
			if e.ActionID == actionID {
				return e.Value
			}
		}
		if b.Accessory != nil && b.Accessory.ActionID == actionID {
			return b.Accessory.Value
		}
	}
	return fallback
}

// get GETs a URL and returns the status and the body.
func get(t *testing.T, rawURL string) (int, string) {
	t.Helper()
	resp, err := readyClient.Get(rawURL)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// cli runs one chataccess command in this process with the rig's
// environment.
func (r *rig) cli(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := Run(context.Background(), args, Env{Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return r.env[k] }})
	return code, out.String(), errb.String()
}

// newestCard is the newest approval card in channel that names id.
func newestCard(f *slackfake.Fake, channel, id string) (slackfake.Message, bool) {
	var card slackfake.Message
	found := false
	for _, m := range f.Messages() {
		if m.Channel == channel && m.ThreadTS == "" && strings.Contains(m.Blocks, `"`+id) {
			card, found = m, true
		}
	}
	return card, found
}

// TestServeSurvivesALostLedger is the field report: Redis comes back
// empty under a running serve. The outbox's consumer groups come back by
// themselves; /readyz fails and says why, the admin channel is told
// once, new requests are refused with a sentence until an admin runs
// `chataccess admin ack-ledger`. Afterwards request ids start again at
// DC-1001 and a click on the old DC-1001's card is refused: the new
// DC-1001 stays as it was, its card is not redrawn onto the old
// message, and its own card works (approved, provisioned, redrawn).
func TestServeSurvivesALostLedger(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real serve process")
	}
	r := newRig(t, 0)
	r.slack.AddUser(slackfake.User{ID: "U0DANA00001", Name: "Dana Lee", Email: "dana.lee@example.com"})
	p := r.serve()
	rs := &replicas{procs: []*proc{p}}
	ctx := context.Background()
	add := func(n int, who string) string {
		return rs.signedPost(t, 0, "/slack/commands", commandForm("U0HELPDESK1", fmt.Sprintf(`add %s marketing-user 30d "ledger test %d"`, who, n), n))
	}
	firstAt := time.Now()
	old := requestIDRE.FindString(add(1, "first@example.com"))
	oldCard := waitForCard(t, r.slack, old)

	opt, _ := redis.ParseURL(redistest.URL())
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { _ = rdb.Close() })
	// Redis lost everything under the bot: the ledger, the job queue and
	// the rate limits.
	for _, p := range []string{r.prefix, "asynq:{" + strings.TrimSuffix(r.prefix, ":"), "rate:" + r.prefix} {
		redistest.Purge(rdb, p)
	}

	var body string
	waitUntil(t, 20*time.Second, "/readyz failing on the ledger", func() bool {
		code, b := get(t, "http://"+p.addr+"/readyz")
		body = b
		return code == http.StatusServiceUnavailable && strings.Contains(b, "ledger: the ledger was lost")
	})
	if !strings.Contains(body, "chataccess admin ack-ledger") {
		t.Errorf("/readyz does not say what to do: %q", body)
	}
	waitUntil(t, 20*time.Second, "the admin alert", func() bool { return len(adminAlerts(r.slack, "ledger vanished")) == 1 })
	if got := add(2, "second@example.com"); !strings.Contains(got, "New requests are paused") || requestIDRE.MatchString(got) {
		t.Fatalf("a new request after the loss: %s", got)
	}
	if code, out, _ := r.cli("admin", "ledger", "--config", r.policy); code != 0 || !strings.Contains(out, "New requests are refused until an admin runs") {
		t.Fatalf("admin ledger: exit %d\n%s", code, out)
	}
	if code, out, errOut := r.cli("admin", "ack-ledger", "--config", r.policy, "--by", "ops@example.com"); code != 0 || !strings.Contains(out, "acknowledged") {
		t.Fatalf("admin ack-ledger: exit %d\n%s%s", code, out, errOut)
	}
	waitUntil(t, 10*time.Second, "/readyz answering 200 again", func() bool {
		code, _ := get(t, "http://"+p.addr+"/readyz")
		return code == http.StatusOK
	})

	// The card's Marketo preview scans Marketo's users at most every 5 s
	// (workers.DefaultDirectoryTTL), waiting inside the command.
	time.Sleep(time.Until(firstAt.Add(6 * time.Second)))
	reply := add(3, "third@example.com")
	fresh := requestIDRE.FindString(reply)
	if fresh != old {
		t.Fatalf("request id after the loss: %q, want %s again (%s)\nlogs:\n%s", fresh, old, reply, p.logs.String())
	}
	var card slackfake.Message
	waitUntil(t, 30*time.Second, "the new card", func() bool {
		c, ok := newestCard(r.slack, "C0DCAPPROV1", fresh)
		card = c
		return ok && c.TS != oldCard.TS
	})
	rs.signedPost(t, 0, "/slack/interactions", clickForm("U0DANA00001", "dc_approve", oldCard))
	waitUntil(t, 10*time.Second, "the refused click in the log", func() bool {
		return strings.Contains(p.logs.String(), "click on a card of a lost ledger refused")
	})
	if req, err := r.st.Get(ctx, fresh); err != nil || len(req.Decisions) != 0 || req.State != approvals.StatePending {
		t.Fatalf("the old card's click changed the new %s: %+v, %v", fresh, req, err)
	}
	if m, _ := r.slack.Message(oldCard.Channel, oldCard.TS); m.Edits != 0 {
		t.Fatalf("the old card was redrawn %d times:\n%s", m.Edits, m.Blocks)
	}

	rs.signedPost(t, 0, "/slack/interactions", clickForm("U0DANA00001", "dc_approve", card))
	waitUntil(t, 60*time.Second, fresh+" completed", func() bool {
		req, err := r.st.Get(ctx, fresh)
		return err == nil && req.State == approvals.StateCompleted
	})
	if n := strings.Count(p.logs.String(), "NOGROUP"); n > 3 {
		t.Errorf("%d NOGROUP lines: the readers did not recover at once", n)
	}
}

// adminAlerts are the admin channel's messages that contain sub.
func adminAlerts(f *slackfake.Fake, sub string) []slackfake.Message {
	var out []slackfake.Message
	for _, m := range f.Messages() {
		if m.Channel == "C0DCADMINS1" && strings.Contains(m.Text+m.Blocks, sub) {
			out = append(out, m)
		}
	}
	return out
}

// clickForm is a click on a card's request button as Slack sends it:
// the message, its block and the button's value as drawn.
func clickForm(user, actionID string, card slackfake.Message) string {
	v := cardValue(card.Blocks, actionID, "")
	prefix := map[string]string{"dc_approve": "decide:", "dc_deny": "decide:", "dc_cancel": "cancel:", "dc_retry": "retry:"}[actionID]
	payload, _ := json.Marshal(map[string]any{
		"type": "block_actions", "user": map[string]any{"id": user}, "team": map[string]any{"id": "T0DEMO"},
		"trigger_id": fmt.Sprintf("ledger-click-%d", time.Now().UnixNano()), "channel": map[string]any{"id": card.Channel},
		"container": map[string]any{"type": "message", "message_ts": card.TS, "channel_id": card.Channel},
		"message":   map[string]any{"ts": card.TS, "text": card.Text, "blocks": json.RawMessage(orJSON(card.Blocks))},
		"actions":   []any{map[string]any{"action_id": actionID, "block_id": prefix + v, "type": "button", "value": v}},
	})
	return url.Values{"payload": {string(payload)}}.Encode()
}

// start starts a serve process without waiting for it to be ready.
func (r *rig) start(listen string) *proc {
	r.t.Helper()
	args := strings.Join([]string{"serve", "--config", r.policy, "--listen", listen, "--log-level", "info"}, "\x1f")
	cmd := exec.Command(os.Args[0], "-test.run=^TestServeProcess$", "-test.v")
	cmd.Env = append(os.Environ(), envServeChild+"="+args)
	for k, v := range r.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	p := &proc{cmd: cmd, addr: listen, logs: &lockedBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.logs, p.logs
	if err := cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	go func() { _ = cmd.Wait(); close(p.done) }()
	r.t.Cleanup(func() { _ = cmd.Process.Kill(); <-p.done })
	return p
}

// TestOpsListener: with server.ops_listen, /metrics is served there and
// not on the Slack-facing listener; /healthz and /readyz answer on
// both, and `chataccess healthcheck` finds the operations listener in
// the policy.
func TestOpsListener(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real serve process")
	}
	ops := freeAddr(t)
	r := newRig(t, 0, `# ops_listen: ":9090"`, `ops_listen: "`+ops+`"`)
	p := r.serve()
	for _, tc := range []struct {
		addr, path string
		want       int
		body       string
	}{
		{ops, "/metrics", http.StatusOK, "go_goroutines"},
		{p.addr, "/metrics", http.StatusNotFound, ""},
		{ops, "/healthz", http.StatusOK, "ok"},
		{ops, "/readyz", http.StatusOK, "ready"},
		{p.addr, "/healthz", http.StatusOK, "ok"},
		{p.addr, "/readyz", http.StatusOK, "ready"},
		{ops, "/slack/commands", http.StatusNotFound, ""},
	} {
		code, body := get(t, "http://"+tc.addr+tc.path)
		if code != tc.want || !strings.Contains(body, tc.body) {
			t.Errorf("GET %s on %s: %d %.80q, want %d", tc.path, tc.addr, code, body, tc.want)
		}
	}
	if code, out, errOut := r.cli("healthcheck", "--config", r.policy, "--ready"); code != 0 || !strings.Contains(out, ops+"/readyz") {
		t.Errorf("healthcheck --ready: exit %d %s%s", code, out, errOut)
	}
}

// TestReadyzSaysWhatIsMissing: a replica whose Slack token is refused
// (HTTP mode), or whose Socket Mode connection never comes up, is not
// ready, and /readyz says why; /healthz still answers.
func TestReadyzSaysWhatIsMissing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real serve processes")
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"HTTP mode, token refused", map[string]string{"SLACK_BOT_TOKEN": "xoxb-revoked-token"}, "slack: slack auth.test: auth.test: invalid_auth"},
		{"Socket Mode never connected", map[string]string{"SLACK_APP_TOKEN": "xapp-1-never-connects", "SLACK_SIGNING_SECRET": ""},
			"slack: slack socket mode is not connected"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, 0)
			for k, v := range tc.env {
				r.env[k] = v
			}
			p := r.start(freeAddr(t))
			var body string
			waitUntil(t, 20*time.Second, "/readyz answering", func() bool {
				code, b := get(t, "http://"+p.addr+"/readyz")
				body = b
				return code == http.StatusServiceUnavailable
			})
			if !strings.HasPrefix(body, tc.want) || strings.Contains(body, "ledger") || strings.Contains(body, "redis") {
				t.Errorf("/readyz body: %q", body)
			}
			if code, _ := get(t, "http://"+p.addr+"/healthz"); code != http.StatusOK {
				t.Errorf("/healthz: %d", code)
			}
		})
	}
}
