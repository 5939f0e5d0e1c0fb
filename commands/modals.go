package commands

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/internal/logging"
)

// Modal callback ids.
const (
	CallbackAdd        = "dc_add"
	CallbackRemoveUser = "dc_remove_user"
	CallbackRemove     = "dc_remove"
	CallbackDeny       = "dc_deny"
	CallbackDone       = "dc_done"
)

// Input block ids; SubmissionReply.Errors are keyed by them.
const (
	blockUser     = "user"
	blockEmail    = "email"
	blockPackage  = "package"
	blockDuration = "duration"
	blockReason   = "justification"
	blockTarget   = "target"
)

// Element action ids inside the inputs.
const (
	inputUser     = "user_in"
	inputEmail    = "email_in"
	inputPackage  = "package_in"
	inputDuration = "duration_in"
	inputReason   = "reason_in"
)

// Duration choice values besides FormatDuration strings.
const (
	durDefault   = "default"
	durPermanent = "permanent"
	// allPackages is the remove choice "all Dynamic Chat access".
	allPackages = "all"
)

// durationChoices are the durations the Add modal offers, within the
// most permissive package's maximum.
var durationChoices = []time.Duration{
	24 * time.Hour, 7 * 24 * time.Hour, 14 * 24 * time.Hour, 30 * 24 * time.Hour,
	60 * 24 * time.Hour, 90 * 24 * time.Hour, 180 * 24 * time.Hour, 365 * 24 * time.Hour,
}

// addForm is what the Add modal is pre-filled with.
type addForm struct {
	UserID   string
	Email    string
	Package  string
	Duration string
	Reason   string
	// Extends is the add request being extended, kept in private
	// metadata.
	Extends string
}

// modalTitle must stay within Slack's 24 characters for modal titles
// (docs.slack.dev/reference/views, collected in the Slack reference §1.7).
const maxModalTitle = 24

func title(s string) string { return clip(s, maxModalTitle-1) }

func (h *Handler) packageOptions() []bot.Option {
	pol := h.svc.Policy()
	var opts []bot.Option
	for _, name := range pol.PackageNames() {
		pkg := pol.Packages[name]
		opts = append(opts, bot.Option{Value: name, Text: name, Description: clip(packageSummary(pkg), 74)})
	}
	return opts
}

// packageSummary is a package's description or what it grants.
func packageSummary(pkg *approvals.Package) string {
	if pkg.Description != "" {
		return pkg.Description
	}
	var parts []string
	for _, p := range pkg.Profiles {
		parts = append(parts, p.Name)
	}
	if r := pkg.MarketoRole.String(); r != "" {
		parts = append(parts, "role "+r)
	}
	return strings.Join(parts, " + ")
}

// durationOptions offers choices valid for the most permissive package;
// the chosen package's own limit is checked on submit.
func (h *Handler) durationOptions(initial string) []bot.Option {
	pol := h.svc.Policy()
	var maxD time.Duration
	unbounded, permanent := false, false
	for _, pkg := range pol.Packages {
		if pkg.MaxDuration <= 0 {
			unbounded = true
		}
		maxD = max(maxD, pkg.MaxDuration)
		permanent = permanent || pkg.AllowPermanent
	}
	opts := []bot.Option{{Value: durDefault, Text: "Package default"}}
	seen := map[string]bool{durDefault: true}
	for _, d := range durationChoices {
		if unbounded || d <= maxD {
			v := approvals.FormatDuration(d)
			opts = append(opts, bot.Option{Value: v, Text: v})
			seen[v] = true
		}
	}
	if maxD > 0 && !seen[approvals.FormatDuration(maxD)] && !unbounded {
		v := approvals.FormatDuration(maxD)
		opts = append(opts, bot.Option{Value: v, Text: v + " (longest allowed)"})
		seen[v] = true
	}
	if permanent {
		opts = append(opts, bot.Option{Value: durPermanent, Text: "Permanent", Description: "Only where the package allows it"})
		seen[durPermanent] = true
	}
	if initial != "" && !seen[initial] {
		opts = append(opts, bot.Option{Value: initial, Text: initial})
	}
	return opts
}

