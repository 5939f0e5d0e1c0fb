package commands

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot/slackbot"
	"github.com/chataccess/chataccess/bot/slackbot/slackfake"
)

const signingSecret = "8f742231b10e8888abcd99yyyzzz85a5"

type slackClient struct {
	t      *testing.T
	srv    *httptest.Server
	v      *slackbot.Verifier
	runner *slackbot.Runner
}

func (c *slackClient) post(path string, body string) (int, string) {
	c.t.Helper()
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req, _ := http.NewRequest(http.MethodPost, c.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", c.v.Sign(ts, []byte(body)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.runner.Wait(ctx); err != nil {
		c.t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func (c *slackClient) interaction(payload any) (int, string) {
	c.t.Helper()
	raw, err := json.Marshal(payload)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.post("/slack/interactions", url.Values{"payload": {string(raw)}}.Encode())
}

// click is a block_actions payload for a request button in a posted
// message, as Slack sends it: with the message (read from the fake)
// and a trigger id Slack never repeats.
func click(fake *slackfake.Fake, uid, action, id, channel, ts string) map[string]any {
	return map[string]any{
		"type": "block_actions", "user": map[string]any{"id": uid}, "trigger_id": fmt.Sprintf("%d.%s.trig", clicks.Add(1), uid),
		"team":      map[string]any{"id": "T1"},
		"container": map[string]any{"type": "message", "message_ts": ts, "channel_id": channel},
		"channel":   map[string]any{"id": channel},
		"message":   fake.MessagePayload(channel, ts),
		"actions":   []any{map[string]any{"action_id": action, "block_id": blockPrefix[action] + id, "type": "button", "value": id}},
	}
}

// clicks numbers trigger ids.
var clicks atomic.Int64

// TestEndToEnd drives the whole Slack flow over signed HTTP against the
// fake Slack Web API: slash command → views.open → view_submission →
// cards in the channel and approvers' DMs → a refused click → two
// approvals → every copy updated and the requester told.
func TestEndToEnd(t *testing.T) {
	f := newFixture(t)
	base, cancel := context.WithCancel(context.Background())
	defer cancel()
	metrics := slackbot.NewMetrics(nil)
	runner := slackbot.NewRunner(base, 4, 10*time.Second, zerolog.Nop(), metrics)
	d := slackbot.NewDispatcher(slackbot.DispatcherConfig{Handler: f.h, Sender: f.sender, Runner: runner, Metrics: metrics, Logger: zerolog.Nop()})
	v := slackbot.NewVerifier(signingSecret, nil)
	mux := http.NewServeMux()
	slackbot.NewHTTP(v, d).Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := &slackClient{t: t, srv: srv, v: v, runner: runner}

	// 1. Slash command with pieces missing opens the Add modal.
	form := url.Values{"team_id": {"T1"}, "channel_id": {"CWORK"}, "user_id": {"ULEAD"}, "user_name": {"lea"},
		"command": {"/dynchat"}, "text": {"add alice@example.com agent"}, "trigger_id": {"trig-cmd"}}
	if code, body := c.post("/slack/commands", form.Encode()); code != http.StatusOK || body != "" {
		t.Fatalf("command: %d %q", code, body)
	}
	opens := f.fake.Calls("views.open")
	if len(opens) != 1 || opens[0].Error != "" || opens[0].JSON["trigger_id"] != "trig-cmd" {
		t.Fatalf("views.open %+v", opens)
	}
	view := opens[0].JSON["view"].(map[string]any)
	if view["callback_id"] != CallbackAdd {
		t.Fatalf("view %+v", view)
	}

	// 2. The requester submits the modal.
	sel := func(v string) map[string]any {
		return map[string]any{"type": "static_select", "selected_option": map[string]any{"value": v}}
	}
	code, body := c.interaction(map[string]any{
		"type": "view_submission", "user": map[string]any{"id": "ULEAD"}, "team": map[string]any{"id": "T1"},
		"view": map[string]any{"id": "V1", "callback_id": CallbackAdd, "private_metadata": "", "state": map[string]any{"values": map[string]any{
			blockEmail:    map[string]any{inputEmail: map[string]any{"type": "email_text_input", "value": "alice@example.com"}},
			blockPackage:  map[string]any{inputPackage: sel("agent")},
			blockDuration: map[string]any{inputDuration: sel("30d")},
			blockReason:   map[string]any{inputReason: map[string]any{"type": "plain_text_input", "value": "covering EMEA <!channel>"}},
		}}},
	})
	if code != http.StatusOK || !strings.Contains(body, `"response_action":"update"`) || !strings.Contains(body, "DC-1001") {
		t.Fatalf("submission: %d %s", code, body)
	}
	r, err := f.st.Get(f.ctx, "DC-1001")
	if err != nil || r.State != approvals.StatePending || r.Requester.Email != "lead@example.com" {
		t.Fatalf("request %+v %v", r, err)
	}

	// 3. The notifier posts the cards.
	f.drain()
	channelCards := messagesIn(f.fake, approvalChannel)
	if len(channelCards) != 1 {
		t.Fatalf("%d channel cards", len(channelCards))
	}
	card := channelCards[0]
	for _, dm := range []string{"DUANN", "DUBEN", "DUCAROL"} {
		if len(messagesIn(f.fake, dm)) != 1 {
			t.Fatalf("no card in %s", dm)
		}
	}

	// 4. A non-approver's click is refused and changes nothing.
	if code, _ := c.interaction(click(f.fake, "UEVE", ActionApprove, r.ID, approvalChannel, card.TS)); code != http.StatusOK {
		t.Fatalf("click: %d", code)
	}
	eph := f.fake.Ephemerals()
	if len(eph) != 1 || eph[0].User != "UEVE" || !strings.Contains(eph[0].Text, "not an approver") {
		t.Fatalf("ephemerals %+v", eph)
	}
	if got, _ := f.st.Get(f.ctx, r.ID); got.Version != r.Version {
		t.Fatalf("refused click changed the request: %+v", got)
	}

	// 5. Two approvers click: one in the channel, one in their DM.
	c.interaction(click(f.fake, "UANN", ActionApprove, r.ID, approvalChannel, card.TS))
	benDM := messagesIn(f.fake, "DUBEN")[0]
	c.interaction(click(f.fake, "UBEN", ActionApprove, r.ID, "DUBEN", benDM.TS))
	f.drain()
	got, _ := f.st.Get(f.ctx, r.ID)
	if got.State != approvals.StateApproved || got.Approvals() != 2 {
		t.Fatalf("request %+v", got)
	}
	refs, err := f.st.MessageRefs(f.ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	copies := 0
	for _, ref := range refs {
		if ref.Kind != refCard && ref.Kind != refRequester {
			continue
		}
		copies++
		m, ok := f.fake.Message(ref.Channel, ref.ID)
		if !ok {
			t.Fatalf("copy %+v not in the fake", ref)
		}
		if !strings.Contains(m.Blocks, "Approved. The change will be applied shortly.") || strings.Contains(m.Blocks, ActionApprove) || m.Edits == 0 {
			t.Fatalf("copy in %s not updated (edits %d): %s", ref.Channel, m.Edits, m.Blocks)
		}
	}
	if copies != 5 {
		t.Fatalf("%d card copies, want channel + 3 approvers + requester", copies)
	}
	replies := f.fake.Replies(approvalChannel, card.TS)
	if len(replies) != 2 || !strings.Contains(replies[1].Text, "(2 of 2)") {
		t.Fatalf("thread %+v", replies)
	}
	dms := messagesIn(f.fake, "DULEAD")
	if !strings.Contains(dms[len(dms)-1].Text, "was approved by <@UBEN>") {
		t.Fatalf("requester DMs %+v", dms)
	}
	// The clicker's own message was redrawn right away, before the notifier.
	if m, _ := f.fake.Message("DUBEN", benDM.TS); m.Edits < 2 {
		t.Fatalf("clicked message edits %d", m.Edits)
	}

	// Nothing secret reached the logs.
	logs := f.logs.String()
	for _, secret := range []string{slackfake.Token, signingSecret} {
		if strings.Contains(logs, secret) {
			t.Fatalf("logs contain a secret")
		}
	}
}
