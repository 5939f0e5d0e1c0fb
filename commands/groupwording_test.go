package commands

import (
	"strings"
	"testing"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot"
)

// TestGroupTargetWording: a request for a user group is named as the
// group was typed in the requester's confirmation and in every message
// posted about it (never its lower-cased ledger key); a second request
// for the group says "This user group already has…"; a group name with
// a character approvers cannot see is refused, in the command and the
// modal, with nothing stored.
func TestGroupTargetWording(t *testing.T) {
	f := newFixture(t)
	f.svc.Policy().Packages["agent"].AllowGroupTargets = true
	const typed = "Équipe «Chat» 東京"
	key := approvals.GroupKey(typed)

	rep := f.command("ULEAD", `add group:"`+typed+`" agent 30d "new team"`)
	if got := text(rep.Message); !strings.Contains(got, "user group "+typed) || strings.Contains(got, key) {
		t.Fatalf("confirmation %q", got)
	}
	f.drain()
	posted := 0
	for _, m := range f.fake.Messages() {
		if strings.Contains(m.Text+m.Blocks, key) {
			t.Errorf("message in %s shows the ledger key: %s %s", m.Channel, m.Text, m.Blocks)
		}
		if strings.Contains(m.Text, "user group "+typed) {
			posted++
		}
	}
	if posted == 0 {
		t.Errorf("no posted message names the group as typed: %+v", f.fake.Messages())
	}
	if got := text(f.command("ULEAD", "list").Message); strings.Contains(got, key) {
		t.Errorf("list shows the ledger key: %q", got)
	}

	for _, who := range []string{"ULEAD", "UEVE"} {
		got := text(f.command(who, `add group:"`+typed+`" agent 7d again`).Message)
		if !strings.HasPrefix(got, "This user group already has an open request for") {
			t.Errorf("duplicate told to %s: %q", who, got)
		}
	}
	fr := f.h.cat.Lang("fr")
	if got := fr.S("targetgroup.this"); got != "Ce groupe d’utilisateurs" {
		t.Errorf("fr: %q", got)
	}

	before := f.snapshot()
	for _, name := range []string{"EMEA\u200bChat Agents", "Agents\u202e", "EMEA\u2066Chat\u2069", "EMEA\u00adChat"} {
		got := text(f.command("ULEAD", `add group:"`+name+`" agent 30d why`).Message)
		if !strings.Contains(got, "invisible character") || !strings.Contains(got, "U+") {
			t.Errorf("command with %q: %q", name, got)
		}
		sub := f.h.HandleSubmission(f.ctx, bot.Submission{User: user("ULEAD"), CallbackID: CallbackAdd, Values: bot.Values{
			blockGroup: {inputGroup: {Text: name}}, blockPackage: {inputPackage: {Selected: []string{"agent"}}},
			blockDuration: {inputDuration: {Selected: []string{"30d"}}}, blockReason: {inputReason: {Text: "why"}}}})
		if !strings.Contains(sub.Errors[blockGroup], "invisible character") || sub.Update != nil {
			t.Errorf("modal with %q: %+v", name, sub.Errors)
		}
	}
	if after := f.snapshot(); after.count != before.count {
		t.Fatalf("a refused group was stored: %d → %d requests", before.count, after.count)
	}
}