func (h *Handler) addModal(f addForm) bot.Modal {
	dur := orText(f.Duration, durDefault)
	return bot.Modal{
		CallbackID: CallbackAdd, Title: title("Request access"), Submit: "Request", Close: "Cancel",
		PrivateMetadata: f.Extends,
		Blocks: []bot.Block{
			&bot.Section{Text: bot.Plain("Who needs Dynamic Chat access, and which package? Approvers see exactly what changes.")},
			&bot.Input{BlockID: blockUser, Label: "Person", Optional: true, Hint: "Pick someone in this workspace, or give an email below.",
				Element: &bot.UserSelect{ActionID: inputUser, Placeholder: "Choose a person", Initial: f.UserID}},
			&bot.Input{BlockID: blockEmail, Label: "Or their email", Optional: true,
				Element: &bot.EmailInput{ActionID: inputEmail, Placeholder: "name@example.com", Initial: emailUnlessPicked(f)}},
			&bot.Input{BlockID: blockPackage, Label: "Package", Element: &bot.Select{ActionID: inputPackage, Placeholder: "Choose a package",
				Options: h.packageOptions(), Initial: f.Package}},
			&bot.Input{BlockID: blockDuration, Label: "Duration", Hint: "The clock starts when access is granted.",
				Element: &bot.Select{ActionID: inputDuration, Options: h.durationOptions(dur), Initial: dur}},
			&bot.Input{BlockID: blockReason, Label: "Justification", Element: &bot.TextInput{ActionID: inputReason, Multiline: true,
				Placeholder: "Why is this access needed?", Initial: f.Reason, MaxLength: h.svc.Policy().MaxJustification}},
		},
	}
}

func emailUnlessPicked(f addForm) string {
	if f.UserID != "" {
		return ""
	}
	return f.Email
}

func (h *Handler) removeUserModal() bot.Modal {
	return bot.Modal{
		CallbackID: CallbackRemoveUser, Title: title("Remove access"), Submit: "Next", Close: "Cancel",
		Blocks: []bot.Block{
			&bot.Section{Text: bot.Plain("Whose Dynamic Chat access should be removed? Next you choose what to remove.")},
			&bot.Input{BlockID: blockUser, Label: "Person", Optional: true, Element: &bot.UserSelect{ActionID: inputUser, Placeholder: "Choose a person"}},
			&bot.Input{BlockID: blockEmail, Label: "Or their email", Optional: true, Element: &bot.EmailInput{ActionID: inputEmail, Placeholder: "name@example.com"}},
		},
	}
}

// removeModal lists the packages the target holds according to the
// grants ledger, plus "all Dynamic Chat access". When the ledger knows
// none, it offers every package, for access granted outside the bot.
func (h *Handler) removeModal(ctx context.Context, tgt approvals.Target, pkg, reason string) (bot.Modal, error) {
	grants, err := h.ledger.GrantsOf(ctx, tgt.Email)
	if err != nil {
		return bot.Modal{}, err
	}
	var opts []bot.Option
	intro := bot.Textf("Remove Dynamic Chat access of %s.", targetText(tgt))
	for _, g := range grants {
		desc := "since " + g.Since.In(h.deps.Location).Format("2 Jan 2006")
		if !g.Until.IsZero() {
			desc += ", until " + g.Until.In(h.deps.Location).Format("2 Jan 2006")
		}
		opts = append(opts, bot.Option{Value: g.Package, Text: g.Package, Description: desc})
	}
	if len(opts) > 0 {
		opts = append(opts, bot.Option{Value: allPackages, Text: "All Dynamic Chat access", Description: "Every package listed above"})
	} else {
		intro = intro.Append(bot.Plain(" The bot granted them nothing; choose the package they hold from elsewhere."))
		opts = h.packageOptions()
	}
	if pkg != "" && !slices.ContainsFunc(opts, func(o bot.Option) bool { return o.Value == pkg }) {
		pkg = ""
	}
	return bot.Modal{
		CallbackID: CallbackRemove, Title: title("Remove access"), Submit: "Request removal", Close: "Cancel",
		PrivateMetadata: tgt.Email,
		Blocks: []bot.Block{
			&bot.Section{BlockID: blockTarget, Text: intro},
			&bot.Input{BlockID: blockPackage, Label: "What to remove", Element: &bot.Select{ActionID: inputPackage, Placeholder: "Choose", Options: opts, Initial: pkg}},
			&bot.Input{BlockID: blockReason, Label: "Justification", Element: &bot.TextInput{ActionID: inputReason, Multiline: true,
				Placeholder: "Why should this access end?", Initial: reason, MaxLength: h.svc.Policy().MaxJustification}},
		},
	}, nil
}

