package commands

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/i18n"
	"github.com/chataccess/chataccess/internal/logging"
)

// EventReader is the durable outbox of domain events. *store.Outbox
// satisfies it.
type EventReader interface {
	// Read returns up to count events, first those other consumers left
	// unacknowledged for too long, waiting up to block for new ones
	// (a negative block does not wait).
	Read(ctx context.Context, consumer string, count int, block time.Duration) ([]approvals.OutboxRecord, error)
	// Ack marks events handled.
	Ack(ctx context.Context, ids ...string) error
}

// Locker takes short leases so two replicas do not post the first
// cards of one request at the same time. *store.Store satisfies it.
type Locker interface {
	TryLock(ctx context.Context, name, holder string, ttl time.Duration) (unlock func(), ok bool, err error)
}

// Message ref kinds kept per request.
const (
	refCard      = "card"      // an approval card: in a channel, or an approver's DM (User set)
	refRequester = "requester" // the requester's copy in their DM
	refNote      = "note:"     // + event id: a thread reply or DM sent for one event
	refAlert     = "alert:"    // + event id: an admin alert sent for one event
	refSkipped   = "skipped:"  // + card or requester: a copy the platform refused for good; admins were told
)

// DeadLetters is the optional side of an EventReader that reports the
// events it gave up on (of every consumer group), so the notifier can
// tell admins. *store.Outbox satisfies it.
type DeadLetters interface {
	// ClaimDeadLetterAlerts returns dead letters whose admin alert is
	// due, each to one caller only.
	ClaimDeadLetterAlerts(ctx context.Context, now time.Time, limit int) ([]approvals.DeadLetter, error)
	// RetryDeadLetterAlert makes an alert due again at at.
	RetryDeadLetterAlert(ctx context.Context, id string, at time.Time) error
}

// failureRecorder is the optional side of an EventReader that keeps the
// last error of an event, shown with it if it becomes a dead letter.
// *store.Outbox satisfies it.
type failureRecorder interface {
	Nack(ctx context.Context, id, reason string) error
}

// maxAlertTries bounds the attempts to tell admins of one dead letter.
const maxAlertTries = 5

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
// event only after handling it. A chat call the platform refuses for
// good (a deactivated approver, an archived channel) skips that one
// recipient, once, and tells admins; the others are served. Any other
// failure leaves the event pending, and the outbox hands it out again a
// bounded number of times before it becomes a dead letter, which admins
// hear of once. Re-handling is safe: the message refs say which cards
// and notes already exist, and the Sender skips updates that change
// nothing.
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
	return &Notifier{h: h, out: out, cfg: cfg, log: logging.WithSubcomponent(h.log, "notifier")}
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
			n.log.Warn().Err(err).Str(logging.RequestID, m.Record.RequestID).Str("event", string(m.Record.Event)).
				Int64(logging.Attempt, m.Deliveries).Msg("event left for redelivery")
			if fr, ok := n.out.(failureRecorder); ok {
				if err := fr.Nack(ctx, m.ID, strings.ReplaceAll(err.Error(), "\n", "; ")); err != nil {
					n.log.Warn().Err(err).Msg("record event failure")
				}
			}
			continue
		}
		if err := n.out.Ack(ctx, m.ID); err != nil {
			return acked, err
		}
		acked++
	}
	if err := n.alertDeadLetters(ctx); err != nil {
		n.log.Warn().Err(err).Msg("dead letter alerts")
	}
	return acked, nil
}

