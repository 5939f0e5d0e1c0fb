package reviews

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/internal/logging"
)

// Start takes a snapshot of every holder of the schedule's packages,
// assigns reviewers, stores the campaign and sends the review messages.
// slot is the cron slot of a scheduled run (zero for a manual one).
func (r *Reviews) Start(ctx context.Context, s Schedule, by approvals.Actor, slot time.Time) (*Campaign, error) {
	pol := r.access.Policy()
	pkgs := s.Packages
	if len(pkgs) == 0 {
		pkgs = pol.PackageNames()
	}
	if len(pkgs) == 0 {
		return nil, ErrNoPackages
	}
	packages := make([]*approvals.Package, 0, len(pkgs))
	for _, name := range pkgs {
		p, err := pol.Package(name)
		if err != nil {
			return nil, fmt.Errorf("review %s: %w", s.Name, err)
		}
		packages = append(packages, p)
	}
	now := r.clock.Now().UTC()
	deadline := s.Deadline
	if deadline <= 0 {
		deadline = DefaultDeadline
	}
	onNo := s.OnNoResponse
	if onNo == "" {
		onNo = NoResponseEscalate
	}
	c := &Campaign{
		Schedule: s.Name, Slot: slot, StartedBy: stripGroups(by), CreatedAt: now, RoundStart: now,
		Deadline: now.Add(deadline), DeadlineAfter: deadline, ReminderInterval: s.ReminderInterval,
		OnNoResponse: onNo, Status: StatusOpen, Version: 1,
	}
	for _, p := range packages {
		c.Packages = append(c.Packages, p.Name)
	}
	snap, err := r.snapshot(ctx, packages)
	if err != nil {
		return nil, err
	}
	c.Notes = snap.notes
	c.NoteSentences = snap.noteSentences
	c.MarketoAdmins = snap.adminsOnly
	items := snap.items
	if err := r.assign(ctx, c, packages, s.Reviewers, items); err != nil {
		return nil, err
	}
	c.Items = len(items)
	id, err := r.store.NextReviewID(ctx)
	if err != nil {
		return nil, err
	}
	c.ID = id
	if err := r.store.CreateReview(ctx, c, items); err != nil {
		return nil, err
	}
	r.log.Info().Str(logging.ReviewID, c.ID).Str(logging.Schedule, s.Name).
		Str("packages", strings.Join(c.Packages, ",")).Int("items", len(items)).Int("reviewers", len(c.Reviewers)).Msg("review started")
	if err := r.notify.SendReview(ctx, c, items); err != nil {
		// The campaign stands; reminders and the admin report reach
		// people later. Logged once here.
		r.log.Error().Err(err).Str(logging.ReviewID, c.ID).Msg("send review messages")
	}
	return c, nil
}

// snapshot is what the three ledgers say about the packages.
type snapshot struct {
	items      []Item
	adminsOnly []string
	notes      []string
	// noteSentences are notes with their message ids.
	noteSentences []approvals.Sentence
}

// snapshot reads each distinct Admin Console profile once, Marketo once
// and the ledger once per package, and joins them into items.
func (r *Reviews) snapshot(ctx context.Context, packages []*approvals.Package) (*snapshot, error) {
	members, err := r.profileMembers(ctx, packages)
	if err != nil {
		return nil, err
	}
	snap := &snapshot{}
	mk, err := r.marketoView(ctx, packages, snap)
	if err != nil {
		return nil, err
	}
	holders := Set{}
	for _, p := range packages {
		items, err := r.packageItems(ctx, p, members, mk, len(snap.items))
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			holders[it.Email] = true
		}
		snap.items = append(snap.items, items...)
	}
	for e := range mk.admins {
		if !holders[e] {
			snap.adminsOnly = append(snap.adminsOnly, e)
		}
	}
	slices.Sort(snap.adminsOnly)
	return snap, nil
}

