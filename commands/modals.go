package commands

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/i18n"
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
	blockGroup    = "group"
)

// Element action ids inside the inputs.
const (
	inputUser     = "user_in"
	inputEmail    = "email_in"
	inputPackage  = "package_in"
	inputDuration = "duration_in"
	inputReason   = "reason_in"
	inputGroup    = "group_in"
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
	// Group is a user group target (approvals.Target.Group).
	Group string
	// Extends is the add request being extended, kept in private
	// metadata.
	Extends string
}

// modalTitle must stay within Slack's 24 characters for modal titles
// (docs.slack.dev/reference/views, collected in the Slack reference §1.7).
const maxModalTitle = 24

func title(s string) string { return clip(s, maxModalTitle-1) }

func (h *Handler) packageOptions(l *i18n.Lang) []bot.Option {
	pol := h.svc.Policy()
	var opts []bot.Option
	for _, name := range pol.PackageNames() {
		pkg := pol.Packages[name]
		opts = append(opts, bot.Option{Value: name, Text: name, Description: clip(packageSummary(l, pkg), 74)})
	}
	return opts
}

// packageSummary is a package's description or what it grants.
func packageSummary(l *i18n.Lang, pkg *approvals.Package) string {
	if pkg.Description != "" {
		return pkg.Description
	}
	var parts []string
	for _, p := range pkg.Profiles {
		parts = append(parts, p.Name)
	}
	if r := pkg.MarketoRole.String(); r != "" {
		parts = append(parts, l.S("modal.role", i18n.M{"Role": r}))
	}
	return strings.Join(parts, " + ")
}

// durationOptions offers choices valid for package pkgName when the form
// names one, else for the most permissive package; the chosen package's
// own limit is checked on submit, the refusal shown under the field.
func (h *Handler) durationOptions(l *i18n.Lang, pkgName, initial string) []bot.Option {
	pkgs := h.svc.Policy().Packages
	if p, err := h.svc.Policy().Package(pkgName); err == nil && pkgName != "" {
		pkgs = map[string]*approvals.Package{p.Name: p}
	}
	var maxD time.Duration
	unbounded, permanent := false, false
	for _, pkg := range pkgs {
		if pkg.MaxDuration <= 0 {
			unbounded = true
		}
		maxD = max(maxD, pkg.MaxDuration)
		permanent = permanent || pkg.AllowPermanent
	}
	opts := []bot.Option{{Value: durDefault, Text: l.S("modal.duration.default")}}
	seen := map[string]bool{durDefault: true}
	for _, d := range durationChoices {
		if unbounded || d <= maxD {
			v := approvals.FormatDuration(d)
			opts = append(opts, bot.Option{Value: v, Text: l.Duration(d)})
			seen[v] = true
		}
	}
	if maxD > 0 && !seen[approvals.FormatDuration(maxD)] && !unbounded {
		v := approvals.FormatDuration(maxD)
		opts = append(opts, bot.Option{Value: v, Text: l.S("modal.duration.longest", i18n.M{"Duration": l.Duration(maxD)})})
		seen[v] = true
	}
	if permanent {
		opts = append(opts, bot.Option{Value: durPermanent, Text: l.S("modal.duration.permanent"), Description: l.S("modal.duration.permanent_hint")})
		seen[durPermanent] = true
	}
	if initial != "" && !seen[initial] {
		opts = append(opts, bot.Option{Value: initial, Text: initial})
	}
	return opts
}

