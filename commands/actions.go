package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/internal/logging"
)

// blockPrefix is the block id prefix of each request button's block:
// the block id carries the request id too, so a click names its request
// twice and both must agree.
var blockPrefix = map[string]string{
	ActionApprove: "decide:", ActionDeny: "decide:", ActionCancel: "cancel:", ActionRetry: "retry:", ActionExtend: "extend:",
}

// errWrongSource says a click does not fit the message it came from.
var errWrongSource = errors.New("click does not match its message")

// sameSource cross-checks a click on a request button against where it
// came from: the block id must name the same request as the value, and
// a click in a stored message must come from a message recorded for
// that request (a card copy, the requester's copy); a click in a view
// must come from the App Home. Ephemeral command replies are never
// stored; their buttons are checked by block and value, and the Service
// checks who may act either way.
func (h *Handler) sameSource(ctx context.Context, a bot.Action, id string) error {
	if a.BlockID != blockPrefix[a.ActionID]+a.Value {
		return fmt.Errorf("%w: block %q, value %s", errWrongSource, clip(a.BlockID, 40), id)
	}
	switch {
	case a.Message != nil && a.Ephemeral:
		return nil
	case a.Message != nil:
		if a.ActionID == ActionExtend {
			// Expiry warnings are DMs that are not recorded; Extend only
			// opens a form, for people who may see the request.
			return nil
		}
		refs, err := h.ledger.MessageRefs(ctx, id)
		if err != nil {
			return fmt.Errorf("messages of %s: %w", id, err)
		}
		for _, ref := range refs {
			if ref.Channel == a.Message.Channel && ref.ID == a.Message.ID &&
				(ref.Platform == "" || a.Message.Platform == "" || string(ref.Platform) == string(a.Message.Platform)) &&
				(ref.Kind == refCard || ref.Kind == refRequester) {
				return nil
			}
		}
		return fmt.Errorf("%w: message %s/%s is not recorded for %s", errWrongSource, a.Message.Channel, a.Message.ID, id)
	case a.View != nil:
		if a.View.CallbackID != homeCallback {
			return fmt.Errorf("%w: view %q", errWrongSource, clip(a.View.CallbackID, 40))
		}
		return nil
	}
	return fmt.Errorf("%w: neither a message nor a view", errWrongSource)
}

// HandleAction implements bot.Handler for button clicks in cards, DMs
// and the App Home. Refusals are ephemeral sentences; nothing changes.
func (h *Handler) HandleAction(ctx context.Context, a bot.Action) bot.ActionReply {
	switch a.ActionID {
	case ActionApprove, ActionDeny, ActionCancel, ActionRetry, ActionExtend, ActionHomeAdd, ActionHomeRemove:
	default:
		return bot.ActionReply{}
	}
	actor, err := h.actor(ctx, a.User)
	if err != nil {
		h.log.Warn().Err(err).Str(logging.User, a.User.ID).Msg("resolve actor for action")
		return bot.ActionReply{Ephemeral: ephemeral(h.actorProblem(err))}
	}
	switch a.ActionID {
	case ActionHomeAdd:
		m := h.addModal(addForm{})
		return bot.ActionReply{Modal: &m}
	case ActionHomeRemove:
		m := h.removeUserModal()
		return bot.ActionReply{Modal: &m}
	}
	id, err := h.buttonRequest(ctx, a.Value)
	if err != nil {
		return bot.ActionReply{Ephemeral: ephemeral(bot.Plain("That button does not name a request I know."))}
	}
	if err := h.sameSource(ctx, a, id); err != nil {
		h.log.Warn().Err(err).Str(logging.User, a.User.ID).Str(logging.RequestID, id).Msg("click refused")
		return bot.ActionReply{Ephemeral: ephemeral(bot.Plain("That button does not match the message it is in, so nothing was changed."))}
	}
	switch a.ActionID {
	case ActionApprove:
		return h.decided(ctx, a, actor, id, "approve", func() (*approvals.Request, error) { return h.svc.Approve(ctx, id, actor, "") })
	case ActionDeny:
		return h.denyClicked(ctx, a, actor, id)
	case ActionCancel:
		return h.decided(ctx, a, actor, id, "cancel", func() (*approvals.Request, error) { return h.svc.Cancel(ctx, id, actor) })
	case ActionRetry:
		return h.decided(ctx, a, actor, id, "retry", func() (*approvals.Request, error) { return h.svc.Retry(ctx, id, actor) })
	default:
		return h.extendClicked(ctx, actor, id)
	}
}

