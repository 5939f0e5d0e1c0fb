package commands

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/bot/slackbot"
	"github.com/chataccess/chataccess/bot/slackbot/slackfake"
)

// Field failures of trust: user text and inbound payloads trusted too
// much, requests shown to anyone, authority read from caches. Each test
// drives the path the failure took: signed HTTP into the handlers, the
// fake Slack Web API behind them, Redis under the ledger.

// rig is the fixture behind Slack's HTTP endpoints, as serve wires it:
// signature check, replay claims in the store, dispatcher, runner.
type rig struct {
	*fixture
	srv    *httptest.Server
	v      *slackbot.Verifier
	runner *slackbot.Runner
	now    time.Time // the verifier's clock
}

func newRig(t *testing.T) *rig {
	t.Helper()
	f := newFixture(t)
	r := &rig{fixture: f, now: time.Now()}
	base, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	m := slackbot.NewMetrics(nil)
	r.runner = slackbot.NewRunner(base, 4, 10*time.Second, zerolog.Nop(), m)
	d := slackbot.NewDispatcher(slackbot.DispatcherConfig{Handler: f.h, Sender: f.sender, Runner: r.runner,
		Dedupe: slackbot.NewDedupe(f.st, 0), Metrics: m, Logger: zerolog.Nop()})
	r.v = slackbot.NewVerifier(signingSecret, func() time.Time { return r.now })
	mux := http.NewServeMux()
	slackbot.NewHTTP(r.v, d).Register(mux)
	r.srv = httptest.NewServer(mux)
	t.Cleanup(r.srv.Close)
	return r
}