func (h *Handler) addModal(l *i18n.Lang, f addForm) bot.Modal {
	dur := orText(f.Duration, durDefault)
	m := bot.Modal{
		CallbackID: CallbackAdd, Title: title(l.S("modal.add.title")), Submit: l.S("modal.add.submit"), Close: l.S("modal.cancel"),
		Lang:            l.Name(),
		PrivateMetadata: f.Extends,
		Blocks: []bot.Block{
			&bot.Section{Text: l.T("modal.add.intro")},
			&bot.Input{BlockID: blockUser, Label: l.S("modal.person"), Optional: true, Hint: l.S("modal.add.person_hint"),
				Element: &bot.UserSelect{ActionID: inputUser, Placeholder: l.S("modal.person_placeholder"), Initial: f.UserID}},
			&bot.Input{BlockID: blockEmail, Label: l.S("modal.email"), Optional: true,
				Element: &bot.EmailInput{ActionID: inputEmail, Placeholder: l.S("modal.email_placeholder"), Initial: emailUnlessPicked(f)}},
			h.groupInput(l, f),
			&bot.Input{BlockID: blockPackage, Label: l.S("modal.package"), Element: &bot.Select{ActionID: inputPackage, Placeholder: l.S("modal.package_placeholder"),
				Options: h.packageOptions(l), Initial: f.Package}},
			&bot.Input{BlockID: blockDuration, Label: l.S("modal.duration.label"), Hint: l.S("modal.duration.hint"),
				Element: &bot.Select{ActionID: inputDuration, Placeholder: l.S("modal.duration.placeholder"), Options: h.durationOptions(l, f.Package, dur), Initial: dur}},
			&bot.Input{BlockID: blockReason, Label: l.S("modal.justification"), Element: &bot.TextInput{ActionID: inputReason, Multiline: true,
				Placeholder: l.S("modal.add.reason_placeholder"), Initial: f.Reason, MaxLength: h.svc.Policy().MaxJustification}},
		},
	}
	m.Blocks = slices.DeleteFunc(m.Blocks, func(b bot.Block) bool { return b == nil })
	return m
}

// groupInput is the user group field of the Add modal, there when a
// package may be granted to user groups (allow_group_targets); nil
// otherwise.
func (h *Handler) groupInput(l *i18n.Lang, f addForm) bot.Block {
	if !slices.ContainsFunc(slices.Collect(maps.Values(h.svc.Policy().Packages)), func(p *approvals.Package) bool { return p.AllowGroupTargets }) {
		return nil
	}
	return &bot.Input{BlockID: blockGroup, Label: l.S("modal.group"), Optional: true, Hint: l.S("modal.add.group_hint"),
		Element: &bot.TextInput{ActionID: inputGroup, Placeholder: l.S("modal.group_placeholder"), Initial: f.Group, MaxLength: 255}}
}

func emailUnlessPicked(f addForm) string {
	if f.UserID != "" || f.Group != "" || approvals.IsGroupKey(f.Email) {
		return ""
	}
	return f.Email
}

func (h *Handler) removeUserModal(l *i18n.Lang) bot.Modal {
	return bot.Modal{
		CallbackID: CallbackRemoveUser, Title: title(l.S("modal.remove.title")), Submit: l.S("modal.remove_user.submit"), Close: l.S("modal.cancel"),
		Lang: l.Name(),
		Blocks: []bot.Block{
			&bot.Section{Text: l.T("modal.remove_user.intro")},
			&bot.Input{BlockID: blockUser, Label: l.S("modal.person"), Optional: true, Element: &bot.UserSelect{ActionID: inputUser, Placeholder: l.S("modal.person_placeholder")}},
			&bot.Input{BlockID: blockEmail, Label: l.S("modal.email"), Optional: true, Element: &bot.EmailInput{ActionID: inputEmail, Placeholder: l.S("modal.email_placeholder")}},
		},
	}
}

