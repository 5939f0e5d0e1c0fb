package reviews

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chataccess/chataccess/approvals"
)

// SubscriptionRoler is the optional part of a Marketo port that resolves
// one subscription's role and workspace on the port's instance
// (inventory.Marketo implements it). A port without it serves the
// default instance's packages through PackageRole.
type SubscriptionRoler interface {
	SubscriptionRole(ctx context.Context, sub approvals.Subscription) (RoleAssignment, error)
}

// marketoSide is what Marketo says, read once for a campaign: every
// instance the packages' subscriptions name, each read once.
type marketoSide struct {
	users     map[string][]MarketoUser // by instance
	admins    Set
	lastLogin map[string]time.Time
	// roles are the subscriptions' resolved role and workspace ids, by
	// package name and instance; a subscription absent here is not
	// compared with Marketo.
	roles map[string]map[string]RoleAssignment
}

// marketoOn is the port of an instance: Deps.Marketo for the default
// one, Deps.MarketoInstances for the others; nil when none.
func (r *Reviews) marketoOn(instance string) Marketo {
	k := approvals.InstanceKey(instance)
	if k == approvals.DefaultInstance {
		return r.marketo
	}
	return r.marketoBy[k]
}

// marketoView reads the users of every instance the packages' roles
// live in and resolves each subscription's role through its instance's
// port (the one matching rule, ids compared exactly). What cannot be
// read or resolved becomes a note, and that side is not compared; only
// a cancelled context is an error.
func (r *Reviews) marketoView(ctx context.Context, packages []*approvals.Package, snap *snapshot) (*marketoSide, error) {
	mk := &marketoSide{users: map[string][]MarketoUser{}, admins: Set{}, lastLogin: map[string]time.Time{}, roles: map[string]map[string]RoleAssignment{}}
	for _, inst := range roleInstances(packages) {
		port := r.marketoOn(inst)
		if port == nil {
			if inst != approvals.DefaultInstance {
				snap.note(approvals.Say(fmt.Sprintf("Marketo instance %s is not configured here, so its roles were not compared.", strconv.Quote(inst)),
					"reviewnote.instance_unconfigured", map[string]string{"Instance": strconv.Quote(inst)}))
			}
			continue
		}
		us, err := port.Users(ctx)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return nil, err
			}
			cause := errSentence(err, 200)
			key, args := noteOn("reviewnote.marketo_unreadable", "reviewnote.marketo_unreadable_on", inst, nil)
			snap.note(approvals.Say("Marketo"+instanceLabel(inst)+" could not be read, so roles were not compared: "+cause.Text,
				key, cause.Nest("Cause", args)))
			continue
		}
		mk.users[inst] = us
		for _, u := range us {
			e := strings.ToLower(strings.TrimSpace(u.Email))
			if u.Admin {
				mk.admins[e] = true
			}
			if !u.LastLogin.IsZero() && u.LastLogin.After(mk.lastLogin[e]) {
				mk.lastLogin[e] = u.LastLogin
			}
		}
	}
	for _, p := range packages {
		for _, sub := range p.MarketoSubscriptions() {
			if err := r.resolveRole(ctx, mk, p, sub, snap); err != nil {
				return nil, err
			}
		}
	}
	return mk, nil
}

// resolveRole resolves one subscription's role into mk.roles, or notes
// why it cannot; only a cancelled context is an error.
func (r *Reviews) resolveRole(ctx context.Context, mk *marketoSide, p *approvals.Package, sub approvals.Subscription, snap *snapshot) error {
	inst := approvals.InstanceKey(sub.Instance)
	if !subHasRole(sub) || mk.users[inst] == nil {
		return nil
	}
	var ra RoleAssignment
	var err error
	port := r.marketoOn(inst)
	if sr, ok := port.(SubscriptionRoler); ok {
		ra, err = sr.SubscriptionRole(ctx, sub)
	} else {
		ra, err = port.PackageRole(ctx, p)
	}
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		cause := errSentence(err, 200)
		key, args := noteOn("reviewnote.role_unresolved", "reviewnote.role_unresolved_on", inst, map[string]string{"Package": p.Name})
		snap.note(approvals.Say(fmt.Sprintf("The Marketo role of %s%s could not be resolved, so its role holders were not compared: %s",
			p.Name, instanceLabel(inst), cause.Text), key, cause.Nest("Cause", args)))
		return nil
	}
	if mk.roles[p.Name] == nil {
		mk.roles[p.Name] = map[string]RoleAssignment{}
	}
	mk.roles[p.Name][inst] = ra
	return nil
}

