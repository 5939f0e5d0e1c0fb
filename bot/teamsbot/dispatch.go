package teamsbot

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/bot/ingress"
	"github.com/chataccess/chataccess/bot/postack"
	"github.com/chataccess/chataccess/internal/logging"
)

// Teams timing rules. Source: the project's Teams reference §0 and §3.2
// (answer within 15 s; invoke answers are the HTTP body, keep them
// under about 5 s) and learn.microsoft.com custom-engine-agent-asynchronous-flow.
const (
	defaultInvokeBudget = 4 * time.Second
	activityDedupeTTL   = time.Hour
)

// Viewers, when the composition root provides it, says who may use a
// button, so a refreshed card shows each viewer only the buttons they
// may press (Universal Actions user-specific views). Without it every
// viewer sees every button and the handler refuses outsiders' clicks.
type Viewers interface {
	MayAct(ctx context.Context, u bot.User, actionID, value string) bool
}

// DispatcherConfig wires a Dispatcher.
type DispatcherConfig struct {
	Handler bot.Handler
	Sender  *Sender
	Runner  *postack.Runner
	// Claims de-duplicates redelivered activities across replicas; nil
	// disables de-duplication.
	Claims Claimer
	// Memory keeps conversation references, people, dialogs and cards.
	Memory Memory
	// Command is the slash command of the grammar ("/dynchat"); a Teams
	// message may start with it or not.
	Command string
	// InvokeBudget bounds the handler call of an invoke (default 4 s).
	InvokeBudget time.Duration
	Viewers      Viewers
	Metrics      *Metrics
	Logger       zerolog.Logger
	// Phrases say the adapter's own sentences (a form that expired, a
	// stale card, a failed handler) in each person's language, the
	// locale of their activity; nil: English.
	Phrases bot.Phrases
}

// Dispatcher turns verified activities into bot.Handler calls and the
// replies into invoke answers and post-ack work.
type Dispatcher struct {
	cfg    DispatcherConfig
	mem    memo
	log    zerolog.Logger
	budget time.Duration
	// written remembers what this process wrote lately, so an unchanged
	// conversation reference or person is not written again.
	written recentWrites
	// grouped claims messages and installs after the ack (redelivery.go).
	grouped *claimGroups
}

// NewDispatcher returns a dispatcher.
func NewDispatcher(cfg DispatcherConfig) *Dispatcher {
	b := cfg.InvokeBudget
	if b <= 0 || b > 10*time.Second {
		b = defaultInvokeBudget
	}
	log := logging.WithComponent(cfg.Logger, "teamsbot").With().Str(logging.Platform, string(bot.Teams)).Logger()
	return &Dispatcher{cfg: cfg, mem: memo{cfg.Memory}, log: log, budget: b, grouped: groupedClaims(cfg.Claims)}
}

// answer is what an activity is answered with: a status, an optional
// JSON body, and work to run after the answer went out.
type answer struct {
	status  int
	body    any
	later   bot.Later
	outcome string
}

func ok(body any) answer { return answer{status: http.StatusOK, body: body, outcome: "ok"} }

// handle runs one classified activity.
func (d *Dispatcher) handle(ctx context.Context, in *inbound) answer {
	a := in.act
	if in.kind == kindOther || (a.Recipient != nil && a.From.ID == a.Recipient.ID) {
		return answer{status: http.StatusOK, outcome: "ignored"}
	}
	if ans, ok := d.admit(ctx, in); !ok {
		return ans
	}
	if in.kind != kindMessage && in.kind != kindUpdate {
		// Invokes may need the person's record at once; messages and
		// installs keep it first thing after the ack.
		d.remember(ctx, a)
	}
	// Messages and installs are claimed after the ack (redelivery.go).
	if in.kind != kindRefresh && in.kind != kindTaskFetch && !claimedAfterAck(in.kind) && !d.first(ctx, in.kind, a) {
		return answer{status: http.StatusOK, outcome: "duplicate", body: d.duplicateBody(in)}
	}
	switch in.kind {
	case kindMessage:
		return answer{status: http.StatusOK, outcome: "ok", later: d.onceThen(in.kind, a, d.rememberThen(a, d.message(a)))}
	case kindUpdate:
		return answer{status: http.StatusOK, outcome: "ok", later: d.onceThen(in.kind, a, d.rememberThen(a, d.update(a)))}
	case kindRefresh:
		return d.refresh(ctx, in)
	case kindAction:
		return d.execute(ctx, in)
	case kindTaskFetch:
		return d.taskFetch(ctx, in)
	default:
		return d.taskSubmit(ctx, in)
	}
}