// removeModal lists the packages the target holds according to the
// grants ledger, plus "all Dynamic Chat access". When the ledger knows
// none, it offers every package, for access granted outside the bot.
func (h *Handler) removeModal(ctx context.Context, l *i18n.Lang, tgt approvals.Target, pkg, reason string) (bot.Modal, error) {
	grants, err := h.ledger.GrantsOf(ctx, tgt.Email)
	if err != nil {
		return bot.Modal{}, err
	}
	var opts []bot.Option
	intro := l.T("modal.remove.intro", i18n.M{"User": targetText(tgt)})
	for _, g := range grants {
		args := i18n.M{"Since": l.TimeText(g.Since, h.deps.Location, bot.TimeDay), "Until": l.TimeText(g.Until, h.deps.Location, bot.TimeDay)}
		key := "modal.remove.since"
		if !g.Until.IsZero() {
			key = "modal.remove.since_until"
		}
		opts = append(opts, bot.Option{Value: g.Package, Text: g.Package, Description: l.S(key, args)})
	}
	if len(opts) > 0 {
		opts = append(opts, bot.Option{Value: allPackages, Text: l.S("modal.remove.all"), Description: l.S("modal.remove.all_hint")})
	} else {
		intro = l.T("modal.remove.intro_outside", i18n.M{"Intro": intro})
		opts = h.packageOptions(l)
	}
	if pkg != "" && !slices.ContainsFunc(opts, func(o bot.Option) bool { return o.Value == pkg }) {
		pkg = ""
	}
	return bot.Modal{
		CallbackID: CallbackRemove, Title: title(l.S("modal.remove.title")), Submit: l.S("modal.remove.submit"), Close: l.S("modal.cancel"),
		Lang:            l.Name(),
		PrivateMetadata: tgt.Email,
		Blocks: []bot.Block{
			&bot.Section{BlockID: blockTarget, Text: intro},
			&bot.Input{BlockID: blockPackage, Label: l.S("modal.remove.what"), Element: &bot.Select{ActionID: inputPackage, Placeholder: l.S("modal.choose"), Options: opts, Initial: pkg}},
			&bot.Input{BlockID: blockReason, Label: l.S("modal.justification"), Element: &bot.TextInput{ActionID: inputReason, Multiline: true,
				Placeholder: l.S("modal.remove.reason_placeholder"), Initial: reason, MaxLength: h.svc.Policy().MaxJustification}},
		},
	}, nil
}

// denyModal asks an approver for the reason of a denial. The request
// id is the private metadata.
func (h *Handler) denyModal(l *i18n.Lang, r *approvals.Request) bot.Modal {
	return bot.Modal{
		CallbackID: CallbackDeny, Title: title(l.S("modal.deny.title", i18n.M{"ID": r.ID})), Submit: l.S("card.deny"), Close: l.S("card.deny_confirm.back"),
		Lang:            l.Name(),
		PrivateMetadata: r.ID,
		Blocks: []bot.Block{
			&bot.Section{Text: l.T("modal.deny.intro", i18n.M{"ID": bot.Code(r.ID), "What": what(l, r)})},
			&bot.Input{BlockID: blockReason, Label: l.S("modal.deny.reason"), Optional: true, Element: &bot.TextInput{ActionID: inputReason, Multiline: true, MaxLength: 1000,
				Placeholder: l.S("modal.deny.reason_placeholder")}},
		},
	}
}

// doneModal replaces a submitted modal with a confirmation.
func doneModal(l *i18n.Lang, headingKey string, t bot.Text) *bot.Modal {
	return &bot.Modal{CallbackID: CallbackDone, Title: title(l.S(headingKey)), Close: l.S("modal.done"), Blocks: []bot.Block{&bot.Section{Text: t}}, Lang: l.Name()}
}