// alertDeadLetters tells admins of each event the outbox gave up on,
// once (the store hands each alert to one replica). A failed alert is
// tried again later, at most maxAlertTries times.
func (n *Notifier) alertDeadLetters(ctx context.Context) error {
	src, ok := n.out.(DeadLetters)
	if !ok {
		return nil
	}
	now := time.Now() // outbox bookkeeping runs on the wall clock, like Redis
	dls, err := src.ClaimDeadLetterAlerts(ctx, now, 10)
	if err != nil {
		return err
	}
	var errs []error
	for _, d := range dls {
		err := n.h.alertAdmins(ctx, func(l *i18n.Lang) bot.Text { return deadLetterText(l, d) })
		if err == nil {
			continue
		}
		if d.AlertTries >= maxAlertTries {
			n.log.Error().Err(err).Str(logging.Op, "alert dead letter "+d.ID).Msg("could not tell admins of a dead letter; giving up")
			continue
		}
		errs = append(errs, err, src.RetryDeadLetterAlert(ctx, d.ID, now.Add(time.Duration(d.AlertTries)*time.Minute)))
	}
	return errors.Join(errs...)
}

// deadLetterText is the admin alert of one dead letter.
func deadLetterText(l *i18n.Lang, d approvals.DeadLetter) bot.Text {
	rec := d.Event.Record
	what := l.T("alert.dead_letter.an_event")
	if rec.Event != "" {
		what = l.T("alert.dead_letter.event", i18n.M{"Event": string(rec.Event)})
	}
	if rec.RequestID != "" {
		what = l.T("alert.dead_letter.event_of", i18n.M{"Event": what, "ID": bot.Code(rec.RequestID)})
	}
	why := orText(d.LastError, l.S("alert.dead_letter.no_error"))
	return l.N("alert.dead_letter.text", int(d.Event.Deliveries), i18n.M{"Event": what, "Group": d.Group, "Error": sentence(clip(why, 300)),
		"List": bot.Code("chataccess admin dead-letters"), "Replay": bot.Code("chataccess admin replay " + d.ID)})
}

