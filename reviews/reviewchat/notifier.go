package reviewchat

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/i18n"
	"github.com/chataccess/chataccess/internal/logging"
	"github.com/chataccess/chataccess/reviews"
)

// Messages remembers which chat message shows which view of a campaign.
// *store.Store satisfies it.
type Messages interface {
	SetReviewMessage(ctx context.Context, id string, m reviews.PostedMessage) error
	ReviewMessages(ctx context.Context, id string) ([]reviews.PostedMessage, error)
}

// Config configures the notifier and the handler.
type Config struct {
	// Senders reach every configured chat platform.
	Senders  bot.Senders
	Messages Messages
	// AdminChannel receives the drift report, unassigned items and the
	// summary card (the first of the configured admin channels). Required.
	AdminChannel approvals.PlatformID
	// Clock tells the time for ages ("12 days ago"); nil: wall clock.
	Clock approvals.Clock
	// Location is the time zone of times shown (default UTC).
	Location *time.Location
	// Catalog is the message catalog (default: the built-in one).
	Catalog *i18n.Catalog
	// Language is the language of the messages posted in the admin
	// channel ("" = English). Reviewers read their pages, reminders and
	// answers in their chat client's language when a catalog has it,
	// and in this one otherwise.
	Language string
	// Logger gets component=reviewchat; the zero Logger discards.
	Logger zerolog.Logger
}

func (c *Config) defaults() {
	if c.Clock == nil {
		c.Clock = approvals.ClockFunc(time.Now)
	}
	if c.Location == nil {
		c.Location = time.UTC
	}
	if c.Catalog == nil {
		c.Catalog = builtinCatalog()
	}
}

// builtinCatalog is the catalog built into the binary, read once.
var builtinCatalog = sync.OnceValue(i18n.MustLoad)

// Notifier implements reviews.Notifier over the chat Sender: it resolves
// reviewer audiences, sends each reviewer one message they page through
// (updated in place), the drift report and unassigned items to the
// admin channel, reminders, and the closing summary.
type Notifier struct {
	cfg Config
	log zerolog.Logger
}

var _ reviews.Notifier = (*Notifier)(nil)

// NewNotifier returns the notifier.
func NewNotifier(cfg Config) *Notifier {
	cfg.defaults()
	return &Notifier{cfg: cfg, log: logging.WithComponent(cfg.Logger, "reviewchat")}
}

func (n *Notifier) renderer(l *i18n.Lang) renderer {
	return renderer{now: n.cfg.Clock.Now(), loc: n.cfg.Location, l: l}
}

// adminLang is the language of the admin channel.
func (n *Notifier) adminLang() *i18n.Lang { return n.cfg.Catalog.Lang(n.cfg.Language) }

// userLang is the language of a chat user: their client's when a
// catalog has it, else the admin channel's.
func (n *Notifier) userLang(ctx context.Context, p approvals.Platform, id string) *i18n.Lang {
	u, err := n.on(p).LookupUser(ctx, id)
	if err != nil {
		return n.adminLang()
	}
	if l, ok := n.cfg.Catalog.Match(u.Locale); ok {
		return n.cfg.Catalog.Lang(l)
	}
	return n.adminLang()
}

// viewLang is the language of a view: its reviewer's, or the admin
// channel's for the drift report, unassigned items and the summary.
func (n *Notifier) viewLang(ctx context.Context, c *reviews.Campaign, view string) *i18n.Lang {
	if r := reviewerOf(view); r >= 0 && r < len(c.Reviewers) && c.Reviewers[r].ID != "" {
		return n.userLang(ctx, c.Reviewers[r].Platform, c.Reviewers[r].ID)
	}
	return n.adminLang()
}

// Resolve implements reviews.Notifier: emails are looked up, user ids
// read for their verified email, groups expanded to members. People
// the platform does not know, or without an email, are left out.
func (n *Notifier) Resolve(ctx context.Context, a approvals.Audience) ([]approvals.Actor, error) {
	var out []approvals.Actor
	seenEmail := map[string]bool{}
	for _, p := range n.cfg.Senders.Platforms() {
		found, err := n.resolveOn(ctx, a, p, seenEmail)
		if err != nil {
			return nil, err
		}
		out = append(out, found...)
	}
	return out, nil
}

