package workers

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/approvals"
)

// Several Marketo subscriptions: a package's profiles may sit on several
// subscriptions, each its own Marketo instance. The Admin Console step
// gives every profile in one call; then each subscription with a role
// has its own Marketo step (StepMarketoOn), run by that instance's
// Marketo port, so one instance's wait or failure is its own.

// StepMarketoOn names the Marketo step of an instance: StepMarketo on
// the default instance, "marketo:<instance>" on the others.
func StepMarketoOn(instance string) string {
	if k := approvals.InstanceKey(instance); k != approvals.DefaultInstance {
		return StepMarketo + ":" + k
	}
	return StepMarketo
}

// WithMarketo serves the Marketo steps of subscriptions on instance with
// m; NewExecutor's port serves the default instance. Call it before the
// executor runs.
func (e *Executor) WithMarketo(instance string, m Marketo) *Executor {
	if e.mktoBy == nil {
		e.mktoBy = map[string]Marketo{}
	}
	e.mktoBy[approvals.InstanceKey(instance)] = m
	return e
}

// marketoOn is the port of an instance, or an error naming it.
func (e *Executor) marketoOn(instance string) (Marketo, error) {
	k := approvals.InstanceKey(instance)
	if m, ok := e.mktoBy[k]; ok {
		return m, nil
	}
	if k == approvals.DefaultInstance && e.mkto != nil {
		return e.mkto, nil
	}
	return nil, permanent(fmt.Sprintf("no Marketo instance named %s is configured for the workers; add it under marketo.instances", strconv.Quote(k)),
		"saga.no_instance", map[string]string{"Instance": strconv.Quote(k)})
}

// marketoSteps are the Marketo steps of the package, one per
// subscription that names a role.
func (e *Executor) marketoSteps(pkg *approvals.Package, add bool) []sagaStep {
	var out []sagaStep
	for _, sub := range pkg.MarketoSubscriptions() {
		if sub.Role.ID == 0 && sub.Role.Name == "" {
			continue
		}
		run := e.marketoRemoveOn(sub)
		if add {
			run = e.marketoAddOn(sub)
		}
		out = append(out, sagaStep{StepMarketoOn(sub.Instance), run})
	}
	return out
}

// marketoAddOn assigns the subscription's role on its instance.
func (e *Executor) marketoAddOn(sub approvals.Subscription) func(context.Context, *approvals.Request, *approvals.Package) outcome {
	return func(ctx context.Context, r *approvals.Request, _ *approvals.Package) outcome {
		if r.DryRun {
			zerolog.Ctx(ctx).Info().Str("role", sub.Role.String()).Str("workspace", sub.Workspace.String()).Str("instance", sub.Instance).Msg("dry run: Marketo role assignment skipped")
			return skipped(fmt.Sprintf("dry run: would assign %s in %s%s", sub.Role, sub.Workspace, onInstance(sub.Instance))).
				say("saga.dry_run_assign", onArgs(sub.Instance, map[string]string{"Role": sub.Role.String(), "Workspace": sub.Workspace.String()}))
		}
		m, err := e.marketoOn(sub.Instance)
		if err != nil {
			return failed(err)
		}
		id, err := m.FindUser(ctx, r.Target.Email)
		if errors.Is(err, ErrUserNotFound) {
			return e.notInMarketo(ctx, r, sub)
		}
		if err != nil {
			return failed(err)
		}
		if err := m.AddRole(ctx, id, sub.Role, sub.Workspace); err != nil {
			return failed(err)
		}
		return done(fmt.Sprintf("role %s assigned in %s%s", sub.Role, sub.Workspace, onInstance(sub.Instance))).
			say("saga.role_assigned", onArgs(sub.Instance, map[string]string{"Role": sub.Role.String(), "Workspace": sub.Workspace.String()}))
	}
}