// HandleSubmission implements bot.Handler for submitted modals.
func (h *Handler) HandleSubmission(ctx context.Context, s bot.Submission) bot.SubmissionReply {
	switch s.CallbackID {
	case CallbackAdd, CallbackRemoveUser, CallbackRemove, CallbackDeny:
	default:
		return bot.SubmissionReply{}
	}
	actor, l, err := h.actor(ctx, s.User)
	if err != nil {
		h.log.Warn().Err(err).Str(logging.User, s.User.ID).Msg("resolve actor for submission")
		return bot.SubmissionReply{Update: doneModal(l, "modal.not_submitted", h.actorProblem(l, err))}
	}
	if m := h.paused(ctx, l); m != nil && s.CallbackID != CallbackDeny {
		return bot.SubmissionReply{Update: doneModal(l, "modal.not_submitted", m.Text)}
	}
	switch s.CallbackID {
	case CallbackAdd:
		return h.submitAdd(ctx, l, actor, s)
	case CallbackRemoveUser:
		tgt, errs := h.formTarget(ctx, l, actor, s.Values)
		if errs != nil {
			return bot.SubmissionReply{Errors: errs}
		}
		m, err := h.removeModal(ctx, l, tgt, "", "")
		if err != nil {
			return h.submissionError(l, err, about{Target: tgt.Email}, blockUser, blockEmail)
		}
		return bot.SubmissionReply{Update: &m}
	case CallbackRemove:
		return h.submitRemove(ctx, l, actor, s)
	default:
		return h.submitDeny(ctx, l, actor, s)
	}
}

// formTarget reads the person of a modal: a picked user (looked up for
// the verified email) or a typed email. Errors are keyed by block id.
func (h *Handler) formTarget(ctx context.Context, l *i18n.Lang, actor approvals.Actor, v bot.Values) (approvals.Target, map[string]string) {
	picked := v.Get(blockUser, inputUser).String()
	typed := strings.TrimSpace(v.Get(blockEmail, inputEmail).String())
	switch {
	case picked != "":
		tgt, err := h.target(ctx, actor, UserRef{MentionID: picked})
		if err != nil {
			t, _ := h.explain(l, err, about{Target: l.S("modal.this_person")})
			return tgt, map[string]string{blockUser: t.String()}
		}
		if typed != "" && !strings.EqualFold(typed, tgt.Email) {
			return tgt, map[string]string{blockEmail: l.S("modal.error.not_both")}
		}
		return tgt, nil
	case typed != "":
		email, err := approvals.ParseEmail(typed)
		if err != nil && isPlainMention(typed) {
			return approvals.Target{}, map[string]string{blockEmail: l.S("modal.error.type_email")}
		}
		if err != nil {
			return approvals.Target{}, map[string]string{blockEmail: l.S("explain.invalid_email", i18n.M{"Email": clip(typed, 80)})}
		}
		return h.typedTarget(ctx, actor, email), nil
	}
	return approvals.Target{}, map[string]string{blockUser: l.S("modal.error.no_person")}
}

// formAddTarget reads the Add modal's target: the user group typed in
// its field (group:NAME and quotes as in the command are accepted), or
// the person. The group is checked by Submit, as for the command.
func (h *Handler) formAddTarget(ctx context.Context, l *i18n.Lang, actor approvals.Actor, v bot.Values) (approvals.Target, map[string]string) {
	group := strings.Join(strings.Fields(v.Get(blockGroup, inputGroup).String()), " ")
	if len(group) >= len(groupPrefix) && strings.EqualFold(group[:len(groupPrefix)], groupPrefix) {
		group = strings.TrimSpace(group[len(groupPrefix):])
	}
	group = strings.TrimSpace(strings.Trim(group, `"“”`))
	if group == "" {
		return h.formTarget(ctx, l, actor, v)
	}
	if v.Get(blockUser, inputUser).String() != "" || strings.TrimSpace(v.Get(blockEmail, inputEmail).String()) != "" {
		return approvals.Target{}, map[string]string{blockGroup: l.S("modal.error.person_or_group")}
	}
	return approvals.Target{Group: group}, nil
}

