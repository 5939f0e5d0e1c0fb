package commands

import (
	"context"
	"errors"
	"strings"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/i18n"
	"github.com/chataccess/chataccess/internal/logging"
)

// Handler is the chat front end: it implements bot.Handler for slash
// commands, button clicks, modal submissions and the App Home, turning
// them into Service calls. Every actor is built from the platform's
// verified profile, never from typed text.
type Handler struct {
	deps   Deps
	svc    *approvals.Service
	ledger Ledger
	chat   bot.Senders
	log    zerolog.Logger
	groups []approvals.PlatformID
	actors actorCache
	cat    *i18n.Catalog
}

var _ bot.Handler = (*Handler)(nil)

// New returns the handler. deps.Service, deps.Ledger and deps.Senders
// are required.
func New(deps Deps) *Handler {
	deps.defaults()
	return &Handler{
		deps: deps, svc: deps.Service, ledger: deps.Ledger, chat: deps.Senders,
		log:    logging.WithComponent(deps.Logger, "commands"),
		groups: candidateGroups(deps.Service.Policy()),
		actors: actorCache{ttl: deps.ActorTTL},
		cat:    deps.Catalog,
	}
}

// actor looks the user up (verified email) and resolves the policy's
// groups they belong to, from the platform itself (bot.Fresh): a person
// deactivated or removed from an approver group a moment ago is seen as
// such. Only read paths (readPath) may be answered from the actor
// cache, which every fresh answer refreshes and every failed one clears.
// The language is the one the person's chat client is set to (the
// inbound event's locale, else their profile's) when a catalog has it.
func (h *Handler) actor(ctx context.Context, u bot.User) (approvals.Actor, *i18n.Lang, error) {
	now := h.deps.Clock.Now()
	platform := h.platformOf(u.Platform)
	key := string(platform) + "/" + u.ID
	if isReadPath(ctx) {
		if a, locale, ok := h.actors.get(key, now); ok {
			return a, h.viewerLang(orText(u.Locale, locale), ""), nil
		}
	} else {
		ctx = bot.Fresh(ctx)
	}
	send := h.chat.On(platform)
	full, err := send.LookupUser(ctx, u.ID)
	if err != nil {
		h.actors.drop(key)
		return approvals.Actor{}, h.viewerLang(u.Locale, ""), errorf("look up "+u.ID, err)
	}
	locale := orText(u.Locale, full.Locale)
	full, err = bot.ResolveGroups(ctx, send, full, approvals.On(h.groups, approvals.Platform(platform)))
	if err != nil {
		h.actors.drop(key)
		return approvals.Actor{}, h.viewerLang(locale, ""), errorf("groups of "+u.ID, err)
	}
	a := approvals.Actor{ID: full.ID, Email: strings.ToLower(full.Email), Name: full.Name, Platform: approvals.Platform(platform), Groups: full.Groups}
	h.actors.put(key, a, locale, now)
	return a, h.viewerLang(locale, ""), nil
}

// platformOf is p, or the first configured platform when the caller
// (a test, a tool) left it empty.
func (h *Handler) platformOf(p bot.Platform) bot.Platform {
	if p == "" {
		if ps := h.chat.Platforms(); len(ps) > 0 {
			return ps[0]
		}
	}
	return p
}

// on is the Sender of an actor's platform.
func (h *Handler) on(p approvals.Platform) bot.Sender {
	return h.chat.On(h.platformOf(bot.Platform(p)))
}

// actorProblem is the sentence for an actor that could not be built.
func (h *Handler) actorProblem(l *i18n.Lang, err error) bot.Text {
	switch {
	case errors.Is(err, bot.ErrNoEmail):
		return l.T("actor.no_email")
	case errors.Is(err, bot.ErrUserNotFound):
		return l.T("actor.not_found")
	}
	return l.T("actor.unavailable")
}

func ephemeral(t bot.Text) *bot.Message { return &bot.Message{Text: t} }

