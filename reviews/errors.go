package reviews

import (
	"errors"
	"fmt"
	"time"
)

// Errors of the reviews domain; classify with errors.Is and errors.As.
var (
	ErrInvalidID       = errors.New("invalid review id")
	ErrNotFound        = errors.New("review or item not found")
	ErrClosed          = errors.New("review is closed")
	ErrNotReviewer     = errors.New("not a reviewer of this item")
	ErrSelfReview      = errors.New("nobody reviews their own access")
	ErrNotAdmin        = errors.New("only admins can do this")
	ErrAlreadyDone     = errors.New("already decided")
	ErrNoPackages      = errors.New("no packages to review")
	ErrAlreadyOpen     = errors.New("a review of this package is still open")
	ErrNoDrift         = errors.New("item has no drift to fix")
	ErrConflict        = errors.New("review changed concurrently")
	ErrUnknownSchedule = errors.New("unknown schedule")
)

// DecidedError says an item was decided before, by whom and how. It
// matches ErrAlreadyDone.
type DecidedError struct {
	Item     int
	Decision Decision
}

func (e *DecidedError) Error() string {
	return fmt.Sprintf("item %d already decided (%s) by %s at %s", e.Item, e.Decision.Verdict,
		e.Decision.By.Label(), e.Decision.At.UTC().Format(time.RFC3339))
}

// Is makes errors.Is(err, ErrAlreadyDone) true.
func (e *DecidedError) Is(target error) bool { return target == ErrAlreadyDone }

// FixedError says a drift finding was answered before. It matches
// ErrAlreadyDone.
type FixedError struct {
	Item int
	Fix  Fix
}

func (e *FixedError) Error() string {
	return fmt.Sprintf("item %d already fixed (%s) by %s at %s", e.Item, e.Fix.Action,
		e.Fix.By.Label(), e.Fix.At.UTC().Format(time.RFC3339))
}

// Is makes errors.Is(err, ErrAlreadyDone) true.
func (e *FixedError) Is(target error) bool { return target == ErrAlreadyDone }

// OpenError names the open campaign that covers a package.
type OpenError struct {
	ID      string
	Package string
}

func (e *OpenError) Error() string {
	return fmt.Sprintf("review %s of %s is still open", e.ID, e.Package)
}

// Is makes errors.Is(err, ErrAlreadyOpen) true.
func (e *OpenError) Is(target error) bool { return target == ErrAlreadyOpen }
