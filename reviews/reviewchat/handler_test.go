package reviewchat

import (
	"context"
	"strconv"
	"strings"
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

type memAdobe map[string][]string

func (m memAdobe) ProfileMembers(_ context.Context, profile string, fn func(reviews.Member) error) error {
	for _, e := range m[profile] {
		if err := fn(reviews.Member{Email: e}); err != nil {
			return err
		}
	}
	return nil
}

type e2e struct {
	ctx  context.Context
	st   *store.Store
	svc  *approvals.Service
	fake *slackfake.Fake
	rv   *reviews.Reviews
	h    *Handler
	c    *reviews.Campaign
}

func newE2E(t *testing.T) *e2e {
	t.Helper()
	rdb, prefix := redistest.Client(t)
	st := store.New(rdb, prefix)
	clock := approvals.ClockFunc(func() time.Time { return t0 })
	pol := &approvals.Policy{
		Requesters: approvals.Audience{Everyone: true},
		Admins:     approvals.Audience{Groups: []approvals.PlatformID{{Platform: approvals.PlatformSlack, ID: "SADMINS"}}},
		Packages: map[string]*approvals.Package{"agent": {
			Name: "agent", Profiles: []approvals.ProductProfile{{Name: "Live Agent"}}, AllowPermanent: true,
			Approvers: approvals.Audience{Emails: []string{"ann@example.com"}, Users: []approvals.PlatformID{{Platform: approvals.PlatformSlack, ID: "UBEN"}}}, MinApprovals: 1,
		}},
	}
	svc := approvals.NewService(pol, st, clock)
	fake := slackfake.New()
	t.Cleanup(fake.Close)
	for _, u := range []slackfake.User{
		{ID: "UANN", Name: "Ann", Email: "ann@example.com"}, {ID: "UBEN", Name: "Ben", Email: "ben@example.com"},
		{ID: "UROOT", Name: "Root", Email: "root@example.com"}, {ID: "UEVE", Name: "Eve", Email: "eve@example.com"},
	} {
		fake.AddUser(u)
	}
	fake.AddGroup("SADMINS", "UROOT")
	sender := slackbot.NewSender(slackbot.SenderConfig{
		BotToken: slackfake.Token, APIURL: fake.URL(), MaxRetryWait: 2 * time.Second,
		Pacer: slackbot.NewChannelPacer(time.Millisecond, time.Second, nil), Metrics: slackbot.NewMetrics(nil), Logger: zerolog.Nop(),
	})
	n := NewNotifier(Config{Senders: bot.NewMux().Add(bot.Slack, sender), Messages: st,
		AdminChannel: approvals.PlatformID{Platform: approvals.PlatformSlack, ID: "CADMIN"}, Clock: clock})
	rv := reviews.New(reviews.Deps{Access: svc, Store: st, Notifier: n, Clock: clock,
		Adobe: memAdobe{"Live Agent": {"alice@example.com", "ben@example.com", "carl@example.com"}}})
	ctx := context.Background()
	if _, err := svc.Adopt(ctx, "alice@example.com", "agent", approvals.Actor{ID: "UROOT", Email: "root@example.com", Platform: "slack", Groups: []string{"SADMINS"}}, time.Time{}, "before chataccess"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Adopt(ctx, "ben@example.com", "agent", approvals.Actor{ID: "UROOT", Email: "root@example.com", Platform: "slack", Groups: []string{"SADMINS"}}, time.Time{}, "before chataccess"); err != nil {
		t.Fatal(err)
	}
	c, err := rv.Start(ctx, reviews.Schedule{Name: "q", OnNoResponse: reviews.NoResponseKeep}, approvals.System, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return &e2e{ctx: ctx, st: st, svc: svc, fake: fake, rv: rv, h: NewHandler(rv, n), c: c}
}

// click clicks a review button where it sits: in the message recorded
// for the value's view, in its item's block (or the navigation block).
func (e *e2e) click(uid, action, value string) bot.ActionReply {
	a := bot.Action{User: bot.User{Platform: "slack", ID: uid}, ActionID: action, Value: value, BlockID: "review:nav",
		Message: &bot.MessageRef{Platform: "slack", Channel: "D1", ID: "1.0"}}
	if v, err := ParseValue(value); err == nil {
		if len(v.Items) == 1 && action != ActionKeepPage && !strings.HasPrefix(action, ActionPage) {
			a.BlockID = "review:act:" + strconv.Itoa(v.Items[0])
		}
		posted, _ := e.st.ReviewMessages(e.ctx, v.Review)
		for _, m := range posted {
			if m.View == v.View {
				a.Message = &bot.MessageRef{Platform: bot.Platform(m.Platform), Channel: m.Channel, ID: m.ID}
			}
		}
	}
	return e.h.HandleAction(e.ctx, a)
}

func say2(r bot.ActionReply) string {
	if r.Ephemeral == nil {
		return ""
	}
	return r.Ephemeral.Text.String()
}

func TestHandlerDecisionsAndRefusals(t *testing.T) {
	e := newE2E(t)
	msgs := e.fake.Messages()
	// ann and ben each get a DM; carl is drift (admin channel).
	if len(msgs) != 3 {
		t.Fatalf("%d messages posted", len(msgs))
	}
	posted, err := e.st.ReviewMessages(e.ctx, e.c.ID)
	if err != nil || len(posted) != 3 {
		t.Fatalf("refs %+v %v", posted, err)
	}
	items, _ := e.st.ReviewItems(e.ctx, e.c.ID)
	var ben, alice reviews.Item
	for _, it := range items {
		switch it.Email {
		case "ben@example.com":
			ben = it
		case "alice@example.com":
			alice = it
		}
	}
	annIdx := -1
	for i, r := range e.c.Reviewers {
		if r.ID == "UANN" {
			annIdx = i
		}
	}
	if len(ben.Assignees) != 1 || ben.Assignees[0] != annIdx {
		t.Fatalf("ben's item assigned to %v (reviewers %+v)", ben.Assignees, e.c.Reviewers)
	}
	val := Value{Review: e.c.ID, View: ReviewerView(annIdx), Items: []int{ben.Index}}.String()
	// ben clicks his own item: refused, nothing recorded.
	if m := say2(e.click("UBEN", ActionKeep, val)); !strings.Contains(m, "own access") {
		t.Fatalf("self click: %q", m)
	}
	// eve is no reviewer: refused.
	if m := say2(e.click("UEVE", ActionRevoke, val)); !strings.Contains(m, "not a reviewer") {
		t.Fatalf("stranger click: %q", m)
	}
	if it, _ := e.st.ReviewItem(e.ctx, e.c.ID, ben.Index); it.Decision != nil {
		t.Fatalf("refused clicks recorded %+v", it.Decision)
	}
	// ann revokes: the message is redrawn and a system remove exists.
	rep := e.click("UANN", ActionRevoke, val)
	if rep.Update == nil || rep.Ephemeral != nil {
		t.Fatalf("revoke reply %+v %q", rep, say2(rep))
	}
	if !strings.Contains(textOf(rep.Update), "Revoked") {
		t.Fatalf("redraw lacks the decision: %s", textOf(rep.Update))
	}
	rep.After(e.ctx)
	it, _ := e.st.ReviewItem(e.ctx, e.c.ID, ben.Index)
	if it.Decision == nil || it.Decision.RequestID == "" {
		t.Fatalf("decision %+v", it.Decision)
	}
	r, err := e.st.Get(e.ctx, it.Decision.RequestID)
	if err != nil || r.State != approvals.StateApproved || !strings.Contains(r.Reason, "revoked in review "+e.c.ID+" by ann@example.com") {
		t.Fatalf("remove %+v %v", r, err)
	}
	// A double click, or root, gets "already decided by ann".
	if m := say2(e.click("UANN", ActionRevoke, val)); !strings.Contains(m, "Already decided: revoked by ann@example.com") {
		t.Fatalf("double click: %q", m)
	}
	if m := say2(e.click("UROOT", ActionKeep, val)); !strings.Contains(m, "Already decided") {
		t.Fatalf("second reviewer: %q", m)
	}
	// Keep all on alice's page by ben (a reviewer of alice).
	benIdx := alice.Assignees[0]
	for _, a := range alice.Assignees {
		if e.c.Reviewers[a].ID == "UBEN" {
			benIdx = a
		}
	}
	all := Value{Review: e.c.ID, View: ReviewerView(benIdx), Items: []int{alice.Index}}.String()
	if rep := e.click("UBEN", ActionKeepPage, all); rep.Update == nil {
		t.Fatalf("keep page: %q", say2(rep))
	}
	if it, _ := e.st.ReviewItem(e.ctx, e.c.ID, alice.Index); it.Decision == nil || it.Decision.Verdict != reviews.Keep {
		t.Fatalf("alice %+v", it.Decision)
	}
	// Drift: eve cannot adopt, root can, once.
	carl := Value{Review: e.c.ID, View: ViewDrift, Items: []int{3}}.String()
	if m := say2(e.click("UEVE", ActionAdopt, carl)); !strings.Contains(m, "Only admins") {
		t.Fatalf("eve adopt: %q", m)
	}
	if m := say2(e.click("UROOT", ActionAdopt, carl)); !strings.Contains(m, "Adopted") {
		t.Fatalf("root adopt: %q", m)
	}
	if m := say2(e.click("UROOT", ActionRemove, carl)); !strings.Contains(m, "Already handled") {
		t.Fatalf("second fix: %q", m)
	}
	// Paging and junk.
	if rep := e.click("UEVE", ActionPage+":next", Value{Review: e.c.ID, View: ViewDrift, Page: 1}.String()); rep.Update == nil {
		t.Fatal("page: no redraw")
	}
	if m := say2(e.click("UANN", ActionKeep, "R-1|r0|0|1;DROP")); !strings.Contains(m, "not one I know") {
		t.Fatalf("junk: %q", m)
	}
}

func textOf(m *bot.Message) string {
	var b strings.Builder
	for _, bl := range m.Blocks {
		if s, ok := bl.(*bot.Section); ok {
			b.WriteString(s.Text.String())
		}
	}
	return b.String()
}