// HandleCommand implements bot.Handler for the slash command.
func (h *Handler) HandleCommand(ctx context.Context, c bot.Command) bot.Reply {
	log := h.log.With().Str(logging.User, c.User.ID).Logger()
	p, err := ParseFor(c.Text, h.knownPackage)
	if err != nil || p.Verb == VerbHelp {
		// Only the language is needed: a read path, cached.
		_, l, _ := h.actor(readPath(ctx), c.User)
		var ue *UsageError
		switch {
		case err == nil:
			m := HelpMessageIn(l, h.deps.CommandName)
			return bot.Reply{Message: &m}
		case errors.As(err, &ue):
			return bot.Reply{Message: usageMessage(l, h.deps.CommandName, ue)}
		}
		return bot.Reply{Message: ephemeral(bot.Plain(err.Error()))}
	}
	actor, l, err := h.actor(ctx, c.User)
	if err != nil {
		log.Warn().Err(err).Msg("resolve actor for command")
		return bot.Reply{Message: ephemeral(h.actorProblem(l, err))}
	}
	if m := h.paused(ctx, l); m != nil && (p.Verb == VerbAdd || p.Verb == VerbRemove) {
		return bot.Reply{Message: m}
	}
	switch p.Verb {
	case VerbAdd:
		return h.cmdAdd(ctx, l, actor, p)
	case VerbRemove:
		return h.cmdRemove(ctx, l, actor, p)
	case VerbStatus:
		if p.ID == "" {
			return h.cmdList(ctx, l, actor)
		}
		return h.cmdStatus(ctx, l, actor, p.ID)
	case VerbList:
		return h.cmdList(ctx, l, actor)
	case VerbPending:
		return h.cmdPending(ctx, l, actor)
	case VerbCancel:
		return h.cmdCancel(ctx, l, actor, p.ID)
	case VerbReview:
		return h.cmdReview(ctx, l, actor, p, c.Respond)
	}
	m := HelpMessageIn(l, h.deps.CommandName)
	return bot.Reply{Message: &m}
}

// refuse is an ephemeral reply explaining err; unexpected errors are
// logged once here.
func (h *Handler) refuse(_ context.Context, l *i18n.Lang, err error, a about) *bot.Message {
	t, ok := h.explain(l, err, a)
	if !ok {
		h.log.Error().Err(err).Str(logging.RequestID, a.ID).Str(logging.Package, a.Package).Msg("command failed")
	}
	return ephemeral(t)
}

// target resolves a typed user to a verified email. A mention is looked
// up on the platform; an email is taken as typed (it names the person
// whose access changes, not the actor).
func (h *Handler) target(ctx context.Context, actor approvals.Actor, u UserRef) (approvals.Target, error) {
	if u.Group != "" {
		return approvals.Target{Group: u.Group}, nil
	}
	if u.MentionID == "" {
		return h.typedTarget(ctx, actor, u.Email), nil
	}
	full, err := h.on(actor.Platform).LookupUser(ctx, u.MentionID)
	if err != nil {
		return approvals.Target{}, err
	}
	first, last := full.FirstName, full.LastName
	if first == "" && last == "" {
		first, last, _ = strings.Cut(full.Name, " ")
	}
	return approvals.Target{Email: strings.ToLower(full.Email), PlatformID: full.ID, Platform: approvals.Platform(h.platformOf(full.Platform)),
		FirstName: first, LastName: last}, nil
}

// typedTarget is the target for a typed email. When the person is in the
// workspace, their profile gives the names Adobe needs to create a user
// and a chat id to send them the expiry warning; when not, the email
// alone will do.
func (h *Handler) typedTarget(ctx context.Context, actor approvals.Actor, email string) approvals.Target {
	t := approvals.Target{Email: email}
	if _, err := approvals.ParseEmail(email); err != nil {
		return t // Submit explains the bad email
	}
	u, err := h.on(actor.Platform).LookupUserByEmail(ctx, email)
	if err != nil {
		return t
	}
	t.PlatformID, t.Platform, t.FirstName, t.LastName = u.ID, approvals.Platform(h.platformOf(u.Platform)), u.FirstName, u.LastName
	if t.FirstName == "" && t.LastName == "" {
		t.FirstName, t.LastName, _ = strings.Cut(u.Name, " ")
	}
	return t
}

// knownPackage says the policy has a package of that name.
func (h *Handler) knownPackage(name string) bool {
	_, err := h.svc.Policy().Package(name)
	return err == nil
}

