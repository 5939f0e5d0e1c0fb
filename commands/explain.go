package commands

import (
	"errors"
	"fmt"
	"strings"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/i18n"
)

// about names what an operation was about, so error sentences can say
// which request, package or person they mean.
type about struct {
	ID      string
	Package string
	Target  string
	// Group is set when the target is a user group.
	Group bool
	// Verb is what the person tried: "approve", "deny", "cancel", "retry".
	Verb string
	// Viewer is the person told; an open request that blocks theirs is
	// named only when they may see it.
	Viewer approvals.Actor
}

// explain turns an error from the Service, the ledger or the chat
// platform into one sentence in l for the person who acted. It
// classifies with errors.Is/As only. ok is false when the error is
// unexpected (a failure, not a refusal) and should be logged.
func (h *Handler) explain(l *i18n.Lang, err error, a about) (t bot.Text, ok bool) {
	if t, ok := h.explainRequest(l, err, a); ok {
		return t, true
	}
	pol := h.svc.Policy()
	var unknown *approvals.UnknownPackageError
	switch {
	case errors.As(err, &unknown):
		return l.T("explain.unknown_package", i18n.M{"Name": bot.Code(clip(unknown.Name, 64)), "Known": strings.Join(unknown.Known, ", ")}), true
	case errors.Is(err, approvals.ErrInvalidEmail):
		return l.T("explain.invalid_email", i18n.M{"Email": orText(clip(a.Target, 80), l.S("explain.that"))}), true
	case errors.Is(err, approvals.ErrDurationTooLong):
		return l.T("explain.duration_too_long", i18n.M{"Package": bot.Bold(a.Package), "Max": maxDurationOf(l, pol, a.Package)}), true
	case errors.Is(err, approvals.ErrDurationRequired):
		return l.T("explain.duration_required", i18n.M{"Package": bot.Bold(a.Package), "Max": maxDurationOf(l, pol, a.Package)}), true
	case errors.Is(err, approvals.ErrInvalidDuration):
		return l.T("explain.invalid_duration"), true
	case errors.Is(err, approvals.ErrJustification):
		return l.N("explain.justification", pol.MaxJustification), true
	case errors.Is(err, approvals.ErrNotRequester):
		return l.T("explain.not_requester"), true
	case errors.Is(err, approvals.ErrNoSeats):
		return seatsText(l, err), true
	case errors.Is(err, approvals.ErrGroupTarget):
		return groupTargetText(l, err), true
	case errors.Is(err, approvals.ErrNoGrant):
		return l.T("explain.no_grant", i18n.M{"User": orText(a.Target, l.S("explain.that_user")), "Package": bot.Bold(orText(a.Package, l.S("explain.that_package")))}), true
	case errors.Is(err, bot.ErrNoEmail):
		return l.T("explain.target_no_email", i18n.M{"User": orText(a.Target, l.S("explain.that_user"))}), true
	case errors.Is(err, bot.ErrUserNotFound):
		return l.T("explain.target_not_found", i18n.M{"User": orText(a.Target, l.S("explain.that_user"))}), true
	}
	return l.T("explain.unexpected"), false
}

// explainRequest explains the refusals about one request: a duplicate,
// a closed or unknown request, a decision the person may not make.
func (h *Handler) explainRequest(l *i18n.Lang, err error, a about) (bot.Text, bool) {
	var (
		dup    *approvals.DuplicateRequestError
		closed *approvals.ClosedError
	)
	id := bot.Code(orText(a.ID, l.S("explain.the_request")))
	who := orText(a.Target, l.S("explain.this_user"))
	if a.Group {
		who = l.S("targetgroup.this")
	}
	switch {
	case errors.As(err, &dup) && !h.mayViewID(dup.ID, a.Viewer):
		return l.T("explain.duplicate_hidden", i18n.M{"User": who,
			"Package": bot.Bold(orText(a.Package, l.S("explain.this_package")))}), true
	case errors.As(err, &dup):
		return l.T("explain.duplicate", i18n.M{"User": who, "Package": bot.Bold(orText(a.Package, l.S("explain.this_package"))),
			"ID": bot.Code(dup.ID), "Status": bot.Code(h.deps.CommandName + " status " + dup.ID)}), true
	case errors.As(err, &closed):
		return l.T(closedKey(a.Verb), i18n.M{"ID": bot.Code(closed.ID), "State": stateWord(l, closed.State)}), true
	case errors.Is(err, approvals.ErrNotApprover):
		return l.T("explain.not_approver", i18n.M{"Package": bot.Bold(orText(a.Package, l.S("explain.this_package"))), "ID": bot.Code(a.ID)}), true
	case errors.Is(err, approvals.ErrSelfApproval):
		return l.T("explain.self_approval", i18n.M{"ID": bot.Code(a.ID)}), true
	case errors.Is(err, approvals.ErrAlreadyDecided):
		return l.T("explain.already_decided", i18n.M{"ID": bot.Code(a.ID)}), true
	case errors.Is(err, approvals.ErrNotFound):
		return l.T("explain.not_found", i18n.M{"ID": bot.Code(orText(a.ID, l.S("explain.with_that_id")))}), true
	case errors.Is(err, approvals.ErrConflict):
		return l.T("explain.conflict", i18n.M{"ID": id}), true
	case errors.Is(err, approvals.ErrNotAllowed):
		switch a.Verb {
		case "cancel":
			return l.T("explain.cancel_not_allowed", i18n.M{"ID": bot.Code(a.ID)}), true
		case "retry":
			return l.T("explain.retry_not_allowed", i18n.M{"ID": bot.Code(a.ID)}), true
		}
		return l.T("explain.not_allowed"), true
	case errors.Is(err, approvals.ErrInvalidTransition):
		return l.T("explain.invalid_transition", i18n.M{"ID": id}), true
	}
	return bot.Text{}, false
}

// closedKeys are the sentences for a closed request, by what the
// person tried.
var closedKeys = map[string]string{
	"approve": "explain.closed.approve", "deny": "explain.closed.deny", "cancel": "explain.closed.cancel",
	"retry": "explain.closed.retry", "": "explain.closed.change",
}

// closedKey is the message of a closed request for verb.
func closedKey(verb string) string {
	if k, ok := closedKeys[verb]; ok {
		return k
	}
	return closedKeys[""]
}

func orText(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func maxDurationOf(l *i18n.Lang, p *approvals.Policy, name string) string {
	pkg, err := p.Package(name)
	if err != nil || pkg.MaxDuration <= 0 {
		return l.S("explain.set_time")
	}
	return l.Duration(pkg.MaxDuration)
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
	case errors.Is(err, approvals.ErrGroupTarget):
		return blockGroup
	}
	return ""
}

// errorf wraps an error with an operation name for logs.
func errorf(op string, err error) error { return fmt.Errorf("commands: %s: %w", op, err) }
