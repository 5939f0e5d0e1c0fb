package reviewchat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/reviews"
)

// Sender is the part of bot.Sender reviews use (the Slack adapter's
// Sender satisfies it).
type Sender interface {
	Post(ctx context.Context, channel string, m bot.Message) (bot.MessageRef, error)
	Update(ctx context.Context, ref bot.MessageRef, m bot.Message) error
	DM(ctx context.Context, userID string, m bot.Message) (bot.MessageRef, error)
	LookupUser(ctx context.Context, userID string) (bot.User, error)
	LookupUserByEmail(ctx context.Context, email string) (bot.User, error)
	GroupMembers(ctx context.Context, groupID string) ([]string, error)
}

// Messages remembers which chat message shows which view of a campaign.
// *store.Store satisfies it.
type Messages interface {
	SetReviewMessage(ctx context.Context, id string, m reviews.PostedMessage) error
	ReviewMessages(ctx context.Context, id string) ([]reviews.PostedMessage, error)
}

// Config configures the notifier and the handler.
type Config struct {
	Sender   Sender
	Messages Messages
	// AdminChannel receives the drift report, unassigned items and the
	// summary card. Required.
	AdminChannel string
	// Platform is the chat platform actors get (default "slack").
	Platform string
	// Clock tells the time for ages ("12 days ago"); nil: wall clock.
	Clock approvals.Clock
	// Location is the time zone of times shown (default UTC).
	Location *time.Location
	// Logger gets component=reviewchat; nil discards.
	Logger *slog.Logger
}

func (c *Config) defaults() {
	if c.Platform == "" {
		c.Platform = "slack"
	}
	if c.Clock == nil {
		c.Clock = approvals.ClockFunc(time.Now)
	}
	if c.Location == nil {
		c.Location = time.UTC
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// Notifier implements reviews.Notifier over the chat Sender: it resolves
// reviewer audiences, sends each reviewer one message they page through
// (updated in place), the drift report and unassigned items to the
// admin channel, reminders, and the closing summary.
type Notifier struct {
	cfg Config
	log *slog.Logger
}

var _ reviews.Notifier = (*Notifier)(nil)

// NewNotifier returns the notifier.
func NewNotifier(cfg Config) *Notifier {
	cfg.defaults()
	return &Notifier{cfg: cfg, log: cfg.Logger.With("component", "reviewchat")}
}

func (n *Notifier) renderer() renderer {
	return renderer{now: n.cfg.Clock.Now(), loc: n.cfg.Location}
}

// Resolve implements reviews.Notifier: emails are looked up, user ids
// read for their verified email, groups expanded to members. People
// the platform does not know, or without an email, are left out.
func (n *Notifier) Resolve(ctx context.Context, a approvals.Audience) ([]approvals.Actor, error) {
	var out []approvals.Actor
	seen := map[string]bool{}
	add := func(u bot.User) {
		if u.Email == "" || seen[u.ID] {
			return
		}
		seen[u.ID] = true
		p := u.Platform
		if p == "" {
			p = n.cfg.Platform
		}
		out = append(out, approvals.Actor{ID: u.ID, Email: strings.ToLower(u.Email), Name: u.Name, Platform: p})
	}
	skip := func(err error) bool { return errors.Is(err, bot.ErrUserNotFound) || errors.Is(err, bot.ErrNoEmail) }
	for _, e := range a.Emails {
		u, err := n.cfg.Sender.LookupUserByEmail(ctx, e)
		if skip(err) {
			n.log.WarnContext(ctx, "reviewer email not in the workspace", "reviewer", e)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reviewchat: look up %s: %w", e, err)
		}
		add(u)
	}
	ids := slices.Clone(a.SlackUsers)
	for _, g := range a.SlackGroups {
		members, err := n.cfg.Sender.GroupMembers(ctx, g)
		if err != nil {
			return nil, fmt.Errorf("reviewchat: members of group %s: %w", g, err)
		}
		ids = append(ids, members...)
	}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		u, err := n.cfg.Sender.LookupUser(ctx, id)
		if skip(err) {
			n.log.WarnContext(ctx, "reviewer left out", "user", id, "error", err.Error())
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
	msg, page := n.renderer().Page(c, view, items, 0)
	var ref bot.MessageRef
	var err error
	if r := reviewerOf(view); r >= 0 {
		if r >= len(c.Reviewers) || c.Reviewers[r].ID == "" {
			return fmt.Errorf("reviewchat: review %s: reviewer %d has no chat id", c.ID, r)
		}
		ref, err = n.cfg.Sender.DM(ctx, c.Reviewers[r].ID, msg)
	} else {
		ref, err = n.cfg.Sender.Post(ctx, n.cfg.AdminChannel, msg)
	}
	if err != nil {
		return fmt.Errorf("reviewchat: send review %s view %s: %w", c.ID, view, err)
	}
	return n.cfg.Messages.SetReviewMessage(ctx, c.ID, reviews.PostedMessage{
		View: view, Platform: ref.Platform, Channel: ref.Channel, ID: ref.ID, Page: page})
}

// redraw updates a posted view at its current page.
func (n *Notifier) redraw(ctx context.Context, c *reviews.Campaign, items []reviews.Item, m reviews.PostedMessage) error {
	msg, page := n.renderer().Page(c, m.View, items, m.Page)
	if err := n.cfg.Sender.Update(ctx, refOf(m), msg); err != nil {
		return fmt.Errorf("reviewchat: update review %s view %s: %w", c.ID, m.View, err)
	}
	if page != m.Page {
		m.Page = page
		return n.cfg.Messages.SetReviewMessage(ctx, c.ID, m)
	}
	return nil
}

func refOf(m reviews.PostedMessage) bot.MessageRef {
	return bot.MessageRef{Platform: m.Platform, Channel: m.Channel, ID: m.ID}
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
		if _, err := n.cfg.Sender.DM(ctx, c.Reviewers[i].ID, n.renderer().Reminder(c, count)); err != nil {
			errs = append(errs, fmt.Errorf("reviewchat: remind %s of %s: %w", c.Reviewers[i].Label(), c.ID, err))
		}
	}
	return errors.Join(errs...)
}

// Closed implements reviews.Notifier: the summary card goes to the admin
// channel.
func (n *Notifier) Closed(ctx context.Context, c *reviews.Campaign, s reviews.Summary) error {
	ref, err := n.cfg.Sender.Post(ctx, n.cfg.AdminChannel, n.renderer().Summary(c, s))
	if err != nil {
		return fmt.Errorf("reviewchat: summary of %s: %w", c.ID, err)
	}
	return n.cfg.Messages.SetReviewMessage(ctx, c.ID, reviews.PostedMessage{View: viewSummary, Platform: ref.Platform, Channel: ref.Channel, ID: ref.ID})
}