// roleHolders are the users holding the subscription's resolved role in
// its workspace on its instance; nil when it is not compared.
func (mk *marketoSide) roleHolders(p *approvals.Package, sub approvals.Subscription) Set {
	inst := approvals.InstanceKey(sub.Instance)
	want, ok := mk.roles[p.Name][inst]
	if !ok {
		return nil
	}
	set := Set{}
	for _, u := range mk.users[inst] {
		for _, ra := range u.Roles {
			if ra.RoleID == want.RoleID && ra.WorkspaceID == want.WorkspaceID {
				set.Add(u.Email)
			}
		}
	}
	return set
}

// marketoFindings joins each subscription's Admin Console members with
// its instance's role holders: who holds the package's role on some
// instance (nil when no subscription was compared), and each user's
// profile/role findings, per subscription.
func (mk *marketoSide) marketoFindings(p *approvals.Package, members map[string][]Member) (Set, map[string][]FindingKind) {
	var holders Set
	kinds := map[string][]FindingKind{}
	for _, sub := range p.MarketoSubscriptions() {
		roleSet := mk.roleHolders(p, sub)
		if roleSet == nil {
			continue
		}
		if holders == nil {
			holders = Set{}
		}
		inProfile := Set{}
		for _, prof := range sub.Profiles {
			for _, m := range members[strings.ToLower(prof.Name)] {
				inProfile[m.Email] = true
			}
		}
		for e := range roleSet {
			holders[e] = true
		}
		for _, f := range Drift(inProfile, roleSet, nil, nil) {
			for _, k := range f.Kinds {
				if (k == ProfileWithoutRole || k == RoleWithoutProfile) && !slices.Contains(kinds[f.Email], k) {
					kinds[f.Email] = append(kinds[f.Email], k)
				}
			}
		}
	}
	return holders, kinds
}

// roleInstances lists the instances the packages' roles live in, the
// default one first.
func roleInstances(packages []*approvals.Package) []string {
	var out []string
	for _, p := range packages {
		for _, sub := range p.MarketoSubscriptions() {
			if k := approvals.InstanceKey(sub.Instance); subHasRole(sub) && !slices.Contains(out, k) {
				out = append(out, k)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b string) int {
		switch {
		case a == b:
			return 0
		case a == approvals.DefaultInstance:
			return -1
		case b == approvals.DefaultInstance:
			return 1
		}
		return strings.Compare(a, b)
	})
	return out
}

func subHasRole(s approvals.Subscription) bool {
	return s.Role.ID != 0 || strings.TrimSpace(s.Role.Name) != ""
}

// instanceLabel names a non-default instance in sentences.
// noteOn is a note's message id and arguments: key for the default
// instance, keyOn with the instance's name for a named one.
func noteOn(key, keyOn, inst string, args map[string]string) (string, map[string]string) {
	if args == nil {
		args = map[string]string{}
	}
	if inst == approvals.DefaultInstance {
		return key, args
	}
	args["Instance"] = strconv.Quote(inst)
	return keyOn, args
}

func instanceLabel(inst string) string {
	if inst == approvals.DefaultInstance {
		return ""
	}
	return " (instance " + strconv.Quote(inst) + ")"
}

// instancePorts keys the named instances' ports by InstanceKey.
func instancePorts(in map[string]Marketo) map[string]Marketo {
	out := make(map[string]Marketo, len(in))
	for k, m := range in {
		if m != nil {
			out[approvals.InstanceKey(k)] = m
		}
	}
	return out
}

// kindOrder is the order findings are listed in (Drift's).
var kindOrder = []FindingKind{OutsideBot, MissingInAdobe, ProfileWithoutRole, RoleWithoutProfile, MarketoAdmin}

// mergeKinds adds b's findings to a's, each once, in kindOrder.
func mergeKinds(a, b []FindingKind) []FindingKind {
	var out []FindingKind
	for _, k := range kindOrder {
		if slices.Contains(a, k) || slices.Contains(b, k) {
			out = append(out, k)
		}
	}
	return out
}
