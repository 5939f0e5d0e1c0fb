package commands

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot"
)

func TestBadInputChangesNothing(t *testing.T) {
	f := newFixture(t)
	open := f.add("ULEAD", `add alice@example.com agent 30d "covering EMEA"`)
	denied := f.add("ULEAD", `add bob@example.com agent 7d "short cover"`)
	if _, err := f.svc.Deny(f.ctx, denied.ID, approvals.Actor{ID: "UANN", Email: "ann@example.com", Platform: "slack"}, "no"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Approve(f.ctx, open.ID, approvals.Actor{ID: "UBEN", Email: "ben@example.com", Platform: "slack"}, ""); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		do   func() string
		want string
	}{
		{"unknown package", func() string { return text(f.command("ULEAD", `add carol@example.com nope 30d why`).Message) }, "Known packages: agent, viewer"},
		{"bad email", func() string { return text(f.command("ULEAD", `add carol@ agent 30d why`).Message) }, "not a valid email"},
		{"over max duration", func() string { return text(f.command("ULEAD", `add carol@example.com agent 120d why`).Message) }, "allows at most 90 days"},
		{"permanent not allowed", func() string { return text(f.command("ULEAD", `add carol@example.com agent permanent why`).Message) }, "only granted for a set time"},
		{"mention without email", func() string { return text(f.command("ULEAD", `add <@UBOT> agent 30d why`).Message) }, "has no email address"},
		{"unknown mention", func() string { return text(f.command("ULEAD", `add <@UNOBODY> agent 30d why`).Message) }, "cannot find"},
		{"grammar", func() string { return text(f.command("ULEAD", `add carol@example.com agent 30x why`).Message) }, "Usage: /dynchat add"},
		{"duplicate open request, seen by its requester", func() string { return text(f.command("ULEAD", `add alice@example.com agent 7d again`).Message) }, "already has an open request for agent: DC-1001"},
		{"duplicate open request, told a stranger", func() string { return text(f.command("UEVE", `add alice@example.com agent 7d again`).Message) }, "already has an open request for agent."},
		{"non-approver click", func() string { return text(f.click("UEVE", ActionApprove, open.ID).Ephemeral) }, "not an approver of agent"},
		{"self-approval click", func() string { return text(f.click("ULEAD", ActionApprove, open.ID).Ephemeral) }, "your own request"},
		{"double click", func() string { return text(f.click("UBEN", ActionApprove, open.ID).Ephemeral) }, "already decided " + open.ID},
		{"closed request", func() string { return text(f.click("UBEN", ActionApprove, denied.ID).Ephemeral) }, "already denied"},
		{"deny click by non-approver", func() string { return text(f.click("UEVE", ActionDeny, open.ID).Ephemeral) }, "not an approver"},
		{"cancel by an approver", func() string { return text(f.command("UBEN", "cancel "+open.ID).Message) }, "Only the requester or an admin"},
		{"cancel by a stranger", func() string { return text(f.command("UEVE", "cancel "+open.ID).Message) }, "There is no request " + open.ID},
		{"cancel closed", func() string { return text(f.command("ULEAD", "cancel "+denied.ID).Message) }, "already denied"},
		{"retry by non-admin", func() string { return text(f.click("UEVE", ActionRetry, denied.ID).Ephemeral) }, "Only admins can retry"},
		{"unknown request", func() string { return text(f.command("ULEAD", "status DC-99999").Message) }, "no request DC-99999"},
		{"bogus button value", func() string { return text(f.click("UANN", ActionApprove, "<!channel>").Ephemeral) }, "does not name a request"},
		{"actor without email", func() string { return text(f.command("UBOT", "list").Message) }, "no email address"},
		{"reviews not configured", func() string { return text(f.command("UROOT", "review start agent").Message) }, "not configured"},
		{"remove unknown package", func() string { return text(f.command("ULEAD", "remove alice@example.com nope why").Message) }, "no package"},
		{"missing justification", func() string {
			rep := f.h.HandleSubmission(f.ctx, bot.Submission{User: user("ULEAD"), CallbackID: CallbackAdd, Values: bot.Values{
				blockEmail: {inputEmail: {Text: "carol@example.com"}}, blockPackage: {inputPackage: {Selected: []string{"agent"}}},
				blockDuration: {inputDuration: {Selected: []string{"30d"}}}, blockReason: {inputReason: {Text: "   "}}}})
			return rep.Errors[blockReason]
		}, "justification"},
		{"modal over max", func() string {
			rep := f.h.HandleSubmission(f.ctx, bot.Submission{User: user("ULEAD"), CallbackID: CallbackAdd, Values: bot.Values{
				blockEmail: {inputEmail: {Text: "carol@example.com"}}, blockPackage: {inputPackage: {Selected: []string{"agent"}}},
				blockDuration: {inputDuration: {Selected: []string{"365d"}}}, blockReason: {inputReason: {Text: "why"}}}})
			return rep.Errors[blockDuration]
		}, "at most 90 days"},
		{"modal permanent for bounded package", func() string {
			rep := f.h.HandleSubmission(f.ctx, bot.Submission{User: user("ULEAD"), CallbackID: CallbackAdd, Values: bot.Values{
				blockEmail: {inputEmail: {Text: "carol@example.com"}}, blockPackage: {inputPackage: {Selected: []string{"agent"}}},
				blockDuration: {inputDuration: {Selected: []string{"permanent"}}}, blockReason: {inputReason: {Text: "why"}}}})
			return rep.Errors[blockDuration]
		}, "set time"},
		{"modal no person", func() string {
			rep := f.h.HandleSubmission(f.ctx, bot.Submission{User: user("ULEAD"), CallbackID: CallbackAdd, Values: bot.Values{
				blockPackage: {inputPackage: {Selected: []string{"agent"}}}, blockReason: {inputReason: {Text: "why"}}}})
			return rep.Errors[blockUser]
		}, "Pick a person"},
		{"modal bot picked", func() string {
			rep := f.h.HandleSubmission(f.ctx, bot.Submission{User: user("ULEAD"), CallbackID: CallbackAdd, Values: bot.Values{
				blockUser: {inputUser: {Users: []string{"UBOT"}}}, blockPackage: {inputPackage: {Selected: []string{"agent"}}}, blockReason: {inputReason: {Text: "why"}}}})
			return rep.Errors[blockUser]
		}, "no email address"},
		{"deny modal on closed", func() string {
			rep := f.h.HandleSubmission(f.ctx, bot.Submission{User: user("UBEN"), CallbackID: CallbackDeny, PrivateMetadata: denied.ID})
			return rep.Errors[blockReason]
		}, "already denied"},
	}
	before := f.snapshot()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.do()
			if !strings.Contains(got, tc.want) {
				t.Fatalf("got %q, want it to contain %q", got, tc.want)
			}
			if after := f.snapshot(); !reflect.DeepEqual(before, after) {
				t.Fatalf("ledger changed: before %+v after %+v", before, after)
			}
		})
	}
}

