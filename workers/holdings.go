package workers

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/integrations/adobe"
	"github.com/chataccess/chataccess/vendormap"
)

// What keeps a Marketo role. A removal (a person's grant, a user group's
// grant, a member leaving a granted group) takes a subscription's role
// only from people who do not hold the package on that subscription
// another way. The Admin Console decides: a person holds a profile while
// they are a direct member or any user group of theirs holds it. So a
// person keeps the role when they have
//
//   - an active grant of their own of a package giving one of the
//     subscription's profiles (not the grant being removed);
//   - a direct membership of one of those profiles (not the membership
//     being removed);
//   - a user group, other than the one whose grant is being removed,
//     that holds one of those profiles: one with an active grant of such
//     a package in the ledger, or one the Admin Console gives the
//     profile to outside the bot.
//
// UMAPI lists no user group's profiles (UNCONFIRMED negative; see
// reviews/inventory), so a group the bot did not grant is taken to hold
// a profile as the reviews infer it, every member (memberCount) among
// the profile's holders, and only when one of its members holds the
// profile in a way this removal does not explain (not directly, not
// through the group being removed, not the person being removed):
// otherwise every member may hold it through what is going away. The
// reads are pages shared by every member: the profile's direct members,
// its holders with their groups, and the kept group listing.

// HolderReader is the optional part of an AdminConsole that says who
// holds profiles and how (AdobeConsole implements it).
type HolderReader interface {
	// ProfileHolding reads each profile's direct members and holders
	// from listings that started at or after since.
	ProfileHolding(ctx context.Context, profiles []string, since time.Time) (*Holding, error)
}

var _ HolderReader = AdobeConsole{}

// Holding is what the Admin Console says about who holds some profiles.
type Holding struct {
	Profiles []ProfileHolding
	// UserGroups are the organization's user groups by vendormap.NameKey
	// (nil when unknown): names and member counts.
	UserGroups map[string]adobe.Group
}

// ProfileHolding is one profile's direct members and holders, by
// lower-case email; a holder's value lists the groups Adobe lists for
// them.
type ProfileHolding struct {
	Profile string
	Direct  map[string]bool
	Holders map[string][]string
}

// ProfileHolding implements HolderReader with the shared Snapshots
// listings and the Resolver's kept group listing.
func (a AdobeConsole) ProfileHolding(ctx context.Context, profiles []string, since time.Time) (*Holding, error) {
	names := profiles
	out := &Holding{}
	if a.Resolver != nil {
		var err error
		if names, err = a.Resolver.ProfileNames(ctx, profiles); err != nil {
			return nil, err
		}
		if out.UserGroups, err = a.Resolver.UserGroups(ctx); err != nil {
			return nil, err
		}
	}
	for _, p := range names {
		d, err := a.Snapshots.members(ctx, a.Client, p, since)
		if err != nil {
			return nil, err
		}
		h, err := a.Snapshots.listing(ctx, a.Client, p, since, false)
		if err != nil {
			return nil, err
		}
		out.Profiles = append(out.Profiles, ProfileHolding{Profile: p, Direct: d.members, Holders: h.groups})
	}
	return out, nil
}

// holdCheck decides, for one subscription of a package and one removal,
// who holds the package another way. Its reads are made once, on first
// use.
type holdCheck struct {
	e   *Executor
	pkg *approvals.Package
	sub approvals.Subscription
	// group is the user group whose grant goes (NameKey), members its
	// members (lower case); person is the person whose grant goes.
	group   string
	members map[string]bool
	person  string
	since   time.Time

	read     bool
	holding  *Holding
	related  []string            // packages giving one of the subscription's profiles
	granted  map[string]bool     // user groups with an active grant of a related package
	inferred []map[string]string // per profile: user groups taken to hold it → name
}

// newHoldCheck prepares a check for removing group's grant (members
// being its members) or person's.
func (e *Executor) newHoldCheck(pkg *approvals.Package, sub approvals.Subscription, group string, members []string, person string) *holdCheck {
	h := &holdCheck{e: e, pkg: pkg, sub: sub, person: strings.ToLower(person), since: time.Now(), members: map[string]bool{}}
	if group != "" {
		h.group = vendormap.NameKey(group)
	}
	for _, m := range members {
		h.members[strings.ToLower(m)] = true
	}
	return h
}

// kept says how email holds the package on the subscription another
// way: "" when they do not, else the user group's name or, for a grant
// or direct membership, a phrase.
func (h *holdCheck) kept(ctx context.Context, email string) (how string, viaGroup bool, err error) {
	if err := h.load(ctx); err != nil {
		return "", false, err
	}
	email = strings.ToLower(email)
	if email != h.person {
		for _, name := range h.related {
			if g, err := h.e.ledger.Grant(ctx, email, name); err == nil && g != nil && h.e.active(*g) {
				return "their own grant of " + name, false, nil
			}
		}
	}
	if h.holding == nil {
		return "", false, nil
	}
	for i, p := range h.holding.Profiles {
		if email != h.person && p.Direct[email] {
			return "direct membership of " + p.Profile, false, nil
		}
		for _, g := range p.Holders[email] {
			k := vendormap.NameKey(g)
			if k == h.group {
				continue
			}
			if name, ok := h.inferred[i][k]; ok {
				return name, true, nil
			}
			if h.granted[k] {
				return h.groupName(k, g), true, nil
			}
		}
	}
	return "", false, nil
}