// resolveOn resolves the audience's people on platform p. A person named
// on several platforms (the same email) is kept once, on the first.
func (n *Notifier) resolveOn(ctx context.Context, a approvals.Audience, p bot.Platform, seenEmail map[string]bool) ([]approvals.Actor, error) {
	send := n.cfg.Senders.On(p)
	var out []approvals.Actor
	seen := map[string]bool{}
	add := func(u bot.User) {
		email := strings.ToLower(u.Email)
		if email == "" || seen[u.ID] || seenEmail[email] {
			return
		}
		seen[u.ID], seenEmail[email] = true, true
		out = append(out, approvals.Actor{ID: u.ID, Email: email, Name: u.Name, Platform: approvals.Platform(p)})
	}
	skip := func(err error) bool { return errors.Is(err, bot.ErrUserNotFound) || errors.Is(err, bot.ErrNoEmail) }
	for _, e := range a.Emails {
		u, err := send.LookupUserByEmail(ctx, e)
		if skip(err) {
			n.log.Warn().Str(logging.Reviewer, e).Msg("reviewer email not in the workspace")
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reviewchat: look up %s: %w", e, err)
		}
		add(u)
	}
	ids := approvals.On(a.Users, approvals.Platform(p))
	for _, g := range approvals.On(a.Groups, approvals.Platform(p)) {
		members, err := send.GroupMembers(ctx, g)
		if err != nil {
			return nil, fmt.Errorf("reviewchat: members of group %s: %w", g, err)
		}
		ids = append(ids, members...)
	}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		u, err := send.LookupUser(ctx, id)
		if skip(err) {
			n.log.Warn().Err(err).Str(logging.User, id).Msg("reviewer left out")
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reviewchat: look up %s: %w", id, err)
		}
		add(u)
	}
	return out, nil
}

// views lists the views a campaign has: each reviewer with items, the
// drift report when there is drift or something to tell admins, and
// the unassigned items when there are any.
func views(c *reviews.Campaign, items []reviews.Item) []string {
	has := map[string]bool{}
	for _, it := range items {
		for _, a := range it.Assignees {
			has[ReviewerView(a)] = true
		}
		if len(it.Assignees) == 0 {
			has[ViewUnassigned] = true
		}
		if hasDrift(it) {
			has[ViewDrift] = true
		}
	}
	if len(c.MarketoAdmins) > 0 || len(c.Notes) > 0 {
		has[ViewDrift] = true
	}
	out := make([]string, 0, len(has))
	for v := range has {
		out = append(out, v)
	}
	slices.Sort(out)
	return out
}