// denyModal asks an approver for the reason of a denial. The request
// id is the private metadata.
func (h *Handler) denyModal(r *approvals.Request) bot.Modal {
	return bot.Modal{
		CallbackID: CallbackDeny, Title: title("Deny " + r.ID), Submit: "Deny", Close: "Back",
		PrivateMetadata: r.ID,
		Blocks: []bot.Block{
			&bot.Section{Text: bot.Textf("Deny %s: %s %s for %s? The requester sees your reason.", bot.Code(r.ID), bot.Plain(string(r.Kind)), bot.Bold(r.Package), bot.Plain(r.Target.Email))},
			&bot.Input{BlockID: blockReason, Label: "Reason", Optional: true, Element: &bot.TextInput{ActionID: inputReason, Multiline: true, MaxLength: 1000,
				Placeholder: "Why not?"}},
		},
	}
}

// doneModal replaces a submitted modal with a confirmation.
func doneModal(heading string, t bot.Text) *bot.Modal {
	return &bot.Modal{CallbackID: CallbackDone, Title: title(heading), Close: "Done", Blocks: []bot.Block{&bot.Section{Text: t}}}
}

// HandleSubmission implements bot.Handler for submitted modals.
func (h *Handler) HandleSubmission(ctx context.Context, s bot.Submission) bot.SubmissionReply {
	switch s.CallbackID {
	case CallbackAdd, CallbackRemoveUser, CallbackRemove, CallbackDeny:
	default:
		return bot.SubmissionReply{}
	}
	actor, err := h.actor(ctx, s.User)
	if err != nil {
		h.log.Warn().Err(err).Str(logging.User, s.User.ID).Msg("resolve actor for submission")
		return bot.SubmissionReply{Update: doneModal("Not submitted", h.actorProblem(err))}
	}
	if m := h.paused(ctx); m != nil && s.CallbackID != CallbackDeny {
		return bot.SubmissionReply{Update: doneModal("Not submitted", m.Text)}
	}
	switch s.CallbackID {
	case CallbackAdd:
		return h.submitAdd(ctx, actor, s)
	case CallbackRemoveUser:
		tgt, errs := h.formTarget(ctx, actor, s.Values)
		if errs != nil {
			return bot.SubmissionReply{Errors: errs}
		}
		m, err := h.removeModal(ctx, tgt, "", "")
		if err != nil {
			return h.submissionError(err, about{Target: tgt.Email}, blockUser, blockEmail)
		}
		return bot.SubmissionReply{Update: &m}
	case CallbackRemove:
		return h.submitRemove(ctx, actor, s)
	default:
		return h.submitDeny(ctx, actor, s)
	}
}

// formTarget reads the person of a modal: a picked user (looked up for
// the verified email) or a typed email. Errors are keyed by block id.
func (h *Handler) formTarget(ctx context.Context, actor approvals.Actor, v bot.Values) (approvals.Target, map[string]string) {
	picked := v.Get(blockUser, inputUser).String()
	typed := strings.TrimSpace(v.Get(blockEmail, inputEmail).String())
	switch {
	case picked != "":
		tgt, err := h.target(ctx, actor, UserRef{MentionID: picked})
		if err != nil {
			t, _ := h.explain(err, about{Target: "This person"})
			return tgt, map[string]string{blockUser: t.String()}
		}
		if typed != "" && !strings.EqualFold(typed, tgt.Email) {
			return tgt, map[string]string{blockEmail: "Pick a person or type an email, not both."}
		}
		return tgt, nil
	case typed != "":
		email, err := approvals.ParseEmail(typed)
		if err != nil && isPlainMention(typed) {
			return approvals.Target{}, map[string]string{blockEmail: "Type an email address here, or pick the person above."}
		}
		if err != nil {
			return approvals.Target{}, map[string]string{blockEmail: fmt.Sprintf("%s is not a valid email address.", clip(typed, 80))}
		}
		return h.typedTarget(ctx, actor, email), nil
	}
	return approvals.Target{}, map[string]string{blockUser: "Pick a person or type their email below."}
}

func (h *Handler) submitAdd(ctx context.Context, actor approvals.Actor, s bot.Submission) bot.SubmissionReply {
	tgt, errs := h.formTarget(ctx, actor, s.Values)
	if errs != nil {
		return bot.SubmissionReply{Errors: errs}
	}
	pkg := s.Values.Get(blockPackage, inputPackage).String()
	in := approvals.SubmitInput{
		Kind: approvals.KindAdd, Target: tgt, Package: pkg, Requester: actor, Origin: actor.Platform,
		Justification: s.Values.Get(blockReason, inputReason).String(),
	}
	switch d := s.Values.Get(blockDuration, inputDuration).String(); d {
	case "", durDefault:
	default:
		dur, perm, err := approvals.ParseDuration(d)
		if err != nil {
			return bot.SubmissionReply{Errors: map[string]string{blockDuration: "Choose one of the durations offered."}}
		}
		in.Duration, in.Permanent = dur, perm
	}
	if in.Permanent {
		if p, err := h.svc.Policy().Package(pkg); err == nil && !p.AllowPermanent {
			return bot.SubmissionReply{Errors: map[string]string{blockDuration: fmt.Sprintf("Package %s is only granted for a set time (at most %s).", p.Name, maxDurationOf(h.svc.Policy(), p.Name))}}
		}
	}
	r, err := h.svc.Submit(ctx, in)
	if err != nil {
		return h.submissionError(err, about{Package: pkg, Target: tgt.Email})
	}
	return bot.SubmissionReply{Update: doneModal("Request sent", h.submitted(r))}
}

