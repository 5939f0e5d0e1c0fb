package commands

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/store"
)

// EventReader is the durable outbox of domain events. *store.Outbox
// satisfies it.
type EventReader interface {
	// Read returns up to count events, first those other consumers left
	// unacknowledged for too long, waiting up to block for new ones
	// (a negative block does not wait).
	Read(ctx context.Context, consumer string, count int, block time.Duration) ([]store.EventMsg, error)
	// Ack marks events handled.
	Ack(ctx context.Context, ids ...string) error
}

var _ EventReader = (*store.Outbox)(nil)

// Locker takes short leases so two replicas do not post the first
// cards of one request at the same time. *store.Store satisfies it.
type Locker interface {
	TryLock(ctx context.Context, name, holder string, ttl time.Duration) (unlock func(), ok bool, err error)
}

var _ Locker = (*store.Store)(nil)

// Message ref kinds kept per request.
const (
	refCard      = "card"      // an approval card: in a channel, or an approver's DM (User set)
	refRequester = "requester" // the requester's copy in their DM
	refNote      = "note:"     // + event id: a thread reply or DM sent for one event
	refAlert     = "alert:"    // + event id: an admin alert sent for one event
)

// NotifierConfig tunes the notifier.
type NotifierConfig struct {
	// Consumer names this replica in the outbox consumer group; it must
	// differ between replicas (e.g. the host name).
	Consumer string
	// Batch is how many events one read takes (default 16).
	Batch int
	// Block is how long a read waits for new events (default 5 s).
	Block time.Duration
	// Locks, when set, serialises the first posting of a request's cards
	// across replicas.
	Locks Locker
}

// Notifier turns domain events into chat messages: it posts approval
// cards when a request appears, redraws every copy of a card when the
// request changes, replies in the channel card's thread saying who did
// what and when, DMs the requester, alerts admins of failures and
// refreshes the App Home of the people involved. It acknowledges an
// event only after handling it; a failed chat call leaves the event
// pending, and the outbox hands it out again. Re-handling is safe: the
// message refs say which cards and notes already exist.
type Notifier struct {
	h   *Handler
	out EventReader
	cfg NotifierConfig
	log zerolog.Logger
}

// NewNotifier returns a notifier reading out on behalf of h.
func NewNotifier(h *Handler, out EventReader, cfg NotifierConfig) *Notifier {
	if cfg.Consumer == "" {
		cfg.Consumer = "notify"
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 16
	}
	if cfg.Block <= 0 {
		cfg.Block = 5 * time.Second
	}
	return &Notifier{h: h, out: out, cfg: cfg, log: h.log.With().Str("component", "notifier").Logger()}
}

// Run handles events until ctx ends. It returns nil on cancellation.
func (n *Notifier) Run(ctx context.Context) error {
	wait := 100 * time.Millisecond
	for ctx.Err() == nil {
		handled, err := n.drain(ctx, n.cfg.Block)
		if err != nil && ctx.Err() == nil {
			n.log.Error().Err(err).Msg("read outbox")
			if !sleepCtx(ctx, wait) {
				break
			}
			wait = min(2*wait, 10*time.Second)
			continue
		}
		if handled > 0 {
			wait = 100 * time.Millisecond
		}
	}
	return nil
}

// Drain handles the events available now without waiting, and returns
// how many it acknowledged. Tests and tools use it instead of Run.
func (n *Notifier) Drain(ctx context.Context) (int, error) { return n.drain(ctx, -1) }

func (n *Notifier) drain(ctx context.Context, block time.Duration) (int, error) {
	msgs, err := n.out.Read(ctx, n.cfg.Consumer, n.cfg.Batch, block)
	if err != nil {
		return 0, err
	}
	acked := 0
	for _, m := range msgs {
		if err := n.Handle(ctx, m); err != nil {
			n.log.Warn().Err(err).Str("request_id", m.Record.RequestID).Str("event", string(m.Record.Event)).
				Msg("event left for redelivery")
			continue
		}
		if err := n.out.Ack(ctx, m.ID); err != nil {
			return acked, err
		}
		acked++
	}
	return acked, nil
}

// Handle handles one event. A non-nil error means "try again later".
func (n *Notifier) Handle(ctx context.Context, ev store.EventMsg) error {
	rec := ev.Record
	r, err := n.h.ledger.Get(ctx, rec.RequestID)
	if errors.Is(err, approvals.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if n.cfg.Locks != nil {
		unlock, ok, err := n.cfg.Locks.TryLock(ctx, "notify:"+r.ID, n.cfg.Consumer, 30*time.Second)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("notify %s: another replica is posting its cards", r.ID)
		}
		defer unlock()
	}
	refs, err := n.h.ledger.MessageRefs(ctx, r.ID)
	if err != nil {
		return err
	}
	var failed []error
	keep := func(err error) {
		if err != nil && retryable(err) {
			failed = append(failed, err)
		} else if err != nil {
			n.log.Warn().Err(err).Str("request_id", r.ID).Msg("chat call failed for good; skipped")
		}
	}
	posted, errs := n.ensureCards(ctx, r, refs)
	for _, e := range errs {
		keep(e)
	}
	for _, ref := range refs {
		if ref.Kind != refCard && ref.Kind != refRequester {
			continue
		}
		m := n.h.card(r, cardView{requesterCopy: ref.Kind == refRequester})
		keep(n.h.send.Update(ctx, bot.MessageRef{Platform: ref.Platform, Channel: ref.Channel, ID: ref.ID}, m))
	}
	refs = append(refs, posted...)
	for _, e := range n.notes(ctx, ev, r, refs) {
		keep(e)
	}
	if rec.From != rec.To || rec.Event == approvals.EventVote {
		n.refreshHomes(ctx, r, rec)
	}
	if len(failed) > 0 {
		return errors.Join(failed...)
	}
	return nil
}

