package commands

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/bot/slackbot"
	"github.com/chataccess/chataccess/bot/slackbot/slackfake"
	"github.com/chataccess/chataccess/i18n"
)

// TestGoldenFrench draws every card state, the help, the expiry warning,
// the modals and the App Home in French. Each goes through the Slack
// renderer's limit checks and the fake Slack's Block Kit validation.
func TestGoldenFrench(t *testing.T) {
	pol := testPolicy()
	f := newFixture(t)
	fr := f.h.cat.Lang("fr")
	for name, r := range cardStates() {
		t.Run(name, func(t *testing.T) {
			pkg, _ := pol.Package(r.Package)
			checkMessage(t, f, "fr_"+name, Card(r, pkg, CardOptions{Lang: fr}))
		})
	}
	pkg, _ := pol.Package("agent")
	checkMessage(t, f, "fr_card_requester_copy", Card(cardStates()["card_pending_1of2"], pkg, CardOptions{RequesterCopy: true, Lang: fr}))
	checkMessage(t, f, "fr_help", HelpMessageIn(fr, "/dynchat"))
	g := approvals.Grant{Email: "alice@example.com", Package: "agent", RequestID: "DC-1042", Since: t0, Until: t0.Add(30 * 24 * time.Hour),
		ApprovedBy: []string{"ann@example.com", "ben@example.com"}}
	checkMessage(t, f, "fr_expiry_warning", ExpiryWarningIn(fr, g, pkg, t0.Add(27*24*time.Hour), nil))

	checkModal(t, f, "fr_modal_add_prefilled", f.h.addModal(fr, addForm{UserID: "UALICE", Email: "alice@example.com", Package: "agent", Duration: "2w", Reason: "covering EMEA"}))
	checkModal(t, f, "fr_modal_remove_user", f.h.removeUserModal(fr))
	m, err := f.h.removeModal(f.ctx, fr, approvals.Target{Email: "alice@example.com"}, "", "")
	if err != nil {
		t.Fatal(err)
	}
	checkModal(t, f, "fr_modal_remove_no_grants", m)
	r := cardStates()["card_pending_1of2"]
	checkModal(t, f, "fr_modal_deny", f.h.denyModal(fr, r))
	checkModal(t, f, "fr_modal_done", *doneModal(fr, "modal.sent", f.h.submitted(fr, r)))

	f.add("ULEAD", `add alice@example.com agent 30d "covering EMEA"`)
	home, err := f.h.HomeIn(f.ctx, fr, ann)
	if err != nil {
		t.Fatal(err)
	}
	v, err := slackbot.Renderer{Phrases: f.h.cat}.Home(home)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "fr_home", v)
}

// TestFrenchCardCutToFit: a French card that Slack cannot hold whole is
// cut with a French marker, in the card's language whatever the
// renderer's default: the card carries its language to the renderer.
func TestFrenchCardCutToFit(t *testing.T) {
	f := newFixture(t)
	pkg, _ := testPolicy().Package("agent")
	m := Card(cardStates()["card_pending_1of2"], pkg, CardOptions{Lang: f.h.cat.Lang("fr")})
	for i := range 60 {
		m.Blocks = append(m.Blocks, &bot.Context{Elements: []bot.Text{bot.Plain(strconv.Itoa(i))}})
	}
	ref, err := f.sender.Post(f.ctx, "CGOLDEN", m)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := f.fake.Message(ref.Channel, ref.ID)
	if !strings.Contains(got.Blocks, "autres éléments non affichés") || strings.Contains(got.Blocks, "more not shown") {
		t.Fatalf("French card cut: …%s", got.Blocks[max(0, len(got.Blocks)-300):])
	}
	if !strings.Contains(got.Blocks, `"action_id":"dc_approve"`) {
		t.Fatalf("the buttons went with the cut")
	}
}

// frenchApprover makes Ben a French speaker in Slack.
func frenchApprover(f *fixture) {
	f.fake.AddUser(slackfake.User{ID: "UBEN", Name: "Ben", Email: "ben@example.com", Locale: "fr-FR"})
}