func (h *Handler) submitRemove(ctx context.Context, actor approvals.Actor, s bot.Submission) bot.SubmissionReply {
	email, err := approvals.ParseEmail(s.PrivateMetadata)
	if err != nil {
		return bot.SubmissionReply{Update: doneModal("Not submitted", bot.Plain("This form lost track of the person; please start again."))}
	}
	pkg := s.Values.Get(blockPackage, inputPackage).String()
	reqs, err := h.submitRemovals(ctx, actor, approvals.Target{Email: email}, pkg, s.Values.Get(blockReason, inputReason).String())
	if err != nil {
		return h.submissionError(err, about{Package: pkg, Target: email}, blockPackage, blockReason)
	}
	return bot.SubmissionReply{Update: doneModal("Removal requested", h.submittedMany(reqs))}
}

// submitRemovals submits one remove request, or one per held package
// for "all". For "all" it stops at the first refusal; requests already
// submitted stay (each is complete on its own).
func (h *Handler) submitRemovals(ctx context.Context, actor approvals.Actor, tgt approvals.Target, pkg, reason string) ([]*approvals.Request, error) {
	pkgs := []string{pkg}
	if pkg == allPackages {
		grants, err := h.ledger.GrantsOf(ctx, tgt.Email)
		if err != nil {
			return nil, err
		}
		if len(grants) == 0 {
			return nil, fmt.Errorf("%s holds nothing the bot granted: %w", tgt.Email, approvals.ErrNoGrant)
		}
		pkgs = pkgs[:0]
		for _, g := range grants {
			pkgs = append(pkgs, g.Package)
		}
	}
	var out []*approvals.Request
	for _, p := range pkgs {
		r, err := h.svc.Submit(ctx, approvals.SubmitInput{Kind: approvals.KindRemove, Target: tgt, Package: p,
			Justification: reason, Requester: actor, Origin: actor.Platform})
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

func (h *Handler) submitDeny(ctx context.Context, actor approvals.Actor, s bot.Submission) bot.SubmissionReply {
	id, err := approvals.ParseRequestID(s.PrivateMetadata)
	if err != nil {
		return bot.SubmissionReply{Update: doneModal("Not denied", bot.Plain("This form lost track of the request; please use the card again."))}
	}
	r, err := h.svc.Deny(ctx, id, actor, s.Values.Get(blockReason, inputReason).String())
	if err != nil {
		pkg := ""
		if cur, gerr := h.ledger.Get(ctx, id); gerr == nil {
			pkg = cur.Package
		}
		t, ok := h.explain(err, about{ID: id, Package: pkg, Verb: "deny"})
		if !ok {
			h.log.Error().Err(err).Str(logging.RequestID, id).Msg("deny failed")
		}
		return bot.SubmissionReply{Errors: map[string]string{blockReason: t.String()}}
	}
	return bot.SubmissionReply{Update: doneModal("Denied", bot.Textf("You denied %s. The requester is told.", bot.Code(r.ID)))}
}

// submissionError keeps the modal open with the error under the field
// it concerns, or replaces it with the explanation when it concerns no
// field. Nothing was changed either way.
// fields are the modal's input block ids; an error about a field the
// modal lacks goes under the first of them.
func (h *Handler) submissionError(err error, a about, fields ...string) bot.SubmissionReply {
	t, ok := h.explain(err, a)
	if !ok {
		h.log.Error().Err(err).Str(logging.Package, a.Package).Msg("submission failed")
	}
	if f := fieldOf(err); f != "" {
		if len(fields) > 0 && !slices.Contains(fields, f) {
			f = fields[0]
		}
		return bot.SubmissionReply{Errors: map[string]string{f: t.String()}}
	}
	return bot.SubmissionReply{Update: doneModal("Not submitted", t)}
}
