package commands

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/bot/slackbot"
	"github.com/chataccess/chataccess/bot/slackbot/slackfake"
	"github.com/chataccess/chataccess/store"
)

// Tests of the field failures reported against the chat and Redis side:
// each drives the path the failure took and checks the value that was
// wrong.

// withRenderMemory rebuilds the fixture's sender, handler and notifier
// as serve wires them: the sender remembers what each message shows.
// The notifier reads its own consumer group, handing an event out at
// most maxDeliveries times.
func withRenderMemory(f *fixture, group string, maxDeliveries int) *store.Outbox {
	f.t.Helper()
	f.sender = slackbot.NewSender(slackbot.SenderConfig{
		BotToken: slackfake.Token, APIURL: f.fake.URL(), MaxRetryWait: 2 * time.Second,
		Pacer: slackbot.NewChannelPacer(time.Millisecond, time.Second, nil), Rendered: f.st,
		Metrics: slackbot.NewMetrics(nil), Logger: zerolog.Nop(),
	})
	var mu sync.Mutex
	f.h = New(Deps{Service: f.svc, Ledger: f.st, Senders: bot.NewMux().Add(bot.Slack, f.sender), Clock: f.clock,
		Logger:      zerolog.New(zerolog.SyncWriter(lockedWriter{&mu, f.logs})),
		CommandName: "/dynchat", AdminChannels: []approvals.PlatformID{{Platform: approvals.PlatformSlack, ID: "CADMIN"}}})
	out, err := f.st.Outbox(f.ctx, group, 10*time.Millisecond)
	if err != nil {
		f.t.Fatal(err)
	}
	out.WithMaxDeliveries(maxDeliveries)
	f.n = NewNotifier(f.h, out, NotifierConfig{Consumer: "test", Locks: f.st})
	return out
}

// identical sums the chat.update calls that changed nothing.
func identical(fk *slackfake.Fake) int {
	n := 0
	for _, m := range fk.Messages() {
		n += m.Identical
	}
	return n
}

func alertsIn(fk *slackfake.Fake, substr string) []slackfake.Message {
	var out []slackfake.Message
	for _, m := range messagesIn(fk, "CADMIN") {
		if strings.Contains(m.Text, substr) {
			out = append(out, m)
		}
	}
	return out
}

// TestFieldDeactivatedApprover: a package with dm_approvers has an
// approver deactivated in Slack (conversations.open: user_disabled). In
// the field the submit event was never acknowledged and was redelivered
// for 72 h, redrawing every copy each time, and no admin heard of it.
// Now the other approvers get their cards, the event is acknowledged on
// its first delivery, admins are told once, and later events do not try
// that DM again.
func TestFieldDeactivatedApprover(t *testing.T) {
	f := newFixture(t)
	withRenderMemory(f, "notify", 8)
	f.fake.AddUser(slackfake.User{ID: "UBEN", Name: "Ben", Email: "ben@example.com", Deleted: true})
	r := f.add("ULEAD", `add alice@example.com agent 30d "covering EMEA"`)
	if got := f.drain(); got != 1 {
		t.Fatalf("first delivery acknowledged %d events, want 1", got)
	}
	for _, dm := range []string{"DUANN", "DUCAROL", "DULEAD"} {
		if n := len(messagesIn(f.fake, dm)); n != 1 {
			t.Errorf("%s has %d messages, want its card", dm, n)
		}
	}
	if n := len(messagesIn(f.fake, "DUBEN")); n != 0 {
		t.Errorf("the deactivated approver got %d messages", n)
	}
	alerts := alertsIn(f.fake, "user_disabled")
	if len(alerts) != 1 || !strings.Contains(alerts[0].Text, "<@UBEN>") || !strings.Contains(alerts[0].Text, r.ID) {
		t.Fatalf("admin alerts %+v", messagesIn(f.fake, "CADMIN"))
	}
	opens := func() int {
		n := 0
		for _, c := range f.fake.Calls("conversations.open") {
			if c.Form.Get("users") == "UBEN" {
				n++
			}
		}
		return n
	}
	// Nothing is left for redelivery: no more calls of any kind.
	calls := len(f.fake.Calls(""))
	time.Sleep(20 * time.Millisecond) // past the outbox minIdle
	if n := f.drain(); n != 0 || len(f.fake.Calls("")) != calls {
		t.Fatalf("redelivered %d events, %d more Slack calls", n, len(f.fake.Calls(""))-calls)
	}
	// The next event redraws the cards once and leaves the DM alone.
	if rep := f.click("UANN", ActionApprove, r.ID); rep.Ephemeral != nil {
		t.Fatalf("approve: %s", text(rep.Ephemeral))
	}
	f.drain()
	if opens() != 1 || len(alertsIn(f.fake, "user_disabled")) != 1 {
		t.Fatalf("conversations.open of UBEN %d times, %d alerts; want 1 and 1", opens(), len(alertsIn(f.fake, "user_disabled")))
	}
	if n := identical(f.fake); n != 0 {
		t.Errorf("%d chat.update calls changed nothing", n)
	}
}