func TestAddCommandOpensModalWithWhatWasGiven(t *testing.T) {
	f := newFixture(t)
	rep := f.command("ULEAD", `add <@UALICE> agent 14d`)
	if rep.Modal == nil {
		t.Fatalf("no modal: %+v", rep.Message)
	}
	m := rep.Modal
	if len([]rune(m.Title)) > 24 || m.CallbackID != CallbackAdd {
		t.Fatalf("modal %q %q", m.Title, m.CallbackID)
	}
	in := inputs(m.Blocks)
	if in[blockUser].Element.(*bot.UserSelect).Initial != "UALICE" ||
		in[blockPackage].Element.(*bot.Select).Initial != "agent" ||
		in[blockDuration].Element.(*bot.Select).Initial != "2w" {
		t.Fatalf("not pre-filled: %+v %+v %+v", in[blockUser].Element, in[blockPackage].Element, in[blockDuration].Element)
	}
	// Submitting it creates the request for the verified email.
	sub := f.h.HandleSubmission(f.ctx, bot.Submission{User: user("ULEAD"), CallbackID: CallbackAdd, Values: bot.Values{
		blockUser: {inputUser: {Users: []string{"UALICE"}}}, blockPackage: {inputPackage: {Selected: []string{"agent"}}},
		blockDuration: {inputDuration: {Selected: []string{"2w"}}}, blockReason: {inputReason: {Text: "covering EMEA"}}}})
	if sub.Update == nil || len(sub.Errors) > 0 {
		t.Fatalf("submission: %+v", sub)
	}
	r, err := f.st.Get(f.ctx, "DC-1001")
	if err != nil {
		t.Fatal(err)
	}
	if r.Target.Email != "alice@example.com" || r.Target.PlatformID != "UALICE" || r.Requester.Email != "lead@example.com" || r.Duration.Hours() != 14*24 {
		t.Fatalf("request %+v", r)
	}
}

