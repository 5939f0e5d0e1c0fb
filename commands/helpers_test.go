package commands

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/bot/slackbot"
	"github.com/chataccess/chataccess/bot/slackbot/slackfake"
	"github.com/chataccess/chataccess/internal/redistest"
	"github.com/chataccess/chataccess/store"
)

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var t0 = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

const approvalChannel = "CAPPROVALS"

func testPolicy() *approvals.Policy {
	return &approvals.Policy{
		Requesters:       approvals.Audience{Everyone: true},
		Admins:           approvals.Audience{Users: []approvals.PlatformID{{Platform: approvals.PlatformSlack, ID: "UROOT"}}},
		MaxJustification: 500,
		Packages: map[string]*approvals.Package{
			"agent": {
				Name:             "agent",
				Description:      "Live Agent profile + DC Agent role",
				Profiles:         []approvals.ProductProfile{{Name: "Live Agent", Product: "Dynamic Chat"}},
				MarketoRole:      approvals.MarketoRef{ID: 12, Name: "DC Agent"},
				MarketoWorkspace: approvals.MarketoRef{Name: "Default"},
				Approvers:        approvals.Audience{Users: []approvals.PlatformID{{Platform: approvals.PlatformSlack, ID: "UANN"}, {Platform: approvals.PlatformSlack, ID: "UBEN"}, {Platform: approvals.PlatformSlack, ID: "ULEAD"}}, Groups: []approvals.PlatformID{{Platform: approvals.PlatformSlack, ID: "SAPPR"}}},
				MinApprovals:     2,
				DefaultDuration:  30 * 24 * time.Hour,
				MaxDuration:      90 * 24 * time.Hour,
				ApprovalTimeout:  72 * time.Hour,
				ReminderInterval: 24 * time.Hour,
				ApprovalChannels: []approvals.PlatformID{{Platform: approvals.PlatformSlack, ID: approvalChannel}},
				DMApprovers:      true,
			},
			"viewer": {
				Name:             "viewer",
				Profiles:         []approvals.ProductProfile{{Name: "DC Viewer", Product: "Dynamic Chat"}},
				MarketoRole:      approvals.MarketoRef{Name: "DC Viewer"},
				Approvers:        approvals.Audience{Users: []approvals.PlatformID{{Platform: approvals.PlatformSlack, ID: "UANN"}}},
				MinApprovals:     1,
				AllowPermanent:   true,
				DryRun:           true,
				ApprovalChannels: []approvals.PlatformID{{Platform: approvals.PlatformSlack, ID: approvalChannel}},
				AutoApprove:      approvals.AutoApprove{Removals: true},
			},
		},
	}
}

type fixture struct {
	t      *testing.T
	ctx    context.Context
	clock  *testClock
	st     *store.Store
	svc    *approvals.Service
	fake   *slackfake.Fake
	sender *slackbot.Sender
	h      *Handler
	n      *Notifier
	logs   *strings.Builder
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	rdb, prefix := redistest.Client(t)
	st := store.New(rdb, prefix)
	clock := &testClock{t: t0}
	svc := approvals.NewService(testPolicy(), st, clock)
	fake := slackfake.New()
	t.Cleanup(fake.Close)
	for _, u := range []slackfake.User{
		{ID: "ULEAD", Name: "Lea Lead", Email: "lead@example.com"},
		{ID: "UANN", Name: "Ann", Email: "ann@example.com"},
		{ID: "UBEN", Name: "Ben", Email: "ben@example.com"},
		{ID: "UCAROL", Name: "Carol", Email: "carol@example.com"},
		{ID: "UROOT", Name: "Root", Email: "root@example.com"},
		{ID: "UEVE", Name: "Eve", Email: "eve@example.com"},
		{ID: "UALICE", Name: "Alice Smith", Email: "Alice@Example.com"},
		{ID: "UBOT", Name: "Some Bot", IsBot: true},
	} {
		fake.AddUser(u)
	}
	fake.AddGroup("SAPPR", "UCAROL")
	sender := slackbot.NewSender(slackbot.SenderConfig{
		BotToken: slackfake.Token, APIURL: fake.URL(), MaxRetryWait: 2 * time.Second,
		Pacer:   slackbot.NewChannelPacer(time.Millisecond, time.Second, nil),
		Metrics: slackbot.NewMetrics(nil), Logger: zerolog.Nop(), Phrases: builtinCatalog(),
	})
	logs := &strings.Builder{}
	var mu sync.Mutex
	h := New(Deps{Service: svc, Ledger: st, Senders: bot.NewMux().Add(bot.Slack, sender), Clock: clock,
		Logger:      zerolog.New(zerolog.SyncWriter(lockedWriter{&mu, logs})),
		CommandName: "/dynchat", AdminChannels: []approvals.PlatformID{{Platform: approvals.PlatformSlack, ID: "CADMIN"}}})
	ctx := context.Background()
	out, err := st.Outbox(ctx, "notify", 10*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	n := NewNotifier(h, out, NotifierConfig{Consumer: "test", Locks: st})
	return &fixture{t: t, ctx: ctx, clock: clock, st: st, svc: svc, fake: fake, sender: sender, h: h, n: n, logs: logs}
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *strings.Builder
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func user(id string) bot.User { return bot.User{Platform: "slack", ID: id} }

func (f *fixture) command(uid, text string) bot.Reply {
	f.t.Helper()
	return f.h.HandleCommand(f.ctx, bot.Command{User: user(uid), Channel: "CWORK", Name: "/dynchat", Text: text, TriggerID: "trig"})
}

// click clicks a request button as it sits in an ephemeral reply (such
// as /dynchat pending): the block names the same request as the value.
func (f *fixture) click(uid, action, value string) bot.ActionReply {
	f.t.Helper()
	return f.h.HandleAction(f.ctx, bot.Action{User: user(uid), ActionID: action, BlockID: blockPrefix[action] + value, Value: value,
		Channel: approvalChannel, Message: &bot.MessageRef{Platform: "slack", Channel: approvalChannel, ID: "1.0"}, Ephemeral: true})
}

// add submits an add request through the command and returns it.
func (f *fixture) add(uid, text string) *approvals.Request {
	f.t.Helper()
	rep := f.command(uid, text)
	if rep.Message == nil || !strings.Contains(rep.Message.Text.String(), "sent") {
		f.t.Fatalf("add %q: reply %+v", text, rep.Message)
	}
	id := strings.Trim(strings.Fields(rep.Message.Text.String())[1], ":")
	r, err := f.st.Get(f.ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return r
}

func (f *fixture) drain() int {
	f.t.Helper()
	total := 0
	for range 10 {
		n, err := f.n.Drain(f.ctx)
		if err != nil {
			f.t.Fatal(err)
		}
		if n == 0 {
			break
		}
		total += n
	}
	return total
}

// snapshot is what a refused input must leave untouched.
type snapshot struct {
	count int64
	reqs  map[string]int64
}

func (f *fixture) snapshot() snapshot {
	f.t.Helper()
	n, err := f.st.Count(f.ctx, approvals.AllRequests())
	if err != nil {
		f.t.Fatal(err)
	}
	all, err := f.st.List(f.ctx, approvals.AllRequests(), 1000)
	if err != nil {
		f.t.Fatal(err)
	}
	s := snapshot{count: n, reqs: map[string]int64{}}
	for _, r := range all {
		s.reqs[r.ID] = r.Version
	}
	return s
}

func text(m *bot.Message) string {
	if m == nil {
		return ""
	}
	return m.Text.String()
}
