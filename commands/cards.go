package commands

import (
	"strings"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/i18n"
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
	// Lang is the language of the card (English when nil).
	Lang *i18n.Lang
}

// cardView is how one copy of a card is drawn.
type cardView struct {
	viewer        approvals.Actor
	requesterCopy bool
}

func (h *Handler) card(l *i18n.Lang, r *approvals.Request, v cardView) bot.Message {
	pkg, _ := h.svc.Policy().Package(r.Package)
	return Card(r, pkg, CardOptions{Location: h.deps.Location, RequesterCopy: v.requesterCopy, Ledger: h.tag(), Lang: l})
}

// Card draws a request as an approval card: who asks what for whom, the
// exact changes in the Admin Console and Marketo, duration,
// justification, decisions so far, execution progress and the outcome,
// with Approve and Deny buttons while the request is pending and Retry
// when it failed, in the language o.Lang (English when nil). pkg may be
// nil when the policy no longer has the package. Every user-supplied
// string is Plain, so renderers escape it.
func Card(r *approvals.Request, pkg *approvals.Package, o CardOptions) bot.Message {
	l, loc := english(o.Lang), o.Location
	if loc == nil {
		loc = time.UTC
	}
	need := 1
	if pkg != nil {
		need = max(pkg.MinApprovals, 1)
	}
	blocks := []bot.Block{&bot.Header{Text: cardTitle(l, r)}, cardSummary(l, r, need, loc),
		&bot.Section{Text: bot.Lines(append([]bot.Text{bot.Bold(l.S("card.changes"))}, changeLines(l, r, pkg)...)...)},
		&bot.Section{Text: bot.Lines(bot.Bold(l.S("card.justification")), justification(l, r))},
	}
	if ds := decisionTexts(l, r, loc); len(ds) > 0 {
		blocks = append(blocks, &bot.Context{Elements: ds})
	}
	if p := progressText(l, r, loc); !p.IsZero() {
		blocks = append(blocks, &bot.Context{Elements: []bot.Text{p}})
	}
	blocks = append(blocks, &bot.Section{Text: outcomeText(l, r, need, loc)})
	if r.DryRun {
		blocks = append(blocks, &bot.Context{Elements: []bot.Text{l.T("card.dry_run_note", i18n.M{"DryRun": bot.Bold(l.S("card.dry_run"))})}})
	}
	switch {
	case r.State == approvals.StatePending && o.RequesterCopy:
		blocks = append(blocks, &bot.Actions{BlockID: "cancel:" + buttonValue(r.ID, o.Ledger), Elements: []bot.Element{cancelButton(l, r.ID, o.Ledger)}})
	case r.State == approvals.StatePending:
		blocks = append(blocks, decideActions(l, r, o.Ledger))
	case r.State == approvals.StateFailed:
		blocks = append(blocks, &bot.Actions{BlockID: "retry:" + buttonValue(r.ID, o.Ledger), Elements: []bot.Element{
			&bot.Button{ActionID: ActionRetry, Text: l.S("card.retry"), Value: buttonValue(r.ID, o.Ledger), Style: bot.StylePrimary},
		}})
	}
	fallback := l.T("card.fallback", i18n.M{"ID": r.ID, "What": bot.Plain(what(l, r).String()), "State": stateWord(l, r.State)})
	if r.DryRun {
		fallback = l.T("card.dry_run_fallback", i18n.M{"DryRun": l.S("card.dry_run"), "Text": fallback})
	}
	return bot.Message{Text: fallback, Blocks: blocks, Lang: l.Name()}
}

// cardTitle is the header of a card.
func cardTitle(l *i18n.Lang, r *approvals.Request) string {
	key := "card.title.add"
	if r.Kind == approvals.KindRemove {
		key = "card.title.remove"
	}
	title := l.S(key, i18n.M{"ID": r.ID, "Package": r.Package})
	if r.DryRun {
		title = l.S("card.dry_run_title", i18n.M{"DryRun": l.S("card.dry_run"), "Title": title})
	}
	return title
}

// cardSummary is the card's first section: who asks what for whom, and
// the facts in two columns.
func cardSummary(l *i18n.Lang, r *approvals.Request, need int, loc *time.Location) *bot.Section {
	asks := "card.asks.add"
	if r.Kind == approvals.KindRemove {
		asks = "card.asks.remove"
	}
	return &bot.Section{
		Text: l.T(asks, i18n.M{"Requester": actorText(l, r.Requester), "Package": bot.Bold(r.Package), "User": targetText(r.Target)}),
		Fields: []bot.Text{
			field(l.S("card.field.requester"), actorText(l, r.Requester)),
			field(l.S("card.field.user"), targetText(r.Target)),
			field(l.S("card.field.package"), bot.Plain(r.Package)),
			field(l.S("card.field.duration"), bot.Plain(durationLabel(l, r))),
			field(l.S("card.field.request"), bot.Code(r.ID)),
			field(l.S("card.field.approvals"), l.T("card.approvals", i18n.M{"Got": r.Approvals(), "Need": need})),
			field(l.S("card.field.status"), bot.Plain(stateWord(l, r.State))),
			field(l.S("card.field.deadline"), deadlineLabel(l, r, loc)),
		},
	}
}