func (h *Handler) submitAdd(ctx context.Context, l *i18n.Lang, actor approvals.Actor, s bot.Submission) bot.SubmissionReply {
	tgt, errs := h.formAddTarget(ctx, l, actor, s.Values)
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
			return bot.SubmissionReply{Errors: map[string]string{blockDuration: l.S("modal.error.duration")}}
		}
		in.Duration, in.Permanent = dur, perm
	}
	if in.Permanent {
		if p, err := h.svc.Policy().Package(pkg); err == nil && !p.AllowPermanent {
			return bot.SubmissionReply{Errors: map[string]string{blockDuration: l.S("modal.error.not_permanent",
				i18n.M{"Package": p.Name, "Max": maxDurationOf(l, h.svc.Policy(), p.Name)})}}
		}
	}
	r, err := h.svc.Submit(ctx, in)
	if err != nil && tgt.IsGroup() {
		return h.submissionError(l, err, about{Package: pkg, Target: tgt.Label(), Group: true, Viewer: actor}, blockGroup, blockPackage, blockDuration, blockReason)
	}
	if err != nil {
		return h.submissionError(l, err, about{Package: pkg, Target: tgt.Email, Viewer: actor})
	}
	return bot.SubmissionReply{Update: doneModal(l, "modal.sent", h.submitted(l, r))}
}

func (h *Handler) submitRemove(ctx context.Context, l *i18n.Lang, actor approvals.Actor, s bot.Submission) bot.SubmissionReply {
	email, err := approvals.ParseEmail(s.PrivateMetadata)
	if err != nil {
		return bot.SubmissionReply{Update: doneModal(l, "modal.not_submitted", l.T("modal.error.lost_person"))}
	}
	pkg := s.Values.Get(blockPackage, inputPackage).String()
	reqs, err := h.submitRemovals(ctx, actor, approvals.Target{Email: email}, pkg, s.Values.Get(blockReason, inputReason).String())
	if err != nil {
		return h.submissionError(l, err, about{Package: pkg, Target: email, Viewer: actor}, blockPackage, blockReason)
	}
	return bot.SubmissionReply{Update: doneModal(l, "modal.removal_requested", h.submittedMany(l, reqs))}
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

func (h *Handler) submitDeny(ctx context.Context, l *i18n.Lang, actor approvals.Actor, s bot.Submission) bot.SubmissionReply {
	id, err := approvals.ParseRequestID(s.PrivateMetadata)
	if err != nil {
		return bot.SubmissionReply{Update: doneModal(l, "modal.not_denied", l.T("modal.error.lost_request"))}
	}
	r, err := h.svc.Deny(ctx, id, actor, s.Values.Get(blockReason, inputReason).String())
	if err != nil {
		pkg := ""
		if cur, gerr := h.ledger.Get(ctx, id); gerr == nil {
			pkg = cur.Package
		}
		t, ok := h.explain(l, err, about{ID: id, Package: pkg, Verb: "deny"})
		if !ok {
			h.log.Error().Err(err).Str(logging.RequestID, id).Msg("deny failed")
		}
		return bot.SubmissionReply{Errors: map[string]string{blockReason: t.String()}}
	}
	return bot.SubmissionReply{Update: doneModal(l, "modal.denied", l.T("modal.deny.done", i18n.M{"ID": bot.Code(r.ID)}))}
}

// submissionError keeps the modal open with the error under the field
// it concerns, or replaces it with the explanation when it concerns no
// field. Nothing was changed either way.
// fields are the modal's input block ids; an error about a field the
// modal lacks goes under the first of them.
func (h *Handler) submissionError(l *i18n.Lang, err error, a about, fields ...string) bot.SubmissionReply {
	t, ok := h.explain(l, err, a)
	if !ok {
		h.log.Error().Err(err).Str(logging.Package, a.Package).Msg("submission failed")
	}
	if f := fieldOf(err); f != "" {
		if len(fields) > 0 && !slices.Contains(fields, f) {
			f = fields[0]
		}
		return bot.SubmissionReply{Errors: map[string]string{f: t.String()}}
	}
	return bot.SubmissionReply{Update: doneModal(l, "modal.not_submitted", t)}
}
