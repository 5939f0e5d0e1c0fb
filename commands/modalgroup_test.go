package commands

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/bot/slackbot"
	"github.com/chataccess/chataccess/bot/slackbot/slackfake"
)

// TestAddModalGroup: the Add modal has a user group field next to the
// person fields when a package may be granted to user groups, and none
// otherwise; both languages pass the Block Kit checks.
func TestAddModalGroup(t *testing.T) {
	f := newFixture(t)
	en := english(nil)
	if v, err := slackbot.RenderModal(f.h.addModal(en, addForm{})); err != nil || strings.Contains(mustJSON(t, v), `"group_in"`) {
		t.Fatalf("group field without a package allowing groups (%v)", err)
	}
	f.svc.Policy().Packages["agent"].AllowGroupTargets = true
	form := addForm{Group: "EMEA Chat Agents", Email: approvals.GroupKey("EMEA Chat Agents"), Package: "agent", Duration: "90d", Reason: "new EMEA team"}
	checkModal(t, f, "modal_add_group", f.h.addModal(en, form))
	checkModal(t, f, "fr_modal_add_group", f.h.addModal(f.h.cat.Lang("fr"), form))
	if s := mustJSON(t, f.h.addModal(en, form)); strings.Contains(s, "group:emea") {
		t.Fatalf("the group key went into the email field: %s", s)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestAddModalGroupSubmit: a group typed in the Add modal is requested
// like the command's group:NAME; naming a person too, an admin group or
// a package without group targets keeps the modal open with the error
// under the group field, and nothing is stored.
func TestAddModalGroupSubmit(t *testing.T) {
	f := newFixture(t)
	f.svc.Policy().Packages["agent"].AllowGroupTargets = true
	submit := func(group, email, pkg string) bot.SubmissionReply {
		return f.h.HandleSubmission(f.ctx, bot.Submission{User: user("ULEAD"), CallbackID: CallbackAdd, Values: bot.Values{
			blockGroup: {inputGroup: {Text: group}}, blockEmail: {inputEmail: {Text: email}},
			blockPackage: {inputPackage: {Selected: []string{pkg}}}, blockDuration: {inputDuration: {Selected: []string{"30d"}}},
			blockReason: {inputReason: {Text: "new EMEA team"}}}})
	}
	before := f.snapshot()
	for _, tc := range []struct{ name, group, email, pkg, want string }{
		{"person and group", "EMEA Chat Agents", "carol@example.com", "agent", "not both"},
		{"admin group", "_org_admin", "", "agent", "admin group"},
		{"product admin group", `group:"_product_admin_Dynamic Chat"`, "", "agent", "admin group"},
		{"package for people only", "EMEA Chat Agents", "", "viewer", "allow_group_targets"},
	} {
		rep := submit(tc.group, tc.email, tc.pkg)
		if got := rep.Errors[blockGroup]; !strings.Contains(got, tc.want) || rep.Update != nil {
			t.Errorf("%s: errors %q update %v", tc.name, rep.Errors, rep.Update != nil)
		}
	}
	if after := f.snapshot(); after.count != before.count {
		t.Fatalf("a refused group was stored: %d → %d requests", before.count, after.count)
	}
	rep := submit(` group:"EMEA  Chat Agents" `, "", "agent")
	if rep.Update == nil || len(rep.Errors) > 0 {
		t.Fatalf("group request: %+v", rep.Errors)
	}
	reqs, err := f.st.List(f.ctx, approvals.ByTarget(approvals.GroupKey("EMEA Chat Agents")), 10)
	if err != nil || len(reqs) != 1 || reqs[0].Target.Group != "EMEA Chat Agents" || reqs[0].Package != "agent" {
		t.Fatalf("%v %+v", err, reqs)
	}
}

// TestGroupTargetRefusedInFrench: a French requester naming a group the
// domain refuses reads why in French, under the group field.
func TestGroupTargetRefusedInFrench(t *testing.T) {
	f := newFixture(t)
	f.fake.AddUser(slackfake.User{ID: "ULEAD", Name: "Lea Lead", Email: "lead@example.com", Locale: "fr-FR"})
	f.svc.Policy().Packages["agent"].AllowGroupTargets = true
	for _, tc := range []struct{ group, pkg, want string }{
		{"_org_admin", "agent", "est un groupe d’administrateurs de l’Admin Console"},
		{"EMEA Chat Agents", "viewer", "n’est accordé qu’à des personnes"},
	} {
		rep := f.h.HandleSubmission(f.ctx, bot.Submission{User: user("ULEAD"), CallbackID: CallbackAdd, Values: bot.Values{
			blockGroup: {inputGroup: {Text: tc.group}}, blockPackage: {inputPackage: {Selected: []string{tc.pkg}}},
			blockDuration: {inputDuration: {Selected: []string{"30d"}}}, blockReason: {inputReason: {Text: "EMEA"}}}})
		if got := rep.Errors[blockGroup]; !strings.Contains(got, tc.want) {
			t.Errorf("%s: errors %q", tc.group, rep.Errors)
		}
	}
}

// TestAddModalDurationPlaceholder: the French Add form's duration
// select has a French placeholder, and nothing in the drawn form says
// "Choose".
func TestAddModalDurationPlaceholder(t *testing.T) {
	f := newFixture(t)
	m := f.h.addModal(f.h.cat.Lang("fr"), addForm{})
	v, err := slackbot.Renderer{Phrases: f.h.cat}.Modal(m)
	if err != nil {
		t.Fatal(err)
	}
	s := mustJSON(t, v)
	if !strings.Contains(s, "Choisir une durée") || strings.Contains(s, "Choose") {
		t.Fatalf("French Add form: %s", s)
	}
}

// TestAddModalDurationsWithinPackage: the Add form prefilled with a
// package offers only durations that package allows (agent: at most
// 90 days, never permanent); without a package it offers those of the
// most permissive one, and a duration over the chosen package's limit
// is refused under the duration field on submit.
func TestAddModalDurationsWithinPackage(t *testing.T) {
	f := newFixture(t)
	values := func(form addForm) []string {
		for _, b := range f.h.addModal(f.h.cat.Lang("fr"), form).Blocks {
			if in, ok := b.(*bot.Input); ok && in.BlockID == blockDuration {
				var vs []string
				for _, o := range in.Element.(*bot.Select).Options {
					vs = append(vs, o.Value)
				}
				return vs
			}
		}
		return nil
	}
	for _, tc := range []struct {
		pkg       string
		want, not []string
	}{
		{"agent", []string{"default", "30d", "90d"}, []string{"180d", "365d", "permanent"}},
		{"viewer", []string{"default", "180d", "365d", "permanent"}, nil},
		{"", []string{"90d", "180d", "permanent"}, nil},
	} {
		got := values(addForm{Package: tc.pkg})
		for _, w := range tc.want {
			if !slices.Contains(got, w) {
				t.Errorf("%q: no %s in %v", tc.pkg, w, got)
			}
		}
		for _, w := range tc.not {
			if slices.Contains(got, w) {
				t.Errorf("%q: %s offered in %v", tc.pkg, w, got)
			}
		}
	}
	rep := f.h.HandleSubmission(f.ctx, bot.Submission{User: user("ULEAD"), CallbackID: CallbackAdd, Values: bot.Values{
		blockEmail: {inputEmail: {Text: "carol@example.com"}}, blockPackage: {inputPackage: {Selected: []string{"agent"}}},
		blockDuration: {inputDuration: {Selected: []string{"180d"}}}, blockReason: {inputReason: {Text: "x"}}}})
	if rep.Errors[blockDuration] == "" || rep.Update != nil {
		t.Fatalf("180d for agent: %+v", rep)
	}
}