// say is one of the adapter's own sentences for the person who sent a:
// message id of the Phrases in the language of the activity's locale
// (the Teams client's), else the Phrases' default (the policy's
// language); the English one without Phrases.
func (d *Dispatcher) say(a *Activity, id, english string) string {
	locale := ""
	if a != nil {
		locale = inert(a.Locale)
	}
	return bot.Say(d.cfg.Phrases, locale, id, english)
}

// expired is the answer to a dialog that is gone or someone else's.
func (d *Dispatcher) expired(a *Activity) string {
	return d.say(a, "adapter.form_expired", "This form has expired or belongs to someone else.")
}

// admit checks, before anything is stored or called, that a click or a
// dialog invoke matches what chataccess showed: the button is on the
// current card of the message it came from (so its verb and data cannot
// name another request), and a dialog belongs to the person using it.
func (d *Dispatcher) admit(ctx context.Context, in *inbound) (answer, bool) {
	b := in.button
	refuse := func(body any) (answer, bool) {
		return answer{status: http.StatusOK, body: body, outcome: "stale"}, false
	}
	switch in.kind {
	case kindAction:
		kept, err := d.readCard(ctx, messageRef(in.act))
		if err != nil {
			// Nothing was checked, so nothing is done; the click can be
			// tried again (it is not claimed yet).
			return answer{status: http.StatusOK, body: invokeMessage(d.say(in.act, "adapter.card_unreadable",
				"Sorry, this card could not be checked just now; nothing was done. Please try again.")), outcome: "error"}, false
		}
		in.kept, in.card = kept, kept.Card
		if _, found := onCard(in.card, "Action.Execute", in.verb, b); !found {
			return refuse(invokeMessage(d.stale(in.act)))
		}
	case kindTaskFetch, kindTaskSubmit:
		switch {
		case in.kind == kindTaskSubmit && b.Cancel:
		case b.Dialog != "":
			st, found, err := d.mem.dialog(ctx, b.Dialog)
			if err != nil {
				d.log.Error().Err(err).Msg("read dialog")
				return answer{status: http.StatusOK, body: taskMessage(d.say(in.act, "adapter.form_unreadable", "Sorry, the form could not be read. Please try again.")), outcome: "error"}, false
			}
			if !found || st.User != userOf(in.act).ID {
				return refuse(taskMessage(d.expired(in.act)))
			}
			in.dialog = &st
		case (in.kind == kindTaskFetch && b.Confirm != nil) || (in.kind == kindTaskSubmit && b.Confirmed):
			in.kept = d.storedCard(ctx, messageRef(in.act))
			in.card = in.kept.Card
			shown, found := onCard(in.card, "Action.Submit", b.Action, buttonData{Value: b.Value, Block: b.Block})
			if !found || shown.Confirm == nil {
				return refuse(taskMessage(d.stale(in.act)))
			}
			// The confirmation says what the card said, not what the
			// client sent.
			in.button.Confirm = shown.Confirm
		default:
			return refuse(taskMessage(d.stale(in.act)))
		}
	}
	return answer{}, true
}

// duplicateBody answers a redelivered invoke without acting again.
func (d *Dispatcher) duplicateBody(in *inbound) any {
	done := d.say(in.act, "adapter.already_done", "Already done.")
	switch in.kind {
	case kindAction:
		return invokeMessage(done)
	case kindTaskSubmit:
		return taskMessage(done)
	}
	return nil
}