// TestLanguagePerViewer: a French-speaking approver gets his DM card, its
// redraws, his answers and his forms in French, while the channel card
// and the English speakers' copies stay in the policy language.
func TestLanguagePerViewer(t *testing.T) {
	f := newFixture(t)
	frenchApprover(f)
	r := f.add("ULEAD", `add alice@example.com agent 30d "covering EMEA"`)
	f.drain()
	channel := messagesIn(f.fake, approvalChannel)[0]
	ben := messagesIn(f.fake, "DUBEN")[0]
	annDM := messagesIn(f.fake, "DUANN")[0]
	if !strings.Contains(channel.Blocks, "Access request "+r.ID) || !strings.Contains(annDM.Blocks, "Access request "+r.ID) {
		t.Fatalf("English copies: %s\n%s", channel.Blocks, annDM.Blocks)
	}
	if !strings.Contains(ben.Blocks, "Demande d’accès "+r.ID) || !strings.Contains(ben.Blocks, "Approuver") || strings.Contains(ben.Blocks, "Access request") {
		t.Fatalf("Ben's copy is not French: %s", ben.Blocks)
	}

	// Ben approves from his DM card: the card he clicked is redrawn in
	// French, every other copy in its own language.
	rep := f.h.HandleAction(f.ctx, bot.Action{User: user("UBEN"), ActionID: ActionApprove, BlockID: "decide:" + r.ID, Value: r.ID,
		Channel: "DUBEN", Message: &bot.MessageRef{Platform: "slack", Channel: "DUBEN", ID: ben.TS}})
	if rep.Ephemeral != nil || rep.Update == nil {
		t.Fatalf("approve: %+v", rep)
	}
	if s := rep.Update.Text.String(); !strings.Contains(s, "en attente d’approbation") {
		t.Fatalf("redrawn DM card %q", s)
	}
	f.drain()
	channel = messagesIn(f.fake, approvalChannel)[0]
	if !strings.Contains(channel.Blocks, "1 of 2") || strings.Contains(channel.Blocks, "Approuv") {
		t.Fatalf("channel card: %s", channel.Blocks)
	}
	if ben = messagesIn(f.fake, "DUBEN")[0]; !strings.Contains(ben.Blocks, "1 sur 2") {
		t.Fatalf("Ben's card after the vote: %s", ben.Blocks)
	}
	if replies := f.fake.Replies(approvalChannel, channel.TS); len(replies) != 1 || !strings.Contains(replies[0].Text, "Approved by <@UBEN>") {
		t.Fatalf("thread note %+v", replies)
	}

	// His answers and forms are French; Ann's stay English.
	if s := text(f.command("UBEN", "pending").Message); s != "Rien n’attend votre décision." {
		t.Fatalf("pending for Ben: %q", s)
	}
	if s := text(f.command("UANN", "status DC-9999").Message); s != "There is no request DC-9999." {
		t.Fatalf("status for Ann: %q", s)
	}
	if s := text(f.command("UBEN", "frobnicate").Message); !strings.Contains(s, "Je ne connais pas la commande «\u00a0frobnicate\u00a0»") {
		t.Fatalf("usage for Ben: %q", s)
	}
	deny := f.h.HandleAction(f.ctx, bot.Action{User: user("UBEN"), ActionID: ActionHomeAdd, View: &bot.ViewInfo{CallbackID: homeCallback}})
	if deny.Modal == nil || deny.Modal.Title != "Demander un accès" {
		t.Fatalf("form for Ben: %+v", deny.Modal)
	}
}

// TestPolicyLanguage: the channel card follows the channel's language,
// then the package's, then the policy default; a person whose client
// language has no catalog reads the policy language too.
func TestPolicyLanguage(t *testing.T) {
	f := newFixture(t)
	f.h.deps.Languages = Languages{Default: "en", Packages: map[string]string{"agent": "fr"}, Channels: map[string]string{"slack:CADMIN": "fr"}}
	f.fake.AddUser(slackfake.User{ID: "UANN", Name: "Ann", Email: "ann@example.com", Locale: "de-DE"})
	r := f.add("ULEAD", `add alice@example.com agent 30d "covering EMEA"`)
	f.drain()
	if c := messagesIn(f.fake, approvalChannel)[0]; !strings.Contains(c.Blocks, "Demande d’accès "+r.ID) {
		t.Fatalf("channel card of a French package: %s", c.Blocks)
	}
	if c := messagesIn(f.fake, "DUANN")[0]; !strings.Contains(c.Blocks, "Demande d’accès "+r.ID) {
		t.Fatalf("German reader of a French package: %s", c.Blocks)
	}
	f.h.deps.Languages.Channels[approvalChannel] = "en"
	v := f.add("ULEAD", `add bob@example.com agent 30d "covering EMEA"`)
	f.drain()
	for _, m := range messagesIn(f.fake, approvalChannel) {
		if strings.Contains(m.Blocks, v.ID) && !strings.Contains(m.Blocks, "Access request "+v.ID) {
			t.Fatalf("channel set to English: %s", m.Blocks)
		}
	}
	if err := f.h.alertAdmins(f.ctx, func(l *i18n.Lang) bot.Text { return l.T("card.outcome.revoked") }); err != nil {
		t.Fatal(err)
	}
	admin := messagesIn(f.fake, "CADMIN")
	if len(admin) == 0 || !strings.Contains(admin[len(admin)-1].Text, "Alerte chataccess") {
		raw, _ := json.Marshal(admin)
		t.Fatalf("admin alert: %s", raw)
	}
}

// TestSeatsListInFrench: an add refused for several full profiles lists
// them with the French separator (narrow no-break space before « ; »).
func TestSeatsListInFrench(t *testing.T) {
	f := newFixture(t)
	err := &approvals.SeatsError{Package: "agent", Full: []approvals.SeatCount{{Profile: "A", Used: 3, Quota: 3}, {Profile: "B", Used: 1, Quota: 1}}}
	got := seatsText(f.h.cat.Lang("fr"), err).String()
	if !strings.Contains(got, "A (licences utilisées\u00a0: 3 sur 3)\u202f; B (licences utilisées\u00a0: 1 sur 1)") {
		t.Fatalf("French list %q", got)
	}
	if got := seatsText(f.h.cat.Lang("en"), err).String(); !strings.Contains(got, "A has 3 of 3 seats used; B has 1 of 1 seats used") {
		t.Fatalf("English list %q", got)
	}
}
