package commands

import (
	"context"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/i18n"
	"github.com/chataccess/chataccess/internal/logging"
)

// notes sends what one event says to people: a reply in the thread of
// each channel card, a DM to the requester, an admin alert on failure.
// Each is sent once per event: a ref of kind "note:<event id>" (or
// "alert:<event id>") is recorded after sending and checked before.
func (n *Notifier) notes(ctx context.Context, ev approvals.OutboxRecord, r *approvals.Request, refs []approvals.MessageRef) []error {
	h := n.h
	var errs []error
	sent := func(kind string, p approvals.Platform, channel, user string) bool {
		return hasRef(refs, kind, p, channel, user)
	}
	remember := func(p approvals.Platform, ref bot.MessageRef, kind, user string) {
		errs = append(errs, h.ledger.AddMessageRef(ctx, r.ID, storedRef(p, ref, kind, user)))
	}
	noteKind := refNote + ev.ID
	for _, c := range refs {
		if c.Kind != refCard || c.User != "" || sent(noteKind, c.Platform, c.Channel, "") {
			continue
		}
		if t := h.threadNote(h.refLang(ctx, c, r.Package), ev.Record, r); !t.IsZero() {
			ref, err := h.on(c.Platform).Reply(ctx, chatRef(c), bot.Message{Text: t})
			if err == nil {
				remember(c.Platform, ref, noteKind, "")
			}
			errs = append(errs, err)
		}
	}
	if u := h.chatUser(r.Requester); u.ID != "" && !sent(noteKind, u.Platform, "", u.ID) {
		if t := h.requesterNote(h.userLang(ctx, u.Platform, u.ID, r.Package), ev.Record, r); !t.IsZero() {
			ref, err := h.on(u.Platform).DM(ctx, u.ID, bot.Message{Text: t})
			if err == nil {
				remember(u.Platform, ref, noteKind, u.ID)
			}
			errs = append(errs, err)
		}
	}
	if ev.Record.Event != approvals.EventFail {
		return errs
	}
	for _, ch := range h.deps.AdminChannels {
		if sent(refAlert+ev.ID, ch.Platform, ch.ID, "") {
			continue
		}
		l := h.policyLang(ch.Platform, ch.ID, r.Package)
		t := l.T("alert.failed", i18n.M{"ID": bot.Code(r.ID), "What": what(l, r), "Reason": failureText(l, r)})
		ref, err := h.on(ch.Platform).Post(ctx, ch.ID, bot.Message{Text: t})
		if err == nil {
			remember(ch.Platform, ref, refAlert+ev.ID, "")
		}
		errs = append(errs, err)
	}
	return errs
}

// threadNote says who did what and when, e.g. "Approved by @ann at
// 10:42 UTC (2 of 2)". Zero when the event is not worth a reply.
func (h *Handler) threadNote(l *i18n.Lang, rec approvals.Record, r *approvals.Request) bot.Text {
	args := i18n.M{"At": at(l, rec.At, h.deps.Location, false), "Who": actorText(l, rec.Actor)}
	switch rec.Event {
	case approvals.EventVote, approvals.EventApprove:
		if rec.Actor.IsSystem() {
			args["Rule"] = autoRule(l, r)
			return l.T("note.auto_approved", args)
		}
		args["Got"], args["Need"] = h.countAt(rec, r)
		return l.T("note.approved", args)
	case approvals.EventDeny:
		if rec.Detail != "" {
			args["Comment"] = clip(rec.Detail, 500)
			return l.T("note.denied_comment", args)
		}
		return l.T("note.denied", args)
	case approvals.EventCancel:
		return l.T("note.cancelled", args)
	case approvals.EventExpire:
		return l.T("note.expired", args)
	case approvals.EventComplete:
		args["Grant"] = grantText(l, r, h.deps.Location)
		return l.T("note.completed", args)
	case approvals.EventFail:
		args["Reason"] = clip(orText(rec.Detail, l.S("card.no_reason")), 500)
		if rec.Detail != "" && rec.Detail == r.Failure {
			args["Reason"] = failureText(l, r) // the sentence this event stored
		}
		return l.T("note.failed", args)
	case approvals.EventRetry:
		return l.T("note.retried", args)
	case approvals.EventRevoke:
		args["Reason"] = revokedReason(l, rec)
		return l.T("note.revoked", args)
	}
	return bot.Text{}
}

// countAt is the approval count the event reached and the count needed.
func (h *Handler) countAt(rec approvals.Record, r *approvals.Request) (got, need int) {
	need = 1
	if pkg, err := h.svc.Policy().Package(r.Package); err == nil {
		need = max(pkg.MinApprovals, 1)
	}
	for _, d := range r.Decisions {
		if d.Verdict != approvals.Approve {
			continue
		}
		got++
		if d.Approver.Same(rec.Actor) {
			return got, need
		}
	}
	return got, need
}

