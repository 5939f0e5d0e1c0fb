package reviewchat

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/internal/logging"
	"github.com/chataccess/chataccess/reviews"
)

// Handler answers clicks on review buttons (action ids starting with
// Prefix). The chat front end routes them here:
//
//	if strings.HasPrefix(a.ActionID, reviewchat.Prefix) { return reviewHandler.HandleAction(ctx, a) }
//
// Each click does one Redis compare-and-swap and redraws the clicked
// message in the reply; other copies are redrawn after the
// acknowledgement. Refusals are ephemeral and change nothing.
type Handler struct {
	rv  *reviews.Reviews
	n   *Notifier
	log zerolog.Logger
}

// NewHandler returns the handler.
func NewHandler(rv *reviews.Reviews, n *Notifier) *Handler {
	return &Handler{rv: rv, n: n, log: n.log}
}

// Handles reports whether an action id is a review button's.
func Handles(actionID string) bool { return strings.HasPrefix(actionID, Prefix) }

func say(t bot.Text) *bot.Message { return &bot.Message{Text: t} }

// HandleAction implements the action half of bot.Handler for review
// buttons.
func (h *Handler) HandleAction(ctx context.Context, a bot.Action) bot.ActionReply {
	v, err := ParseValue(a.Value)
	if err != nil || !Handles(a.ActionID) {
		return bot.ActionReply{Ephemeral: say(bot.Plain("That button is not one I know; nothing was changed."))}
	}
	if err := h.sameSource(ctx, a, v); err != nil {
		h.log.Warn().Err(err).Str(logging.User, a.User.ID).Str(logging.ReviewID, v.Review).Msg("review click refused")
		return bot.ActionReply{Ephemeral: say(bot.Plain("That button does not match the message it is in, so nothing was changed."))}
	}
	if strings.HasPrefix(a.ActionID, ActionPage) {
		return h.page(ctx, a, v)
	}
	if len(v.Items) == 0 {
		return bot.ActionReply{Ephemeral: say(bot.Plain("That button names no item; nothing was changed."))}
	}
	actor, err := h.actor(ctx, a.User)
	if err != nil {
		h.log.Warn().Err(err).Str(logging.User, a.User.ID).Msg("resolve review clicker")
		if errors.Is(err, bot.ErrUserNotFound) || errors.Is(err, bot.ErrNoEmail) {
			return bot.ActionReply{Ephemeral: say(bot.Plain("I could not find your profile with an email address, so nothing was changed."))}
		}
		return bot.ActionReply{Ephemeral: say(bot.Plain("I could not check who you are just now; nothing was changed. Please try again in a minute."))}
	}
	switch a.ActionID {
	case ActionKeep, ActionRevoke:
		verdict := reviews.Keep
		if a.ActionID == ActionRevoke {
			verdict = reviews.Revoke
		}
		it, err := h.rv.Decide(ctx, v.Review, v.Items[0], actor, verdict)
		return h.after(ctx, a, v, err, it)
	case ActionKeepPage:
		kept, skipped, err := h.rv.KeepAll(ctx, v.Review, v.Items, actor)
		if err != nil && len(kept) == 0 {
			return h.after(ctx, a, v, err, nil)
		}
		rep := h.after(ctx, a, v, nil, ptrs(kept)...)
		if skipped > 0 {
			rep.Ephemeral = say(bot.Textf("Kept %d items; %d were decided already or are not yours to decide.", len(kept), skipped))
		}
		return rep
	case ActionAdopt:
		it, err := h.rv.Adopt(ctx, v.Review, v.Items[0], actor)
		rep := h.after(ctx, a, v, err, it)
		if err == nil {
			rep.Ephemeral = say(bot.Textf("Adopted: %s now holds %s in the ledger on your word.", bot.Plain(it.Email), bot.Plain(it.Package)))
		}
		return rep
	case ActionRemove:
		it, err := h.rv.OpenRemove(ctx, v.Review, v.Items[0], actor)
		rep := h.after(ctx, a, v, err, it)
		if err == nil {
			rep.Ephemeral = say(bot.Textf("Remove request %s opened for %s; it goes through approval like any other.", bot.Code(it.Fix.RequestID), bot.Plain(it.Email)))
		}
		return rep
	}
	return bot.ActionReply{Ephemeral: say(bot.Plain("That button is not one I know; nothing was changed."))}
}

