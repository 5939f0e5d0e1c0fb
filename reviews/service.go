package reviews

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/internal/logging"
)

// Deps is what New needs. Access, Store, Adobe and Notifier are required.
type Deps struct {
	// Access is the approvals Service (revoke, adopt, policy, admins).
	Access Access
	Store  Store
	Adobe  Adobe
	// Marketo may be nil: then the Marketo side is not compared.
	Marketo Marketo
	// MarketoInstances are the ports of the named Marketo instances
	// (marketo.instances), by lower-case name; Marketo serves the default.
	MarketoInstances map[string]Marketo
	// DynamicChatGroups are the user groups used for Dynamic Chat only:
	// a revoke of access held through one of them takes the person out
	// of the group. Access through any other group is an admin finding.
	DynamicChatGroups []string
	Notifier          Notifier
	Schedules         []Schedule
	// Clock tells the time; nil means the wall clock.
	Clock approvals.Clock
	// Logger gets component=reviews; the zero Logger discards.
	Logger zerolog.Logger
	// Holder names this replica in claims and locks (e.g. the host name).
	Holder string
	// SweepEvery is how often Run looks at open campaigns (default 1 min).
	SweepEvery time.Duration
}

// Reviews runs access review campaigns: it snapshots holders, assigns
// reviewers, records decisions once, reminds, applies deadlines and
// reports. It is safe for concurrent use and for several replicas
// sharing one Redis.
type Reviews struct {
	access    Access
	store     Store
	adobe     Adobe
	marketo   Marketo
	marketoBy map[string]Marketo
	dcGroups  []string
	notify    Notifier
	schedules []Schedule
	clock     approvals.Clock
	log       zerolog.Logger
	holder    string
	every     time.Duration
}

// New returns the reviews service.
func New(d Deps) *Reviews {
	if d.Clock == nil {
		d.Clock = approvals.ClockFunc(time.Now)
	}
	if d.Holder == "" {
		d.Holder = "reviews"
	}
	if d.SweepEvery <= 0 {
		d.SweepEvery = time.Minute
	}
	return &Reviews{
		access: d.Access, store: d.Store, adobe: d.Adobe, marketo: d.Marketo, marketoBy: instancePorts(d.MarketoInstances), dcGroups: d.DynamicChatGroups, notify: d.Notifier,
		schedules: d.Schedules, clock: d.Clock, log: logging.WithComponent(d.Logger, "reviews"),
		holder: d.Holder, every: d.SweepEvery,
	}
}

// Schedules returns the configured schedules.
func (r *Reviews) Schedules() []Schedule { return r.schedules }

// Store returns the campaign store (for exports and chat views).
func (r *Reviews) Store() Store { return r.store }

// IsAdmin reports whether the actor is a configured admin.
func (r *Reviews) IsAdmin(a approvals.Actor) bool { return r.access.IsAdmin(a) }

// Policy returns the access policy.
func (r *Reviews) Policy() *approvals.Policy { return r.access.Policy() }

// StartReview implements the chat front end's Reviews port
// (`/dynchat review start [package]`): an admin starts a campaign by
// hand for one package, or every package when pkg is "". It refuses a
// package that an open campaign already covers.
func (r *Reviews) StartReview(ctx context.Context, pkg string, by approvals.Actor) (approvals.Sentence, error) {
	if !by.IsSystem() && !r.access.IsAdmin(by) {
		return approvals.Sentence{}, ErrNotAdmin
	}
	pol := r.access.Policy()
	pkgs := pol.PackageNames()
	if strings.TrimSpace(pkg) != "" {
		p, err := pol.Package(pkg)
		if err != nil {
			return approvals.Sentence{}, err
		}
		pkgs = []string{p.Name}
	}
	if err := r.checkNotOpen(ctx, pkgs); err != nil {
		return approvals.Sentence{}, err
	}
	sched := Schedule{Packages: pkgs, OnNoResponse: NoResponseEscalate}
	// A manual review takes the settings of the first schedule that
	// covers its packages, so deadlines match the scheduled ones.
	for _, s := range r.schedules {
		if covers(s, pkgs, pol) {
			sched.Deadline, sched.ReminderInterval, sched.OnNoResponse, sched.Reviewers = s.Deadline, s.ReminderInterval, s.OnNoResponse, s.Reviewers
			break
		}
	}
	c, err := r.Start(ctx, sched, by, time.Time{})
	if err != nil {
		return approvals.Sentence{}, err
	}
	return started(c), nil
}

// started is the sentence that tells an admin a campaign started, e.g.
// "Review R-12 started for agent: 14 holders to certify by 2026-12-08
// 09:00 UTC."
func started(c *Campaign) approvals.Sentence {
	pkgs := strings.Join(c.Packages, ", ")
	return approvals.Say(fmt.Sprintf("Review %s started for %s: %d holders to certify by %s.", c.ID, pkgs,
		c.Items, c.Deadline.UTC().Format("2006-01-02 15:04 UTC")),
		"reviewstart.started", map[string]string{"ID": c.ID, "Packages": pkgs, "Count": strconv.Itoa(c.Items),
			"DeadlineDateTime": c.Deadline.UTC().Format(time.RFC3339)})
}

func covers(s Schedule, pkgs []string, pol *approvals.Policy) bool {
	have := s.Packages
	if len(have) == 0 {
		have = pol.PackageNames()
	}
	for _, p := range pkgs {
		found := false
		for _, h := range have {
			if strings.EqualFold(h, p) {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// checkNotOpen refuses packages an open campaign covers.
func (r *Reviews) checkNotOpen(ctx context.Context, pkgs []string) error {
	ids, err := r.store.OpenReviews(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		c, err := r.store.Review(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		for _, p := range pkgs {
			for _, q := range c.Packages {
				if p == q {
					return &OpenError{ID: c.ID, Package: p}
				}
			}
		}
	}
	return nil
}

// Item returns one item of a campaign with its decision.
func (r *Reviews) Item(ctx context.Context, id string, index int) (*Campaign, *Item, error) {
	c, err := r.store.Review(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	it, err := r.store.ReviewItem(ctx, id, index)
	if err != nil {
		return nil, nil, err
	}
	return c, it, nil
}

// Campaign returns a campaign and all its items.
func (r *Reviews) Campaign(ctx context.Context, id string) (*Campaign, []Item, error) {
	c, err := r.store.Review(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	items, err := r.store.ReviewItems(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	return c, items, nil
}