// marketoRemoveOn removes the subscription's role on its instance,
// unless the person still holds the package there through a user group
// (holdings.go): then the role stays and the step says why; the Admin
// Console step still takes their direct membership.
func (e *Executor) marketoRemoveOn(sub approvals.Subscription) func(context.Context, *approvals.Request, *approvals.Package) outcome {
	return func(ctx context.Context, r *approvals.Request, pkg *approvals.Package) outcome {
		if r.DryRun {
			return skipped(fmt.Sprintf("dry run: would remove %s in %s%s", sub.Role, sub.Workspace, onInstance(sub.Instance))).
				say("saga.dry_run_remove", onArgs(sub.Instance, map[string]string{"Role": sub.Role.String(), "Workspace": sub.Workspace.String()}))
		}
		m, err := e.marketoOn(sub.Instance)
		if err != nil {
			return failed(err)
		}
		id, err := m.FindUser(ctx, r.Target.Email)
		if errors.Is(err, ErrUserNotFound) {
			return skipped("no Marketo user with this email"+onInstance(sub.Instance)).say("saga.no_marketo_user", onArgs(sub.Instance, nil))
		}
		if err != nil {
			return failed(err)
		}
		if out, kept := e.keptThroughGroup(ctx, r, pkg, sub); kept {
			return out
		}
		if err := m.RemoveRole(ctx, id, sub.Role, sub.Workspace); err != nil {
			return failed(err)
		}
		return done(fmt.Sprintf("role %s removed in %s%s", sub.Role, sub.Workspace, onInstance(sub.Instance))).
			say("saga.role_removed", onArgs(sub.Instance, map[string]string{"Role": sub.Role.String(), "Workspace": sub.Workspace.String()}))
	}
}

// onInstance names a non-default instance for step details.
// onArgs adds On, the nested onInstance phrase, to args.
func onArgs(instance string, args map[string]string) map[string]string {
	if args == nil {
		args = map[string]string{}
	}
	args["On"] = onInstance(instance)
	if k := approvals.InstanceKey(instance); k != approvals.DefaultInstance {
		args["OnKey"], args["On.Instance"] = "saga.on_instance", k
	}
	return args
}

func onInstance(instance string) string {
	if k := approvals.InstanceKey(instance); k != approvals.DefaultInstance {
		return " on Marketo instance " + strconv.Quote(k)
	}
	return ""
}

// marketoDone says whether any Marketo step of r finished.
func marketoDone(r *approvals.Request) bool {
	for _, s := range r.Steps {
		if (s.Name == StepMarketo || len(s.Name) > len(StepMarketo) && s.Name[:len(StepMarketo)+1] == StepMarketo+":") && s.Status == approvals.StepDone {
			return true
		}
	}
	return false
}

// waitForMarketoUser waits for the user to show up in Marketo after the
// Admin Console gave them the subscription's Marketo Engage profile:
// the next check comes after half the time waited so far, at least
// UserPoll and at most UserPollMax, so early checks are quick and later
// ones sparse. It gives up after UserPollTimeout.
func (e *Executor) waitForMarketoUser(r *approvals.Request, instance string) outcome {
	since := r.StartedAt
	if st := r.Step(StepAdobeSync); st != nil {
		since = st.At
	}
	waited := e.clock.Now().Sub(since)
	if waited > e.cfg.UserPollTimeout {
		return failed(permanent(fmt.Sprintf("%s never appeared in Marketo%s within %s of the Admin Console add", r.Target.Email, onInstance(instance), e.cfg.UserPollTimeout),
			"saga.never_in_marketo", onArgs(instance, map[string]string{"User": r.Target.Email, "LimitDuration": e.cfg.UserPollTimeout.String()})))
	}
	wait := min(max(waited/2, e.cfg.UserPoll), e.cfg.UserPollMax)
	return waiting(wait, "waiting for the user to appear in Marketo"+onInstance(instance)).say("saga.waiting_marketo_user", onArgs(instance, nil))
}