// requesterNote is the DM to the requester about an event, or zero.
func (h *Handler) requesterNote(l *i18n.Lang, rec approvals.Record, r *approvals.Request) bot.Text {
	if !rec.Actor.IsSystem() && rec.Actor.Same(r.Requester) {
		return bot.Text{} // they did it themselves
	}
	args := i18n.M{"Request": idWhat(l, r), "Who": actorText(l, rec.Actor)}
	switch rec.Event {
	case approvals.EventVote:
		args["Got"], args["Need"] = h.countAt(rec, r)
		return l.T("dm.vote", args)
	case approvals.EventApprove:
		if rec.From == "" {
			return bot.Text{} // approved at submission; the requester's copy says so
		}
		return l.T("dm.approved", args)
	case approvals.EventDeny:
		if rec.Detail != "" {
			args["Comment"] = clip(rec.Detail, 500)
			return l.T("dm.denied_comment", args)
		}
		return l.T("dm.denied", args)
	case approvals.EventCancel:
		return l.T("dm.cancelled", args)
	case approvals.EventExpire:
		return l.T("dm.expired", args)
	case approvals.EventComplete:
		args["Grant"] = grantText(l, r, h.deps.Location)
		return l.T("dm.completed", args)
	case approvals.EventFail:
		args["Reason"] = failureText(l, r)
		return l.T("dm.failed", args)
	case approvals.EventRevoke:
		args["Reason"] = revokedReason(l, rec)
		return l.T("dm.revoked", args)
	}
	return bot.Text{}
}

// reviewLater answers "review start" at once and builds the campaign
// after the acknowledgement: the inventory costs a vendor call per
// holder, far more than the 3 s an answer may take. The admin is told
// through the command's response hook (or a DM) when it is ready.
func (h *Handler) reviewLater(l *i18n.Lang, pkg string, actor approvals.Actor, respond bot.ResponseFunc) bot.Reply {
	scope := l.T("review.every_package")
	if pkg != "" {
		scope = bot.Bold(pkg)
	}
	return bot.Reply{
		Message: ephemeral(l.T("review.starting", i18n.M{"Scope": scope})),
		After: func(ctx context.Context) {
			var t bot.Text
			msg, err := h.deps.Reviews.StartReview(ctx, pkg, actor)
			if err != nil {
				t = h.refuse(ctx, l, err, about{Package: pkg}).Text
				t = l.T("review.not_started", i18n.M{"Scope": scope, "Reason": t})
			} else {
				t = l.Sentence(msg.Key, msg.Args, msg.Text)
			}
			h.tell(ctx, actor, respond, t)
		},
	}
}

// tell answers a person after the acknowledgement: through the request's
// response hook when it has one, else in a DM.
func (h *Handler) tell(ctx context.Context, actor approvals.Actor, respond bot.ResponseFunc, t bot.Text) {
	if respond != nil {
		err := respond(ctx, bot.Response{Message: bot.Message{Text: t}})
		if err == nil {
			return
		}
		h.log.Warn().Err(err).Str(logging.User, actor.ID).Msg("answer through the response hook; sending a DM instead")
	}
	if u := h.chatUser(actor); u.ID != "" {
		if _, err := h.on(u.Platform).DM(ctx, u.ID, bot.Message{Text: t}); err != nil {
			h.log.Error().Err(err).Str(logging.User, actor.ID).Msg("tell the result of a background task")
		}
	}
}

// revokedReason is why access ended, from a revoke record: the reason
// the system gave in l's language, or the text as stored.
func revokedReason(l *i18n.Lang, rec approvals.Record) bot.Text {
	if rec.Detail == "" {
		return l.T("note.revoked_reason")
	}
	return l.Sentence(rec.DetailKey, rec.DetailArgs, clip(rec.Detail, 300))
}

// autoRule names what approved r without a person: the policy rule the
// system's decision recorded.
func autoRule(l *i18n.Lang, r *approvals.Request) bot.Text {
	for _, d := range r.Decisions {
		if d.Approver.IsSystem() && d.Comment != "" {
			return l.Sentence(d.CommentKey, d.CommentArgs, d.Comment)
		}
	}
	return l.T("note.policy_rule")
}

// grantText says what a completed request changed, e.g. "alice@example.com
// has agent until 24 Dec 09:00 UTC."
func grantText(l *i18n.Lang, r *approvals.Request, loc *time.Location) bot.Text {
	args := i18n.M{"User": targetName(l, r.Target), "Package": bot.Bold(r.Package)}
	switch {
	case r.Kind == approvals.KindRemove:
		return l.T("grant.removed", args)
	case r.GrantedUntil.IsZero():
		return l.T("grant.no_end", args)
	}
	args["Until"] = at(l, r.GrantedUntil, loc, true)
	return l.T("grant.until", args)
}

// refreshHomes republishes the App Home of the requester, the actor and
// everyone who decided. Best effort: failures are logged, not retried.
func (n *Notifier) refreshHomes(ctx context.Context, r *approvals.Request, rec approvals.Record) {
	h := n.h
	ids := []approvals.PlatformID{h.chatUser(r.Requester), h.chatUser(rec.Actor)}
	for _, d := range r.Decisions {
		ids = append(ids, h.chatUser(d.Approver))
	}
	seen := map[approvals.PlatformID]bool{}
	for _, id := range ids {
		if id.ID != "" && !seen[id] {
			seen[id] = true
			h.HandleHomeOpened(ctx, bot.User{Platform: bot.Platform(id.Platform), ID: id.ID})
		}
	}
}

// AlertAdminsSentence is AlertAdmins for a sentence with its message
// id and arguments, in the language of each admin channel.
func (h *Handler) AlertAdminsSentence(ctx context.Context, s approvals.Sentence) error {
	return h.alertAdmins(ctx, func(l *i18n.Lang) bot.Text { return l.Sentence(s.Key, s.Args, s.Text) })
}