// userOf is the person who sent an activity. Their id is the Entra
// object id when Teams gives it (policies name people by it), else the
// Teams user id.
func userOf(a *Activity) bot.User {
	id := strings.ToLower(a.From.AADObjectID)
	if id == "" {
		id = a.From.ID
	}
	return bot.User{Platform: bot.Teams, ID: id, TeamID: a.tenant(), Name: inert(a.From.Name), Locale: inert(a.Locale)}
}

// channelOf is the conversation id without a thread suffix.
func channelOf(a *Activity) string {
	id, _, _ := strings.Cut(a.Conversation.ID, ";messageid=")
	return id
}

// remember refreshes the conversation reference and the sender's
// record. Failures are logged: the activity is still handled.
func (d *Dispatcher) remember(ctx context.Context, a *Activity) {
	su, _ := serviceURL(a.ServiceURL)
	conv := ConversationRef{ServiceURL: su, ID: channelOf(a), TenantID: a.tenant(), Type: a.Conversation.ConversationType, At: time.Now().Unix()}
	if a.ChannelData != nil && a.ChannelData.Team != nil {
		conv.TeamID = a.ChannelData.Team.ID
	}
	if d.written.fresh("c|"+conv.ID, conv.ServiceURL+"|"+conv.TenantID+"|"+conv.Type+"|"+conv.TeamID) {
		if err := d.mem.put(ctx, kindConversation, conv.ID, conv, conversationTTL); err != nil {
			d.log.Warn().Err(err).Msg("remember conversation")
		}
	}
	u := userOf(a)
	if !d.written.fresh("p|"+u.ID, a.From.ID+"|"+a.From.Name+"|"+su+"|"+conv.ID+"|"+u.Locale) {
		return
	}
	p, _, err := d.mem.person(ctx, u.ID)
	if err != nil {
		d.log.Warn().Err(err).Msg("read person")
	}
	next := p
	next.ObjectID, next.MRI, next.TenantID = strings.ToLower(a.From.AADObjectID), a.From.ID, conv.TenantID
	next.Name = orStr(inert(a.From.Name), p.Name)
	next.Locale = orStr(u.Locale, p.Locale)
	next.ServiceURL, next.Conversation = su, conv.ID
	if a.personal() {
		next.Personal = conv.ID
	}
	if next != p {
		if err := d.mem.savePerson(ctx, next); err != nil {
			d.log.Warn().Err(err).Msg("remember person")
		}
	}
}

// rememberThen keeps the activity's references, then runs next.
func (d *Dispatcher) rememberThen(a *Activity, next bot.Later) bot.Later {
	return func(ctx context.Context) {
		d.remember(ctx, a)
		if next != nil {
			next(ctx)
		}
	}
}

// message handles a typed command after the acknowledgement: Teams
// messages are answered with new messages, never in the HTTP body.
func (d *Dispatcher) message(a *Activity) bot.Later {
	u := userOf(a)
	return func(ctx context.Context) {
		log := d.log.With().Str(logging.User, u.ID).Logger()
		text := commandText(a, d.cfg.Command, func(id string) string {
			p, err := d.cfg.Sender.LookupUser(ctx, id)
			if err != nil {
				return ""
			}
			return p.Email
		})
		if strings.EqualFold(text, "home") || strings.EqualFold(text, "menu") {
			_ = ingress.Call(log, "HandleHomeOpened", func() { d.cfg.Handler.HandleHomeOpened(ctx, u) })
			return
		}
		cmd := bot.Command{User: u, Channel: channelOf(a), Name: orStr(d.cfg.Command, "/dynchat"), Text: text, TriggerID: a.ID}
		var rep bot.Reply
		if err := ingress.Call(log, "HandleCommand", func() { rep = d.cfg.Handler.HandleCommand(ctx, cmd) }); err != nil {
			rep = bot.Reply{Message: &bot.Message{Text: bot.Plain(d.say(a, "adapter.went_wrong", "Something went wrong; please try again."))}}
		}
		if rep.Modal != nil {
			if err := d.offerDialog(ctx, a, *rep.Modal); err != nil {
				log.Error().Err(err).Msg("offer dialog for command")
				rep.Message, rep.InChannel = &bot.Message{Text: bot.Plain(d.say(a, "adapter.form_not_prepared", "Sorry, I could not prepare the form. Please try again."))}, false
			}
		}
		if rep.Message != nil {
			if err := d.reply(ctx, a, *rep.Message, rep.InChannel); err != nil {
				log.Error().Err(err).Msg("reply to command")
			}
		}
		if rep.After != nil {
			rep.After(ctx)
		}
	}
}