// TestFieldUnknownSlackErrorDeadLetters: an error code nobody sorted is
// tried a bounded number of times; the redeliveries redraw nothing;
// then the event is a dead letter and admins are told once.
func TestFieldUnknownSlackErrorDeadLetters(t *testing.T) {
	f := newFixture(t)
	withRenderMemory(f, "notify-bounded", 3)
	for range 10 {
		f.fake.FailNext("conversations.open", "mystery_error")
	}
	f.add("ULEAD", `add alice@example.com agent 30d "covering EMEA"`)
	updates := -1
	for delivery := 1; delivery <= 3; delivery++ {
		if n, err := f.n.Drain(f.ctx); err != nil || n != 0 {
			t.Fatalf("delivery %d acknowledged %d (%v); the failing DM must be retried", delivery, n, err)
		}
		if delivery == 1 {
			updates = len(f.fake.Calls("chat.update"))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := len(f.fake.Calls("chat.update")) - updates; n != 0 {
		t.Errorf("redeliveries cost %d chat.update calls, want 0", n)
	}
	if n, err := f.n.Drain(f.ctx); err != nil || n != 0 {
		t.Fatalf("after the cap: %d %v", n, err)
	}
	alerts := alertsIn(f.fake, "I gave up on the submitted event of")
	if len(alerts) != 1 || !strings.Contains(alerts[0].Text, "after 3 tries") || !strings.Contains(alerts[0].Text, "mystery_error") ||
		!strings.Contains(alerts[0].Text, "chataccess admin replay notify-bounded/") {
		t.Fatalf("admin alerts %+v", messagesIn(f.fake, "CADMIN"))
	}
	f.drain()
	if n := len(alertsIn(f.fake, "I gave up")); n != 1 {
		t.Fatalf("%d dead letter alerts, want 1", n)
	}
	dls, err := f.st.DeadLetters(f.ctx, 10)
	if err != nil || len(dls) != 1 || dls[0].Event.Record.Event != approvals.EventSubmit {
		t.Fatalf("dead letters %+v %v", dls, err)
	}
}

// TestFieldPlainMention: with should_escape false Slack sent a typed
// @alice as plain text and the bot answered that it was not a valid
// email, while help says a mention works.
func TestFieldPlainMention(t *testing.T) {
	f := newFixture(t)
	before := f.snapshot()
	m := text(f.command("ULEAD", `add @alice agent 30d "covering EMEA"`).Message)
	if strings.Contains(m, "not a valid email") || !strings.Contains(m, `"@alice"`) || !strings.Contains(m, "plain text") ||
		!strings.Contains(m, "pick the person") && !strings.Contains(m, "Pick the person") {
		t.Fatalf("reply %q", m)
	}
	if after := f.snapshot(); after.count != before.count {
		t.Fatal("a request was created")
	}
	// A real mention, as Slack escapes it, still works.
	if m := text(f.command("ULEAD", `add <@UALICE|alice> agent 30d "covering EMEA"`).Message); !strings.Contains(m, "sent") {
		t.Fatalf("mention: %q", m)
	}
	h := HelpMessage("/dynchat")
	if !strings.Contains(h.Blocks[0].(*bot.Section).Text.String(), "type @ and pick the person") {
		t.Fatal("help does not say how to mention")
	}
}

// TestFieldAutoApprovalNamesRule: an auto-approved removal read as
// approved by the requester ("approved lea.lead@example.com",
// "Approved by @lea (1 of 1)"). The audit trail, thread note and card
// name the system and the rule.
func TestFieldAutoApprovalNamesRule(t *testing.T) {
	f := newFixture(t)
	rep := f.command("ULEAD", `remove dave@example.com viewer "left the team"`)
	if !strings.Contains(text(rep.Message), "approved right away") {
		t.Fatalf("reply %q", text(rep.Message))
	}
	f.drain()
	const rule = "policy rule auto_approve.removals (removals need no approval)"
	var approved []store.AuditEntry
	err := f.st.AuditEntries(f.ctx, func(e store.AuditEntry) error {
		if e.Action == string(approvals.EventApprove) {
			approved = append(approved, e)
		}
		return nil
	})
	if err != nil || len(approved) != 1 {
		t.Fatalf("audit %+v %v", approved, err)
	}
	if e := approved[0]; e.Actor != approvals.System.Label() || !strings.Contains(e.Details, "auto-approved by "+rule) ||
		!strings.Contains(e.Details, "requested by lead@example.com") {
		t.Fatalf("audit entry %+v", e)
	}
	card := messagesIn(f.fake, approvalChannel)[0]
	replies := f.fake.Replies(approvalChannel, card.TS)
	if len(replies) != 1 || !strings.Contains(replies[0].Text, "|09:00 UTC> by "+rule) ||
		strings.Contains(replies[0].Text, "ULEAD") {
		t.Fatalf("thread %+v", replies)
	}
	if !strings.Contains(card.Blocks, "chataccess (automatic)") || !strings.Contains(card.Blocks, "auto_approve.removals") {
		t.Fatalf("card %s", card.Blocks)
	}
}

// TestFieldRequesterDoneOnce: the requester's message said "Done:" twice.
func TestFieldRequesterDoneOnce(t *testing.T) {
	f := newFixture(t)
	r := f.add("ULEAD", `add alice@example.com agent 30d "covering EMEA"`)
	f.click("UANN", ActionApprove, r.ID)
	f.click("UCAROL", ActionApprove, r.ID)
	if _, err := f.svc.StartExecution(f.ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Complete(f.ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	f.drain()
	dms := messagesIn(f.fake, "DULEAD")
	last := dms[len(dms)-1].Text
	if n := strings.Count(strings.ToLower(last), "done"); n != 1 {
		t.Fatalf("requester told %q: %d times done", last, n)
	}
	if !strings.Contains(last, "alice@example.com has *agent* until") {
		t.Fatalf("requester told %q", last)
	}
}

// TestFieldProfileNames: a new Adobe user was created as firstname
// "rita", lastname "Rita" (the display name split, then the email) while
// the Slack profile's real name is "Rita Requester".
func TestFieldProfileNames(t *testing.T) {
	f := newFixture(t)
	f.fake.AddUser(slackfake.User{ID: "URITA", Name: "Rita Requester", DisplayName: "rita", Email: "rita@example.com"})
	f.fake.AddUser(slackfake.User{ID: "UMARY", Name: "Mary Ann Smith", DisplayName: "mas", FirstName: "Mary Ann", LastName: "Smith", Email: "mary@example.com"})
	for _, tc := range []struct{ cmd, first, last string }{
		{`add rita@example.com agent 30d "covering EMEA"`, "Rita", "Requester"},
		{`add <@UMARY|mas> agent 30d "covering EMEA"`, "Mary Ann", "Smith"},
	} {
		r := f.add("ULEAD", tc.cmd)
		if r.Target.FirstName != tc.first || r.Target.LastName != tc.last {
			t.Errorf("%s: names %q %q, want %q %q", tc.cmd, r.Target.FirstName, r.Target.LastName, tc.first, tc.last)
		}
	}
}

// slowReviews takes what the field inventory took: one Marketo call per
// holder, about ten holders.
type slowReviews struct {
	per     time.Duration
	holders int
	mu      sync.Mutex
	started int
}

func (r *slowReviews) StartReview(ctx context.Context, pkg string, _ approvals.Actor) (approvals.Sentence, error) {
	for range r.holders {
		select {
		case <-ctx.Done():
			return approvals.Sentence{}, ctx.Err()
		case <-time.After(r.per):
		}
	}
	r.mu.Lock()
	r.started++
	r.mu.Unlock()
	return approvals.Sentence{Text: "Review R-1 started for " + pkg + ": 10 holders to certify."}, nil
}

// TestFieldReviewStartAnswersAtOnce: building the inventory inside the
// slash command took longer than Slack's 3 s and the admin saw
// "Something went wrong". Now the command is answered at once over
// signed HTTP and the admin is told when the review is ready.
func TestFieldReviewStartAnswersAtOnce(t *testing.T) {
	f := newFixture(t)
	rv := &slowReviews{per: 300 * time.Millisecond, holders: 10}
	f.h.deps.Reviews = rv
	base, cancel := context.WithCancel(context.Background())
	defer cancel()
	metrics := slackbot.NewMetrics(nil)
	runner := slackbot.NewRunner(base, 4, 30*time.Second, zerolog.Nop(), metrics)
	d := slackbot.NewDispatcher(slackbot.DispatcherConfig{Handler: f.h, Sender: f.sender, Runner: runner, Metrics: metrics, Logger: zerolog.Nop()})
	v := slackbot.NewVerifier(signingSecret, nil)
	mux := http.NewServeMux()
	slackbot.NewHTTP(v, d).Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	form := url.Values{"team_id": {"T1"}, "channel_id": {"CWORK"}, "user_id": {"UROOT"}, "user_name": {"root"},
		"command": {"/dynchat"}, "text": {"review start agent"}, "trigger_id": {"trig-review"}}
	body := form.Encode()
	ts := time.Now().Unix()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/slack/commands", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", itoa(ts))
	req.Header.Set("X-Slack-Signature", v.Sign(itoa(ts), []byte(body)))
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var ack struct{ Text string }
	_ = json.NewDecoder(resp.Body).Decode(&ack)
	resp.Body.Close()
	if took := time.Since(start); took > time.Second || resp.StatusCode != http.StatusOK {
		t.Fatalf("answered %d after %s, want 200 well inside Slack's 3 s", resp.StatusCode, took)
	}
	if !strings.Contains(ack.Text, "Starting the access review") {
		t.Fatalf("ack %q", ack.Text)
	}
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if err := runner.Wait(wctx); err != nil {
		t.Fatal(err)
	}
	if dms := messagesIn(f.fake, "DUROOT"); rv.started != 1 || len(dms) != 1 || !strings.Contains(dms[0].Text, "Review R-1 started for agent") {
		t.Fatalf("started %d, DMs %+v", rv.started, dms)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestFieldChannelRefusedAlertsOnce: an approval channel Slack refuses
// for good (here channel_not_found; in the field usually not_in_channel)
// is reported to admins once; the approvers' DMs go out, the event is
// acknowledged, and the next event tries the channel again (inviting the
// bot fixes it) without a second alert.
func TestFieldChannelRefusedAlertsOnce(t *testing.T) {
	f := newFixture(t)
	withRenderMemory(f, "notify", 8)
	f.svc.Policy().Packages["agent"].ApprovalChannels = []approvals.PlatformID{{Platform: approvals.PlatformSlack, ID: "CMISSING1"}}
	r := f.add("ULEAD", `add alice@example.com agent 30d "covering EMEA"`)
	if n := f.drain(); n != 1 {
		t.Fatalf("acknowledged %d events, want 1", n)
	}
	if n := len(messagesIn(f.fake, "DUANN")); n != 1 {
		t.Fatalf("approver DM: %d messages", n)
	}
	if a := alertsIn(f.fake, "CMISSING1"); len(a) != 1 || !strings.Contains(a[0].Text, "channel_not_found") {
		t.Fatalf("alerts %+v", messagesIn(f.fake, "CADMIN"))
	}
	posts := func() int {
		n := 0
		for _, c := range f.fake.Calls("chat.postMessage") {
			if c.Form.Get("channel") == "CMISSING1" {
				n++
			}
		}
		return n
	}
	f.click("UANN", ActionApprove, r.ID)
	f.drain()
	if posts() != 2 || len(alertsIn(f.fake, "CMISSING1")) != 1 {
		t.Fatalf("channel tried %d times, %d alerts; want 2 and 1", posts(), len(alertsIn(f.fake, "CMISSING1")))
	}
}

// TestFieldApproverByEmailWithNoAccount: an approver named by email whom
// no chat platform knows (deactivated: Slack's lookup by email answers
// users_not_found) cannot get the card; admins are told once, by name,
// and everyone else gets theirs.
func TestFieldApproverByEmailWithNoAccount(t *testing.T) {
	f := newFixture(t)
	pkg := f.svc.Policy().Packages["agent"]
	pkg.Approvers.Emails = append(pkg.Approvers.Emails, "gone@example.com")
	r := f.add("ULEAD", `add alice@example.com agent 30d "covering EMEA"`)
	f.drain()
	alerts := func() []string {
		var out []string
		for _, m := range messagesIn(f.fake, "CADMIN") {
			if strings.Contains(m.Text, "gone@example.com") {
				out = append(out, m.Text)
			}
		}
		return out
	}
	if a := alerts(); len(a) != 1 || !strings.Contains(a[0], r.ID) {
		t.Fatalf("admin alerts about gone@example.com: %q", a)
	}
	if n := len(messagesIn(f.fake, "DUANN")); n != 1 {
		t.Errorf("another approver has %d messages, want the card", n)
	}
	if rep := f.click("UANN", ActionApprove, r.ID); rep.Ephemeral != nil {
		t.Fatalf("approve: %s", text(rep.Ephemeral))
	}
	f.drain()
	if a := alerts(); len(a) != 1 {
		t.Fatalf("told admins %d times, want once", len(a))
	}
}