func inputs(bs []bot.Block) map[string]*bot.Input {
	out := map[string]*bot.Input{}
	for _, b := range bs {
		if in, ok := b.(*bot.Input); ok {
			out[in.BlockID] = in
		}
	}
	return out
}

func TestRemoveFlow(t *testing.T) {
	f := newFixture(t)
	// Give alice a grant through the whole lifecycle.
	r := f.add("ULEAD", `add alice@example.com viewer permanent "read only"`)
	ann := approvals.Actor{ID: "UANN", Email: "ann@example.com", Platform: "slack"}
	if _, err := f.svc.Approve(f.ctx, r.ID, ann, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.StartExecution(f.ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Complete(f.ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	// "remove" alone asks for the person first.
	rep := f.command("ULEAD", "remove")
	if rep.Modal == nil || rep.Modal.CallbackID != CallbackRemoveUser {
		t.Fatalf("reply %+v", rep)
	}
	next := f.h.HandleSubmission(f.ctx, bot.Submission{User: user("ULEAD"), CallbackID: CallbackRemoveUser, Values: bot.Values{
		blockEmail: {inputEmail: {Text: "alice@example.com"}}}})
	if next.Update == nil || next.Update.CallbackID != CallbackRemove || next.Update.PrivateMetadata != "alice@example.com" {
		t.Fatalf("update %+v", next)
	}
	sel := inputs(next.Update.Blocks)[blockPackage].Element.(*bot.Select)
	var vals []string
	for _, o := range sel.Options {
		vals = append(vals, o.Value)
	}
	if !reflect.DeepEqual(vals, []string{"viewer", allPackages}) {
		t.Fatalf("options %v", vals)
	}
	done := f.h.HandleSubmission(f.ctx, bot.Submission{User: user("ULEAD"), CallbackID: CallbackRemove, PrivateMetadata: "alice@example.com",
		Values: bot.Values{blockPackage: {inputPackage: {Selected: []string{allPackages}}}, blockReason: {inputReason: {Text: "left the team"}}}})
	if done.Update == nil || len(done.Errors) > 0 || !strings.Contains(done.Update.Blocks[0].(*bot.Section).Text.String(), "approved right away") {
		t.Fatalf("done %+v", done)
	}
	rm, err := f.st.Get(f.ctx, "DC-1002")
	if err != nil || rm.Kind != approvals.KindRemove || rm.Revokes != r.ID || rm.State != approvals.StateApproved {
		t.Fatalf("remove %+v %v", rm, err)
	}
	// A second removal while the first is open is a duplicate, shown on the package field.
	dup := f.h.HandleSubmission(f.ctx, bot.Submission{User: user("ULEAD"), CallbackID: CallbackRemove, PrivateMetadata: "alice@example.com",
		Values: bot.Values{blockPackage: {inputPackage: {Selected: []string{"viewer"}}}, blockReason: {inputReason: {Text: "again"}}}})
	if !strings.Contains(dup.Errors[blockPackage], "DC-1002") {
		t.Fatalf("dup %+v", dup)
	}
}

func TestDenyThroughModalAndCancel(t *testing.T) {
	f := newFixture(t)
	r := f.add("ULEAD", `add alice@example.com agent 30d "covering EMEA"`)
	rep := f.click("UANN", ActionDeny, r.ID)
	if rep.Modal == nil || rep.Modal.PrivateMetadata != r.ID || len([]rune(rep.Modal.Title)) > 24 {
		t.Fatalf("deny click %+v", rep)
	}
	sub := f.h.HandleSubmission(f.ctx, bot.Submission{User: user("UANN"), CallbackID: CallbackDeny, PrivateMetadata: r.ID,
		Values: bot.Values{blockReason: {inputReason: {Text: "use the viewer package"}}}})
	if sub.Update == nil || len(sub.Errors) > 0 {
		t.Fatalf("deny %+v", sub)
	}
	got, _ := f.st.Get(f.ctx, r.ID)
	if got.State != approvals.StateDenied || got.Decisions[0].Comment != "use the viewer package" {
		t.Fatalf("request %+v", got)
	}
	r2 := f.add("ULEAD", `add carol@example.com agent 30d "x"`)
	if m := text(f.command("ULEAD", "cancel "+r2.ID).Message); !strings.Contains(m, "Cancelled "+r2.ID) {
		t.Fatalf("cancel: %q", m)
	}
	if m := text(f.command("ULEAD", "list").Message); m != "Your requests" {
		t.Fatalf("list: %q", m)
	}
}

func TestExtensionOpensPrefilledModal(t *testing.T) {
	f := newFixture(t)
	r := f.add("ULEAD", `add <@UALICE> agent 30d "covering EMEA"`)
	rep := f.h.HandleAction(f.ctx, bot.Action{User: user("UALICE"), ActionID: ActionExtend, BlockID: "extend:" + r.ID, Value: r.ID,
		Channel: "DUALICE", Message: &bot.MessageRef{Platform: "slack", Channel: "DUALICE", ID: "1.0"}})
	if rep.Modal == nil {
		t.Fatalf("%+v", rep)
	}
	in := inputs(rep.Modal.Blocks)
	if in[blockUser].Element.(*bot.UserSelect).Initial != "UALICE" || in[blockPackage].Element.(*bot.Select).Initial != "agent" ||
		in[blockDuration].Element.(*bot.Select).Initial != "30d" || in[blockReason].Element.(*bot.TextInput).Initial != "covering EMEA" ||
		rep.Modal.PrivateMetadata != r.ID {
		t.Fatalf("modal %+v", rep.Modal)
	}
}

func TestWarnExpiryDMsHolderAndRequesterOnce(t *testing.T) {
	f := newFixture(t)
	r := f.add("ULEAD", `add <@UALICE> agent 30d "covering EMEA"`)
	g := approvals.Grant{Email: "alice@example.com", Package: "agent", RequestID: r.ID, Since: t0, Until: t0.Add(30 * 24 * time.Hour)}
	if err := f.h.WarnExpiry(f.ctx, g); err != nil {
		t.Fatal(err)
	}
	dms := map[string]int{}
	for _, m := range f.fake.Messages() {
		if strings.HasPrefix(m.Channel, "D") && strings.Contains(m.Blocks, ActionExtend) && strings.Contains(m.Blocks, r.ID) {
			dms[m.Channel]++
		}
	}
	if len(dms) != 2 || dms["DUALICE"] != 1 || dms["DULEAD"] != 1 {
		t.Fatalf("expiry DMs %v, want one each to the holder and the requester", dms)
	}
}

func TestTypedEmailOfAWorkspaceMemberCarriesTheirProfile(t *testing.T) {
	f := newFixture(t)
	r := f.add("ULEAD", `add alice@example.com agent 30d "covering EMEA"`)
	if r.Target.PlatformID != "UALICE" || r.Target.FirstName != "Alice" || r.Target.LastName != "Smith" {
		t.Fatalf("target %+v", r.Target)
	}
	r = f.add("ULEAD", `add stranger@example.com agent 30d "contractor"`)
	if r.Target.PlatformID != "" || r.Target.FirstName != "" || r.Target.Email != "stranger@example.com" {
		t.Fatalf("target %+v", r.Target)
	}
}
