package workers

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/integrations/adobe"
	"github.com/chataccess/chataccess/integrations/failure"
	"github.com/chataccess/chataccess/vendormap"
)

// A user group as the target. The Admin Console step gives the group the
// package's profiles (the user-group root's add productConfiguration,
// umapi-doc:docs/en/api/usergroupActionCommands.md); every member then
// holds them. The Marketo steps read the group's members in paged reads
// (2,000 a page) and give each member the role; a removal takes the role
// from members who do not hold the package another way (holdings.go),
// then the profiles off the group.

// GroupConsole is the optional part of an AdminConsole for user groups
// (AdobeConsole implements it).
type GroupConsole interface {
	// ChangeGroupProfiles adds profiles to the group and removes others
	// from it, in one command checked whole by Adobe before it changes
	// anything.
	ChangeGroupProfiles(ctx context.Context, group string, add, remove []string, ref string, testOnly bool) error
	// GroupMembers lists the group's members' emails, page by page.
	GroupMembers(ctx context.Context, group string) ([]string, error)
}

var _ GroupConsole = AdobeConsole{}

// groupName is Adobe's name of a user group, by the vendormap rule;
// a name that is no user group is a permanent error saying so.
func (a AdobeConsole) groupName(ctx context.Context, group string) (string, error) {
	if adobe.IsAdminGroupName(group) {
		return "", permanent(fmt.Sprintf("%s is an Admin Console admin group, not a user group.", strconv.Quote(group)),
			"saga.group.admin_group", map[string]string{"Group": strconv.Quote(group)})
	}
	if a.Resolver == nil {
		return group, nil
	}
	groups, err := a.Resolver.UserGroups(ctx)
	if err != nil {
		return "", err
	}
	g, ok := groups[vendormap.NameKey(group)]
	if !ok {
		a.Resolver.ForgetProfiles()
		if groups, err = a.Resolver.UserGroups(ctx); err != nil {
			return "", err
		}
		if g, ok = groups[vendormap.NameKey(group)]; !ok {
			return "", permanent(fmt.Sprintf("The Admin Console has no user group named %s.", strconv.Quote(group)),
				"saga.group.no_such_group", map[string]string{"Group": strconv.Quote(group)})
		}
	}
	return g.GroupName, nil
}

// ChangeGroupProfiles implements GroupConsole.
func (a AdobeConsole) ChangeGroupProfiles(ctx context.Context, group string, add, remove []string, ref string, testOnly bool) error {
	name, err := a.groupName(ctx, group)
	if err != nil {
		return err
	}
	names := append(append([]string(nil), add...), remove...)
	return a.withProfiles(ctx, names, func(resolved []string) error {
		_, err := a.Client.ChangeUserGroup(ctx, adobe.GroupChange{Group: name, RequestID: ref,
			AddProfiles: resolved[:len(add)], RemoveProfiles: resolved[len(add):]}, testOnly)
		return err
	})
}

// GroupMembers implements GroupConsole.
func (a AdobeConsole) GroupMembers(ctx context.Context, group string) ([]string, error) {
	name, err := a.groupName(ctx, group)
	if err != nil {
		return nil, err
	}
	var out []string
	_, err = a.Client.EachMember(ctx, name, true, func(u adobe.User) error {
		out = append(out, strings.ToLower(u.Email))
		return nil
	})
	return out, err
}

// groupPlan is the plan of a request for a user group.
func (e *Executor) groupPlan(r *approvals.Request, pkg *approvals.Package) []sagaStep {
	if r.Kind == approvals.KindRemove {
		return append(e.groupMarketoSteps(pkg, false), sagaStep{StepAdobe, e.groupAdobe})
	}
	return append([]sagaStep{{StepAdobe, e.groupAdobe}}, e.groupMarketoSteps(pkg, true)...)
}

func (e *Executor) groupConsole() (GroupConsole, error) {
	gc, ok := e.adobe.(GroupConsole)
	if !ok {
		return nil, permanent("this Admin Console port cannot change user groups", "saga.group.no_port", nil)
	}
	return gc, nil
}

