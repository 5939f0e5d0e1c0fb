package commands

import (
	"context"
	"encoding/json"
	goldenfile "github.com/chataccess/chataccess/internal/golden"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/bot/slackbot"
)

func golden(t *testing.T, name string, v any) {
	t.Helper()
	goldenfile.JSON(t, name, v)
}

var (
	lead = approvals.Actor{ID: "ULEAD", Email: "lead@example.com", Name: "Lea Lead", Platform: "slack"}
	ann  = approvals.Actor{ID: "UANN", Email: "ann@example.com", Name: "Ann", Platform: "slack"}
	ben  = approvals.Actor{ID: "UBEN", Email: "ben@example.com", Name: "Ben", Platform: "slack"}
)

// cardStates builds one request per card state worth a golden file.
func cardStates() map[string]*approvals.Request {
	base := func() *approvals.Request {
		return &approvals.Request{
			ID: "DC-1042", Kind: approvals.KindAdd, Package: "agent", Justification: "covering EMEA",
			Target:   approvals.Target{Email: "alice@example.com", PlatformID: "UALICE"},
			Duration: 30 * 24 * time.Hour, Requester: lead, State: approvals.StatePending, Version: 1,
			CreatedAt: t0, UpdatedAt: t0, Deadline: t0.Add(72 * time.Hour),
		}
	}
	vote := func(a approvals.Actor, v approvals.Verdict, min int, c string) approvals.Decision {
		return approvals.Decision{Approver: a, Verdict: v, At: t0.Add(time.Duration(min) * time.Minute), Comment: c}
	}
	out := map[string]*approvals.Request{}
	out["card_pending_0of2"] = base()
	r := base()
	r.Decisions = []approvals.Decision{vote(ann, approvals.Approve, 42, "")}
	out["card_pending_1of2"] = r
	r = base()
	r.State = approvals.StateApproved
	r.Decisions = []approvals.Decision{vote(ann, approvals.Approve, 42, ""), vote(ben, approvals.Approve, 50, "ok for Q3")}
	out["card_approved"] = r
	r = base()
	r.State = approvals.StateDenied
	r.Decisions = []approvals.Decision{vote(ben, approvals.Deny, 50, "use the viewer package")}
	out["card_denied"] = r
	r = base()
	r.State = approvals.StateExecuting
	r.Decisions = out["card_approved"].Decisions
	r.Steps = []approvals.Step{
		{Name: "adobe", Status: approvals.StepDone, At: t0.Add(time.Hour)},
		{Name: "marketo", Status: approvals.StepWaiting, Detail: "waiting for the user to appear", NextCheck: t0.Add(time.Hour + 42*time.Minute)},
	}
	out["card_executing"] = r
	r = base()
	r.State = approvals.StateCompleted
	r.Decisions = out["card_approved"].Decisions
	r.Steps = []approvals.Step{{Name: "adobe", Status: approvals.StepDone}, {Name: "marketo", Status: approvals.StepDone}}
	r.GrantedAt, r.GrantedUntil = t0.Add(2*time.Hour), t0.Add(2*time.Hour+30*24*time.Hour)
	out["card_completed"] = r
	r = base()
	r.State = approvals.StateFailed
	r.Decisions = out["card_approved"].Decisions
	r.Steps = []approvals.Step{{Name: "adobe", Status: approvals.StepDone}, {Name: "marketo", Status: approvals.StepFailed, Detail: "role DC Agent not found"}}
	r.Failure = "Marketo has no role DC Agent (#12)"
	out["card_failed"] = r
	r = base()
	r.Package, r.DryRun, r.Duration = "viewer", true, 0
	out["card_dry_run"] = r
	r = base()
	r.Kind, r.Duration, r.Justification, r.Revokes = approvals.KindRemove, 0, "left the team", "DC-1001"
	out["card_remove"] = r
	r = base()
	r.State = approvals.StateExpired
	out["card_expired"] = r
	return out
}

