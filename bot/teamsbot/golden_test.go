package teamsbot_test

import (
	"context"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/bot/teamsbot"
	"github.com/chataccess/chataccess/commands"
	"github.com/chataccess/chataccess/internal/golden"
	"github.com/chataccess/chataccess/reviews"
	"github.com/chataccess/chataccess/reviews/reviewchat"
)

// Golden Adaptive Cards: every card state, dialog, Home and review page
// chataccess shows on Teams, drawn by the real commands and reviewchat
// code. Run go test -update to rewrite them; TestCardsPassAdaptiveCards
// checks every file with Microsoft's parser.

var t0 = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

var (
	lead = approvals.Actor{ID: alice.ObjectID, Email: alice.Email, Name: alice.Name, Platform: approvals.PlatformTeams}
	ann  = approvals.Actor{ID: bob.ObjectID, Email: bob.Email, Name: bob.Name, Platform: approvals.PlatformTeams}
	ben  = approvals.Actor{Email: "ben@example.com", Name: "Ben Slack", ID: "UBEN", Platform: approvals.PlatformSlack}
)

func teamsPolicy() *approvals.Policy {
	return &approvals.Policy{
		Requesters: approvals.Audience{Everyone: true}, MaxJustification: 500,
		Admins: approvals.Audience{Emails: []string{"root@example.com"}},
		Packages: map[string]*approvals.Package{
			"agent": {Name: "agent", Description: "Live Agent profile + DC Agent role",
				Profiles:    []approvals.ProductProfile{{Name: "Live Agent", Product: "Dynamic Chat"}},
				MarketoRole: approvals.MarketoRef{ID: 12, Name: "DC Agent"}, MarketoWorkspace: approvals.MarketoRef{Name: "Default"},
				Approvers:    approvals.Audience{Users: []approvals.PlatformID{{Platform: approvals.PlatformTeams, ID: bob.ObjectID}}, Emails: []string{"ben@example.com"}},
				MinApprovals: 2, DefaultDuration: 30 * 24 * time.Hour, MaxDuration: 90 * 24 * time.Hour, ApprovalTimeout: 72 * time.Hour,
				ApprovalChannels: []approvals.PlatformID{{Platform: approvals.PlatformTeams, ID: channel.ID}}},
			"viewer": {Name: "viewer", Profiles: []approvals.ProductProfile{{Name: "DC Viewer"}}, MarketoRole: approvals.MarketoRef{Name: "DC Viewer"},
				Approvers: approvals.Audience{Users: []approvals.PlatformID{{Platform: approvals.PlatformTeams, ID: bob.ObjectID}}}, MinApprovals: 1,
				AllowPermanent: true, DryRun: true},
		},
	}
}

func cardStates() map[string]*approvals.Request {
	base := func() *approvals.Request {
		return &approvals.Request{ID: "DC-1042", Kind: approvals.KindAdd, Package: "agent",
			Justification: "covering EMEA **now** <at>Bob Jones</at> [click](https://evil.example) _x_ \u202eevil\n- list",
			Target:        approvals.Target{Email: carol.UPN, PlatformID: carol.ObjectID, Platform: approvals.PlatformTeams},
			Duration:      30 * 24 * time.Hour, Requester: lead, State: approvals.StatePending, Version: 1,
			CreatedAt: t0, UpdatedAt: t0, Deadline: t0.Add(72 * time.Hour)}
	}
	vote := func(a approvals.Actor, v approvals.Verdict, min int, c string) approvals.Decision {
		return approvals.Decision{Approver: a, Verdict: v, At: t0.Add(time.Duration(min) * time.Minute), Comment: c}
	}
	approved := []approvals.Decision{vote(ann, approvals.Approve, 42, ""), vote(ben, approvals.Approve, 50, "ok for Q3")}
	out := map[string]*approvals.Request{"card_pending_0of2": base()}
	r := base()
	r.Decisions = approved[:1]
	out["card_pending_1of2"] = r
	r = base()
	r.State, r.Decisions = approvals.StateApproved, approved
	out["card_approved"] = r
	r = base()
	r.State, r.Decisions = approvals.StateDenied, []approvals.Decision{vote(ann, approvals.Deny, 50, "use *viewer* instead")}
	out["card_denied"] = r
	r = base()
	r.State, r.Decisions = approvals.StateExecuting, approved
	r.Steps = []approvals.Step{{Name: "adobe", Status: approvals.StepDone, At: t0.Add(time.Hour)},
		{Name: "marketo", Status: approvals.StepWaiting, Detail: "waiting for the user to appear", NextCheck: t0.Add(time.Hour + 42*time.Minute)}}
	out["card_executing"] = r
	r = base()
	r.State, r.Decisions = approvals.StateCompleted, approved
	r.Steps = []approvals.Step{{Name: "adobe", Status: approvals.StepDone}, {Name: "marketo", Status: approvals.StepDone}}
	r.GrantedAt, r.GrantedUntil = t0.Add(2*time.Hour), t0.Add(2*time.Hour+30*24*time.Hour)
	out["card_completed"] = r
	r = base()
	r.State, r.Decisions, r.Failure = approvals.StateFailed, approved, "Marketo has no role DC Agent (#12)"
	r.Steps = []approvals.Step{{Name: "adobe", Status: approvals.StepDone}, {Name: "marketo", Status: approvals.StepFailed, Detail: "role DC Agent not found"}}
	out["card_failed"] = r
	r = base()
	r.Package, r.DryRun, r.Duration = "viewer", true, 0
	out["card_dry_run"] = r
	r = base()
	r.Kind, r.Duration, r.Justification = approvals.KindRemove, 0, "left the team"
	out["card_remove"] = r
	for name, state := range map[string]approvals.State{"card_expired": approvals.StateExpired, "card_cancelled": approvals.StateCancelled, "card_revoked": approvals.StateRevoked} {
		r = base()
		r.State = state
		out[name] = r
	}
	return out
}