// profileMembers reads every distinct profile of the packages once; the
// Adobe port resolves each configured name to the profile Adobe lists.
// The map is keyed by the configured name, lower-cased.
func (r *Reviews) profileMembers(ctx context.Context, packages []*approvals.Package) (map[string][]Member, error) {
	members := map[string][]Member{}
	for _, p := range packages {
		for _, prof := range p.Profiles {
			key := strings.ToLower(prof.Name)
			if _, done := members[key]; done {
				continue
			}
			var ms []Member
			err := r.eachHolder(ctx, prof.Name, func(m Member) error {
				m.Email = strings.ToLower(strings.TrimSpace(m.Email))
				if m.Email != "" {
					ms = append(ms, m)
				}
				return nil
			})
			if err != nil {
				return nil, fmt.Errorf("review snapshot: members of profile %q: %w", prof.Name, err)
			}
			members[key] = ms
		}
	}
	return members, nil
}

// packageItems joins the three ledgers of one package into items,
// numbered after the first `before` items of the campaign.
func (r *Reviews) packageItems(ctx context.Context, p *approvals.Package, members map[string][]Member, mk *marketoSide, before int) ([]Item, error) {
	adobeSet, names, profilesOf := Set{}, map[string]string{}, map[string][]string{}
	how := holdings{}
	for _, prof := range p.Profiles {
		for _, m := range members[strings.ToLower(prof.Name)] {
			adobeSet[m.Email] = true
			how.add(m)
			profilesOf[m.Email] = append(profilesOf[m.Email], prof.Name)
			if n := strings.TrimSpace(m.FirstName + " " + m.LastName); n != "" {
				names[m.Email] = n
			}
		}
	}
	mktoSet, roleKinds := mk.marketoFindings(p, members)
	grants, err := r.store.Grants(ctx, p.Name)
	if err != nil {
		return nil, fmt.Errorf("review snapshot: grants of %s: %w", p.Name, err)
	}
	ledger, grantOf := Set{}, map[string]*approvals.Grant{}
	for i := range grants {
		e := strings.ToLower(grants[i].Email)
		ledger[e] = true
		grantOf[e] = &grants[i]
	}
	pkgAdmins, all := Set{}, Set{}
	for e := range mk.admins {
		if adobeSet[e] || mktoSet[e] || ledger[e] {
			pkgAdmins[e] = true
		}
	}
	// Profile/role findings are per subscription (each its own Marketo
	// instance); the ledger's are over every profile of the package.
	findings := map[string][]FindingKind{}
	for _, f := range Drift(adobeSet, nil, ledger, pkgAdmins) {
		findings[f.Email] = f.Kinds
	}
	for e, ks := range roleKinds {
		findings[e] = mergeKinds(findings[e], ks)
	}
	for _, s := range []Set{adobeSet, mktoSet, ledger} {
		for e := range s {
			all[e] = true
		}
	}
	emails := make([]string, 0, len(all))
	for e := range all {
		emails = append(emails, e)
	}
	slices.Sort(emails)
	items := make([]Item, 0, len(emails))
	for i, e := range emails {
		items = append(items, Item{
			Index: before + i + 1, Package: p.Name, Email: e, Name: approvals.CleanName(names[e]), Profiles: profilesOf[e],
			Via: how.via(e), Inherited: how.inheritedOnly(e),
			InMarketo: mktoSet[e], MarketoAdmin: mk.admins[e], LastLogin: mk.lastLogin[e],
			Grant: grantOf[e], Findings: findings[e],
		})
	}
	return items, nil
}

// note records a problem met while taking the snapshot: its English
// text and its message id.
func (s *snapshot) note(n approvals.Sentence) {
	s.notes = append(s.notes, n.Text)
	s.noteSentences = append(s.noteSentences, n)
}

// humanText is the sentence for people of err when it has one.
func humanText(err error) string {
	var h interface{ Human() string }
	if errors.As(err, &h) {
		return h.Human()
	}
	return err.Error()
}

// errSentence is err's sentence for people, cut to limit characters:
// with its message id and arguments when it carries them (a vendor
// failure), else its text alone.
func errSentence(err error, limit int) approvals.Sentence {
	s := approvals.Say(truncate(humanText(err), limit), "", nil)
	var said interface {
		Sentence() (string, map[string]string)
	}
	if errors.As(err, &said) {
		s.Key, s.Args = said.Sentence()
	}
	return s
}

func stripGroups(a approvals.Actor) approvals.Actor {
	a.Groups = nil
	a.Name = approvals.CleanName(a.Name)
	return a
}