// Handle handles one event. A non-nil error means "try again later".
func (n *Notifier) Handle(ctx context.Context, ev approvals.OutboxRecord) error {
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
			n.log.Warn().Err(err).Str(logging.RequestID, r.ID).Msg("chat call refused for good; skipped")
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
		m := n.h.card(n.h.refLang(ctx, ref, r.Package), r, cardView{requesterCopy: ref.Kind == refRequester})
		keep(n.h.chat.On(bot.Platform(ref.Platform)).Update(ctx, chatRef(ref), m))
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

// retryable says whether a chat failure may succeed later: transient
// and unknown failures may (the outbox bounds the tries); refusals for
// good (missing channels, messages or users, deactivated users, content
// the platform refuses, a revoked token) will not.
func retryable(err error) bool {
	switch {
	case errors.Is(err, bot.ErrPermanent), errors.Is(err, bot.ErrNotFound), errors.Is(err, bot.ErrInvalidContent),
		errors.Is(err, bot.ErrUserNotFound), errors.Is(err, bot.ErrNoEmail):
		return false
	}
	return true
}

// ensureCards posts the cards a request does not have yet: one in the
// package's approval channel, one in each approver's DM while it is
// pending (when the package says so), and the requester's copy.
func (n *Notifier) ensureCards(ctx context.Context, r *approvals.Request, refs []approvals.MessageRef) ([]approvals.MessageRef, []error) {
	h := n.h
	pkg, err := h.svc.Policy().Package(r.Package)
	if err != nil {
		return nil, nil
	}
	var posted []approvals.MessageRef
	var errs []error
	remember := func(p approvals.Platform, ref bot.MessageRef, kind, user string) {
		sr := storedRef(p, ref, kind, user)
		if err := h.ledger.AddMessageRef(ctx, r.ID, sr); err != nil {
			errs = append(errs, err)
			return
		}
		posted = append(posted, sr)
	}
	// A DM the platform refused for good (a deactivated member) is not
	// tried again for this request; a channel is, on the next event, so
	// inviting the bot fixes it.
	has := func(kind string, p approvals.Platform, channel, user string) bool {
		return hasRef(refs, kind, p, channel, user) || (user != "" && hasRef(refs, refSkipped+kind, p, channel, user))
	}
	// skip tells admins of a copy the platform refused for good, once,
	// and records it.
	skip := func(p approvals.Platform, kind, channel, user string, cause error) {
		if hasRef(refs, refSkipped+kind, p, channel, user) {
			return // admins were told
		}
		if err := h.alertAdmins(ctx, func(l *i18n.Lang) bot.Text { return skippedText(l, r, kind, channel, user, p, cause) }); err != nil {
			errs = append(errs, err) // try again on the next delivery
			return
		}
		ref := bot.MessageRef{Platform: bot.Platform(p), Channel: channel, ID: refSkipped + kind + ":" + user}
		if err := h.ledger.AddMessageRef(ctx, r.ID, storedRef(p, ref, refSkipped+kind, user)); err != nil {
			errs = append(errs, err)
		}
	}
	sent := func(p approvals.Platform, ref bot.MessageRef, err error, kind, channel, user string) {
		switch {
		case err == nil:
			remember(p, ref, kind, user)
		case !retryable(err):
			n.log.Warn().Err(err).Str(logging.RequestID, r.ID).Str(logging.User, user).Msg("copy refused for good; skipped")
			skip(p, kind, channel, user, err)
		default:
			errs = append(errs, err)
		}
	}
	for _, ch := range pkg.ApprovalChannels {
		if has(refCard, ch.Platform, ch.ID, "") {
			continue
		}
		ref, err := h.on(ch.Platform).Post(ctx, ch.ID, h.card(h.policyLang(ch.Platform, ch.ID, r.Package), r, cardView{}))
		sent(ch.Platform, ref, err, refCard, ch.ID, "")
	}
	if pkg.DMApprovers && r.State == approvals.StatePending {
		// An approver named by email whom no platform knows (deactivated,
		// left, mistyped) cannot get the card: admins are told once.
		for _, email := range h.unreachableApprovers(ctx, pkg) {
			skip("", refCard, "", email, bot.ErrUserNotFound)
		}
		ids, err := h.approverIDs(ctx, pkg, r)
		errs = append(errs, err)
		for _, id := range ids {
			if has(refCard, id.Platform, "", id.ID) {
				continue
			}
			ref, err := h.on(id.Platform).DM(ctx, id.ID, h.card(h.userLang(ctx, id.Platform, id.ID, r.Package), r, cardView{}))
			sent(id.Platform, ref, err, refCard, "", id.ID)
		}
	}
	if u := h.chatUser(r.Requester); u.ID != "" && !has(refRequester, u.Platform, "", u.ID) {
		ref, err := h.on(u.Platform).DM(ctx, u.ID, h.card(h.userLang(ctx, u.Platform, u.ID, r.Package), r, cardView{requesterCopy: true}))
		sent(u.Platform, ref, err, refRequester, "", u.ID)
	}
	return posted, errs
}

// skippedText tells admins which copy of a card could not be delivered
// and why.
func skippedText(l *i18n.Lang, r *approvals.Request, kind, channel, user string, p approvals.Platform, cause error) bot.Text {
	who := l.T("alert.skipped.channel", i18n.M{"Channel": bot.Code(channel)})
	switch {
	case user != "" && kind == refRequester:
		who = l.T("alert.skipped.requester", i18n.M{"Who": bot.MentionOn(bot.Platform(p), user, user)})
	case user != "":
		who = l.T("alert.skipped.approver", i18n.M{"Who": bot.MentionOn(bot.Platform(p), user, user)})
	}
	return l.T("alert.skipped.text", i18n.M{"Request": idWhat(l, r), "Where": who, "Error": clip(cause.Error(), 300)})
}

// chatUser is where an actor can be reached in chat: their platform and
// user id, or the zero value for the system and command-line actors.
func (h *Handler) chatUser(a approvals.Actor) approvals.PlatformID {
	p := approvals.Platform(h.platformOf(bot.Platform(a.Platform)))
	if a.IsSystem() || a.ID == "" || !p.IsChat() {
		return approvals.PlatformID{}
	}
	return approvals.PlatformID{Platform: p, ID: a.ID}
}

// storedRef is the ledger's record of a message posted on platform p.
func storedRef(p approvals.Platform, ref bot.MessageRef, kind, user string) approvals.MessageRef {
	if ref.Platform != "" {
		p = approvals.Platform(ref.Platform)
	}
	return approvals.MessageRef{Platform: p, Channel: ref.Channel, ID: ref.ID, Kind: kind, User: user}
}

// chatRef is the adapter's reference of a recorded message.
func chatRef(m approvals.MessageRef) bot.MessageRef {
	return bot.MessageRef{Platform: bot.Platform(m.Platform), Channel: m.Channel, ID: m.ID}
}

// hasRef reports whether refs record a message of kind on platform p, in
// channel (any when empty) for user.
func hasRef(refs []approvals.MessageRef, kind string, p approvals.Platform, channel, user string) bool {
	return slices.ContainsFunc(refs, func(x approvals.MessageRef) bool {
		return x.Kind == kind && x.User == user && (channel == "" || x.Channel == channel) &&
			(x.Platform == "" || p == "" || x.Platform == p)
	})
}

// approverIDs lists the chat users who may decide r: the package's
// approvers by user id and the members of its approver groups, without
// the requester and those who already decided. Approvers named by email
// are looked up on the platform; one who is not there is skipped.
func (h *Handler) approverIDs(ctx context.Context, pkg *approvals.Package, r *approvals.Request) ([]approvals.PlatformID, error) {
	var ids []approvals.PlatformID
	var errs []error
	for _, bp := range h.chat.Platforms() {
		p := approvals.Platform(bp)
		found, err := audienceMembers(ctx, h.chat.On(bp), pkg.Approvers, p, h.log)
		errs = append(errs, err)
		for _, id := range found {
			ids = append(ids, approvals.PlatformID{Platform: p, ID: id})
		}
	}
	slices.SortFunc(ids, func(a, b approvals.PlatformID) int { return strings.Compare(a.String(), b.String()) })
	ids = slices.Compact(ids)
	requester, target := h.chatUser(r.Requester), approvals.PlatformID{Platform: r.Target.Platform, ID: r.Target.PlatformID}
	if target.Platform == "" {
		target.Platform = requester.Platform
	}
	out := ids[:0]
	for _, id := range ids {
		if !pkg.AllowSelfApproval && (id == requester || id == target) {
			continue
		}
		if slices.ContainsFunc(r.Decisions, func(d approvals.Decision) bool { return h.chatUser(d.Approver) == id }) {
			continue
		}
		out = append(out, id)
	}
	return out, errors.Join(errs...)
}

// audienceMembers lists the user ids on platform p that audience a
// names: its users on p, the people its emails name (looked up on p;
// one without an account there is skipped) and the members of its
// groups on p.

// AlertAdmins posts a sentence to the admin channel, for failures that
// need a person. Without an admin channel it only logs.
func (h *Handler) AlertAdmins(ctx context.Context, text string) error {
	return h.alertAdmins(ctx, func(*i18n.Lang) bot.Text { return bot.Plain(text) })
}

// alertAdmins is AlertAdmins with formatted text (mentions, code) in
// the language of each admin channel.
func (h *Handler) alertAdmins(ctx context.Context, text func(*i18n.Lang) bot.Text) error {
	if len(h.deps.AdminChannels) == 0 {
		h.log.Warn().Str("alert", clip(text(english(nil)).String(), 200)).Msg("admin alert without an admin channel")
		return nil
	}
	var errs []error
	for _, ch := range h.deps.AdminChannels {
		l := h.policyLang(ch.Platform, ch.ID, "")
		_, err := h.on(ch.Platform).Post(ctx, ch.ID, bot.Message{Text: l.T("alert.prefix", i18n.M{"Label": bot.Bold(l.S("alert.label")), "Text": text(l)}), Lang: l.Name()})
		if err != nil {
			errs = append(errs, errorf("alert admins", err))
		}
	}
	return errors.Join(errs...)
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
