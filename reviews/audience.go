package reviews

import (
	"slices"
	"strings"

	"github.com/chataccess/chataccess/approvals"
)

// ReviewerAudience is who reviews a package's items in a campaign, as
// the policy says now: the reviewers of the campaign's schedule (for a
// manual campaign, of the first schedule covering its packages, as
// StartReview picks its settings) or else the package's approvers.
// Campaign.Reviewers is fixed when the campaign starts; a decision also
// needs the reviewer to still belong to this audience, so someone
// removed from a reviewer group since then no longer decides.
func (r *Reviews) ReviewerAudience(c *Campaign, pkg string) approvals.Audience {
	pol := r.access.Policy()
	for _, s := range r.schedules {
		if c.Schedule != "" && s.Name != c.Schedule {
			continue
		}
		if c.Schedule == "" && !covers(s, c.Packages, pol) {
			continue
		}
		if !s.Reviewers.Empty() {
			return s.Reviewers
		}
		break
	}
	if p, err := pol.Package(pkg); err == nil {
		return p.Approvers
	}
	return approvals.Audience{}
}

// AuthorityGroups lists every platform group that can make someone a
// reviewer or an admin (the admins, each package's approvers and every
// schedule's reviewers), so the chat side can resolve an actor's
// membership once, fresh, before a decision.
func (r *Reviews) AuthorityGroups() []approvals.PlatformID {
	pol := r.access.Policy()
	out := slices.Clone(pol.Admins.Groups)
	for _, name := range pol.PackageNames() {
		out = append(out, pol.Packages[name].Approvers.Groups...)
	}
	for _, s := range r.schedules {
		out = append(out, s.Reviewers.Groups...)
	}
	slices.SortFunc(out, func(a, b approvals.PlatformID) int { return strings.Compare(a.String(), b.String()) })
	return slices.Compact(out)
}