// cardGolden renders m for Teams and compares the card with its golden file.
func cardGolden(t *testing.T, name string, m bot.Message) {
	t.Helper()
	r, err := teamsbot.RenderMessage(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	golden.JSON(t, name, r.Card)
}

func TestGoldenCards(t *testing.T) {
	pol := teamsPolicy()
	for name, r := range cardStates() {
		t.Run(name, func(t *testing.T) {
			pkg, _ := pol.Package(r.Package)
			cardGolden(t, name, commands.Card(r, pkg, commands.CardOptions{}))
		})
	}
	pkg, _ := pol.Package("agent")
	cardGolden(t, "card_requester_copy", commands.Card(cardStates()["card_pending_1of2"], pkg, commands.CardOptions{RequesterCopy: true}))
	cardGolden(t, "help", commands.HelpMessage("/dynchat"))
	g := approvals.Grant{Email: carol.UPN, Package: "agent", RequestID: "DC-1042", Since: t0, Until: t0.Add(30 * 24 * time.Hour),
		ApprovedBy: []string{"ann@example.com", "ben@example.com"}}
	cardGolden(t, "expiry_warning", commands.ExpiryWarning(g, pkg, t0.Add(27*24*time.Hour), nil))
	cardGolden(t, "text_only", bot.Message{Text: bot.Textf("Request %s sent: %s", bot.Code("DC-1"), bot.Plain("*not bold* <at>x</at>"))})
}

// chatFixture is a real commands.Handler on Teams over the harness.
func chatFixture(t *testing.T, h *harness) (*commands.Handler, *approvals.Service, *bot.Mux) {
	t.Helper()
	mux := bot.NewMux().Add(bot.Teams, h.adapter.Sender)
	clock := approvals.ClockFunc(func() time.Time { return t0 })
	svc := approvals.NewService(teamsPolicy(), h.store, clock)
	hd := commands.New(commands.Deps{Service: svc, Ledger: h.store, Senders: mux, Clock: clock, Logger: zerolog.Nop(), CommandName: "/dynchat"})
	return hd, svc, mux
}

func dialogGolden(t *testing.T, name string, m *bot.Modal) {
	t.Helper()
	if m == nil {
		t.Fatalf("%s: no modal", name)
	}
	c, err := teamsbot.RenderDialog(*m, "0123456789abcdef0123456789abcdef")
	if err != nil {
		t.Fatal(err)
	}
	golden.JSON(t, name, c)
}

func TestGoldenDialogs(t *testing.T) {
	h := newHarness(t)
	hd, svc, _ := chatFixture(t, h)
	ctx := context.Background()
	asAlice := bot.User{Platform: bot.Teams, ID: alice.ObjectID, Name: alice.Name}
	dialogGolden(t, "dialog_add", hd.HandleCommand(ctx, bot.Command{User: asAlice, Text: "add"}).Modal)
	dialogGolden(t, "dialog_remove_user", hd.HandleCommand(ctx, bot.Command{User: asAlice, Text: "remove"}).Modal)
	dialogGolden(t, "dialog_remove", hd.HandleCommand(ctx, bot.Command{User: asAlice, Text: "remove carol@example.com"}).Modal)
	r, err := svc.Submit(ctx, approvals.SubmitInput{Kind: approvals.KindAdd, Package: "agent", Justification: "covering EMEA",
		Target: approvals.Target{Email: carol.UPN}, Requester: lead, Origin: approvals.PlatformTeams})
	if err != nil {
		t.Fatal(err)
	}
	rep := hd.HandleAction(ctx, bot.Action{User: bot.User{Platform: bot.Teams, ID: bob.ObjectID}, ActionID: commands.ActionDeny, Value: r.ID,
		BlockID: "decide:" + r.ID, Message: &bot.MessageRef{Platform: bot.Teams, Channel: "a:bob", ID: "1"}, Ephemeral: true})
	dialogGolden(t, "dialog_deny", rep.Modal)
	sub := hd.HandleSubmission(ctx, bot.Submission{User: bot.User{Platform: bot.Teams, ID: bob.ObjectID}, CallbackID: commands.CallbackDeny,
		PrivateMetadata: r.ID, Values: bot.Values{"justification": {"reason_in": {Text: "use viewer"}}}})
	dialogGolden(t, "dialog_done", sub.Update)
}

// lastCard is the card of the last post to a conversation.
func lastCard(t *testing.T, h *harness, conv string) map[string]any {
	t.Helper()
	posts := h.fake.Posts()
	for i := len(posts) - 1; i >= 0; i-- {
		if posts[i].Conversation == conv {
			return posts[i].Card()
		}
	}
	t.Fatalf("nothing posted to %s", conv)
	return nil
}

func TestGoldenHomeAndReviewPages(t *testing.T) {
	h := newHarness(t)
	hd, _, mux := chatFixture(t, h)
	ctx := context.Background()
	hd.HandleHomeOpened(ctx, bot.User{Platform: bot.Teams, ID: bob.ObjectID, Name: bob.Name})
	golden.JSON(t, "home", lastCard(t, h, h.fake.PersonalChat(bob.MRI)))

	n := reviewchat.NewNotifier(reviewchat.Config{Senders: mux, Messages: h.store, Logger: zerolog.Nop(),
		AdminChannel: approvals.PlatformID{Platform: approvals.PlatformTeams, ID: channel.ID},
		Clock:        approvals.ClockFunc(func() time.Time { return t0.Add(24 * time.Hour) })})
	c, items := sampleCampaign()
	if err := n.SendReview(ctx, c, items); err != nil {
		t.Fatal(err)
	}
	golden.JSON(t, "review_page", lastCard(t, h, h.fake.PersonalChat(bob.MRI)))
	golden.JSON(t, "review_drift", lastCard(t, h, channel.ID))
	if err := n.Remind(ctx, c, map[int]int{0: 2}); err != nil {
		t.Fatal(err)
	}
	golden.JSON(t, "review_reminder", lastCard(t, h, h.fake.PersonalChat(bob.MRI)))
	closed := *c
	closed.Status, closed.ClosedAt = reviews.StatusClosed, t0.Add(14*24*time.Hour)
	if err := n.Closed(ctx, &closed, reviews.Summarize(items)); err != nil {
		t.Fatal(err)
	}
	golden.JSON(t, "review_summary", lastCard(t, h, channel.ID))
}

func sampleCampaign() (*reviews.Campaign, []reviews.Item) {
	c := &reviews.Campaign{ID: "R-12", Schedule: "quarterly", Packages: []string{"agent"}, CreatedAt: t0, RoundStart: t0,
		Deadline: t0.Add(14 * 24 * time.Hour), DeadlineAfter: 14 * 24 * time.Hour, OnNoResponse: reviews.NoResponseEscalate,
		Status: reviews.StatusOpen, Version: 1, Items: 3, Reviewers: []approvals.Actor{ann}}
	grant := &approvals.Grant{Email: carol.UPN, Package: "agent", RequestID: "DC-1042", Since: t0.Add(-40 * 24 * time.Hour),
		Until: t0.Add(50 * 24 * time.Hour), ApprovedBy: []string{"ben@example.com"}, Requester: alice.Email,
		Justification: "covering EMEA *weekends* <at>Bob Jones</at> & friends"}
	items := []reviews.Item{
		{Index: 1, Package: "agent", Email: carol.UPN, Name: "Carol Diaz", Profiles: []string{"Live Agent"}, InMarketo: true,
			LastLogin: t0.Add(-3 * 24 * time.Hour), Grant: grant, Assignees: []int{0}},
		{Index: 2, Package: "agent", Email: "carl@example.com", Profiles: []string{"Live Agent"}, InMarketo: true,
			Findings: []reviews.FindingKind{reviews.OutsideBot}, Assignees: []int{0}},
		{Index: 3, Package: "agent", Email: "dora@example.com", Profiles: []string{"Live Agent"},
			Findings: []reviews.FindingKind{reviews.MissingInAdobe}, Assignees: []int{0},
			Decision: &reviews.Decision{Verdict: reviews.Revoke, By: ann, At: t0.Add(time.Hour), RequestID: "DC-1050"}},
	}
	return c, items
}