// send posts body signed at ts, as Slack (or someone replaying Slack's
// bytes) would, and waits for the post-ack work.
func (r *rig) send(path, body string, ts int64) (int, string) {
	r.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, r.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("X-Slack-Signature", r.v.Sign(strconv.FormatInt(ts, 10), []byte(body)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.runner.Wait(ctx); err != nil {
		r.t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

var triggers int

// command sends /dynchat text as uid, signed now, with a fresh trigger.
func (r *rig) command(uid, text string) (int, string) {
	triggers++
	form := url.Values{"team_id": {"T1"}, "channel_id": {"CWORK"}, "user_id": {uid}, "command": {"/dynchat"}, "text": {text},
		"trigger_id": {strconv.Itoa(triggers) + ".1.cmd"}, "response_url": {r.fake.URL() + slackfake.HookPath + "commands/T1/" + strconv.Itoa(triggers) + "/x"}}
	return r.send("/slack/commands", form.Encode(), r.now.Unix())
}

// interact sends an interactivity payload, signed now.
func (r *rig) interact(payload map[string]any) (int, string) {
	raw, _ := json.Marshal(payload)
	return r.send("/slack/interactions", url.Values{"payload": {string(raw)}}.Encode(), r.now.Unix())
}

// ackText is the text of a command's ephemeral answer.
func ackText(t *testing.T, body string) string {
	t.Helper()
	var a struct {
		Text string `json:"text"`
	}
	if err := json.Unmarshal([]byte(body), &a); err != nil {
		t.Fatalf("answer %q: %v", body, err)
	}
	return a.Text
}

const evil = "*APPROVED BY SECURITY* ~policy waived~ open https://evil.example.com/approve"

// TestTrustUserTextIsInert: a justification (typed in a slash command,
// or in the modal with line breaks, a right-to-left override and
// zero-width characters) and a display name show as typed text on
// every card copy, DM, thread note, modal and the App Home: no bold,
// strike, link, mention, quote, second section or invisible character.
func TestTrustUserTextIsInert(t *testing.T) {
	r := newRig(t)
	r.fake.AddUser(slackfake.User{ID: "UMAL", Name: "*Boss* <!here> https://evil.example.com\u202E", DisplayName: "~x~ \u200Bboss", Email: "mal@example.com"})

	if code, body := r.command("ULEAD", `add alice@example.com agent 30d "`+evil+`"`); code != 200 || !strings.Contains(ackText(t, body), "DC-1001") {
		t.Fatalf("command: %d %s", code, body)
	}
	// The modal: a multi-line justification with invisible characters.
	multi := "covering EMEA\n\n*Approvals*\n2 of 1\n> quoted\u202Eevil\u200B\u2066 @here"
	code, body := r.interact(map[string]any{
		"type": "view_submission", "trigger_id": "7.1.sub", "user": map[string]any{"id": "UMAL"}, "team": map[string]any{"id": "T1"},
		"view": map[string]any{"id": "V1", "callback_id": CallbackAdd, "state": map[string]any{"values": map[string]any{
			blockEmail:    map[string]any{inputEmail: map[string]any{"type": "email_text_input", "value": "carol@example.com"}},
			blockPackage:  map[string]any{inputPackage: map[string]any{"type": "static_select", "selected_option": map[string]any{"value": "agent"}}},
			blockDuration: map[string]any{inputDuration: map[string]any{"type": "static_select", "selected_option": map[string]any{"value": "30d"}}},
			blockReason:   map[string]any{inputReason: map[string]any{"type": "plain_text_input", "value": multi}},
		}}},
	})
	if code != 200 || !strings.Contains(body, "DC-1002") {
		t.Fatalf("submission: %d %s", code, body)
	}
	stored, err := r.st.Get(r.ctx, "DC-1002")
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(stored.Justification, "\u202E\u200B\u2066") || stored.Justification != "covering EMEA\n\n*Approvals*\n2 of 1\n> quotedevil @here" {
		t.Fatalf("stored justification %q", stored.Justification)
	}
	if strings.ContainsAny(stored.Requester.Name, "\u202E\u200B") {
		t.Fatalf("stored requester name %q", stored.Requester.Name)
	}
	r.drain()
	// A note in the thread and a denial carry user text too.
	if _, err := r.svc.Deny(r.ctx, "DC-1002", approvals.Actor{ID: "UANN", Email: "ann@example.com", Platform: approvals.PlatformSlack}, "~no~ see https://evil.example.com/x\n*Approved*"); err != nil {
		t.Fatal(err)
	}
	r.drain()
	// The App Home of the requester, and of an approver.
	r.h.HandleHomeOpened(r.ctx, user("UMAL"))
	r.h.HandleHomeOpened(r.ctx, user("UANN"))

	var shown []slackfake.Shown
	for _, m := range r.fake.Messages() {
		shown = append(shown, m.Shown()...)
	}
	for _, e := range r.fake.Ephemerals() {
		shown = append(shown, slackfake.ShownBlocks(e.Blocks, e.Text)...)
	}
	for _, u := range []string{"UMAL", "UANN"} {
		js, _ := json.Marshal(r.fake.Home(u)["blocks"])
		shown = append(shown, slackfake.ShownBlocks(string(js), "")...)
	}
	userWords := []string{"APPROVED", "policy", "evil", "2 of 1", "quoted", "Boss", "see"}
	seen := 0
	for _, s := range shown {
		all := strings.Join(s.Lines, "\n")
		mine := false
		for _, w := range userWords {
			mine = mine || strings.Contains(all, w)
		}
		if !mine {
			continue
		}
		seen++
		if s.Type == "mrkdwn" && !s.Verbatim {
			t.Errorf("%s: not verbatim: %q", s.Path, all)
		}
		for _, run := range slices.Concat(s.Bold, s.Italic, s.Strike, s.Code) {
			for _, w := range userWords {
				if strings.Contains(run, w) {
					t.Errorf("%s: user text formatted (%q) in %q", s.Path, run, all)
				}
			}
		}
		for _, l := range slices.Concat(s.Links, s.Quotes, s.Invisible) {
			t.Errorf("%s: live %q in %q", s.Path, l, all)
		}
		for _, m := range s.Mentions {
			if !strings.HasPrefix(m, "@U") {
				t.Errorf("%s: mention %q in %q", s.Path, m, all)
			}
		}
		for _, line := range s.Lines {
			if strings.HasPrefix(strings.TrimSpace(line), "2 of 1") || strings.HasPrefix(line, "∗Approvals∗") {
				t.Errorf("%s: user text drew a line of its own: %q", s.Path, all)
			}
		}
	}
	if seen < 5 {
		t.Fatalf("user text found in %d text objects; the test looked in the wrong place", seen)
	}
	// The modal opened from the card to extend shows the text as typed.
	rep := r.h.HandleAction(r.ctx, bot.Action{User: user("ULEAD"), ActionID: ActionExtend, BlockID: "extend:DC-1001", Value: "DC-1001",
		Message: &bot.MessageRef{Platform: "slack", Channel: "DULEAD", ID: "1.0"}})
	if rep.Modal == nil {
		t.Fatalf("extend: %+v", rep.Ephemeral)
	}
	v, err := slackbot.RenderModal(*rep.Modal)
	if err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(v)
	if !strings.Contains(string(js), `"initial_value":"`+strings.ReplaceAll(evil, "&", `\u0026`)+`"`) {
		t.Errorf("extend modal does not keep the justification as typed: %s", js)
	}
}

// TestTrustClickMustMatchItsCard: a signed click in card P whose button
// value names request Q changes neither request and redraws nothing.
func TestTrustClickMustMatchItsCard(t *testing.T) {
	r := newRig(t)
	p := r.add("ULEAD", `add alice@example.com agent 30d "covering EMEA"`)
	q := r.add("ULEAD", `add carol@example.com agent 30d "covering APAC"`)
	r.drain()
	cardP := messagesIn(r.fake, approvalChannel)[0]
	before := r.snapshot()
	forged := []map[string]any{
		// The field case: block of P, value of Q.
		{"action_id": ActionApprove, "block_id": "decide:" + p.ID, "type": "button", "value": q.ID},
		// Block and value of Q, in card P.
		{"action_id": ActionApprove, "block_id": "decide:" + q.ID, "type": "button", "value": q.ID},
	}
	for i, act := range forged {
		payload := click(r.fake, "UANN", ActionApprove, p.ID, approvalChannel, cardP.TS)
		payload["actions"] = []any{act}
		if code, _ := r.interact(payload); code != 200 {
			t.Fatalf("click %d: %d", i, code)
		}
		eph := r.fake.Ephemerals()
		if len(eph) != i+1 || eph[i].User != "UANN" || !strings.Contains(eph[i].Text, "does not match the message") {
			t.Fatalf("click %d: ephemerals %+v", i, eph)
		}
	}
	// Past the Slack side (a payload whose message agrees with the
	// forgery): the handler checks block, value and the message's
	// recorded request itself.
	for _, a := range []bot.Action{
		{BlockID: "decide:" + p.ID, Value: q.ID, Message: &bot.MessageRef{Platform: "slack", Channel: approvalChannel, ID: cardP.TS}},
		{BlockID: "decide:" + q.ID, Value: q.ID, Message: &bot.MessageRef{Platform: "slack", Channel: approvalChannel, ID: cardP.TS}},
		{BlockID: "decide:" + q.ID, Value: q.ID, View: &bot.ViewInfo{ID: "V1", CallbackID: CallbackAdd}},
	} {
		a.User, a.ActionID, a.Channel = user("UANN"), ActionApprove, approvalChannel
		if rep := r.h.HandleAction(r.ctx, a); rep.Update != nil || !strings.Contains(text(rep.Ephemeral), "does not match the message") {
			t.Fatalf("handler took %+v: %+v", a, rep)
		}
	}
	if after := r.snapshot(); after.count != before.count || after.reqs[p.ID] != before.reqs[p.ID] || after.reqs[q.ID] != before.reqs[q.ID] {
		t.Fatalf("ledger changed: %+v → %+v", before, after)
	}
	if m, _ := r.fake.Message(approvalChannel, cardP.TS); m.Edits != 0 || !strings.Contains(m.Blocks, p.ID) || strings.Contains(m.Blocks, q.ID) {
		t.Fatalf("card P redrawn: %s", m.Blocks)
	}
	// The genuine click on P still works.
	if code, _ := r.interact(click(r.fake, "UANN", ActionApprove, p.ID, approvalChannel, cardP.TS)); code != 200 {
		t.Fatal(code)
	}
	if got, _ := r.st.Get(r.ctx, p.ID); got.Approvals() != 1 {
		t.Fatalf("genuine click: %+v", got)
	}
}

// TestTrustReplayedAddHasNoEffect: the exact bytes of /dynchat add sent
// again 14 s later, after the request was closed, create nothing.
func TestTrustReplayedAddHasNoEffect(t *testing.T) {
	r := newRig(t)
	form := url.Values{"team_id": {"T1"}, "channel_id": {"CWORK"}, "user_id": {"ULEAD"}, "command": {"/dynchat"},
		"text": {`add alice@example.com viewer permanent "read the dashboards"`}, "trigger_id": {"13.1.replay"},
		"response_url": {r.fake.URL() + slackfake.HookPath + "commands/T1/13/x"}}.Encode()
	signedAt := r.now.Unix()
	if code, body := r.send("/slack/commands", form, signedAt); code != 200 || !strings.Contains(ackText(t, body), "DC-1001") {
		t.Fatalf("first: %d %s", code, body)
	}
	// The request is closed (the access is gone), so nothing else would
	// stop a second one.
	if _, err := r.svc.Cancel(r.ctx, "DC-1001", approvals.Actor{ID: "UROOT", Email: "root@example.com", Platform: approvals.PlatformSlack}); err != nil {
		t.Fatal(err)
	}
	before := r.snapshot()
	r.now = r.now.Add(14 * time.Second)
	code, body := r.send("/slack/commands", form, signedAt)
	if code != 200 || body != "" {
		t.Fatalf("replay: %d %q", code, body)
	}
	if after := r.snapshot(); after.count != before.count || len(after.reqs) != len(before.reqs) {
		t.Fatalf("replay changed the ledger: %+v → %+v", before, after)
	}
	// A new command (a new trigger id) is handled as usual.
	if code, body := r.command("ULEAD", `add alice@example.com viewer permanent "again"`); code != 200 || !strings.Contains(ackText(t, body), "DC-1002") {
		t.Fatalf("new command: %d %s", code, body)
	}
}

// TestTrustStatusOnlyForThoseWhoMaySee: a member who is neither
// requester, target, approver nor admin gets, for every existing id,
// exactly the answer an unused id gets; the others see the card.
func TestTrustStatusOnlyForThoseWhoMaySee(t *testing.T) {
	r := newRig(t)
	reqs := []*approvals.Request{
		r.add("ULEAD", `add alice@example.com agent 30d "covering EMEA"`),
		r.add("ULEAD", `add dave@example.com viewer 30d "dashboards"`),
	}
	none := func(id string) string {
		_, body := r.command("UEVE", "status "+id)
		return ackText(t, body)
	}
	unused := none("DC-1999")
	for n := 1000; n <= 1005; n++ {
		id := "DC-" + strconv.Itoa(n)
		if got := none(id); got != strings.ReplaceAll(unused, "DC-1999", id) {
			t.Errorf("%s for a stranger: %q, unused id: %q", id, got, unused)
		}
	}
	for _, who := range []string{"ULEAD", "UALICE", "UANN", "UCAROL", "UROOT"} {
		_, body := r.command(who, "status "+reqs[0].ID)
		if !strings.Contains(body, "Access request "+reqs[0].ID) {
			t.Errorf("%s cannot see %s: %s", who, reqs[0].ID, body)
		}
	}
	// viewer is approved by UANN only: Carol (agent approver by group)
	// does not see it.
	if _, body := r.command("UCAROL", "status "+reqs[1].ID); !strings.Contains(body, "There is no request") {
		t.Errorf("carol sees %s: %s", reqs[1].ID, body)
	}
	// Nor does cancel tell a stranger that an id is in use.
	_, unusedCancel := r.command("UEVE", "cancel DC-1999")
	if _, body := r.command("UEVE", "cancel "+reqs[0].ID); ackText(t, body) != strings.ReplaceAll(ackText(t, unusedCancel), "DC-1999", reqs[0].ID) {
		t.Errorf("cancel for a stranger: %s", body)
	}
	// list and the App Home show the stranger nothing of others.
	if _, body := r.command("UEVE", "list"); strings.Contains(body, "DC-100") {
		t.Errorf("list: %s", body)
	}
	r.h.HandleHomeOpened(r.ctx, user("UEVE"))
	if js, _ := json.Marshal(r.fake.Home("UEVE")); strings.Contains(string(js), "DC-100") {
		t.Errorf("home: %s", js)
	}
	// Extend (it pre-fills the justification) is no way around it.
	rep := r.h.HandleAction(r.ctx, bot.Action{User: user("UEVE"), ActionID: ActionExtend, BlockID: "extend:" + reqs[0].ID, Value: reqs[0].ID,
		Message: &bot.MessageRef{Platform: "slack", Channel: "DUEVE", ID: "1.0"}})
	if rep.Modal != nil || !strings.Contains(text(rep.Ephemeral), "There is no request") {
		t.Errorf("extend for a stranger: %+v", rep)
	}
}

// TestTrustDecisionsReadFreshAuthority: an approver through a user
// group, removed from it, and an approver deactivated, are refused at
// once although a read path looked them up a moment before (the field
// failures: 30 s after the group change, 201 s after deactivation).
func TestTrustDecisionsReadFreshAuthority(t *testing.T) {
	r := newRig(t)
	req := r.add("ULEAD", `add alice@example.com agent 30d "covering EMEA"`)
	r.drain()
	card := messagesIn(r.fake, approvalChannel)[0]
	// Read paths warm every cache: the App Home of both approvers.
	r.h.HandleHomeOpened(r.ctx, user("UCAROL"))
	r.h.HandleHomeOpened(r.ctx, user("UANN"))
	if js, _ := json.Marshal(r.fake.Home("UCAROL")); !strings.Contains(string(js), req.ID) {
		t.Fatalf("carol's home does not offer %s", req.ID)
	}
	before := r.snapshot()

	r.fake.RemoveFromGroup("SAPPR", "UCAROL")
	r.clock.Add(30 * time.Second)
	r.interact(click(r.fake, "UCAROL", ActionApprove, req.ID, approvalChannel, card.TS))
	if eph := r.fake.Ephemerals(); len(eph) != 1 || !strings.Contains(eph[0].Text, "not an approver") {
		t.Fatalf("removed group member: %+v", eph)
	}

	r.fake.Deactivate("UANN")
	r.clock.Add(201 * time.Second)
	r.interact(click(r.fake, "UANN", ActionApprove, req.ID, approvalChannel, card.TS))
	if eph := r.fake.Ephemerals(); len(eph) != 2 || !strings.Contains(eph[1].Text, "could not find your profile") {
		t.Fatalf("deactivated approver: %+v", eph)
	}
	if after := r.snapshot(); after.count != before.count || after.reqs[req.ID] != before.reqs[req.ID] {
		t.Fatalf("ledger changed: %+v → %+v", before, after)
	}
	// Both were read from Slack at the click, not from a cache.
	fresh := func(method, key, id string) int {
		n := 0
		for _, c := range r.fake.Calls(method) {
			if c.Form.Get(key) == id {
				n++
			}
		}
		return n
	}
	if fresh("users.info", "user", "UANN") < 2 || fresh("usergroups.users.list", "usergroup", "SAPPR") < 2 {
		t.Fatalf("users.info(UANN) %d, usergroups.users.list(SAPPR) %d", fresh("users.info", "user", "UANN"), fresh("usergroups.users.list", "usergroup", "SAPPR"))
	}
	// Back in the group, Carol's click counts at once.
	r.fake.AddToGroup("SAPPR", "UCAROL")
	r.interact(click(r.fake, "UCAROL", ActionApprove, req.ID, approvalChannel, card.TS))
	if got, _ := r.st.Get(r.ctx, req.ID); got.Approvals() != 1 {
		t.Fatalf("after rejoining: %+v", got.Decisions)
	}
}