// decideActions is the Approve / Deny row of a pending request; its
// buttons carry the ledger identity tag.
func decideActions(l *i18n.Lang, r *approvals.Request, tag string) *bot.Actions {
	v := buttonValue(r.ID, tag)
	return &bot.Actions{BlockID: "decide:" + v, Elements: []bot.Element{
		&bot.Button{ActionID: ActionApprove, Text: l.S("card.approve"), Value: v, Style: bot.StylePrimary},
		&bot.Button{ActionID: ActionDeny, Text: l.S("card.deny"), Value: v, Style: bot.StyleDanger, Confirm: &bot.Confirm{
			Title: l.S("card.deny_confirm.title", i18n.M{"ID": r.ID}), Text: l.T("card.deny_confirm.text", i18n.M{"What": what(l, r)}),
			Confirm: l.S("card.deny"), Deny: l.S("card.deny_confirm.back"), Danger: true,
		}},
	}}
}

func cancelButton(l *i18n.Lang, id, tag string) *bot.Button {
	return &bot.Button{ActionID: ActionCancel, Text: l.S("card.cancel"), Value: buttonValue(id, tag), Confirm: &bot.Confirm{
		Title: l.S("card.cancel_confirm.title", i18n.M{"ID": id}), Text: l.T("card.cancel_confirm.text"),
		Confirm: l.S("card.cancel"), Deny: l.S("card.cancel_confirm.keep"),
	}}
}

func field(label string, value bot.Text) bot.Text { return bot.Lines(bot.Bold(label), value) }

// actorText mentions a chat user when we know their id, else names them.
func actorText(l *i18n.Lang, a approvals.Actor) bot.Text {
	if a.IsSystem() {
		return l.T("actor.system")
	}
	if a.ID != "" && (a.Platform.IsChat() || a.Platform == "") {
		return bot.MentionOn(bot.Platform(a.Platform), a.ID, a.Label())
	}
	return bot.Plain(a.Label())
}

func targetText(t approvals.Target) bot.Text {
	if t.IsGroup() {
		return bot.Plain(t.Label())
	}
	if t.PlatformID != "" {
		return bot.Textf("%s (%s)", bot.MentionOn(bot.Platform(t.Platform), t.PlatformID, t.Email), bot.Plain(t.Email))
	}
	return bot.Plain(t.Email)
}

func durationLabel(l *i18n.Lang, r *approvals.Request) string {
	if r.Kind == approvals.KindRemove {
		return "—"
	}
	return l.Duration(r.Duration)
}

func deadlineLabel(l *i18n.Lang, r *approvals.Request, loc *time.Location) bot.Text {
	if r.State != approvals.StatePending || r.Deadline.IsZero() {
		return bot.Plain("—")
	}
	return at(l, r.Deadline, loc, true)
}

// changeLines says exactly what changes in the Admin Console and in
// Marketo.
func changeLines(l *i18n.Lang, r *approvals.Request, pkg *approvals.Package) []bot.Text {
	if pkg == nil {
		return []bot.Text{l.T("card.change.gone", i18n.M{"Package": bot.Bold(r.Package)})}
	}
	var out []bot.Text
	add := r.Kind == approvals.KindAdd
	for _, p := range pkg.Profiles {
		key := "card.change.profile_add"
		if !add {
			key = "card.change.profile_remove"
		}
		out = append(out, l.T(key, i18n.M{"Profile": bot.Bold(p.Name), "Product": orText(p.Product, "Dynamic Chat")}))
	}
	out = append(out, engageLines(l, pkg, add)...)
	if !add && pkg.RemoveFromAllProfiles {
		out = append(out, l.T("card.change.all_profiles"))
	}
	out = append(out, roleLines(l, pkg, add)...)
	out = append(out, previewLines(l, r)...)
	if len(out) == 0 {
		out = append(out, l.T("card.change.none"))
	}
	return out
}

// decisionTexts lists who decided what and when.
func decisionTexts(l *i18n.Lang, r *approvals.Request, loc *time.Location) []bot.Text {
	var out []bot.Text
	for _, d := range r.Decisions {
		keys := [2]string{"card.decision.approved", "card.decision.approved_comment"}
		if d.Verdict == approvals.Deny {
			keys = [2]string{"card.decision.denied", "card.decision.denied_comment"}
		}
		key := keys[0]
		if d.Comment != "" {
			key = keys[1]
		}
		out = append(out, l.T(key, i18n.M{"Who": actorText(l, d.Approver), "At": at(l, d.At, loc, false), "Comment": clip(d.Comment, 200)}))
	}
	return out
}