// groupAdobe gives the group the package's profiles (and the Marketo
// Engage profiles it adds), or takes its Dynamic Chat profiles off it.
func (e *Executor) groupAdobe(ctx context.Context, r *approvals.Request, pkg *approvals.Package) outcome {
	gc, err := e.groupConsole()
	if err != nil {
		return failed(err)
	}
	group := r.Target.Group
	if r.Kind == approvals.KindRemove {
		profiles := profileNames(pkg)
		if err := gc.ChangeGroupProfiles(ctx, group, nil, profiles, r.ID+"/"+StepAdobe, r.DryRun); err != nil {
			return failed(err)
		}
		return done(fmt.Sprintf("user group %s: removed %s", strconv.Quote(group), strings.Join(profiles, ", "))).
			say("saga.group.removed", map[string]string{"Group": strconv.Quote(group), "Profiles": strings.Join(profiles, ", ")})
	}
	if err := e.seatsLeft(ctx, r, pkg); err != nil {
		return failed(err)
	}
	profiles := pkg.AdminConsoleProfiles()
	if err := gc.ChangeGroupProfiles(ctx, group, profiles, nil, r.ID+"/"+StepAdobe, r.DryRun); err != nil {
		return failed(err)
	}
	if r.DryRun {
		return done(fmt.Sprintf("dry run: Adobe accepted giving user group %s %s (testOnly, nothing changed)", strconv.Quote(group), strings.Join(profiles, ", "))).
			say("saga.group.dry_run_added", map[string]string{"Group": strconv.Quote(group), "Profiles": strings.Join(profiles, ", ")})
	}
	return done(fmt.Sprintf("user group %s: added %s", strconv.Quote(group), strings.Join(profiles, ", "))).
		say("saga.group.added", map[string]string{"Group": strconv.Quote(group), "Profiles": strings.Join(profiles, ", ")})
}

// groupMarketoSteps are the Marketo steps of a group request, one per
// subscription with a role.
func (e *Executor) groupMarketoSteps(pkg *approvals.Package, add bool) []sagaStep {
	var out []sagaStep
	for _, sub := range pkg.MarketoSubscriptions() {
		if sub.Role.ID == 0 && sub.Role.Name == "" {
			continue
		}
		out = append(out, sagaStep{StepMarketoOn(sub.Instance), e.groupMarketo(sub, add)})
	}
	return out
}

// groupMarketo gives (or takes) the subscription's role to (from) every
// member of the group, read in pages. Members not in Marketo yet are
// counted and named; the reconciler brings later joiners in line.
func (e *Executor) groupMarketo(sub approvals.Subscription, add bool) func(context.Context, *approvals.Request, *approvals.Package) outcome {
	return func(ctx context.Context, r *approvals.Request, pkg *approvals.Package) outcome {
		if r.DryRun {
			return skipped("dry run: Marketo roles of the group's members not changed"+onInstance(sub.Instance)).
				say("saga.group.dry_run_roles", onArgs(sub.Instance, nil))
		}
		gc, err := e.groupConsole()
		if err != nil {
			return failed(err)
		}
		m, err := e.marketoOn(sub.Instance)
		if err != nil {
			return failed(err)
		}
		members, err := gc.GroupMembers(ctx, r.Target.Group)
		if err != nil {
			return failed(err)
		}
		changed, absent, kept := 0, []string{}, 0
		check := e.newHoldCheck(pkg, sub, r.Target.Group, members, "")
		for _, email := range members {
			if !add {
				how, _, err := check.kept(ctx, email)
				if err != nil {
					return failed(err)
				}
				if how != "" {
					kept++
					continue
				}
			}
			ok, err := e.memberRole(ctx, m, email, sub, add)
			if err != nil {
				return failed(err)
			}
			if !ok {
				absent = append(absent, email)
				continue
			}
			changed++
		}
		text, key, args := groupDetail(len(members), changed, kept, absent, add)
		return done(text+onInstance(sub.Instance)).say(key, onArgs(sub.Instance, args))
	}
}

