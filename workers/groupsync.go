package workers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/chataccess/chataccess/approvals"
)

// The group pass brings later joiners and leavers of a user group that
// holds a grant in line: a joiner gets the package's Marketo role on
// every subscription, a leaver loses it where they do not hold the
// package another way (holdings.go). The Admin Console needs nothing: the group holds the
// profiles. Each joiner and leaver gets an audit entry, written with the
// grant's member snapshot in one atomic step; the first pass over a grant
// takes the snapshot (and makes sure every member has the role).

// GroupLedger is what the group pass needs from the store.
type GroupLedger interface {
	Grants(ctx context.Context, pkg string) ([]approvals.Grant, error)
	List(ctx context.Context, ix approvals.Index, limit int) ([]*approvals.Request, error)
	GroupMembers(ctx context.Context, group, pkg string) ([]string, bool, error)
	CommitGroupMembers(ctx context.Context, c approvals.Change, group, pkg string, joined, left []string) error
	TryLock(ctx context.Context, name, holder string, ttl time.Duration) (func(), bool, error)
	Claim(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
}

// GroupSync counts what one group pass did: Restored counts members
// who had lost the Marketo role and got it back.
type GroupSync struct {
	Grants, Joined, Left, Restored int
}

// SyncGroups runs one group pass over every group grant. A grant with an
// open request (its removal, a renewal) is left to that request.
func (e *Executor) SyncGroups(ctx context.Context, gl GroupLedger) (GroupSync, error) {
	var sum GroupSync
	var errs []error
	names := make([]string, 0, len(e.svc.Policy().Packages))
	for name := range e.svc.Policy().Packages {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		pkg := e.svc.Policy().Packages[name]
		grants, err := gl.Grants(ctx, pkg.Name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, g := range grants {
			if !approvals.IsGroupKey(g.Email) || e.busy(ctx, gl, g) {
				continue
			}
			n, err := e.syncGroup(ctx, gl, g, pkg)
			if err != nil {
				errs = append(errs, fmt.Errorf("user group %s, package %s: %w", g.Email, pkg.Name, err))
			}
			sum.Grants++
			sum.Joined += n.Joined
			sum.Left += n.Left
			sum.Restored += n.Restored
		}
	}
	return sum, errors.Join(errs...)
}

// busy says whether the grant has an open request or has ended (the
// expiry task removes it).
func (e *Executor) busy(ctx context.Context, gl GroupLedger, g approvals.Grant) bool {
	if !g.Permanent() && !g.Until.After(e.clock.Now()) {
		return true
	}
	reqs, err := gl.List(ctx, approvals.ByTarget(g.Email), 20)
	if err != nil {
		return true
	}
	return slices.ContainsFunc(reqs, func(r *approvals.Request) bool { return r.Package == g.Package && r.State.Open() })
}

// syncGroup brings one group grant's members in line.
func (e *Executor) syncGroup(ctx context.Context, gl GroupLedger, g approvals.Grant, pkg *approvals.Package) (n GroupSync, err error) {
	gc, err := e.groupConsole()
	if err != nil {
		return n, err
	}
	group := strings.TrimPrefix(g.Email, "group:")
	members, err := gc.GroupMembers(ctx, group)
	if err != nil {
		return n, err
	}
	snap, taken, err := gl.GroupMembers(ctx, g.Email, pkg.Name)
	if err != nil {
		return n, err
	}
	if !taken {
		return n, e.firstSnapshot(ctx, gl, g, pkg, group, members)
	}
	var errs []error
	var stayed []string
	for _, m := range members {
		if slices.Contains(snap, m) {
			stayed = append(stayed, m)
			continue
		}
		ok, err := e.groupJoiner(ctx, gl, g, pkg, group, m)
		if ok {
			n.Joined++
		}
		errs = append(errs, err)
	}
	checks := e.holdChecks(pkg, group, members) // read once, for every leaver
	for _, m := range snap {
		if slices.Contains(members, m) {
			continue
		}
		if err := e.groupLeaver(ctx, gl, g, pkg, group, m, checks); err != nil {
			errs = append(errs, err)
			continue
		}
		n.Left++
	}
	n.Restored, err = e.restoreRoles(ctx, gl, g, pkg, group, stayed)
	return n, errors.Join(append(errs, err)...)
}

// restoreRoles gives the role back, on every subscription, to members
// who stayed in the group but lost it (taken by hand in Marketo, or by
// an older removal that did not see the group), each with an audit
// entry. It costs a Marketo read per member, so it runs once a
// RoleCheckEvery slot per grant across replicas (a claimed slot).
func (e *Executor) restoreRoles(ctx context.Context, gl GroupLedger, g approvals.Grant, pkg *approvals.Package, group string, stayed []string) (int, error) {
	if len(stayed) == 0 {
		return 0, nil
	}
	every := e.cfg.RoleCheckEvery
	slot := e.clock.Now().Truncate(every)
	ok, err := gl.Claim(ctx, "group-roles:"+g.Email+"/"+pkg.Name+"@"+strconv.FormatInt(slot.Unix(), 10), e.holder, 2*every)
	if err != nil || !ok {
		return 0, err
	}
	restored := 0
	var errs []error
	for _, m := range stayed {
		roles, err := e.ensureRoles(ctx, pkg, m)
		if err == nil && len(roles) > 0 {
			detail := fmt.Sprintf("member of user group %s, which holds %s (%s), lacked the Marketo role: %s restored",
				strconv.Quote(group), pkg.Name, grantRef(g), strings.Join(roles, ", "))
			if err = gl.CommitGroupMembers(ctx, e.groupChange(approvals.EventGroupRestore, pkg, m, detail), g.Email, pkg.Name, nil, nil); err == nil {
				restored++
			}
		}
		errs = append(errs, err)
	}
	return restored, errors.Join(errs...)
}

// ensureRoles gives the member the role on every subscription whose
// port can say whether they lacked it (RoleEnsurer), and names the roles
// they lacked.
func (e *Executor) ensureRoles(ctx context.Context, pkg *approvals.Package, email string) ([]string, error) {
	var out []string
	for _, sub := range pkg.MarketoSubscriptions() {
		if sub.Role.ID == 0 && sub.Role.Name == "" {
			continue
		}
		m, err := e.marketoOn(sub.Instance)
		if err != nil {
			return out, err
		}
		re, ok := m.(RoleEnsurer)
		if !ok {
			continue
		}
		id, err := m.FindUser(ctx, email)
		if errors.Is(err, ErrUserNotFound) {
			continue
		}
		if err != nil {
			return out, err
		}
		changed, err := re.EnsureRole(ctx, id, sub.Role, sub.Workspace)
		if err != nil {
			return out, err
		}
		if changed {
			out = append(out, roleLabel(sub.Role)+onInstance(sub.Instance))
		}
	}
	return out, nil
}

// groupRoles gives (or takes) the member the role on every subscription;
// in is false when a subscription's Marketo does not know them.
func (e *Executor) groupRoles(ctx context.Context, pkg *approvals.Package, email string, add bool) (in bool, roles []string, err error) {
	in = true
	for _, sub := range pkg.MarketoSubscriptions() {
		if sub.Role.ID == 0 && sub.Role.Name == "" {
			continue
		}
		m, err := e.marketoOn(sub.Instance)
		if err != nil {
			return false, nil, err
		}
		ok, err := e.memberRole(ctx, m, email, sub, add)
		if err != nil {
			return false, nil, err
		}
		in = in && ok
		if ok {
			roles = append(roles, roleLabel(sub.Role)+onInstance(sub.Instance))
		}
	}
	return in, roles, nil
}

func roleLabel(r approvals.MarketoRef) string {
	if r.Name != "" {
		return strconv.Quote(r.Name)
	}
	return "#" + strconv.Itoa(r.ID)
}

// groupJoiner gives a joiner the role. One Marketo does not know yet is
// left out of the snapshot, so a later pass tries again.
func (e *Executor) groupJoiner(ctx context.Context, gl GroupLedger, g approvals.Grant, pkg *approvals.Package, group, email string) (bool, error) {
	in, roles, err := e.groupRoles(ctx, pkg, email, true)
	if err != nil || !in {
		return false, err
	}
	detail := fmt.Sprintf("joined user group %s, which holds %s (%s): Marketo role %s assigned",
		strconv.Quote(group), pkg.Name, grantRef(g), strings.Join(roles, ", "))
	return true, gl.CommitGroupMembers(ctx, e.groupChange(approvals.EventGroupJoin, pkg, email, detail), g.Email, pkg.Name, []string{email}, nil)
}

// groupLeaver takes the role, subscription by subscription, from a
// leaver who does not hold the package there another way (holdings.go;
// checks are holdChecks').
func (e *Executor) groupLeaver(ctx context.Context, gl GroupLedger, g approvals.Grant, pkg *approvals.Package, group, email string, checks []*holdCheck) error {
	var removed, kept []string
	for i, sub := range pkg.MarketoSubscriptions() {
		if sub.Role.ID == 0 && sub.Role.Name == "" {
			continue
		}
		how, _, err := checks[i].kept(ctx, email)
		if err != nil {
			return err
		}
		if how != "" {
			kept = append(kept, roleLabel(sub.Role)+onInstance(sub.Instance))
			continue
		}
		m, err := e.marketoOn(sub.Instance)
		if err != nil {
			return err
		}
		ok, err := e.memberRole(ctx, m, email, sub, false)
		if err != nil {
			return err
		}
		if ok {
			removed = append(removed, roleLabel(sub.Role)+onInstance(sub.Instance))
		}
	}
	detail := fmt.Sprintf("left user group %s, which holds %s (%s): %s", strconv.Quote(group), pkg.Name, grantRef(g), leaverWhat(removed, kept))
	return gl.CommitGroupMembers(ctx, e.groupChange(approvals.EventGroupLeave, pkg, email, detail), g.Email, pkg.Name, nil, []string{email})
}

// holdChecks are the checks of a group's leavers, one per subscription
// of the package (members are the group's members now).
func (e *Executor) holdChecks(pkg *approvals.Package, group string, members []string) []*holdCheck {
	subs := pkg.MarketoSubscriptions()
	out := make([]*holdCheck, len(subs))
	for i, sub := range subs {
		out[i] = e.newHoldCheck(pkg, sub, group, members, "")
	}
	return out
}

// leaverWhat says what happened to a leaver's roles.
func leaverWhat(removed, kept []string) string {
	var parts []string
	if len(removed) > 0 {
		parts = append(parts, "Marketo role "+strings.Join(removed, ", ")+" removed")
	}
	if len(kept) > 0 {
		parts = append(parts, "kept the Marketo role (they hold the package another way)")
	}
	if len(parts) == 0 {
		return "not in Marketo; no role to remove"
	}
	return strings.Join(parts, "; ")
}

// firstSnapshot makes sure every member the Marketo instances know has
// the role, and records who they are.
func (e *Executor) firstSnapshot(ctx context.Context, gl GroupLedger, g approvals.Grant, pkg *approvals.Package, group string, members []string) error {
	var in []string
	for _, m := range members {
		ok, _, err := e.groupRoles(ctx, pkg, m, true)
		if err != nil {
			return err
		}
		if ok {
			in = append(in, m)
		}
	}
	detail := fmt.Sprintf("first member snapshot of user group %s, which holds %s (%s): %d members, %d with the Marketo role",
		strconv.Quote(group), pkg.Name, grantRef(g), len(members), len(in))
	return gl.CommitGroupMembers(ctx, e.groupChange(approvals.EventGroupSnapshot, pkg, g.Email, detail), g.Email, pkg.Name, in, nil)
}

func grantRef(g approvals.Grant) string {
	if g.RequestID != "" {
		return "granted by " + g.RequestID
	}
	return "adopted grant"
}

// groupChange is a records-only change. The record names no request, so
// no request card changes; the detail names the grant's request.
//
// The details of these records (joined, left, first member snapshot)
// are audit data, not chat text: the chat notifier drops records that
// name no request, so they reach no card, note or DM, and only admins
// read them (`chataccess audit`, the audit export). They stay stable
// English machine text on purpose: audit entries are hash-chained and
// compared across exports, and must not change with a reader's language.
func (e *Executor) groupChange(ev approvals.Event, pkg *approvals.Package, target, detail string) approvals.Change {
	return approvals.Change{Records: []approvals.Record{{
		Event: ev, Actor: approvals.System, At: e.clock.Now().UTC(), Package: pkg.Name, Target: target, Detail: detail,
	}}}
}

// GroupPass runs SyncGroups once per slot of every across every replica:
// the slot is claimed, and a lock keeps a slow pass from overlapping the
// next one.
func (e *Executor) GroupPass(ctx context.Context, gl GroupLedger, every time.Duration) (GroupSync, bool, error) {
	slot := e.clock.Now().Truncate(every)
	ok, err := gl.Claim(ctx, "group-sync@"+strconv.FormatInt(slot.Unix(), 10), e.holder, 2*every)
	if err != nil || !ok {
		return GroupSync{}, false, err
	}
	unlock, ok, err := gl.TryLock(ctx, "group-sync", e.holder, 10*time.Minute)
	if err != nil || !ok {
		return GroupSync{}, false, err
	}
	defer unlock()
	sum, err := e.SyncGroups(ctx, gl)
	return sum, true, err
}