func (h *Handler) cmdAdd(ctx context.Context, l *i18n.Lang, actor approvals.Actor, p Parsed) bot.Reply {
	pol := h.svc.Policy()
	if p.Package != "" {
		if _, err := pol.Package(p.Package); err != nil {
			return bot.Reply{Message: h.refuse(ctx, l, err, about{Package: p.Package})}
		}
	}
	var tgt approvals.Target
	if !p.User.IsZero() {
		var err error
		if tgt, err = h.target(ctx, actor, p.User); err != nil {
			return bot.Reply{Message: h.refuse(ctx, l, err, about{Target: userLabel(p.User)})}
		}
	}
	if p.User.IsZero() || p.Package == "" || p.Reason == "" {
		m := h.addModal(l, addForm{UserID: tgt.PlatformID, Email: tgt.Email, Group: tgt.Group, Package: p.Package,
			Duration: durationValue(p), Reason: p.Reason})
		return bot.Reply{Modal: &m}
	}
	r, err := h.svc.Submit(ctx, approvals.SubmitInput{
		Kind: approvals.KindAdd, Target: tgt, Package: p.Package, Justification: p.Reason,
		Duration: p.Duration, Permanent: p.Permanent, Requester: actor, Origin: actor.Platform,
	})
	if err != nil {
		return bot.Reply{Message: h.refuse(ctx, l, err, about{Package: p.Package, Target: tgt.Email, Group: tgt.IsGroup(), Viewer: actor})}
	}
	return bot.Reply{Message: ephemeral(h.submitted(l, r))}
}

func (h *Handler) cmdRemove(ctx context.Context, l *i18n.Lang, actor approvals.Actor, p Parsed) bot.Reply {
	pol := h.svc.Policy()
	if p.Package != "" && p.Package != allPackages {
		if _, err := pol.Package(p.Package); err != nil {
			return bot.Reply{Message: h.refuse(ctx, l, err, about{Package: p.Package})}
		}
	}
	if p.User.IsZero() {
		m := h.removeUserModal(l)
		return bot.Reply{Modal: &m}
	}
	tgt, err := h.target(ctx, actor, p.User)
	if err != nil {
		return bot.Reply{Message: h.refuse(ctx, l, err, about{Target: userLabel(p.User)})}
	}
	if p.Package == "" || p.Reason == "" {
		m, err := h.removeModal(ctx, l, tgt, p.Package, p.Reason)
		if err != nil {
			return bot.Reply{Message: h.refuse(ctx, l, err, about{Target: tgt.Email})}
		}
		return bot.Reply{Modal: &m}
	}
	reqs, err := h.submitRemovals(ctx, actor, tgt, p.Package, p.Reason)
	if err != nil {
		return bot.Reply{Message: h.refuse(ctx, l, err, about{Package: p.Package, Target: tgt.Email, Group: tgt.IsGroup(), Viewer: actor})}
	}
	return bot.Reply{Message: ephemeral(h.submittedMany(l, reqs))}
}

func (h *Handler) cmdStatus(ctx context.Context, l *i18n.Lang, actor approvals.Actor, id string) bot.Reply {
	r, err := h.ledger.Get(ctx, id)
	if err == nil && !h.mayView(r, actor) {
		err = notFound(id)
	}
	if err != nil {
		return bot.Reply{Message: h.refuse(ctx, l, err, about{ID: id})}
	}
	m := h.card(l, r, cardView{viewer: actor})
	return bot.Reply{Message: &m}
}

// listLimit bounds requests shown by list and pending.
const listLimit = 15

func (h *Handler) cmdList(ctx context.Context, l *i18n.Lang, actor approvals.Actor) bot.Reply {
	reqs, err := h.ledger.List(ctx, approvals.ByRequester(actor), listLimit)
	if err != nil {
		return bot.Reply{Message: h.refuse(ctx, l, err, about{})}
	}
	reqs = h.viewable(reqs, actor)
	if len(reqs) == 0 {
		return bot.Reply{Message: ephemeral(l.T("list.none", i18n.M{"Command": bot.Code(h.deps.CommandName + " add")}))}
	}
	m := bot.Message{Text: l.T("list.title"), Blocks: []bot.Block{&bot.Header{Text: l.S("list.title")}}, Lang: l.Name()}
	for _, r := range reqs {
		m.Blocks = append(m.Blocks, h.summaryBlock(l, r, actor, true))
	}
	return bot.Reply{Message: &m}
}