// memberRole changes one member's role; ok is false when Marketo does
// not know them.
func (e *Executor) memberRole(ctx context.Context, m Marketo, email string, sub approvals.Subscription, add bool) (bool, error) {
	id, err := m.FindUser(ctx, email)
	if errors.Is(err, ErrUserNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if add {
		return true, m.AddRole(ctx, id, sub.Role, sub.Workspace)
	}
	return true, m.RemoveRole(ctx, id, sub.Role, sub.Workspace)
}

// groupDetail is the detail of a group's Marketo step (without the
// instance), with its message id and arguments: Kept and Absent are
// nested sentences, empty when nobody kept the role or is missing.
func groupDetail(members, changed, kept int, absent []string, add bool) (string, string, map[string]string) {
	verb, key := "role assigned to", "saga.group.assigned"
	if !add {
		verb, key = "role removed from", "saga.group.removed_from"
	}
	s := fmt.Sprintf("%s %d of %d members", verb, changed, members)
	args := map[string]string{"Changed": strconv.Itoa(changed), "Count": strconv.Itoa(members), "Kept": "", "Absent": ""}
	if kept > 0 {
		t := fmt.Sprintf("; %d kept it (they hold the package another way)", kept)
		s += t
		approvals.Say(t, "saga.group.kept", map[string]string{"Count": strconv.Itoa(kept)}).Nest("Kept", args)
	}
	if len(absent) > 0 {
		names := strings.Join(absent[:min(len(absent), 5)], ", ")
		t := fmt.Sprintf("; %d not in Marketo yet (%s)", len(absent), names)
		s += t
		approvals.Say(t, "saga.group.absent", map[string]string{"Count": strconv.Itoa(len(absent)), "Emails": names}).Nest("Absent", args)
	}
	return s, key, args
}

// inspectGroup says how many members a target group has now, and refuses
// (approvals.GroupTargetError) a group the Admin Console does not have,
// or one Adobe's test-only call refuses (a read-only shared group). The
// test-only call spends one of the 10 action calls a minute; whether
// testOnly catches a read-only group is UNCONFIRMED, and the add itself
// is checked whole by Adobe before anything changes.
func (i *Inspector) inspectGroup(ctx context.Context, r *approvals.Request, pkg *approvals.Package, p *approvals.Preview) error {
	a, ok := i.Adobe.(AdobeConsole)
	if !ok {
		return nil
	}
	refuse := func(err error) error {
		key, args := failure.Sentence(err)
		return &approvals.GroupTargetError{Group: r.Target.Group, Package: pkg.Name, Why: humanError(err), Key: key, Args: args}
	}
	name, err := a.groupName(ctx, r.Target.Group)
	var perm *permanentError
	var said *saidError
	if errors.As(err, &perm) || errors.As(err, &said) {
		return refuse(err)
	}
	if err != nil {
		p.AddNote(approvals.Say("The user group could not be read: "+humanError(err), "previewnote.group_unreadable", errorSentence(err).Nest("Cause", nil)))
		return nil
	}
	p.GroupMembers = -1
	if a.Resolver != nil {
		if groups, err := a.Resolver.UserGroups(ctx); err == nil {
			p.GroupMembers = groups[vendormap.NameKey(name)].MemberCount
		}
	}
	if r.Kind != approvals.KindAdd {
		return nil
	}
	err = a.ChangeGroupProfiles(ctx, name, pkg.AdminConsoleProfiles(), nil, r.ID+"/check", true)
	switch failure.ReasonOf(err) {
	case failure.ReasonInvalid, failure.ReasonNotFound, failure.ReasonForbidden:
		return refuse(err)
	}
	if err != nil {
		p.AddNote(approvals.Say("Adobe could not check the user group: "+humanError(err), "previewnote.group_unchecked", errorSentence(err).Nest("Cause", nil)))
	}
	return nil
}