// stepName names a provisioning step for people: "Admin Console",
// "Marketo", "Marketo (emea)" for a step on a named Marketo instance.
func stepName(l *i18n.Lang, name string) string {
	if k, ok := stepKeys[name]; ok {
		return l.S(k)
	}
	if inst, ok := strings.CutPrefix(name, "marketo:"); ok {
		return l.S("step.marketo_instance", i18n.M{"Instance": inst})
	}
	return name
}

// progressText is the one-line execution progress, e.g. "Admin Console:
// done · Marketo: waiting for the user to appear, next check 10:42 UTC".
func progressText(l *i18n.Lang, r *approvals.Request, loc *time.Location) bot.Text {
	var parts []bot.Text
	for _, s := range r.Steps {
		status := bot.Plain(string(s.Status))
		if k, ok := stepStatusKeys[s.Status]; ok {
			status = l.T(k)
		}
		if s.Detail != "" && s.Status != approvals.StepDone {
			status = l.Sentence(s.DetailKey, s.DetailArgs, clip(s.Detail, 200))
			if s.Status == approvals.StepFailed {
				status = l.T("card.step_failed", i18n.M{"Detail": status})
			}
		}
		t := l.T("card.step", i18n.M{"Step": stepName(l, s.Name), "Status": status})
		if s.Status == approvals.StepWaiting && !s.NextCheck.IsZero() {
			t = l.T("card.step_next_check", i18n.M{"Step": t, "At": at(l, s.NextCheck, loc, false)})
		}
		if len(parts) > 0 {
			parts = append(parts, bot.Plain(" · "))
		}
		parts = append(parts, t)
	}
	return bot.Join(parts...)
}

// outcomeText is the sentence saying where the request stands.
func outcomeText(l *i18n.Lang, r *approvals.Request, need int, loc *time.Location) bot.Text {
	switch r.State {
	case approvals.StatePending:
		return l.N("card.outcome.waiting", need-r.Approvals())
	case approvals.StateApproved:
		return l.T("card.outcome.approved")
	case approvals.StateExecuting:
		return l.T("card.outcome.executing")
	case approvals.StateCompleted:
		return l.T("card.outcome.done", i18n.M{"Grant": grantText(l, r, loc)})
	case approvals.StateDenied:
		for _, d := range r.Decisions {
			if d.Verdict == approvals.Deny {
				if d.Comment != "" {
					return l.T("card.outcome.denied_by_comment", i18n.M{"Who": actorText(l, d.Approver), "Comment": clip(d.Comment, 500)})
				}
				return l.T("card.outcome.denied_by", i18n.M{"Who": actorText(l, d.Approver)})
			}
		}
		return l.T("card.outcome.denied")
	case approvals.StateCancelled:
		return l.T("card.outcome.cancelled")
	case approvals.StateExpired:
		return l.T("card.outcome.expired")
	case approvals.StateFailed:
		return l.T("card.outcome.failed", i18n.M{"Reason": failureText(l, r)})
	case approvals.StateRevoked:
		return l.T("card.outcome.revoked")
	}
	return bot.Plain(stateWord(l, r.State))
}

// justification is why r was asked for: the requester's own words, or
// for a system request the reason the system gave, in l's language.
func justification(l *i18n.Lang, r *approvals.Request) bot.Text {
	if why, ok := r.SystemReason(); ok {
		return l.Sentence(why.Key, why.Args, why.Text)
	}
	return bot.Plain(orText(r.Justification, "—"))
}

// failureText is why a request failed, as one sentence in l when the
// request stored its message id, else the English it stored.
func failureText(l *i18n.Lang, r *approvals.Request) bot.Text {
	if r.Failure == "" {
		return l.T("card.no_reason")
	}
	return l.Sentence(r.FailureKey, r.FailureArgs, sentence(r.Failure))
}

func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s != "" && !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

// summaryBlock is a one-section summary of a request for lists, with a
// Cancel button on the requester's own pending requests.
func (h *Handler) summaryBlock(l *i18n.Lang, r *approvals.Request, viewer approvals.Actor, withCancel bool) *bot.Section {
	line := l.T("summary.line", i18n.M{"ID": bot.Code(r.ID), "What": what(l, r), "State": stateWord(l, r.State),
		"At": at(l, r.CreatedAt, h.deps.Location, true)})
	s := &bot.Section{Text: line}
	if r.State == approvals.StatePending {
		pkg, _ := h.svc.Policy().Package(r.Package)
		need := 1
		if pkg != nil {
			need = max(pkg.MinApprovals, 1)
		}
		s.Text = l.T("summary.line_count", i18n.M{"Line": line, "Got": r.Approvals(), "Need": need})
		if withCancel && r.Requester.Same(viewer) {
			s.BlockID = "cancel:" + buttonValue(r.ID, h.tag())
			s.Accessory = cancelButton(l, r.ID, h.tag())
		}
	}
	return s
}