// after redraws the clicked message and, after the ack, the other views
// that show the changed items. A refusal is ephemeral; only "already
// decided" also redraws, so the clicker sees the current state.
func (h *Handler) after(ctx context.Context, a bot.Action, v Value, err error, changed ...*reviews.Item) bot.ActionReply {
	if err != nil && !errors.Is(err, reviews.ErrAlreadyDone) {
		return bot.ActionReply{Ephemeral: say(h.refusal(ctx, v, err))}
	}
	c, items, rerr := h.rv.Campaign(ctx, v.Review)
	if rerr != nil {
		h.log.Error().Err(rerr).Str(logging.ReviewID, v.Review).Msg("read review for redraw")
		if err != nil {
			return bot.ActionReply{Ephemeral: say(h.refusal(ctx, v, err))}
		}
		return bot.ActionReply{}
	}
	msg, _ := h.n.renderer().Page(c, v.View, items, v.Page)
	rep := bot.ActionReply{Update: &msg}
	if err != nil {
		rep.Ephemeral = say(h.refusal(ctx, v, err))
		return rep
	}
	var done []reviews.Item
	for _, it := range changed {
		if it != nil {
			done = append(done, *it)
		}
	}
	rep.After = func(ctx context.Context) {
		for _, it := range done {
			if err := h.n.ItemChanged(ctx, c, items, it, v.View); err != nil {
				h.log.Warn().Err(err).Str(logging.ReviewID, c.ID).Int(logging.Item, it.Index).Msg("redraw review views")
			}
		}
	}
	return rep
}

func ptrs(items []reviews.Item) []*reviews.Item {
	out := make([]*reviews.Item, len(items))
	for i := range items {
		out[i] = &items[i]
	}
	return out
}

// page moves a view's message to another page.
func (h *Handler) page(ctx context.Context, a bot.Action, v Value) bot.ActionReply {
	c, items, err := h.rv.Campaign(ctx, v.Review)
	if err != nil {
		return bot.ActionReply{Ephemeral: say(h.refusal(ctx, v, err))}
	}
	msg, page := h.n.renderer().Page(c, v.View, items, v.Page)
	if a.Message != nil && !a.Message.IsZero() {
		err := h.n.cfg.Messages.SetReviewMessage(ctx, c.ID, reviews.PostedMessage{
			View: v.View, Platform: approvals.Platform(a.Message.Platform), Channel: a.Message.Channel, ID: a.Message.ID, Page: page})
		if err != nil {
			h.log.Warn().Err(err).Str(logging.ReviewID, c.ID).Msg("remember review page")
		}
	}
	return bot.ActionReply{Update: &msg}
}

// refusal is the sentence for a refused click.
func (h *Handler) refusal(ctx context.Context, v Value, err error) bot.Text {
	var de *reviews.DecidedError
	var fe *reviews.FixedError
	r := h.n.renderer()
	switch {
	case errors.As(err, &de):
		verb := "kept"
		if de.Decision.Verdict == reviews.Revoke {
			verb = "revoked"
		}
		by := de.Decision.By.Label()
		if de.Decision.Auto {
			by = "the deadline"
		}
		return bot.Textf("Already decided: %s by %s at %s. Nothing was changed.", bot.Plain(verb), bot.Plain(by), bot.Plain(r.when(de.Decision.At)))
	case errors.As(err, &fe):
		verb := "adopted into the ledger"
		if fe.Fix.Action == reviews.FixRemove {
			verb = "a remove request was opened (" + fe.Fix.RequestID + ")"
		}
		return bot.Textf("Already handled: %s by %s at %s. Nothing was changed.", bot.Plain(verb), bot.Plain(fe.Fix.By.Label()), bot.Plain(r.when(fe.Fix.At)))
	case errors.Is(err, reviews.ErrSelfReview):
		return bot.Plain("Nobody reviews their own access: someone else decides this one. Nothing was changed.")
	case errors.Is(err, reviews.ErrNotReviewer):
		return bot.Plain("You are not a reviewer of this item, so nothing was changed.")
	case errors.Is(err, reviews.ErrNotAdmin):
		return bot.Plain("Only admins can adopt access or open remove requests from the drift report. Nothing was changed.")
	case errors.Is(err, reviews.ErrClosed):
		return bot.Textf("Review %s is closed; nothing was changed.", bot.Plain(v.Review))
	case errors.Is(err, reviews.ErrNotFound):
		return bot.Plain("I cannot find that review item; nothing was changed.")
	case errors.Is(err, reviews.ErrNoDrift):
		return bot.Plain("That item has nothing to fix; nothing was changed.")
	case errors.Is(err, approvals.ErrNotAllowed), errors.Is(err, approvals.ErrDuplicateRequest), errors.Is(err, approvals.ErrNoGrant):
		return bot.Textf("That cannot be done: %s.", bot.Plain(err.Error()))
	}
	h.log.Error().Err(err).Str(logging.ReviewID, v.Review).Msg("review click")
	return bot.Plain("Something went wrong on my side; nothing was changed. Please try again in a minute.")
}

