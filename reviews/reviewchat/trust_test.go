package reviewchat

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
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/bot/slackbot"
	"github.com/chataccess/chataccess/bot/slackbot/slackfake"
	"github.com/chataccess/chataccess/internal/redistest"
	"github.com/chataccess/chataccess/reviews"
	"github.com/chataccess/chataccess/store"
)

// reviewsOnly is the chat front end as serve routes review clicks.
type reviewsOnly struct{ h *Handler }

func (r reviewsOnly) HandleCommand(context.Context, bot.Command) bot.Reply { return bot.Reply{} }
func (r reviewsOnly) HandleAction(ctx context.Context, a bot.Action) bot.ActionReply {
	return r.h.HandleAction(ctx, a)
}
func (r reviewsOnly) HandleSubmission(context.Context, bot.Submission) bot.SubmissionReply {
	return bot.SubmissionReply{}
}
func (r reviewsOnly) HandleHomeOpened(context.Context, bot.User) {}

// reviewRig runs a campaign whose reviewers come from a Slack user group
// (the schedule's reviewers), behind Slack's signed HTTP endpoints.
type reviewRig struct {
	t      *testing.T
	ctx    context.Context
	st     *store.Store
	fake   *slackfake.Fake
	c      *reviews.Campaign
	srv    *httptest.Server
	v      *slackbot.Verifier
	runner *slackbot.Runner
	seq    atomic.Int64
}

const evilNote = "*KEEP — APPROVED BY SECURITY* ~revoke~ https://evil.example.com\n> note\u202Efdp.exe"