func (h *Handler) cmdPending(ctx context.Context, l *i18n.Lang, actor approvals.Actor) bot.Reply {
	reqs, err := h.awaiting(ctx, actor, listLimit)
	if err != nil {
		return bot.Reply{Message: h.refuse(ctx, l, err, about{})}
	}
	if len(reqs) == 0 {
		return bot.Reply{Message: ephemeral(l.T("pending.none"))}
	}
	m := bot.Message{Text: l.T("pending.title"), Blocks: []bot.Block{&bot.Header{Text: l.S("pending.title")}}, Lang: l.Name()}
	for _, r := range reqs {
		m.Blocks = append(m.Blocks, h.summaryBlock(l, r, actor, false), decideActions(l, r, h.tag()))
	}
	return bot.Reply{Message: &m}
}

func (h *Handler) cmdCancel(ctx context.Context, l *i18n.Lang, actor approvals.Actor, id string) bot.Reply {
	r, err := h.svc.Cancel(ctx, id, actor)
	if err != nil {
		if cur, gerr := h.ledger.Get(ctx, id); gerr == nil && !h.mayView(cur, actor) {
			err = notFound(id) // as for an unused id: cancel is no way to probe ids
		}
		return bot.Reply{Message: h.refuse(ctx, l, err, about{ID: id, Verb: "cancel"})}
	}
	return bot.Reply{Message: ephemeral(l.T("cancel.done", i18n.M{"Request": idWhat(l, r)}))}
}

func (h *Handler) cmdReview(ctx context.Context, l *i18n.Lang, actor approvals.Actor, p Parsed, respond bot.ResponseFunc) bot.Reply {
	if h.deps.Reviews == nil {
		return bot.Reply{Message: ephemeral(l.T("review.not_configured"))}
	}
	if !h.svc.IsAdmin(actor) {
		return bot.Reply{Message: ephemeral(l.T("review.admins_only"))}
	}
	if p.Package != "" {
		if _, err := h.svc.Policy().Package(p.Package); err != nil {
			return bot.Reply{Message: h.refuse(ctx, l, err, about{Package: p.Package})}
		}
	}
	return h.reviewLater(l, p.Package, actor, respond)
}

// submitted confirms a new request to its requester.
func (h *Handler) submitted(l *i18n.Lang, r *approvals.Request) bot.Text {
	args := i18n.M{"ID": bot.Code(r.ID), "What": what(l, r)}
	if r.State == approvals.StatePending {
		return l.T("submit.sent", args)
	}
	return l.T("submit.auto_approved", args)
}

func (h *Handler) submittedMany(l *i18n.Lang, rs []*approvals.Request) bot.Text {
	lines := make([]bot.Text, len(rs))
	for i, r := range rs {
		lines[i] = h.submitted(l, r)
	}
	return bot.Lines(lines...)
}

// awaiting lists pending requests the actor may decide: packages they
// approve, not requested by or for them (unless the package allows it),
// not yet decided by them.
func (h *Handler) awaiting(ctx context.Context, actor approvals.Actor, limit int) ([]*approvals.Request, error) {
	pol := h.svc.Policy()
	var out []*approvals.Request
	for _, name := range pol.PackageNames() {
		pkg := pol.Packages[name]
		if !pkg.Approvers.Contains(actor) {
			continue
		}
		reqs, err := h.ledger.List(ctx, approvals.PendingByPackage(name), limit)
		if err != nil {
			return nil, err
		}
		for _, r := range reqs {
			if r.State != approvals.StatePending || r.DecidedBy(actor) {
				continue
			}
			self := r.Requester.Same(actor) || strings.EqualFold(r.Target.Email, actor.Email)
			if self && !pkg.AllowSelfApproval {
				continue
			}
			out = append(out, r)
			if len(out) == limit {
				return out, nil
			}
		}
	}
	return out, nil
}

func userLabel(u UserRef) string {
	if u.Group != "" {
		return "user group " + u.Group
	}
	if u.Email != "" {
		return u.Email
	}
	return "@" + u.MentionID
}

func durationValue(p Parsed) string {
	switch {
	case p.Permanent:
		return durPermanent
	case p.HasDuration:
		return approvals.FormatDuration(p.Duration)
	}
	return ""
}