// actor builds the clicker from the platform's verified profile and the
// reviewer and admin groups they belong to, read from the platform at
// the moment of the decision (bot.Fresh), never from a cache: a person
// deactivated or removed from a reviewer group is seen as such.
func (h *Handler) actor(ctx context.Context, u bot.User) (approvals.Actor, error) {
	ctx = bot.Fresh(ctx)
	p := approvals.Platform(u.Platform)
	send := h.n.on(p)
	full, err := send.LookupUser(ctx, u.ID)
	if err != nil {
		return approvals.Actor{}, err
	}
	if p == "" {
		p = approvals.Platform(full.Platform)
	}
	var groups []string
	for _, g := range approvals.On(h.rv.AuthorityGroups(), p) {
		members, err := send.GroupMembers(ctx, g)
		if errors.Is(err, bot.ErrNotFound) {
			continue // a group the policy names but the platform lacks has no members
		}
		if err != nil {
			return approvals.Actor{}, err
		}
		if slices.Contains(members, u.ID) {
			groups = append(groups, g)
		}
	}
	return approvals.Actor{ID: full.ID, Email: strings.ToLower(full.Email), Name: full.Name, Platform: p, Groups: groups}, nil
}

// errWrongSource says a review click does not fit its message.
var errWrongSource = errors.New("review click does not match its message")

// sameSource cross-checks a click against the message it came from: an
// item button sits in the block of its one item, page and keep-all
// buttons in the navigation block, and the message is the one recorded
// for the value's view of the campaign (review pages are only ever
// posted messages).
func (h *Handler) sameSource(ctx context.Context, a bot.Action, v Value) error {
	want := "review:nav"
	switch a.ActionID {
	case ActionKeep, ActionRevoke, ActionAdopt, ActionRemove:
		if len(v.Items) != 1 {
			return fmt.Errorf("%w: %d items on an item button", errWrongSource, len(v.Items))
		}
		want = "review:act:" + strconv.Itoa(v.Items[0])
	}
	if a.BlockID != want {
		return fmt.Errorf("%w: block %q, want %q", errWrongSource, cut(a.BlockID, 40), want)
	}
	if a.Message == nil || a.Message.IsZero() {
		return fmt.Errorf("%w: not in a message", errWrongSource)
	}
	posted, err := h.n.cfg.Messages.ReviewMessages(ctx, v.Review)
	if err != nil {
		return fmt.Errorf("messages of review %s: %w", v.Review, err)
	}
	for _, m := range posted {
		if m.View == v.View && m.Channel == a.Message.Channel && m.ID == a.Message.ID &&
			(m.Platform == "" || a.Message.Platform == "" || string(m.Platform) == string(a.Message.Platform)) {
			return nil
		}
	}
	return fmt.Errorf("%w: message %s/%s is not view %s of %s", errWrongSource, a.Message.Channel, a.Message.ID, v.View, v.Review)
}
