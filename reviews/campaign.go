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
}

// snapshot reads each distinct Admin Console profile once, Marketo once
// and the ledger once per package, and joins them into items.
func (r *Reviews) snapshot(ctx context.Context, packages []*approvals.Package) (*snapshot, error) {
	members := map[string][]Member{} // by lower-case profile name
	for _, p := range packages {
		for _, prof := range p.Profiles {
			key := strings.ToLower(prof.Name)
			if _, done := members[key]; done {
				continue
			}
			var ms []Member
			err := r.adobe.ProfileMembers(ctx, prof.Name, func(m Member) error {
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
	snap := &snapshot{}
	var mUsers []MarketoUser
	marketoOK := false
	if r.marketo != nil && needsMarketo(packages) {
		us, err := r.marketo.Users(ctx)
		if err != nil {
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return nil, err
			}
			snap.notes = append(snap.notes, "Marketo could not be read, so roles were not compared: "+truncate(err.Error(), 200))
		} else {
			mUsers, marketoOK = us, true
		}
	}
	admins := Set{}
	lastLogin := map[string]time.Time{}
	for _, u := range mUsers {
		e := strings.ToLower(strings.TrimSpace(u.Email))
		if u.Admin {
			admins[e] = true
		}
		if !u.LastLogin.IsZero() && u.LastLogin.After(lastLogin[e]) {
			lastLogin[e] = u.LastLogin
		}
	}
	holders := Set{}
	index := 0
	for _, p := range packages {
		adobeSet, names, profilesOf := Set{}, map[string]string{}, map[string][]string{}
		for _, prof := range p.Profiles {
			for _, m := range members[strings.ToLower(prof.Name)] {
				adobeSet[m.Email] = true
				profilesOf[m.Email] = append(profilesOf[m.Email], prof.Name)
				if n := strings.TrimSpace(m.FirstName + " " + m.LastName); n != "" {
					names[m.Email] = n
				}
			}
		}
		var mktoSet Set
		if marketoOK && hasRole(p) {
			mktoSet = Set{}
			for _, u := range mUsers {
				for _, ra := range u.Roles {
					if roleMatches(p, ra) {
						mktoSet.Add(u.Email)
					}
				}
			}
		}
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
		pkgAdmins := Set{}
		for e := range admins {
			if adobeSet[e] || mktoSet[e] || ledger[e] {
				pkgAdmins[e] = true
			}
		}
		findings := map[string][]FindingKind{}
		for _, f := range Drift(adobeSet, mktoSet, ledger, pkgAdmins) {
			findings[f.Email] = f.Kinds
		}
		all := Set{}
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
		for _, e := range emails {
			index++
			holders[e] = true
			snap.items = append(snap.items, Item{
				Index: index, Package: p.Name, Email: e, Name: names[e], Profiles: profilesOf[e],
				InMarketo: mktoSet[e], MarketoAdmin: admins[e], LastLogin: lastLogin[e],
				Grant: grantOf[e], Findings: findings[e],
			})
		}
	}
	for e := range admins {
		if !holders[e] {
			snap.adminsOnly = append(snap.adminsOnly, e)
		}
	}
	slices.Sort(snap.adminsOnly)
	return snap, nil
}

func needsMarketo(pkgs []*approvals.Package) bool {
	return slices.ContainsFunc(pkgs, hasRole)
}

func hasRole(p *approvals.Package) bool { return p.MarketoRole.ID != 0 || p.MarketoRole.Name != "" }

// roleMatches says whether an assignment is the package's role in the
// package's workspace (by id when configured, else by name; an unnamed
// workspace matches any).
func roleMatches(p *approvals.Package, ra RoleAssignment) bool {
	role, ws := p.MarketoRole, p.MarketoWorkspace
	switch {
	case role.ID != 0 && ra.RoleID != role.ID:
		return false
	case role.ID == 0 && !strings.EqualFold(strings.TrimSpace(ra.RoleName), strings.TrimSpace(role.Name)):
		return false
	}
	switch {
	case ws.ID != 0:
		return ra.WorkspaceID == ws.ID
	case ws.Name != "":
		return strings.EqualFold(strings.TrimSpace(ra.WorkspaceName), strings.TrimSpace(ws.Name))
	}
	return true
}

func stripGroups(a approvals.Actor) approvals.Actor {
	a.Groups = nil
	return a
}