// SendReview implements reviews.Notifier: it posts each view's first page
// where none was posted, and redraws the page already shown elsewhere.
func (n *Notifier) SendReview(ctx context.Context, c *reviews.Campaign, items []reviews.Item) error {
	posted, err := n.cfg.Messages.ReviewMessages(ctx, c.ID)
	if err != nil {
		return err
	}
	byView := map[string]reviews.PostedMessage{}
	for _, m := range posted {
		byView[m.View] = m
	}
	want := views(c, items)
	for v := range byView {
		if !slices.Contains(want, v) && v != viewSummary {
			want = append(want, v) // a reviewer whose items moved: redraw
		}
	}
	var errs []error
	for _, v := range want {
		if m, ok := byView[v]; ok {
			if err := n.redraw(ctx, c, items, m); err != nil {
				errs = append(errs, err)
			}
			continue
		}
		if err := n.post(ctx, c, items, v); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (n *Notifier) post(ctx context.Context, c *reviews.Campaign, items []reviews.Item, view string) error {
	msg, page := n.renderer(n.viewLang(ctx, c, view)).Page(c, view, items, 0)
	var ref bot.MessageRef
	var err error
	if r := reviewerOf(view); r >= 0 {
		if r >= len(c.Reviewers) || c.Reviewers[r].ID == "" {
			return fmt.Errorf("reviewchat: review %s: reviewer %d has no chat id", c.ID, r)
		}
		ref, err = n.on(c.Reviewers[r].Platform).DM(ctx, c.Reviewers[r].ID, msg)
	} else {
		ref, err = n.on(n.cfg.AdminChannel.Platform).Post(ctx, n.cfg.AdminChannel.ID, msg)
	}
	if err != nil {
		return fmt.Errorf("reviewchat: send review %s view %s: %w", c.ID, view, err)
	}
	return n.cfg.Messages.SetReviewMessage(ctx, c.ID, reviews.PostedMessage{
		View: view, Platform: approvals.Platform(ref.Platform), Channel: ref.Channel, ID: ref.ID, Page: page})
}

// redraw updates a posted view at its current page.
func (n *Notifier) redraw(ctx context.Context, c *reviews.Campaign, items []reviews.Item, m reviews.PostedMessage) error {
	msg, page := n.renderer(n.viewLang(ctx, c, m.View)).Page(c, m.View, items, m.Page)
	if err := n.on(m.Platform).Update(ctx, refOf(m), msg); err != nil {
		return fmt.Errorf("reviewchat: update review %s view %s: %w", c.ID, m.View, err)
	}
	if page != m.Page {
		m.Page = page
		return n.cfg.Messages.SetReviewMessage(ctx, c.ID, m)
	}
	return nil
}

func refOf(m reviews.PostedMessage) bot.MessageRef {
	return bot.MessageRef{Platform: bot.Platform(m.Platform), Channel: m.Channel, ID: m.ID}
}

// on is the Sender of platform p; an empty p (campaigns recorded before
// platforms were named) is the first configured platform.
func (n *Notifier) on(p approvals.Platform) bot.Sender {
	if p == "" {
		if ps := n.cfg.Senders.Platforms(); len(ps) > 0 {
			return n.cfg.Senders.On(ps[0])
		}
	}
	return n.cfg.Senders.On(bot.Platform(p))
}

// viewsOf lists the views that show an item.
func viewsOf(it reviews.Item) []string {
	var out []string
	for _, a := range it.Assignees {
		out = append(out, ReviewerView(a))
	}
	if len(it.Assignees) == 0 {
		out = append(out, ViewUnassigned)
	}
	if hasDrift(it) {
		out = append(out, ViewDrift)
	}
	return out
}

// ItemChanged redraws every posted view that lists the item, except the
// view named skip (the message the click came from, already redrawn).
func (n *Notifier) ItemChanged(ctx context.Context, c *reviews.Campaign, items []reviews.Item, it reviews.Item, skip string) error {
	posted, err := n.cfg.Messages.ReviewMessages(ctx, c.ID)
	if err != nil {
		return err
	}
	var errs []error
	for _, m := range posted {
		if m.View == skip || !slices.Contains(viewsOf(it), m.View) {
			continue
		}
		if err := n.redraw(ctx, c, items, m); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Remind implements reviews.Notifier.
func (n *Notifier) Remind(ctx context.Context, c *reviews.Campaign, pending map[int]int) error {
	var errs []error
	for i, count := range pending {
		if i < 0 || i >= len(c.Reviewers) || c.Reviewers[i].ID == "" || count == 0 {
			continue
		}
		l := n.userLang(ctx, c.Reviewers[i].Platform, c.Reviewers[i].ID)
		if _, err := n.on(c.Reviewers[i].Platform).DM(ctx, c.Reviewers[i].ID, n.renderer(l).Reminder(c, count)); err != nil {
			errs = append(errs, fmt.Errorf("reviewchat: remind %s of %s: %w", c.Reviewers[i].Label(), c.ID, err))
		}
	}
	return errors.Join(errs...)
}

// Closed implements reviews.Notifier: the summary card goes to the admin
// channel.
func (n *Notifier) Closed(ctx context.Context, c *reviews.Campaign, s reviews.Summary) error {
	ref, err := n.on(n.cfg.AdminChannel.Platform).Post(ctx, n.cfg.AdminChannel.ID, n.renderer(n.adminLang()).Summary(c, s))
	if err != nil {
		return fmt.Errorf("reviewchat: summary of %s: %w", c.ID, err)
	}
	return n.cfg.Messages.SetReviewMessage(ctx, c.ID, reviews.PostedMessage{View: viewSummary, Platform: approvals.Platform(ref.Platform), Channel: ref.Channel, ID: ref.ID})
}
