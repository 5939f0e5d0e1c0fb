package approvals

import (
	"errors"
	"fmt"
	"strings"
)

// Domain errors. Callers classify with errors.Is; adapters turn them into
// user-facing text with Explain.
var (
	ErrNotFound          = errors.New("request not found")
	ErrUnknownPackage    = errors.New("unknown package")
	ErrInvalidEmail      = errors.New("invalid email")
	ErrInvalidDuration   = errors.New("invalid duration")
	ErrDurationTooLong   = errors.New("duration over the package maximum")
	ErrDurationRequired  = errors.New("package requires a duration")
	ErrJustification     = errors.New("justification missing or too long")
	ErrNotRequester      = errors.New("not allowed to request access")
	ErrNotApprover       = errors.New("not an approver of this package")
	ErrSelfApproval      = errors.New("requesters cannot approve their own request")
	ErrAlreadyDecided    = errors.New("already decided this request")
	ErrRequestClosed     = errors.New("request is closed")
	ErrInvalidTransition = errors.New("invalid transition")
	ErrNotAllowed        = errors.New("not allowed")
	ErrDuplicateRequest  = errors.New("an open request for this user and package exists")
	ErrConflict          = errors.New("request changed concurrently")
	ErrNoGrant           = errors.New("user does not hold this package")
	ErrInvalidID         = errors.New("invalid request id")
)

// UnknownPackageError names the unknown package and the known ones.
type UnknownPackageError struct {
	Name  string
	Known []string
}

func (e *UnknownPackageError) Error() string {
	return fmt.Sprintf("unknown package %q (known: %s)", e.Name, strings.Join(e.Known, ", "))
}

// Is makes errors.Is(err, ErrUnknownPackage) true.
func (e *UnknownPackageError) Is(target error) bool { return target == ErrUnknownPackage }

// DuplicateRequestError names the open request that blocks a new one.
type DuplicateRequestError struct{ ID string }

func (e *DuplicateRequestError) Error() string {
	return fmt.Sprintf("request %s for this user and package is still open", e.ID)
}

// Is makes errors.Is(err, ErrDuplicateRequest) true.
func (e *DuplicateRequestError) Is(target error) bool { return target == ErrDuplicateRequest }

// ClosedError says a request can no longer be decided or cancelled, and
// why.
type ClosedError struct {
	ID    string
	State State
}

func (e *ClosedError) Error() string {
	return fmt.Sprintf("request %s is already %s", e.ID, strings.ReplaceAll(string(e.State), "_", " "))
}

// Is makes errors.Is(err, ErrRequestClosed) true.
func (e *ClosedError) Is(target error) bool { return target == ErrRequestClosed }
