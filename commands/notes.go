package commands

import (
	"context"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot"
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
	if t := h.threadNote(ev.Record, r); !t.IsZero() {
		for _, c := range refs {
			if c.Kind != refCard || c.User != "" || sent(noteKind, c.Platform, c.Channel, "") {
				continue
			}
			ref, err := h.on(c.Platform).Reply(ctx, chatRef(c), bot.Message{Text: t})
			if err == nil {
				remember(c.Platform, ref, noteKind, "")
			}
			errs = append(errs, err)
		}
	}
	if u := h.chatUser(r.Requester); u.ID != "" && !sent(noteKind, u.Platform, "", u.ID) {
		if t := h.requesterNote(ev.Record, r); !t.IsZero() {
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
		t := bot.Textf("%s %s %s for %s failed: %s An admin can press Retry on the card.", bot.Code(r.ID), bot.Plain(string(r.Kind)),
			bot.Bold(r.Package), bot.Plain(r.Target.Email), bot.Plain(sentence(orText(r.Failure, "no reason given"))))
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
func (h *Handler) threadNote(rec approvals.Record, r *approvals.Request) bot.Text {
	at := bot.Plain(clock(rec.At, h.deps.Location, false))
	who := actorText(rec.Actor)
	switch rec.Event {
	case approvals.EventVote, approvals.EventApprove:
		if rec.Actor.IsSystem() {
			return bot.Textf("Approved automatically at %s by %s.", at, bot.Plain(autoRule(r)))
		}
		got, need := h.countAt(rec, r)
		return bot.Textf("Approved by %s at %s (%d of %d)", who, at, got, need)
	case approvals.EventDeny:
		if rec.Detail != "" {
			return bot.Textf("Denied by %s at %s: %s", who, at, bot.Plain(clip(rec.Detail, 500)))
		}
		return bot.Textf("Denied by %s at %s", who, at)
	case approvals.EventCancel:
		return bot.Textf("Cancelled by %s at %s", who, at)
	case approvals.EventExpire:
		return bot.Textf("Expired at %s: no decision within the approval window", at)
	case approvals.EventComplete:
		return bot.Textf("Completed at %s: %s", at, grantText(r, h.deps.Location))
	case approvals.EventFail:
		return bot.Textf("Failed at %s: %s", at, bot.Plain(clip(orText(rec.Detail, "no reason given"), 500)))
	case approvals.EventRetry:
		return bot.Textf("Retry started by %s at %s", who, at)
	case approvals.EventRevoke:
		return bot.Textf("Access ended at %s: %s", at, bot.Plain(clip(orText(rec.Detail, "revoked"), 300)))
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
func (h *Handler) requesterNote(rec approvals.Record, r *approvals.Request) bot.Text {
	if !rec.Actor.IsSystem() && rec.Actor.Same(r.Requester) {
		return bot.Text{} // they did it themselves
	}
	what := bot.Textf("%s (%s %s for %s)", bot.Code(r.ID), bot.Plain(string(r.Kind)), bot.Bold(r.Package), bot.Plain(r.Target.Email))
	who := actorText(rec.Actor)
	switch rec.Event {
	case approvals.EventVote:
		got, need := h.countAt(rec, r)
		return bot.Textf("%s approved your request %s: %d of %d approvals.", who, what, got, need)
	case approvals.EventApprove:
		if rec.From == "" {
			return bot.Text{} // approved at submission; the requester's copy says so
		}
		return bot.Textf("Your request %s was approved by %s. I will tell you when the change is done.", what, who)
	case approvals.EventDeny:
		if rec.Detail != "" {
			return bot.Textf("Your request %s was denied by %s: %s", what, who, bot.Plain(clip(rec.Detail, 500)))
		}
		return bot.Textf("Your request %s was denied by %s.", what, who)
	case approvals.EventCancel:
		return bot.Textf("Your request %s was cancelled by %s.", what, who)
	case approvals.EventExpire:
		return bot.Textf("Your request %s expired: nobody decided within the approval window. Submit it again if it is still needed.", what)
	case approvals.EventComplete:
		return bot.Textf("Your request %s is done: %s", what, grantText(r, h.deps.Location))
	case approvals.EventFail:
		return bot.Textf("Your request %s failed: %s Admins have been told.", what, bot.Plain(sentence(orText(r.Failure, "no reason given"))))
	case approvals.EventRevoke:
		return bot.Textf("The access from your request %s has ended: %s", what, bot.Plain(clip(orText(rec.Detail, "revoked"), 300)))
	}
	return bot.Text{}
}

// reviewLater answers "review start" at once and builds the campaign
// after the acknowledgement: the inventory costs a vendor call per
// holder, far more than the 3 s an answer may take. The admin is told
// through the command's response hook (or a DM) when it is ready.
func (h *Handler) reviewLater(pkg string, actor approvals.Actor, respond bot.ResponseFunc) bot.Reply {
	scope := bot.Plain("every package")
	if pkg != "" {
		scope = bot.Bold(pkg)
	}
	return bot.Reply{
		Message: ephemeral(bot.Textf("Starting the access review of %s: I am reading who holds access in the Admin Console and Marketo. "+
			"I will tell you here when it is ready.", scope)),
		After: func(ctx context.Context) {
			var t bot.Text
			msg, err := h.deps.Reviews.StartReview(ctx, pkg, actor)
			if err != nil {
				t = h.refuse(ctx, err, about{Package: pkg}).Text
				t = bot.Textf("The access review of %s was not started: %s", scope, t)
			} else {
				t = bot.Plain(msg)
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

// autoRule names what approved r without a person: the policy rule the
// system's decision recorded.
func autoRule(r *approvals.Request) string {
	for _, d := range r.Decisions {
		if d.Approver.IsSystem() && d.Comment != "" {
			return d.Comment
		}
	}
	return "a policy rule"
}

// grantText says what a completed request changed, e.g. "alice@example.com
// has agent until 24 Dec 09:00 UTC."
func grantText(r *approvals.Request, loc *time.Location) bot.Text {
	switch {
	case r.Kind == approvals.KindRemove:
		return bot.Textf("%s no longer has %s.", bot.Plain(r.Target.Email), bot.Bold(r.Package))
	case r.GrantedUntil.IsZero():
		return bot.Textf("%s has %s with no end date.", bot.Plain(r.Target.Email), bot.Bold(r.Package))
	}
	return bot.Textf("%s has %s until %s.", bot.Plain(r.Target.Email), bot.Bold(r.Package), bot.Plain(clock(r.GrantedUntil, loc, true)))
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
