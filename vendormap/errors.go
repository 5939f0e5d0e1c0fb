package vendormap

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/chataccess/chataccess/integrations/failure"
)

// Kind is the kind of vendor object a package names.
type Kind string

// Kinds.
const (
	KindProfile   Kind = "product profile"
	KindRole      Kind = "role"
	KindWorkspace Kind = "workspace"
	KindInstance  Kind = "Marketo instance"
)

// Problem says why a configured object did not resolve.
type Problem string

// Problems.
const (
	// ProblemNotFound: no object has the configured id or name.
	ProblemNotFound Problem = "not_found"
	// ProblemMismatch: the object with the configured id has another name.
	ProblemMismatch Problem = "mismatch"
	// ProblemAmbiguous: several objects have the configured name.
	ProblemAmbiguous Problem = "ambiguous"
	// ProblemWrongKind: a group of that name exists but is not a product
	// profile of the configured product.
	ProblemWrongKind Problem = "wrong_kind"
	// ProblemAllZonesOnly: the role can only be assigned in AllZones and
	// the package's workspace is another one.
	ProblemAllZonesOnly Problem = "all_zones_only"
	// ProblemUnset: the package names no such object at all.
	ProblemUnset Problem = "unset"
)

// MatchError is a package that does not map onto the vendor's objects.
// It is the policy's problem, not the vendor's: retrying the same call
// changes nothing until someone fixes the policy file or the vendor
// account, so it is permanent (Retryable false, FailureClass Permanent).
type MatchError struct {
	Kind Kind
	// Instance is the Marketo instance ("" for Admin Console profiles).
	Instance string
	// Ref is the configured reference as people read it: `"DC Agent"`,
	// "#101", `"DC Admin" (#102)`.
	Ref     string
	Problem Problem
	// Detail is one sentence about what the vendor has instead, e.g.
	// `no Marketo role is named "DC Agnet" (known: "DC Agent", "Admin")`.
	Detail string
	// DetailKey and DetailArgs are Detail's message id and arguments,
	// the id of the capitalized sentence (Human's start) except for
	// KindInstance; "" when Detail has none.
	DetailKey  string
	DetailArgs map[string]string
}

// Sentinels for errors.Is; they match any *MatchError of that Problem.
var (
	ErrNotFound     = &MatchError{Problem: ProblemNotFound}
	ErrMismatch     = &MatchError{Problem: ProblemMismatch}
	ErrAmbiguous    = &MatchError{Problem: ProblemAmbiguous}
	ErrWrongKind    = &MatchError{Problem: ProblemWrongKind}
	ErrAllZonesOnly = &MatchError{Problem: ProblemAllZonesOnly}
	ErrUnset        = &MatchError{Problem: ProblemUnset}
)

// Error renders the problem for logs: "vendormap: role "DC Agnet": no
// Marketo role is named …".
func (e *MatchError) Error() string {
	return fmt.Sprintf("vendormap: %s %s: %s", e.Kind, e.Ref, e.Detail)
}

// Is matches the sentinels by Problem.
func (e *MatchError) Is(target error) bool {
	t, ok := target.(*MatchError)
	return ok && t.Kind == "" && t.Problem == e.Problem
}

// Retryable is false: the same call fails the same way until a person
// fixes the policy or the vendor account.
func (e *MatchError) Retryable() bool { return false }

// Delay is 0: there is nothing to wait for.
func (e *MatchError) Delay() time.Duration { return 0 }

// FailureClass is failure.Permanent.
func (e *MatchError) FailureClass() failure.Class { return failure.Permanent }

// Human is the sentence for the request card and the admins: what is
// missing and what to do about it.
func (e *MatchError) Human() string {
	switch {
	case e.Kind == KindRole && e.Problem == ProblemNotFound && strings.HasPrefix(e.Ref, `"`):
		return fmt.Sprintf(`Marketo has no role named %s; create it with the "Access Dynamic Chat" permission or fix the policy file`, e.Ref)
	case e.Kind == KindWorkspace && e.Problem == ProblemNotFound && strings.HasPrefix(e.Ref, `"`):
		return fmt.Sprintf("Marketo has no workspace named %s; create it or fix the policy file", e.Ref)
	case e.Kind == KindProfile && e.Problem == ProblemNotFound:
		return fmt.Sprintf("the Admin Console has no product profile named %s; create it or fix the policy file", e.Ref)
	case e.Kind == KindInstance:
		return e.Detail
	}
	return capitalize(e.Detail) + "; fix the policy file"
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// refString renders a configured id and name as people read them.
func refString(id int, name string) string {
	switch {
	case name != "" && id != 0:
		return strconv.Quote(name) + " (#" + strconv.Itoa(id) + ")"
	case name != "":
		return strconv.Quote(name)
	case id != 0:
		return "#" + strconv.Itoa(id)
	}
	return "(none)"
}

// Sentence is Human's sentence as a message id and its arguments, for
// the catalogs; "" when it is the vendor's own Detail, which readers
// then see in English.
func (e *MatchError) Sentence() (string, map[string]string) {
	a := map[string]string{"Ref": e.Ref}
	switch {
	case e.Kind == KindRole && e.Problem == ProblemNotFound && strings.HasPrefix(e.Ref, `"`):
		return "vendormap.no_role", a
	case e.Kind == KindWorkspace && e.Problem == ProblemNotFound && strings.HasPrefix(e.Ref, `"`):
		return "vendormap.no_workspace", a
	case e.Kind == KindProfile && e.Problem == ProblemNotFound:
		return "vendormap.no_profile", a
	case e.DetailKey == "":
		return "", nil
	case e.Kind == KindInstance:
		return e.DetailKey, e.DetailArgs
	}
	a = map[string]string{"Detail": capitalize(e.Detail), "DetailKey": e.DetailKey}
	for k, v := range e.DetailArgs {
		a["Detail."+k] = v
	}
	return "vendormap.fix_policy", a
}