// retryable says whether a chat failure may succeed later. Missing
// channels or messages and content the platform refuses will not.
func retryable(err error) bool {
	switch {
	case errors.Is(err, bot.ErrNotFound), errors.Is(err, bot.ErrInvalidContent),
		errors.Is(err, bot.ErrUserNotFound), errors.Is(err, bot.ErrNoEmail):
		return false
	}
	return true
}

// ensureCards posts the cards a request does not have yet: one in the
// package's approval channel, one in each approver's DM while it is
// pending (when the package says so), and the requester's copy.
func (n *Notifier) ensureCards(ctx context.Context, r *approvals.Request, refs []store.MessageRef) ([]store.MessageRef, []error) {
	h := n.h
	pkg, err := h.svc.Policy().Package(r.Package)
	if err != nil {
		return nil, nil
	}
	var posted []store.MessageRef
	var errs []error
	remember := func(ref bot.MessageRef, kind, user string) {
		sr := store.MessageRef{Platform: orText(ref.Platform, h.deps.Platform), Channel: ref.Channel, ID: ref.ID, Kind: kind, User: user}
		if err := h.ledger.AddMessageRef(ctx, r.ID, sr); err != nil {
			errs = append(errs, err)
			return
		}
		posted = append(posted, sr)
	}
	has := func(kind, channel, user string) bool {
		return slices.ContainsFunc(refs, func(x store.MessageRef) bool {
			return x.Kind == kind && x.User == user && (channel == "" || x.Channel == channel)
		})
	}
	if ch := pkg.ApprovalChannel; ch != "" && !has(refCard, ch, "") {
		ref, err := h.send.Post(ctx, ch, h.card(r, cardView{}))
		if err == nil {
			remember(ref, refCard, "")
		}
		errs = append(errs, err)
	}
	if pkg.DMApprovers && r.State == approvals.StatePending {
		ids, err := h.approverIDs(ctx, pkg, r)
		errs = append(errs, err)
		for _, id := range ids {
			if has(refCard, "", id) {
				continue
			}
			ref, err := h.send.DM(ctx, id, h.card(r, cardView{}))
			if err == nil {
				remember(ref, refCard, id)
			}
			errs = append(errs, err)
		}
	}
	if uid := h.platformUser(r.Requester); uid != "" && !has(refRequester, "", uid) {
		ref, err := h.send.DM(ctx, uid, h.card(r, cardView{requesterCopy: true}))
		if err == nil {
			remember(ref, refRequester, uid)
		}
		errs = append(errs, err)
	}
	return posted, errs
}

// platformUser is the chat user id of an actor on this platform, or "".
func (h *Handler) platformUser(a approvals.Actor) string {
	if a.IsSystem() || a.ID == "" || (a.Platform != "" && a.Platform != h.deps.Platform) {
		return ""
	}
	return a.ID
}

// approverIDs lists the chat users who may decide r: the package's
// approvers by user id and the members of its approver groups, without
// the requester and those who already decided. Approvers named by email
// are looked up on the platform; one who is not there is skipped.
func (h *Handler) approverIDs(ctx context.Context, pkg *approvals.Package, r *approvals.Request) ([]string, error) {
	ids := slices.Clone(pkg.Approvers.SlackUsers)
	var errs []error
	for _, e := range pkg.Approvers.Emails {
		u, err := h.send.LookupUserByEmail(ctx, e)
		if errors.Is(err, bot.ErrUserNotFound) || errors.Is(err, bot.ErrNoEmail) {
			h.log.Warn().Str("approver", e).Msg("approver has no chat account; cannot DM")
			continue
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ids = append(ids, u.ID)
	}
	for _, g := range pkg.Approvers.SlackGroups {
		members, err := h.send.GroupMembers(ctx, g)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ids = append(ids, members...)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	out := ids[:0]
	for _, id := range ids {
		if !pkg.AllowSelfApproval && (id == r.Requester.ID || id == r.Target.PlatformID) {
			continue
		}
		if slices.ContainsFunc(r.Decisions, func(d approvals.Decision) bool { return d.Approver.ID == id }) {
			continue
		}
		out = append(out, id)
	}
	return out, errors.Join(errs...)
}

// AlertAdmins posts a sentence to the admin channel, for failures that
// need a person. Without an admin channel it only logs.
func (h *Handler) AlertAdmins(ctx context.Context, text string) error {
	if h.deps.AdminChannel == "" {
		h.log.Warn().Str("alert", clip(text, 200)).Msg("admin alert without an admin channel")
		return nil
	}
	_, err := h.send.Post(ctx, h.deps.AdminChannel, bot.Message{Text: bot.Join(bot.Bold("chataccess alert: "), bot.Plain(text))})
	if err != nil {
		return errorf("alert admins", err)
	}
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
