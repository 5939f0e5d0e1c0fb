package commands

import (
	"context"
	"sync"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/i18n"
)

// Languages says which language the messages seen by several people
// (channel cards, their thread replies, admin alerts) are in: the
// channel's, else the package's, else Default, else English. A message
// for one person (a DM, an ephemeral answer, a modal, the App Home) is
// in the language their chat client is set to when a catalog has it,
// and in the same policy language otherwise.
type Languages struct {
	// Default is the language of the policy ("" = English).
	Default string
	// Packages maps a package name to its language.
	Packages map[string]string
	// Channels maps a channel id (or "platform:id") to its language.
	Channels map[string]string
}

// policyLang is the language of messages about pkg in channel on
// platform p (channel and pkg may be empty).
func (h *Handler) policyLang(p approvals.Platform, channel, pkg string) *i18n.Lang {
	ls := h.deps.Languages
	if channel != "" {
		if l, ok := ls.Channels[string(p)+":"+channel]; ok {
			return h.cat.Lang(l)
		}
		if l, ok := ls.Channels[channel]; ok {
			return h.cat.Lang(l)
		}
	}
	if l, ok := ls.Packages[pkg]; ok && pkg != "" {
		return h.cat.Lang(l)
	}
	return h.cat.Lang(ls.Default)
}

// viewerLang is the language of one person whose client says locale,
// reading about pkg ("" for none).
func (h *Handler) viewerLang(locale, pkg string) *i18n.Lang {
	if l, ok := h.cat.Match(locale); ok {
		return h.cat.Lang(l)
	}
	return h.policyLang("", "", pkg)
}

// userLang is the language of the chat user id on platform p, asked of
// the platform (whose answers its adapter caches).
func (h *Handler) userLang(ctx context.Context, p approvals.Platform, id, pkg string) *i18n.Lang {
	if id == "" {
		return h.policyLang(p, "", pkg)
	}
	u, err := h.on(p).LookupUser(ctx, id)
	if err != nil {
		return h.policyLang(p, "", pkg)
	}
	return h.viewerLang(u.Locale, pkg)
}

// refLang is the language of a recorded message about pkg: its
// reader's for a DM, its channel's otherwise.
func (h *Handler) refLang(ctx context.Context, ref approvals.MessageRef, pkg string) *i18n.Lang {
	if ref.User != "" {
		return h.userLang(ctx, ref.Platform, ref.User, pkg)
	}
	return h.policyLang(ref.Platform, ref.Channel, pkg)
}

// english is the default language, for the exported renderers called
// without one.
func english(l *i18n.Lang) *i18n.Lang {
	if l != nil {
		return l
	}
	return builtinCatalog().Lang(i18n.Default)
}

// builtinCatalog is the catalog built into the binary, read once; it
// never changes.
var builtinCatalog = sync.OnceValue(i18n.MustLoad)

// at is a moment for people: each viewer's own zone where the platform
// can, else loc; day adds the date.
func at(l *i18n.Lang, t time.Time, loc *time.Location, day bool) bot.Text {
	if day {
		return l.Time(t, loc, bot.TimeDayAndClock)
	}
	return l.Time(t, loc, bot.TimeClock)
}

// Message ids chosen by value, written out so the catalog tests see
// every id used.
var (
	stateKeys = map[approvals.State]string{
		approvals.StatePending: "state.pending_approval", approvals.StateApproved: "state.approved",
		approvals.StateDenied: "state.denied", approvals.StateCancelled: "state.cancelled",
		approvals.StateExpired: "state.expired", approvals.StateExecuting: "state.executing",
		approvals.StateCompleted: "state.completed", approvals.StateFailed: "state.failed",
		approvals.StateRevoked: "state.revoked",
	}
	stepStatusKeys = map[approvals.StepStatus]string{
		approvals.StepPending: "step.status.pending", approvals.StepRunning: "step.status.running",
		approvals.StepWaiting: "step.status.waiting", approvals.StepDone: "step.status.done",
		approvals.StepSkipped: "step.status.skipped", approvals.StepFailed: "step.status.failed",
		approvals.StepUndone: "step.status.undone",
	}
	stepKeys = map[string]string{
		"adobe": "step.admin_console", "admin_console": "step.admin_console",
		"admin_console_sync": "step.admin_console_sync", "marketo": "step.marketo",
	}
)

// stateWord is a state as a word people read.
func stateWord(l *i18n.Lang, s approvals.State) string {
	if k, ok := stateKeys[s]; ok {
		return l.S(k)
	}
	return string(s)
}

// what names a request for people: "add agent for alice@example.com".
func what(l *i18n.Lang, r *approvals.Request) bot.Text {
	args := i18n.M{"Package": bot.Bold(r.Package), "User": targetName(l, r.Target)}
	if r.Kind == approvals.KindRemove {
		return l.T("request.what.remove", args)
	}
	return l.T("request.what.add", args)
}

// targetName names a request's target to people: the email, or the
// user group as it was typed ("user group EMEA Chat Agents"), never its
// ledger key.
func targetName(l *i18n.Lang, t approvals.Target) string {
	if t.IsGroup() {
		return l.S("targetgroup.label", i18n.M{"Group": t.Group})
	}
	return t.Email
}

// idWhat is a request's id and what it does: "DC-1042 (add agent for
// alice@example.com)".
func idWhat(l *i18n.Lang, r *approvals.Request) bot.Text {
	return l.T("request.id_what", i18n.M{"ID": bot.Code(r.ID), "What": what(l, r)})
}