// ProfileHolder is the optional part of an AdminConsole that says
// whether a person holds a product profile, directly or through a user
// group (AdobeConsole implements it).
type ProfileHolder interface {
	HoldsProfile(ctx context.Context, email, profile string) (bool, error)
}

var _ ProfileHolder = AdobeConsole{}

// HoldsProfile reads who holds profile (directOnly=false, shared
// between callers like Missing's listings) and says whether email does.
// A listing that started before this call does not answer "no".
func (a AdobeConsole) HoldsProfile(ctx context.Context, email, profile string) (bool, error) {
	asked := time.Now()
	name := profile
	if a.Resolver != nil {
		names, err := a.Resolver.ProfileNames(ctx, []string{profile})
		if err != nil {
			return false, err
		}
		name = names[0]
	}
	s, err := a.Snapshots.listing(ctx, a.Client, name, time.Time{}, false)
	if err == nil && !s.members[strings.ToLower(email)] && s.started.Before(asked) {
		s, err = a.Snapshots.listing(ctx, a.Client, name, asked, false)
	}
	if err != nil {
		return false, err
	}
	return s.members[strings.ToLower(email)], nil
}

// notInMarketo decides what a Marketo step does when the instance does
// not know the person. A person appears in a Marketo instance only once
// the Admin Console gives them its Marketo Engage profile
// (mkto-docs:…/marketo-with-adobe-identity/add-or-remove-a-user.md), so:
//
//   - the package added that profile in its Admin Console step: wait for
//     Marketo to create the user (UserPollTimeout at most);
//   - it did not, and the instance's Marketo Engage profile is known and
//     the person does not hold it: nothing will bring them in, so the
//     step fails now, naming the profile an admin must add;
//   - otherwise (they hold it, or it is not known): wait, and when the
//     wait runs out say what an admin must add.
func (e *Executor) notInMarketo(ctx context.Context, r *approvals.Request, sub approvals.Subscription) outcome {
	if sub.EngageProfile == "" {
		if h, ok := e.adobe.(ProfileHolder); ok && sub.EngageProfileHint != "" {
			holds, err := h.HoldsProfile(ctx, r.Target.Email, sub.EngageProfileHint)
			if err != nil {
				return failed(err)
			}
			if !holds {
				return failed(notInMarketoError(r.Target.Email, r.Package, sub))
			}
		}
	}
	out := e.waitForMarketoUser(r, sub.Instance)
	if out.status == approvals.StepFailed && sub.EngageProfile == "" {
		out.err = notInMarketoError(r.Target.Email, r.Package, sub)
	}
	return out
}

// NotInMarketoSentence says that a person is not in a subscription's
// Marketo instance and what an admin must do about it.
func NotInMarketoSentence(email, pkg string, sub approvals.Subscription) string {
	return NotInMarketoSay(email, pkg, sub).Text
}

// NotInMarketoSay is NotInMarketoSentence with its message id and
// arguments.
func NotInMarketoSay(email, pkg string, sub approvals.Subscription) approvals.Sentence {
	profile := "the subscription's Marketo Engage product profile"
	key, args := "saga.not_in_marketo.unnamed", map[string]string{"User": email, "Package": pkg}
	if n := sub.EngageName(); n != "" {
		profile = "the Marketo Engage product profile " + strconv.Quote(n)
		key, args["Profile"] = "saga.not_in_marketo.named", strconv.Quote(n)
	}
	return approvals.Say(fmt.Sprintf("%s is not a user of Marketo%s, and package %s does not add the Marketo Engage profile that brings people in: "+
		"an admin must give them %s in the Admin Console (or name it in the package's engage_profile), then retry.",
		email, onInstance(sub.Instance), pkg, profile), key, onArgs(sub.Instance, args))
}

// notInMarketoError is the final failure saying NotInMarketoSentence.
func notInMarketoError(email, pkg string, sub approvals.Subscription) error {
	s := NotInMarketoSay(email, pkg, sub)
	return permanent(s.Text, s.Key, s.Args)
}