func TestGoldenCards(t *testing.T) {
	pol := testPolicy()
	f := newFixture(t)
	for name, r := range cardStates() {
		t.Run(name, func(t *testing.T) {
			pkg, _ := pol.Package(r.Package)
			m := Card(r, pkg, CardOptions{})
			checkMessage(t, f, name, m)
		})
	}
	t.Run("card_requester_copy", func(t *testing.T) {
		pkg, _ := pol.Package("agent")
		checkMessage(t, f, "card_requester_copy", Card(cardStates()["card_pending_1of2"], pkg, CardOptions{RequesterCopy: true}))
	})
	t.Run("help", func(t *testing.T) { checkMessage(t, f, "help", HelpMessage("/dynchat")) })
	t.Run("expiry_warning", func(t *testing.T) {
		pkg, _ := pol.Package("agent")
		g := approvals.Grant{Email: "alice@example.com", Package: "agent", RequestID: "DC-1042", Since: t0, Until: t0.Add(30 * 24 * time.Hour),
			ApprovedBy: []string{"ann@example.com", "ben@example.com"}}
		checkMessage(t, f, "expiry_warning", ExpiryWarning(g, pkg, t0.Add(27*24*time.Hour), nil))
	})
}

// checkMessage renders m through the Slack renderer, as serve wires it
// (its own words from the catalog), compares it with the golden file
// and posts it to the fake Slack API, which checks the Block Kit limits
// on its own.
func checkMessage(t *testing.T, f *fixture, name string, m bot.Message) {
	t.Helper()
	r, err := slackbot.Renderer{Phrases: f.h.cat}.Message(m)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, name, r)
	if _, err := f.sender.Post(context.Background(), "CGOLDEN", m); err != nil {
		t.Fatalf("fake Slack refused %s: %v", name, err)
	}
}

var trigger int

func checkModal(t *testing.T, f *fixture, name string, m bot.Modal) {
	t.Helper()
	if n := len([]rune(m.Title)); n > maxModalTitle {
		t.Fatalf("title %q is %d characters", m.Title, n)
	}
	v, err := slackbot.Renderer{Phrases: f.h.cat}.Modal(m)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, name, v)
	trigger++
	if err := f.sender.OpenModal(context.Background(), "trig-"+strconv.Itoa(trigger), m); err != nil {
		t.Fatalf("fake Slack refused %s: %v", name, err)
	}
}

func TestGoldenModals(t *testing.T) {
	f := newFixture(t)
	en := english(nil)
	checkModal(t, f, "modal_add_empty", f.h.addModal(en, addForm{}))
	checkModal(t, f, "modal_add_prefilled", f.h.addModal(en, addForm{UserID: "UALICE", Email: "alice@example.com", Package: "agent", Duration: "2w", Reason: "covering EMEA"}))
	checkModal(t, f, "modal_remove_user", f.h.removeUserModal(en))
	m, err := f.h.removeModal(f.ctx, en, approvals.Target{Email: "alice@example.com"}, "", "")
	if err != nil {
		t.Fatal(err)
	}
	checkModal(t, f, "modal_remove_no_grants", m)
	r := cardStates()["card_pending_1of2"]
	checkModal(t, f, "modal_deny", f.h.denyModal(en, r))
	checkModal(t, f, "modal_done", *doneModal(en, "modal.sent", f.h.submitted(en, r)))
}

