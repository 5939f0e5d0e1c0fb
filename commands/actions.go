package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/i18n"
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
	actor, l, err := h.actor(ctx, a.User)
	if err != nil {
		h.log.Warn().Err(err).Str(logging.User, a.User.ID).Msg("resolve actor for action")
		return bot.ActionReply{Ephemeral: ephemeral(h.actorProblem(l, err))}
	}
	switch a.ActionID {
	case ActionHomeAdd:
		m := h.addModal(l, addForm{})
		return bot.ActionReply{Modal: &m}
	case ActionHomeRemove:
		m := h.removeUserModal(l)
		return bot.ActionReply{Modal: &m}
	}
	id, err := h.buttonRequest(ctx, a.Value)
	if err != nil {
		return bot.ActionReply{Ephemeral: ephemeral(l.T("action.unknown_request"))}
	}
	if err := h.sameSource(ctx, a, id); err != nil {
		h.log.Warn().Err(err).Str(logging.User, a.User.ID).Str(logging.RequestID, id).Msg("click refused")
		return bot.ActionReply{Ephemeral: ephemeral(l.T("action.wrong_source"))}
	}
	c := clicked{a: a, actor: actor, l: l, id: id}
	switch a.ActionID {
	case ActionApprove:
		return h.decided(ctx, c, "approve", func() (*approvals.Request, error) { return h.svc.Approve(ctx, id, actor, "") })
	case ActionDeny:
		return h.denyClicked(ctx, c)
	case ActionCancel:
		return h.decided(ctx, c, "cancel", func() (*approvals.Request, error) { return h.svc.Cancel(ctx, id, actor) })
	case ActionRetry:
		return h.decided(ctx, c, "retry", func() (*approvals.Request, error) { return h.svc.Retry(ctx, id, actor) })
	default:
		return h.extendClicked(ctx, l, actor, id)
	}
}

// clicked is one click on a request button: the action, who clicked (and
// their language) and the request it names.
type clicked struct {
	a     bot.Action
	actor approvals.Actor
	l     *i18n.Lang
	id    string
}

// messageLang is the language of the message a click came from: the
// clicker's for an ephemeral answer or a DM card, the channel's for a
// channel card.
func (h *Handler) messageLang(ctx context.Context, c clicked, pkg string) *i18n.Lang {
	m := c.a.Message
	if m == nil || c.a.Ephemeral {
		return c.l
	}
	refs, err := h.ledger.MessageRefs(ctx, c.id)
	if err != nil {
		return c.l
	}
	for _, ref := range refs {
		if ref.Channel == m.Channel && ref.ID == m.ID && (ref.Kind == refCard || ref.Kind == refRequester) {
			if ref.User != "" {
				return c.l // a DM: the clicker reads it
			}
			return h.refLang(ctx, ref, pkg)
		}
	}
	return c.l
}

// decided runs one Service call for a click. On success the clicked
// message is redrawn at once (the notifier redraws every other copy);
// a click in the App Home refreshes the Home instead.
func (h *Handler) decided(ctx context.Context, c clicked, verb string, call func() (*approvals.Request, error)) bot.ActionReply {
	a, id := c.a, c.id
	r, err := call()
	if err != nil {
		pkg := ""
		if cur, gerr := h.ledger.Get(ctx, id); gerr == nil {
			pkg = cur.Package
		}
		return bot.ActionReply{Ephemeral: h.refuse(ctx, c.l, err, about{ID: id, Package: pkg, Verb: verb})}
	}
	rep := bot.ActionReply{}
	if a.Message != nil {
		m := h.card(h.messageLang(ctx, c, r.Package), r, cardView{requesterCopy: strings.HasPrefix(a.BlockID, "cancel:")})
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
func (h *Handler) denyClicked(ctx context.Context, c clicked) bot.ActionReply {
	r, err := h.ledger.Get(ctx, c.id)
	if err != nil {
		return bot.ActionReply{Ephemeral: h.refuse(ctx, c.l, err, about{ID: c.id, Verb: "deny"})}
	}
	if err := h.mayDecide(r, c.actor); err != nil {
		return bot.ActionReply{Ephemeral: h.refuse(ctx, c.l, err, about{ID: c.id, Package: r.Package, Verb: "deny"})}
	}
	m := h.denyModal(c.l, r)
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
func (h *Handler) extendClicked(ctx context.Context, l *i18n.Lang, actor approvals.Actor, id string) bot.ActionReply {
	r, err := h.ledger.Get(ctx, id)
	if err == nil && !h.mayView(r, actor) {
		err = notFound(id)
	}
	if err != nil {
		return bot.ActionReply{Ephemeral: h.refuse(ctx, l, err, about{ID: id})}
	}
	if r.Kind != approvals.KindAdd {
		return bot.ActionReply{Ephemeral: ephemeral(l.T("action.not_grant", i18n.M{"ID": bot.Code(r.ID)}))}
	}
	dur := ""
	if r.Duration > 0 {
		dur = approvals.FormatDuration(r.Duration)
	}
	m := h.addModal(l, addForm{UserID: r.Target.PlatformID, Email: r.Target.Email, Group: r.Target.Group, Package: r.Package, Duration: dur,
		Reason: r.Justification, Extends: r.ID})
	return bot.ActionReply{Modal: &m}
}
