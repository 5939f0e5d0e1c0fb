package commands

import (
	"fmt"
	"strings"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot"
)

// Action ids of the buttons chataccess puts in messages and the Home.
// The value of each is a request id.
const (
	ActionApprove = "dc_approve"
	ActionDeny    = "dc_deny"
	ActionCancel  = "dc_cancel"
	ActionRetry   = "dc_retry"
	// ActionExtend opens the Add modal pre-filled from an add request,
	// to extend access before it ends.
	ActionExtend = "dc_extend"
	// ActionHomeAdd and ActionHomeRemove open the Add and Remove modals
	// from the App Home; they carry no value.
	ActionHomeAdd    = "dc_home_add"
	ActionHomeRemove = "dc_home_remove"
)

// CardOptions changes how a request card is drawn.
type CardOptions struct {
	// Location is the time zone of the times shown (default UTC).
	Location *time.Location
	// RequesterCopy draws the requester's copy: a Cancel button while
	// pending instead of Approve and Deny.
	RequesterCopy bool
	// Ledger is the ledger identity the buttons carry ("" for none).
	Ledger string
}

// cardView is how one copy of a card is drawn.
type cardView struct {
	viewer        approvals.Actor
	requesterCopy bool
}

func (h *Handler) card(r *approvals.Request, v cardView) bot.Message {
	pkg, _ := h.svc.Policy().Package(r.Package)
	return Card(r, pkg, CardOptions{Location: h.deps.Location, RequesterCopy: v.requesterCopy, Ledger: h.tag()})
}

// Card draws a request as an approval card: who asks what for whom, the
// exact changes in the Admin Console and Marketo, duration,
// justification, decisions so far, execution progress and the outcome,
// with Approve and Deny buttons while the request is pending and Retry
// when it failed. pkg may be nil when the policy no longer has the
// package. Every user-supplied string is Plain, so renderers escape it.
func Card(r *approvals.Request, pkg *approvals.Package, o CardOptions) bot.Message {
	loc := o.Location
	if loc == nil {
		loc = time.UTC
	}
	need := 1
	if pkg != nil {
		need = max(pkg.MinApprovals, 1)
	}
	title := fmt.Sprintf("Access request %s · %s %s", r.ID, r.Kind, r.Package)
	if r.DryRun {
		title = "DRY RUN · " + title
	}
	blocks := []bot.Block{
		&bot.Header{Text: title},
		&bot.Section{
			Text: bot.Textf("%s asks to %s %s for %s", actorText(r.Requester), bot.Bold(string(r.Kind)), bot.Bold(r.Package), targetText(r.Target)),
			Fields: []bot.Text{
				field("Requester", actorText(r.Requester)),
				field("User", targetText(r.Target)),
				field("Package", bot.Plain(r.Package)),
				field("Duration", bot.Plain(durationLabel(r))),
				field("Request", bot.Code(r.ID)),
				field("Approvals", bot.Plain(fmt.Sprintf("%d of %d", r.Approvals(), need))),
				field("Status", bot.Plain(stateWord(r.State))),
				field("Deadline", bot.Plain(deadlineLabel(r, loc))),
			},
		},
		&bot.Section{Text: bot.Lines(append([]bot.Text{bot.Bold("Changes")}, changeLines(r, pkg)...)...)},
		&bot.Section{Text: bot.Lines(bot.Bold("Justification"), bot.Plain(orText(r.Justification, "—")))},
	}
	if ds := decisionTexts(r, loc); len(ds) > 0 {
		blocks = append(blocks, &bot.Context{Elements: ds})
	}
	if p := progressText(r, loc); !p.IsZero() {
		blocks = append(blocks, &bot.Context{Elements: []bot.Text{p}})
	}
	blocks = append(blocks, &bot.Section{Text: outcomeText(r, need, loc)})
	if r.DryRun {
		blocks = append(blocks, &bot.Context{Elements: []bot.Text{bot.Textf("%s: the Admin Console change is a test call and Marketo is not touched.", bot.Bold("DRY RUN"))}})
	}
	switch {
	case r.State == approvals.StatePending && o.RequesterCopy:
		blocks = append(blocks, &bot.Actions{BlockID: "cancel:" + buttonValue(r.ID, o.Ledger), Elements: []bot.Element{cancelButton(r.ID, o.Ledger)}})
	case r.State == approvals.StatePending:
		blocks = append(blocks, decideActions(r, o.Ledger))
	case r.State == approvals.StateFailed:
		blocks = append(blocks, &bot.Actions{BlockID: "retry:" + buttonValue(r.ID, o.Ledger), Elements: []bot.Element{
			&bot.Button{ActionID: ActionRetry, Text: "Retry (admins)", Value: buttonValue(r.ID, o.Ledger), Style: bot.StylePrimary},
		}})
	}
	fallback := bot.Textf("%s: %s %s for %s: %s", bot.Plain(r.ID), bot.Plain(string(r.Kind)), bot.Plain(r.Package), bot.Plain(r.Target.Email), bot.Plain(stateWord(r.State)))
	if r.DryRun {
		fallback = bot.Join(bot.Plain("DRY RUN "), fallback)
	}
	return bot.Message{Text: fallback, Blocks: blocks}
}