// decided runs one Service call for a click. On success the clicked
// message is redrawn at once (the notifier redraws every other copy);
// a click in the App Home refreshes the Home instead.
func (h *Handler) decided(ctx context.Context, a bot.Action, actor approvals.Actor, id, verb string, call func() (*approvals.Request, error)) bot.ActionReply {
	r, err := call()
	if err != nil {
		pkg := ""
		if cur, gerr := h.ledger.Get(ctx, id); gerr == nil {
			pkg = cur.Package
		}
		return bot.ActionReply{Ephemeral: h.refuse(ctx, err, about{ID: id, Package: pkg, Verb: verb})}
	}
	rep := bot.ActionReply{}
	if a.Message != nil {
		m := h.card(r, cardView{requesterCopy: strings.HasPrefix(a.BlockID, "cancel:")})
		rep.Update = &m
	}
	if a.View != nil && a.Message == nil {
		user := a.User
		rep.After = func(ctx context.Context) { h.HandleHomeOpened(ctx, user) }
	}
	return rep
}

// denyClicked checks the clicker may decide, then opens the reason
// modal. The Service checks again when the modal is submitted.
func (h *Handler) denyClicked(ctx context.Context, a bot.Action, actor approvals.Actor, id string) bot.ActionReply {
	r, err := h.ledger.Get(ctx, id)
	if err != nil {
		return bot.ActionReply{Ephemeral: h.refuse(ctx, err, about{ID: id, Verb: "deny"})}
	}
	if err := h.mayDecide(r, actor); err != nil {
		return bot.ActionReply{Ephemeral: h.refuse(ctx, err, about{ID: id, Package: r.Package, Verb: "deny"})}
	}
	m := h.denyModal(r)
	return bot.ActionReply{Modal: &m}
}

// mayDecide mirrors the Service's decision rules for a quick refusal
// before a modal opens; the Service stays the authority.
func (h *Handler) mayDecide(r *approvals.Request, who approvals.Actor) error {
	pkg, err := h.svc.Policy().Package(r.Package)
	if err != nil {
		return err
	}
	switch {
	case r.DecidedBy(who):
		return approvals.ErrAlreadyDecided
	case r.State != approvals.StatePending:
		return &approvals.ClosedError{ID: r.ID, State: r.State}
	case !pkg.Approvers.Contains(who):
		return approvals.ErrNotApprover
	case (r.Requester.Same(who) || strings.EqualFold(who.Email, r.Target.Email)) && !pkg.AllowSelfApproval:
		return approvals.ErrSelfApproval
	}
	return nil
}

// extendClicked opens the Add modal pre-filled from an add request, for
// someone who may see the request.
func (h *Handler) extendClicked(ctx context.Context, actor approvals.Actor, id string) bot.ActionReply {
	r, err := h.ledger.Get(ctx, id)
	if err == nil && !h.mayView(r, actor) {
		err = notFound(id)
	}
	if err != nil {
		return bot.ActionReply{Ephemeral: h.refuse(ctx, err, about{ID: id})}
	}
	if r.Kind != approvals.KindAdd {
		return bot.ActionReply{Ephemeral: ephemeral(bot.Textf("%s is not an access grant, so it cannot be extended.", bot.Code(r.ID)))}
	}
	dur := ""
	if r.Duration > 0 {
		dur = approvals.FormatDuration(r.Duration)
	}
	m := h.addModal(addForm{UserID: r.Target.PlatformID, Email: r.Target.Email, Package: r.Package, Duration: dur,
		Reason: r.Justification, Extends: r.ID})
	return bot.ActionReply{Modal: &m}
}
