package vendormap

import (
	"context"
	"slices"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/integrations/failure"
)

// WithMarketo resolves role and workspace on an instance and calls fn
// with them. When fn's error says Marketo does not know what it was
// given (not found, or refused as invalid: Marketo's answer to an
// unknown role id is UNCONFIRMED, so both count), the instance's kept
// listings are dropped and the package resolved again from new reads;
// when that gives other ids fn runs once more with them, else its first
// error is returned. A role deleted since it was listed thus ends in the
// clear *MatchError, and a role re-created under a new id just works.
func (r *Resolver) WithMarketo(ctx context.Context, instanceName string, role, ws approvals.MarketoRef, fn func(Assignment) error) error {
	a, err := r.Marketo(ctx, instanceName, role, ws)
	if err != nil {
		return err
	}
	err = fn(a)
	if !contradicts(err) {
		return err
	}
	r.ForgetMarketo(instanceName)
	b, rerr := r.Marketo(ctx, instanceName, role, ws)
	if rerr != nil {
		return rerr
	}
	if b.Role.ID == a.Role.ID && b.Workspace.ID == a.Workspace.ID {
		return err
	}
	return fn(b)
}

// WithProfiles resolves profile names (any product) to Adobe's names and
// calls fn with them. When fn's error says Adobe does not know a group
// (not found: error.group.not_found, umapi-doc:docs/en/api/ErrorRef.md),
// the kept listing is dropped and the names resolved again from a new
// read; fn runs once more when they changed. Other refusals (a domain
// not claimed, say) leave the listing alone: groups are the scarcest
// read (5 a minute per client).
func (r *Resolver) WithProfiles(ctx context.Context, names []string, fn func([]string) error) error {
	got, err := r.ProfileNames(ctx, names)
	if err != nil {
		return err
	}
	err = fn(got)
	if failure.ReasonOf(err) != failure.ReasonNotFound {
		return err
	}
	r.ForgetProfiles()
	again, rerr := r.ProfileNames(ctx, names)
	if rerr != nil {
		return rerr
	}
	if slices.Equal(again, got) {
		return err
	}
	return fn(again)
}

// contradicts says whether a Marketo error may mean the ids the call
// used no longer exist: not found, or invalid.
func contradicts(err error) bool {
	if err == nil {
		return false
	}
	switch failure.ReasonOf(err) {
	case failure.ReasonNotFound, failure.ReasonInvalid:
		return true
	}
	return false
}