// decideActions is the Approve / Deny row of a pending request; its
// buttons carry the ledger identity tag.
func decideActions(r *approvals.Request, tag string) *bot.Actions {
	v := buttonValue(r.ID, tag)
	return &bot.Actions{BlockID: "decide:" + v, Elements: []bot.Element{
		&bot.Button{ActionID: ActionApprove, Text: "Approve", Value: v, Style: bot.StylePrimary},
		&bot.Button{ActionID: ActionDeny, Text: "Deny", Value: v, Style: bot.StyleDanger, Confirm: &bot.Confirm{
			Title: "Deny " + r.ID + "?", Text: bot.Textf("%s %s for %s will not happen. You can give a reason next.", bot.Plain(string(r.Kind)), bot.Bold(r.Package), bot.Plain(r.Target.Email)),
			Confirm: "Deny", Deny: "Back", Danger: true,
		}},
	}}
}

func cancelButton(id, tag string) *bot.Button {
	return &bot.Button{ActionID: ActionCancel, Text: "Cancel request", Value: buttonValue(id, tag), Confirm: &bot.Confirm{
		Title: "Cancel " + id + "?", Text: bot.Plain("The approvers are told it is no longer needed."), Confirm: "Cancel request", Deny: "Keep it",
	}}
}

func field(label string, value bot.Text) bot.Text { return bot.Lines(bot.Bold(label), value) }

// actorText mentions a chat user when we know their id, else names them.
func actorText(a approvals.Actor) bot.Text {
	if a.IsSystem() {
		return bot.Plain("chataccess (automatic)")
	}
	if a.ID != "" && (a.Platform.IsChat() || a.Platform == "") {
		return bot.MentionOn(bot.Platform(a.Platform), a.ID, a.Label())
	}
	return bot.Plain(a.Label())
}

func targetText(t approvals.Target) bot.Text {
	if t.PlatformID != "" {
		return bot.Textf("%s (%s)", bot.MentionOn(bot.Platform(t.Platform), t.PlatformID, t.Email), bot.Plain(t.Email))
	}
	return bot.Plain(t.Email)
}

func durationLabel(r *approvals.Request) string {
	if r.Kind == approvals.KindRemove {
		return "—"
	}
	return approvals.FormatDuration(r.Duration)
}

func deadlineLabel(r *approvals.Request, loc *time.Location) string {
	if r.State != approvals.StatePending || r.Deadline.IsZero() {
		return "—"
	}
	return clock(r.Deadline, loc, true)
}

// clock formats a time for people; day adds the date.
func clock(t time.Time, loc *time.Location, day bool) string {
	t = t.In(loc)
	if day {
		return t.Format("Mon 2 Jan 15:04 MST")
	}
	return t.Format("15:04 MST")
}

// changeLines says exactly what changes in the Admin Console and in
// Marketo.
func changeLines(r *approvals.Request, pkg *approvals.Package) []bot.Text {
	if pkg == nil {
		return []bot.Text{bot.Textf("• Package %s is no longer in the policy.", bot.Bold(r.Package))}
	}
	var out []bot.Text
	add := r.Kind == approvals.KindAdd
	for _, p := range pkg.Profiles {
		verb := "add to"
		if !add {
			verb = "remove from"
		}
		product := orText(p.Product, "Dynamic Chat")
		out = append(out, bot.Textf("• Admin Console: %s product profile %s (%s)", bot.Plain(verb), bot.Bold(p.Name), bot.Plain(product)))
	}
	if !add && pkg.RemoveFromAllProfiles {
		out = append(out, bot.Plain("• Admin Console: also remove from every other Dynamic Chat profile"))
	}
	if role := pkg.MarketoRole.String(); role != "" {
		ws := bot.Plain("the default workspace")
		if w := pkg.MarketoWorkspace.String(); w != "" {
			ws = bot.Textf("workspace %s", bot.Plain(w))
		}
		if add {
			out = append(out, bot.Textf("• Marketo: assign role %s in %s", bot.Bold(role), ws))
		} else {
			out = append(out, bot.Textf("• Marketo: remove role %s in %s", bot.Bold(role), ws))
		}
	}
	if len(out) == 0 {
		out = append(out, bot.Plain("• No Admin Console profile or Marketo role is configured."))
	}
	return out
}

// decisionTexts lists who decided what and when.
func decisionTexts(r *approvals.Request, loc *time.Location) []bot.Text {
	var out []bot.Text
	for _, d := range r.Decisions {
		word := "Approved"
		if d.Verdict == approvals.Deny {
			word = "Denied"
		}
		t := bot.Textf("%s by %s at %s", bot.Plain(word), actorText(d.Approver), bot.Plain(clock(d.At, loc, false)))
		if d.Comment != "" {
			t = t.Append(bot.Plain(": "), bot.Plain(clip(d.Comment, 200)))
		}
		out = append(out, t)
	}
	return out
}