// reply answers a message: in its thread when inChannel, else privately
// (in the personal chat, or a personal message when it came from a
// channel, since Teams has no ephemeral messages).
func (d *Dispatcher) reply(ctx context.Context, a *Activity, m bot.Message, inChannel bool) error {
	r, err := d.cfg.Sender.render(m)
	if err != nil {
		return err
	}
	return d.replyRendered(ctx, a, r, inChannel)
}

func (d *Dispatcher) replyRendered(ctx context.Context, a *Activity, r Rendered, inChannel bool) error {
	s := d.cfg.Sender
	conv := channelOf(a)
	switch {
	case inChannel && !a.personal():
		_, err := s.send(ctx, conv, a.ID, r, keptCard{})
		return err
	case a.personal():
		_, err := s.send(ctx, conv, "", r, keptCard{Private: true})
		return err
	}
	conv, err := s.personalChat(ctx, userOf(a).ID)
	if err != nil {
		return err
	}
	_, err = s.send(ctx, conv, "", r, keptCard{Private: true})
	return err
}

// offerDialog stores a modal as a dialog and sends the person a card
// with a button that opens it: Teams opens dialogs only from a button.
func (d *Dispatcher) offerDialog(ctx context.Context, a *Activity, m bot.Modal) error {
	st, err := d.newDialog(ctx, userOf(a).ID, m, nil, channelOf(a))
	if err != nil {
		return err
	}
	return d.replyRendered(ctx, a, d.dialogOffer(a, st), false)
}

// update handles conversationUpdate and installationUpdate: when the
// bot is added to a personal chat, the person gets the Home message.
func (d *Dispatcher) update(a *Activity) bot.Later {
	if !a.personal() {
		return nil
	}
	added := a.Type == typeInstallationUpdate && (a.Action == "add" || a.Action == "add-upgrade")
	for _, m := range a.MembersAdded {
		if a.Recipient != nil && m.ID == a.Recipient.ID {
			added = true
		}
	}
	if !added {
		return nil
	}
	u := userOf(a)
	return func(ctx context.Context) {
		_ = ingress.Call(d.log, "HandleHomeOpened", func() { d.cfg.Handler.HandleHomeOpened(ctx, u) })
	}
}

// recentWrites is a small, bounded record of documents written lately.
type recentWrites struct {
	mu sync.Mutex
	m  map[string]recentWrite
}

type recentWrite struct {
	value string
	at    time.Time
}

// recentWriteTTL is how long an unchanged document is not rewritten; it
// is far below the documents' own TTLs.
const recentWriteTTL = 10 * time.Minute

// fresh reports whether (key, value) was not written in the last
// recentWriteTTL, and records it as written now.
func (r *recentWrites) fresh(key, value string) bool {
	now := time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if w, ok := r.m[key]; ok && w.value == value && now.Sub(w.at) < recentWriteTTL {
		return false
	}
	if r.m == nil || len(r.m) >= 20000 {
		r.m = map[string]recentWrite{}
	}
	r.m[key] = recentWrite{value: value, at: now}
	return true
}
