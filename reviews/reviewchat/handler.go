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
	"github.com/chataccess/chataccess/i18n"
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
	l := h.clickerLang(ctx, a.User)
	v, err := ParseValue(a.Value)
	if err != nil || !Handles(a.ActionID) {
		return bot.ActionReply{Ephemeral: say(l.T("reviewpage.click.unknown"))}
	}
	if err := h.sameSource(ctx, a, v); err != nil {
		h.log.Warn().Err(err).Str(logging.User, a.User.ID).Str(logging.ReviewID, v.Review).Msg("review click refused")
		return bot.ActionReply{Ephemeral: say(l.T("reviewpage.click.wrong_source"))}
	}
	if strings.HasPrefix(a.ActionID, ActionPage) {
		return h.page(ctx, l, a, v)
	}
	if len(v.Items) == 0 {
		return bot.ActionReply{Ephemeral: say(l.T("reviewpage.click.no_item"))}
	}
	actor, err := h.actor(ctx, a.User)
	if err != nil {
		h.log.Warn().Err(err).Str(logging.User, a.User.ID).Msg("resolve review clicker")
		if errors.Is(err, bot.ErrUserNotFound) || errors.Is(err, bot.ErrNoEmail) {
			return bot.ActionReply{Ephemeral: say(l.T("reviewpage.click.no_profile"))}
		}
		return bot.ActionReply{Ephemeral: say(l.T("reviewpage.click.unavailable"))}
	}
	return h.decide(ctx, l, a, v, actor)
}

// decide runs the review call a click asks for.
func (h *Handler) decide(ctx context.Context, l *i18n.Lang, a bot.Action, v Value, actor approvals.Actor) bot.ActionReply {
	switch a.ActionID {
	case ActionKeep, ActionRevoke:
		verdict := reviews.Keep
		if a.ActionID == ActionRevoke {
			verdict = reviews.Revoke
		}
		it, err := h.rv.Decide(ctx, v.Review, v.Items[0], actor, verdict)
		return h.after(ctx, l, a, v, err, it)
	case ActionKeepPage:
		kept, skipped, err := h.rv.KeepAll(ctx, v.Review, v.Items, actor)
		if err != nil && len(kept) == 0 {
			return h.after(ctx, l, a, v, err, nil)
		}
		rep := h.after(ctx, l, a, v, nil, ptrs(kept)...)
		if skipped > 0 {
			rep.Ephemeral = say(l.N("reviewpage.click.kept_some", len(kept), i18n.M{"Skipped": skipped}))
		}
		return rep
	case ActionAdopt:
		it, err := h.rv.Adopt(ctx, v.Review, v.Items[0], actor)
		rep := h.after(ctx, l, a, v, err, it)
		if err == nil {
			rep.Ephemeral = say(l.T("reviewpage.click.adopted", i18n.M{"Email": it.Email, "Package": it.Package}))
		}
		return rep
	case ActionRemove:
		it, err := h.rv.OpenRemove(ctx, v.Review, v.Items[0], actor)
		rep := h.after(ctx, l, a, v, err, it)
		if err == nil {
			rep.Ephemeral = say(l.T("reviewpage.click.remove_opened", i18n.M{"ID": bot.Code(it.Fix.RequestID), "Email": it.Email}))
		}
		return rep
	}
	return bot.ActionReply{Ephemeral: say(l.T("reviewpage.click.unknown"))}
}

// clickerLang is the language of the person who clicked: their chat
// client's when a catalog has it (the platform's cached profile is
// enough to choose words), else the admin channel's.
func (h *Handler) clickerLang(ctx context.Context, u bot.User) *i18n.Lang {
	if l, ok := h.n.cfg.Catalog.Match(u.Locale); ok {
		return h.n.cfg.Catalog.Lang(l)
	}
	return h.n.userLang(ctx, approvals.Platform(u.Platform), u.ID)
}

// after redraws the clicked message and, after the ack, the other views
// that show the changed items. A refusal is ephemeral; only "already
// decided" also redraws, so the clicker sees the current state.
func (h *Handler) after(ctx context.Context, l *i18n.Lang, a bot.Action, v Value, err error, changed ...*reviews.Item) bot.ActionReply {
	if err != nil && !errors.Is(err, reviews.ErrAlreadyDone) {
		return bot.ActionReply{Ephemeral: say(h.refusal(l, v, err))}
	}
	c, items, rerr := h.rv.Campaign(ctx, v.Review)
	if rerr != nil {
		h.log.Error().Err(rerr).Str(logging.ReviewID, v.Review).Msg("read review for redraw")
		if err != nil {
			return bot.ActionReply{Ephemeral: say(h.refusal(l, v, err))}
		}
		return bot.ActionReply{}
	}
	msg, _ := h.n.renderer(h.n.viewLang(ctx, c, v.View)).Page(c, v.View, items, v.Page)
	rep := bot.ActionReply{Update: &msg}
	if err != nil {
		rep.Ephemeral = say(h.refusal(l, v, err))
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
func (h *Handler) page(ctx context.Context, l *i18n.Lang, a bot.Action, v Value) bot.ActionReply {
	c, items, err := h.rv.Campaign(ctx, v.Review)
	if err != nil {
		return bot.ActionReply{Ephemeral: say(h.refusal(l, v, err))}
	}
	msg, page := h.n.renderer(h.n.viewLang(ctx, c, v.View)).Page(c, v.View, items, v.Page)
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
func (h *Handler) refusal(l *i18n.Lang, v Value, err error) bot.Text {
	var de *reviews.DecidedError
	var fe *reviews.FixedError
	r := h.n.renderer(l)
	switch {
	case errors.As(err, &de):
		key := "reviewpage.refusal.decided_kept"
		if de.Decision.Verdict == reviews.Revoke {
			key = "reviewpage.refusal.decided_revoked"
		}
		by := bot.Plain(de.Decision.By.Label())
		if de.Decision.Auto {
			by = l.T("reviewpage.refusal.the_deadline")
		}
		return l.T(key, i18n.M{"By": by, "At": r.when(de.Decision.At)})
	case errors.As(err, &fe):
		key := "reviewpage.refusal.handled_adopted"
		if fe.Fix.Action == reviews.FixRemove {
			key = "reviewpage.refusal.handled_remove"
		}
		return l.T(key, i18n.M{"ID": fe.Fix.RequestID, "By": fe.Fix.By.Label(), "At": r.when(fe.Fix.At)})
	case errors.Is(err, reviews.ErrSelfReview):
		return l.T("reviewpage.refusal.self")
	case errors.Is(err, reviews.ErrNotReviewer):
		return l.T("reviewpage.refusal.not_reviewer")
	case errors.Is(err, reviews.ErrNotAdmin):
		return l.T("reviewpage.refusal.not_admin")
	case errors.Is(err, reviews.ErrClosed):
		return l.T("reviewpage.refusal.closed", i18n.M{"ID": v.Review})
	case errors.Is(err, reviews.ErrNotFound):
		return l.T("reviewpage.refusal.not_found")
	case errors.Is(err, reviews.ErrNoDrift):
		return l.T("reviewpage.refusal.no_drift")
	case errors.Is(err, approvals.ErrNotAllowed), errors.Is(err, approvals.ErrDuplicateRequest), errors.Is(err, approvals.ErrNoGrant):
		return l.T("reviewpage.refusal.cannot", i18n.M{"Reason": err.Error()})
	}
	h.log.Error().Err(err).Str(logging.ReviewID, v.Review).Msg("review click")
	return l.T("reviewpage.refusal.unexpected")
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
