package commands

import (
	"errors"
	"fmt"
	"strings"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot"
)

// about names what an operation was about, so error sentences can say
// which request, package or person they mean.
type about struct {
	ID      string
	Package string
	Target  string
	// Verb is what the person tried: "approve", "deny", "cancel", "retry".
	Verb string
}

// explain turns an error from the Service, the ledger or the chat
// platform into one sentence for the person who acted. It classifies
// with errors.Is/As only. ok is false when the error is unexpected
// (a failure, not a refusal) and should be logged.
func (h *Handler) explain(err error, a about) (t bot.Text, ok bool) {
	pol := h.svc.Policy()
	var (
		unknown *approvals.UnknownPackageError
		dup     *approvals.DuplicateRequestError
		closed  *approvals.ClosedError
	)
	switch {
	case errors.As(err, &unknown):
		return bot.Textf("There is no package %s. Known packages: %s.", bot.Code(clip(unknown.Name, 64)), bot.Plain(strings.Join(unknown.Known, ", "))), true
	case errors.As(err, &dup):
		return bot.Textf("%s already has an open request for %s: %s. See it with %s.",
			bot.Plain(orText(a.Target, "This user")), bot.Bold(orText(a.Package, "this package")), bot.Code(dup.ID),
			bot.Code(h.deps.CommandName+" status "+dup.ID)), true
	case errors.As(err, &closed):
		return bot.Textf("%s is already %s, so there is nothing to %s.", bot.Code(closed.ID), bot.Plain(stateWord(closed.State)), bot.Plain(orText(a.Verb, "change"))), true
	case errors.Is(err, approvals.ErrInvalidEmail):
		return bot.Textf("%s is not a valid email address.", bot.Plain(orText(clip(a.Target, 80), "That"))), true
	case errors.Is(err, approvals.ErrDurationTooLong):
		return bot.Textf("Package %s allows at most %s.", bot.Bold(a.Package), bot.Plain(maxDurationOf(pol, a.Package))), true
	case errors.Is(err, approvals.ErrDurationRequired):
		return bot.Textf("Package %s is only granted for a set time (at most %s); choose a duration.", bot.Bold(a.Package), bot.Plain(maxDurationOf(pol, a.Package))), true
	case errors.Is(err, approvals.ErrInvalidDuration):
		return bot.Plain("Durations look like 30d, 2w, 12h or permanent."), true
	case errors.Is(err, approvals.ErrJustification):
		return bot.Textf("Please give a justification of at most %d characters.", pol.MaxJustification), true
	case errors.Is(err, approvals.ErrNotRequester):
		return bot.Plain("You are not allowed to request Dynamic Chat access. Ask an admin if you need to."), true
	case errors.Is(err, approvals.ErrNotApprover):
		return bot.Textf("You are not an approver of %s, so you cannot decide %s.", bot.Bold(orText(a.Package, "this package")), bot.Code(a.ID)), true
	case errors.Is(err, approvals.ErrSelfApproval):
		return bot.Textf("You cannot decide %s: it is your own request or for yourself, so someone else must approve it.", bot.Code(a.ID)), true
	case errors.Is(err, approvals.ErrAlreadyDecided):
		return bot.Textf("You already decided %s.", bot.Code(a.ID)), true
	case errors.Is(err, approvals.ErrNotFound):
		return bot.Textf("There is no request %s.", bot.Code(orText(a.ID, "with that id"))), true
	case errors.Is(err, approvals.ErrNoGrant):
		return bot.Textf("%s does not hold %s.", bot.Plain(orText(a.Target, "That user")), bot.Bold(orText(a.Package, "that package"))), true
	case errors.Is(err, approvals.ErrConflict):
		return bot.Textf("%s changed at the same moment; please try again.", bot.Code(orText(a.ID, "The request"))), true
	case errors.Is(err, approvals.ErrNotAllowed):
		switch a.Verb {
		case "cancel":
			return bot.Textf("Only the requester or an admin can cancel %s.", bot.Code(a.ID)), true
		case "retry":
			return bot.Textf("Only admins can retry %s.", bot.Code(a.ID)), true
		}
		return bot.Plain("You are not allowed to do that."), true
	case errors.Is(err, approvals.ErrInvalidTransition):
		return bot.Textf("%s cannot be changed that way in its current state.", bot.Code(orText(a.ID, "The request"))), true
	case errors.Is(err, bot.ErrNoEmail):
		return bot.Textf("%s has no email address in their chat profile (a bot or a guest?), so Dynamic Chat access cannot be managed for them.", bot.Plain(orText(a.Target, "That user"))), true
	case errors.Is(err, bot.ErrUserNotFound):
		return bot.Textf("I cannot find %s in this workspace (deactivated?).", bot.Plain(orText(a.Target, "that user"))), true
	}
	return bot.Plain("Something went wrong on my side; nothing was changed. Please try again in a minute."), false
}

func orText(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func maxDurationOf(p *approvals.Policy, name string) string {
	pkg, err := p.Package(name)
	if err != nil || pkg.MaxDuration <= 0 {
		return "a set time"
	}
	return approvals.FormatDuration(pkg.MaxDuration)
}

// stateWord is a state as a word people read.
func stateWord(s approvals.State) string {
	switch s {
	case approvals.StatePending:
		return "waiting for approval"
	case approvals.StateExecuting:
		return "being applied"
	}
	return strings.ReplaceAll(string(s), "_", " ")
}

// fieldOf says which modal input an error belongs to, or "" when it is
// not about one field.
func fieldOf(err error) string {
	switch {
	case errors.Is(err, approvals.ErrUnknownPackage):
		return blockPackage
	case errors.Is(err, approvals.ErrInvalidEmail), errors.Is(err, approvals.ErrDuplicateRequest),
		errors.Is(err, bot.ErrNoEmail), errors.Is(err, bot.ErrUserNotFound), errors.Is(err, approvals.ErrNoGrant):
		return blockUser
	case errors.Is(err, approvals.ErrDurationTooLong), errors.Is(err, approvals.ErrDurationRequired), errors.Is(err, approvals.ErrInvalidDuration):
		return blockDuration
	case errors.Is(err, approvals.ErrJustification):
		return blockReason
	}
	return ""
}

// errorf wraps an error with an operation name for logs.
func errorf(op string, err error) error { return fmt.Errorf("commands: %s: %w", op, err) }