// load makes the check's reads once.
func (h *holdCheck) load(ctx context.Context) error {
	if h.read {
		return nil
	}
	var err error
	if h.related, h.granted, err = h.e.relatedGrants(ctx, h.sub); err != nil {
		return err
	}
	if hr, ok := h.e.adobe.(HolderReader); ok {
		hd, err := hr.ProfileHolding(ctx, subProfileNames(h.sub), h.since)
		if err != nil {
			return err
		}
		h.holding = hd
		for _, p := range hd.Profiles {
			h.inferred = append(h.inferred, h.infer(p))
		}
	}
	h.read = true
	return nil
}

// infer lists the user groups taken to hold p outside the ledger: every
// member a holder, one of them for a reason this removal leaves alone.
func (h *holdCheck) infer(p ProfileHolding) map[string]string {
	out := map[string]string{}
	if h.holding.UserGroups == nil {
		return out
	}
	count, independent := map[string]int{}, map[string]bool{}
	for email, groups := range p.Holders {
		free := !p.Direct[email] && !h.members[email] && email != h.person
		for _, g := range groups {
			k := vendormap.NameKey(g)
			if _, ok := h.holding.UserGroups[k]; !ok || k == h.group {
				continue
			}
			count[k]++
			independent[k] = independent[k] || free
		}
	}
	for k, n := range count {
		if ug := h.holding.UserGroups[k]; ug.MemberCount > 0 && n >= ug.MemberCount && independent[k] {
			out[k] = ug.GroupName
		}
	}
	return out
}

func (h *holdCheck) groupName(k, listed string) string {
	if h.holding != nil {
		if ug, ok := h.holding.UserGroups[k]; ok && ug.GroupName != "" {
			return ug.GroupName
		}
	}
	return listed
}

// relatedGrants lists the packages that give one of the subscription's
// profiles on its instance, and the user groups with an active grant of
// one of them. A ledger that cannot list grants gives no groups.
func (e *Executor) relatedGrants(ctx context.Context, sub approvals.Subscription) ([]string, map[string]bool, error) {
	want := map[string]bool{}
	for _, p := range sub.Profiles {
		want[vendormap.NameKey(p.Name)] = true
	}
	var related []string
	for name, q := range e.svc.Policy().Packages {
		for _, s := range q.MarketoSubscriptions() {
			if approvals.InstanceKey(s.Instance) == approvals.InstanceKey(sub.Instance) &&
				slices.ContainsFunc(s.Profiles, func(p approvals.ProductProfile) bool { return want[vendormap.NameKey(p.Name)] }) {
				related = append(related, name)
				break
			}
		}
	}
	slices.Sort(related)
	granted := map[string]bool{}
	gl, ok := e.ledger.(interface {
		Grants(ctx context.Context, pkg string) ([]approvals.Grant, error)
	})
	if !ok {
		return related, granted, nil
	}
	for _, name := range related {
		grants, err := gl.Grants(ctx, name)
		if err != nil {
			return nil, nil, err
		}
		for _, g := range grants {
			if approvals.IsGroupKey(g.Email) && e.active(g) {
				granted[vendormap.NameKey(strings.TrimPrefix(g.Email, "group:"))] = true
			}
		}
	}
	return related, granted, nil
}

// active says whether a grant has not ended.
func (e *Executor) active(g approvals.Grant) bool {
	return g.Permanent() || g.Until.After(e.clock.Now())
}

func subProfileNames(sub approvals.Subscription) []string {
	out := make([]string, len(sub.Profiles))
	for i, p := range sub.Profiles {
		out[i] = p.Name
	}
	return out
}

// keptThroughGroup is the outcome of a person's removal on a
// subscription where they still hold the package through a user group:
// the role stays. kept is false when it does not, and true with a failed
// outcome when that could not be read.
func (e *Executor) keptThroughGroup(ctx context.Context, r *approvals.Request, pkg *approvals.Package, sub approvals.Subscription) (outcome, bool) {
	group, viaGroup, err := e.newHoldCheck(pkg, sub, "", nil, r.Target.Email).kept(ctx, r.Target.Email)
	switch {
	case err != nil:
		return failed(err), true
	case !viaGroup:
		return outcome{}, false
	}
	return skipped(fmt.Sprintf("kept: still holds %s through user group %s%s", pkg.Name, strconv.Quote(group), onInstance(sub.Instance))).
		say("holdings.kept", onArgs(sub.Instance, map[string]string{"Package": pkg.Name, "Group": group})), true
}