func newReviewRig(t *testing.T) *reviewRig {
	t.Helper()
	rdb, prefix := redistest.Client(t)
	st := store.New(rdb, prefix)
	clock := approvals.ClockFunc(func() time.Time { return t0 })
	pol := &approvals.Policy{
		Requesters: approvals.Audience{Everyone: true},
		Admins:     approvals.Audience{Users: []approvals.PlatformID{{Platform: approvals.PlatformSlack, ID: "UROOT"}}},
		Packages: map[string]*approvals.Package{"agent": {
			Name: "agent", Profiles: []approvals.ProductProfile{{Name: "Live Agent"}}, AllowPermanent: true,
			Approvers: approvals.Audience{Users: []approvals.PlatformID{{Platform: approvals.PlatformSlack, ID: "UBEN"}}}, MinApprovals: 1,
		}},
	}
	svc := approvals.NewService(pol, st, clock)
	fake := slackfake.New()
	t.Cleanup(fake.Close)
	for _, u := range []slackfake.User{
		{ID: "UANN", Name: "Ann", Email: "ann@example.com"}, {ID: "UBEN", Name: "Ben", Email: "ben@example.com"},
		{ID: "URITA", Name: "Rita", Email: "rita@example.com"}, {ID: "UROOT", Name: "Root", Email: "root@example.com"},
	} {
		fake.AddUser(u)
	}
	fake.AddGroup("SREVIEW", "UANN", "URITA")
	sender := slackbot.NewSender(slackbot.SenderConfig{
		BotToken: slackfake.Token, APIURL: fake.URL(), MaxRetryWait: 2 * time.Second,
		Pacer: slackbot.NewChannelPacer(time.Millisecond, time.Second, nil), Metrics: slackbot.NewMetrics(nil), Logger: zerolog.Nop(),
	})
	n := NewNotifier(Config{Senders: bot.NewMux().Add(bot.Slack, sender), Messages: st,
		AdminChannel: approvals.PlatformID{Platform: approvals.PlatformSlack, ID: "CADMIN"}, Clock: clock})
	sched := reviews.Schedule{Name: "quarterly", OnNoResponse: reviews.NoResponseKeep,
		Reviewers: approvals.Audience{Groups: []approvals.PlatformID{{Platform: approvals.PlatformSlack, ID: "SREVIEW"}}}}
	rv := reviews.New(reviews.Deps{Access: svc, Store: st, Notifier: n, Clock: clock, Schedules: []reviews.Schedule{sched},
		Adobe: memAdobe{"Live Agent": {"alice@example.com", "bob@example.com"}}})
	ctx := context.Background()
	root := approvals.Actor{ID: "UROOT", Email: "root@example.com", Platform: "slack"}
	for _, e := range []string{"alice@example.com", "bob@example.com"} {
		if _, err := svc.Adopt(ctx, e, "agent", root, time.Time{}, evilNote); err != nil {
			t.Fatal(err)
		}
	}
	c, err := rv.Start(ctx, sched, approvals.System, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	r := &reviewRig{t: t, ctx: ctx, st: st, fake: fake, c: c}
	base, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	m := slackbot.NewMetrics(nil)
	r.runner = slackbot.NewRunner(base, 2, 10*time.Second, zerolog.Nop(), m)
	d := slackbot.NewDispatcher(slackbot.DispatcherConfig{Handler: reviewsOnly{NewHandler(rv, n)}, Sender: sender, Runner: r.runner,
		Dedupe: slackbot.NewDedupe(st, 0), Metrics: m, Logger: zerolog.Nop()})
	r.v = slackbot.NewVerifier("review-secret", nil)
	mux := http.NewServeMux()
	slackbot.NewHTTP(r.v, d).Register(mux)
	r.srv = httptest.NewServer(mux)
	t.Cleanup(r.srv.Close)
	return r
}

// page is the message recorded for a reviewer's view, and that view.
func (r *reviewRig) page(userID string) (reviews.PostedMessage, int) {
	r.t.Helper()
	posted, err := r.st.ReviewMessages(r.ctx, r.c.ID)
	if err != nil {
		r.t.Fatal(err)
	}
	for i, rv := range r.c.Reviewers {
		for _, m := range posted {
			if rv.ID == userID && m.View == ReviewerView(i) {
				return m, i
			}
		}
	}
	r.t.Fatalf("no page for %s in %+v", userID, posted)
	return reviews.PostedMessage{}, -1
}

// click sends a signed block_actions payload for a button of msg,
// clicked by uid; action overrides the clicked element.
func (r *reviewRig) click(uid string, msg reviews.PostedMessage, action map[string]any) {
	r.t.Helper()
	payload := map[string]any{"type": "block_actions", "trigger_id": strconv.FormatInt(r.seq.Add(1), 10) + ".1.review",
		"user": map[string]any{"id": uid}, "team": map[string]any{"id": "T1"}, "channel": map[string]any{"id": msg.Channel},
		"container": map[string]any{"type": "message", "message_ts": msg.ID, "channel_id": msg.Channel},
		"message":   r.fake.MessagePayload(msg.Channel, msg.ID), "actions": []any{action}}
	raw, _ := json.Marshal(payload)
	body := url.Values{"payload": {string(raw)}}.Encode()
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req, _ := http.NewRequest(http.MethodPost, r.srv.URL+"/slack/interactions", strings.NewReader(body))
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", r.v.Sign(ts, []byte(body)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		r.t.Fatalf("click: %d", resp.StatusCode)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = r.runner.Wait(ctx)
}

// itemButton is a Keep or Revoke button of an item on a page, as drawn.
func (r *reviewRig) itemButton(msg reviews.PostedMessage, view string, item int, action string) map[string]any {
	return map[string]any{"type": "button", "action_id": action, "block_id": "review:act:" + strconv.Itoa(item),
		"value": Value{Review: r.c.ID, View: view, Page: msg.Page, Items: []int{item}}.String()}
}

func (r *reviewRig) lastEphemeral() string {
	e := r.fake.Ephemerals()
	if len(e) == 0 {
		return ""
	}
	return e[len(e)-1].Text
}

// TestTrustReviewerRemovedFromGroupCannotRevoke: the reviewer list is
// fixed when the campaign starts, but a decision needs the reviewer to
// still be in the reviewer group, read from Slack at the click (field
// failure: a reviewer removed 65 s earlier still revoked a holder).
func TestTrustReviewerRemovedFromGroupCannotRevoke(t *testing.T) {
	r := newReviewRig(t)
	msg, ann := r.page("UANN")
	items, _ := r.st.ReviewItems(r.ctx, r.c.ID)
	target := items[0].Index
	before, _ := r.st.List(r.ctx, approvals.AllRequests(), 100)

	r.fake.RemoveFromGroup("SREVIEW", "UANN")
	r.click("UANN", msg, r.itemButton(msg, ReviewerView(ann), target, ActionRevoke))
	if got := r.lastEphemeral(); !strings.Contains(got, "not a reviewer") {
		t.Fatalf("removed reviewer told %q", got)
	}
	if it, _ := r.st.ReviewItem(r.ctx, r.c.ID, target); it.Decision != nil {
		t.Fatalf("decision recorded: %+v", it.Decision)
	}
	if after, _ := r.st.List(r.ctx, approvals.AllRequests(), 100); len(after) != len(before) {
		t.Fatalf("a remove request was submitted: %d → %d requests", len(before), len(after))
	}

	// Deactivated members are refused the same way, group or not.
	msgRita, rita := r.page("URITA")
	r.fake.Deactivate("URITA")
	r.click("URITA", msgRita, r.itemButton(msgRita, ReviewerView(rita), target, ActionRevoke))
	if got := r.lastEphemeral(); !strings.Contains(got, "could not find your profile") {
		t.Fatalf("deactivated reviewer told %q", got)
	}

	// Back in the group, the same click counts.
	r.fake.AddToGroup("SREVIEW", "UANN")
	r.click("UANN", msg, r.itemButton(msg, ReviewerView(ann), target, ActionKeep))
	if it, _ := r.st.ReviewItem(r.ctx, r.c.ID, target); it.Decision == nil || it.Decision.Verdict != reviews.Keep {
		t.Fatalf("reviewer back in the group: %+v", it.Decision)
	}
}

// TestTrustReviewClickMustMatchItsPage: a signed click whose value names
// another item than its block, or a view other than the message's, is
// refused and decides nothing.
func TestTrustReviewClickMustMatchItsPage(t *testing.T) {
	r := newReviewRig(t)
	msg, ann := r.page("UANN")
	items, _ := r.st.ReviewItems(r.ctx, r.c.ID)
	a, b := items[0].Index, items[1].Index
	forged := []map[string]any{
		// block of item a, value of item b
		{"type": "button", "action_id": ActionRevoke, "block_id": "review:act:" + strconv.Itoa(a),
			"value": Value{Review: r.c.ID, View: ReviewerView(ann), Items: []int{b}}.String()},
		// the value's view is not this message's
		{"type": "button", "action_id": ActionRevoke, "block_id": "review:act:" + strconv.Itoa(a),
			"value": Value{Review: r.c.ID, View: ViewDrift, Items: []int{a}}.String()},
	}
	for i, act := range forged {
		r.click("UANN", msg, act)
		if got := r.lastEphemeral(); !strings.Contains(got, "does not match the message") {
			t.Fatalf("forged click %d: %q", i, got)
		}
	}
	// Past the Slack side, the handler checks the same on its own.
	h := r.handler()
	for _, act := range []bot.Action{
		{ActionID: ActionRevoke, BlockID: "review:act:" + strconv.Itoa(a), Value: Value{Review: r.c.ID, View: ReviewerView(ann), Items: []int{b}}.String(),
			Message: &bot.MessageRef{Platform: "slack", Channel: msg.Channel, ID: msg.ID}},
		{ActionID: ActionRevoke, BlockID: "review:act:" + strconv.Itoa(a), Value: Value{Review: r.c.ID, View: ReviewerView(ann), Items: []int{a}}.String(),
			Message: &bot.MessageRef{Platform: "slack", Channel: msg.Channel, ID: "9.9"}},
		{ActionID: ActionPage + ":next", BlockID: "review:nav", Value: Value{Review: r.c.ID, View: ReviewerView(ann), Page: 1}.String(),
			Message: &bot.MessageRef{Platform: "slack", Channel: "COTHER", ID: "1.1"}},
	} {
		act.User = bot.User{Platform: "slack", ID: "UANN"}
		if rep := h.HandleAction(r.ctx, act); rep.Update != nil || rep.Ephemeral == nil || !strings.Contains(rep.Ephemeral.Text.String(), "does not match") {
			t.Fatalf("handler took %+v", act)
		}
	}
	for _, i := range []int{a, b} {
		if it, _ := r.st.ReviewItem(r.ctx, r.c.ID, i); it.Decision != nil {
			t.Fatalf("item %d decided: %+v", i, it.Decision)
		}
	}
	if posted, _ := r.st.ReviewMessages(r.ctx, r.c.ID); slices.ContainsFunc(posted, func(m reviews.PostedMessage) bool { return m.Channel == "COTHER" }) {
		t.Fatal("a forged page click recorded another message as a review page")
	}
}

// TestTrustReviewPagesShowTextInert: a grant's justification shows on
// every review page as typed text: no formatting, link, quote or
// invisible character, on one line.
func TestTrustReviewPagesShowTextInert(t *testing.T) {
	r := newReviewRig(t)
	seen := 0
	for _, m := range r.fake.Messages() {
		for _, s := range m.Shown() {
			all := strings.Join(s.Lines, "\n")
			if !strings.Contains(all, "APPROVED BY SECURITY") {
				continue
			}
			seen++
			for _, run := range slices.Concat(s.Bold, s.Italic, s.Strike, s.Code) {
				if strings.Contains(run, "APPROVED") || strings.Contains(run, "revoke") {
					t.Errorf("%s: formatted %q", s.Path, run)
				}
			}
			if live := slices.Concat(s.Links, s.Quotes, s.Invisible); len(live) > 0 || !s.Verbatim {
				t.Errorf("%s: live %q (verbatim %v) in %q", s.Path, live, s.Verbatim, all)
			}
			for _, l := range s.Lines {
				if strings.Contains(l, "note") && !strings.Contains(l, "APPROVED") {
					t.Errorf("%s: the note drew its own line %q", s.Path, l)
				}
			}
		}
	}
	if seen == 0 {
		t.Fatal("justification not found on any page")
	}
}

func (r *reviewRig) handler() *Handler {
	// The rig's handler sits behind the dispatcher; build a twin over the
	// same store and fake for direct calls.
	sender := slackbot.NewSender(slackbot.SenderConfig{BotToken: slackfake.Token, APIURL: r.fake.URL(), Logger: zerolog.Nop()})
	n := NewNotifier(Config{Senders: bot.NewMux().Add(bot.Slack, sender), Messages: r.st,
		AdminChannel: approvals.PlatformID{Platform: approvals.PlatformSlack, ID: "CADMIN"}})
	svc := approvals.NewService(&approvals.Policy{Requesters: approvals.Audience{Everyone: true},
		Packages: map[string]*approvals.Package{"agent": {Name: "agent"}}}, r.st, approvals.ClockFunc(time.Now))
	return NewHandler(reviews.New(reviews.Deps{Access: svc, Store: r.st, Notifier: n}), n)
}