func TestGoldenRemoveModalWithGrants(t *testing.T) {
	f := newFixture(t)
	r := f.add("ULEAD", `add alice@example.com viewer permanent "read only"`)
	if _, err := f.svc.Approve(f.ctx, r.ID, ann, ""); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(time.Hour)
	if _, err := f.svc.StartExecution(f.ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Complete(f.ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	m, err := f.h.removeModal(f.ctx, english(nil), approvals.Target{Email: "alice@example.com", PlatformID: "UALICE"}, "viewer", "left")
	if err != nil {
		t.Fatal(err)
	}
	checkModal(t, f, "modal_remove_grants", m)
}

func TestGoldenHome(t *testing.T) {
	f := newFixture(t)
	mine := f.add("UANN", `add alice@example.com agent 30d "covering EMEA"`)
	other := f.add("ULEAD", `add carol@example.com agent 7d "<!channel> & <@U123> <b>"`)
	decided := f.add("ULEAD", `add dave@example.com viewer 7d "read only"`)
	f.clock.Add(10 * time.Minute)
	if _, err := f.svc.Approve(f.ctx, decided.ID, ann, ""); err != nil {
		t.Fatal(err)
	}
	home, err := f.h.Home(f.ctx, ann)
	if err != nil {
		t.Fatal(err)
	}
	v, err := slackbot.RenderHome(home)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "home", v)
	raw, _ := json.Marshal(v)
	s := string(raw)
	if !strings.Contains(s, mine.ID) || !strings.Contains(s, other.ID) || strings.Contains(s, "<!channel>") {
		t.Fatalf("home content wrong: %s", s)
	}
	// Ann sees her own request with Cancel but never Approve for it.
	if strings.Contains(s, "decide:"+mine.ID) || !strings.Contains(s, "decide:"+other.ID) || strings.Contains(s, "decide:"+decided.ID) {
		t.Fatalf("home decisions wrong: %s", s)
	}
	f.h.HandleHomeOpened(f.ctx, user("UANN"))
	if f.fake.Home("UANN") == nil {
		t.Fatal("home not published to the fake")
	}
}

func TestHomeStaysUnderBlockLimit(t *testing.T) {
	f := newFixture(t)
	for i := range 60 {
		f.add("ULEAD", "add user"+strconv.Itoa(i)+"@example.com agent 7d why")
	}
	home, err := f.h.Home(f.ctx, ann)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(home.Blocks); n > maxHomeBlocks {
		t.Fatalf("%d blocks", n)
	}
	if err := f.sender.PublishHome(f.ctx, "UANN", home); err != nil {
		t.Fatal(err)
	}
}

func TestEscaping(t *testing.T) {
	f := newFixture(t)
	hostile := "<!channel> <@U123> &<> *bold* <https://evil.test|click>"
	r := cardStates()["card_denied"]
	r.Justification = hostile
	r.Target.Email = "alice@example.com"
	r.Requester.Name = "<!here>"
	r.Decisions[0].Comment = hostile
	r.Failure = hostile
	r.Steps = []approvals.Step{{Name: "<!channel>", Status: approvals.StepFailed, Detail: hostile}}
	pkg, _ := testPolicy().Package("agent")
	msgs := []bot.Message{Card(r, pkg, CardOptions{})}
	r2 := *r
	r2.State = approvals.StateFailed
	msgs = append(msgs, Card(&r2, pkg, CardOptions{}))
	rec := approvals.Record{RequestID: r.ID, Event: approvals.EventDeny, Actor: ben, At: t0, Detail: hostile}
	msgs = append(msgs, bot.Message{Text: f.h.threadNote(english(nil), rec, r)}, bot.Message{Text: f.h.requesterNote(english(nil), rec, r)})
	for i, m := range msgs {
		out, err := slackbot.RenderMessage(m)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(out)
		s := unJSON(string(raw))
		for _, bad := range []string{"<!channel>", "<@U123>", "<!here>", "<https://evil.test"} {
			if strings.Contains(s, bad) {
				t.Fatalf("message %d carries %q unescaped: %s", i, bad, s)
			}
		}
		if !strings.Contains(s, "&lt;!channel&gt;") {
			t.Fatalf("message %d lost the escaped text: %s", i, s)
		}
	}
	// A hostile justification typed in the command reaches the card escaped.
	req := f.add("ULEAD", `add alice@example.com agent 7d "<!channel> &<> <@U123>"`)
	f.drain()
	card := unJSON(messagesIn(f.fake, approvalChannel)[0].Blocks)
	// Slack's own tokens in command text read as typed ("@channel"); the
	// rest stays escaped text.
	if strings.Contains(card, "<!channel>") || !strings.Contains(card, "@channel &amp;&lt;&gt; &lt;@U123&gt;") {
		t.Fatalf("card %s for %s", card, req.ID)
	}
}

// unJSON undoes encoding/json's HTML-safe escapes so tests can look for
// the characters Slack sees.
func unJSON(s string) string {
	return strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(s)
}