// stepLabels names provisioning steps for people.
var stepLabels = map[string]string{"adobe": "Admin Console", "admin_console": "Admin Console", "admin_console_sync": "Admin Console check", "marketo": "Marketo"}

// progressText is the one-line execution progress, e.g. "Admin Console:
// done · Marketo: waiting for the user to appear, next check 10:42 UTC".
func progressText(r *approvals.Request, loc *time.Location) bot.Text {
	var parts []bot.Text
	for _, s := range r.Steps {
		name := orText(stepLabels[s.Name], s.Name)
		status := string(s.Status)
		switch s.Status {
		case approvals.StepRunning:
			status = "in progress"
		case approvals.StepPending:
			status = "not started"
		case approvals.StepUndone:
			status = "rolled back"
		}
		if s.Detail != "" && s.Status != approvals.StepDone {
			status = s.Detail
			if s.Status == approvals.StepFailed {
				status = "failed: " + s.Detail
			}
		}
		t := bot.Textf("%s: %s", bot.Plain(name), bot.Plain(clip(status, 200)))
		if s.Status == approvals.StepWaiting && !s.NextCheck.IsZero() {
			t = t.Append(bot.Plain(", next check " + clock(s.NextCheck, loc, false)))
		}
		if len(parts) > 0 {
			parts = append(parts, bot.Plain(" · "))
		}
		parts = append(parts, t)
	}
	return bot.Join(parts...)
}

// outcomeText is the sentence saying where the request stands.
func outcomeText(r *approvals.Request, need int, loc *time.Location) bot.Text {
	switch r.State {
	case approvals.StatePending:
		left := need - r.Approvals()
		return bot.Textf("Waiting for %d more %s.", left, plural(left, "approval", "approvals"))
	case approvals.StateApproved:
		return bot.Plain("Approved. The change will be applied shortly.")
	case approvals.StateExecuting:
		return bot.Plain("Approved. Applying the change…")
	case approvals.StateCompleted:
		if r.Kind == approvals.KindRemove {
			return bot.Textf("Done: %s no longer has %s.", bot.Plain(r.Target.Email), bot.Bold(r.Package))
		}
		if r.GrantedUntil.IsZero() {
			return bot.Textf("Done: %s has %s with no end date.", bot.Plain(r.Target.Email), bot.Bold(r.Package))
		}
		return bot.Textf("Done: %s has %s until %s.", bot.Plain(r.Target.Email), bot.Bold(r.Package), bot.Plain(clock(r.GrantedUntil, loc, true)))
	case approvals.StateDenied:
		for _, d := range r.Decisions {
			if d.Verdict == approvals.Deny {
				t := bot.Textf("Denied by %s.", actorText(d.Approver))
				if d.Comment != "" {
					t = bot.Textf("Denied by %s: %s", actorText(d.Approver), bot.Plain(clip(d.Comment, 500)))
				}
				return t
			}
		}
		return bot.Plain("Denied.")
	case approvals.StateCancelled:
		return bot.Plain("Cancelled. Nothing was changed.")
	case approvals.StateExpired:
		return bot.Plain("Expired: no decision within the approval window. Nothing was changed.")
	case approvals.StateFailed:
		return bot.Textf("Failed: %s An admin can retry.", bot.Plain(sentence(orText(r.Failure, "the change could not be applied"))))
	case approvals.StateRevoked:
		return bot.Plain("This access has since been removed.")
	}
	return bot.Plain(stateWord(r.State))
}

func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s != "" && !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// summaryBlock is a one-section summary of a request for lists, with a
// Cancel button on the requester's own pending requests.
func (h *Handler) summaryBlock(r *approvals.Request, viewer approvals.Actor, withCancel bool) *bot.Section {
	s := &bot.Section{Text: bot.Textf("%s %s %s for %s · %s · %s", bot.Code(r.ID), bot.Plain(string(r.Kind)), bot.Bold(r.Package),
		bot.Plain(r.Target.Email), bot.Plain(stateWord(r.State)), bot.Plain(clock(r.CreatedAt, h.deps.Location, true)))}
	if r.State == approvals.StatePending {
		pkg, _ := h.svc.Policy().Package(r.Package)
		need := 1
		if pkg != nil {
			need = max(pkg.MinApprovals, 1)
		}
		s.Text = s.Text.Append(bot.Plain(fmt.Sprintf(" (%d of %d)", r.Approvals(), need)))
		if withCancel && r.Requester.Same(viewer) {
			s.BlockID = "cancel:" + buttonValue(r.ID, h.tag())
			s.Accessory = cancelButton(r.ID, h.tag())
		}
	}
	return s
}
