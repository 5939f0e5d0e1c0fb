package slackbot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"

	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/bot/ingress"
	"github.com/chataccess/chataccess/internal/logging"
)

// DispatcherConfig wires a Dispatcher.
type DispatcherConfig struct {
	Handler bot.Handler
	// Sender opens modals and runs the post-ack updates.
	Sender *Sender
	// Runner runs post-ack work; required.
	Runner *Runner
	// Dedupe de-duplicates Events API deliveries; nil disables it.
	Dedupe *Dedupe
	// AckBudget bounds the handler call inside a request (default
	// 2.5 s, under Slack's 3 s).
	AckBudget time.Duration
	Metrics   *Metrics
	Logger    zerolog.Logger
	// Phrases say the adapter's own sentences in each person's
	// language; nil: English.
	Phrases bot.Phrases
}

// Dispatcher turns parsed Slack requests into bot.Handler calls and the
// handler replies into acknowledgement bodies plus post-ack work. HTTP
// and Socket Mode both drive it.
type Dispatcher struct {
	h       bot.Handler
	sender  *Sender
	runner  *Runner
	dedupe  *Dedupe
	budget  time.Duration
	metrics *Metrics
	log     zerolog.Logger
	phrases bot.Phrases
}

// NewDispatcher returns a dispatcher.
func NewDispatcher(cfg DispatcherConfig) *Dispatcher {
	if cfg.AckBudget <= 0 || cfg.AckBudget >= slackAckDeadline {
		cfg.AckBudget = defaultAckBudget
	}
	return &Dispatcher{h: cfg.Handler, sender: cfg.Sender, runner: cfg.Runner, dedupe: cfg.Dedupe, phrases: cfg.Phrases,
		budget: cfg.AckBudget, metrics: cfg.Metrics, log: logging.WithComponent(cfg.Logger, "slackbot").With().Str(logging.Platform, "slack").Logger()}
}

// say is one of the adapter's own sentences for a user: message id of
// the Phrases in their language (from their Slack profile, which the
// sender has cached when the handler just read it), else the Phrases'
// default (the policy's language); the English one without Phrases.
func (d *Dispatcher) say(ctx context.Context, userID, id, english string) bot.Message {
	if d.phrases == nil {
		return bot.Message{Text: bot.Plain(english)}
	}
	locale := ""
	if d.sender != nil {
		if u, err := d.sender.LookupUser(ctx, userID); err == nil {
			locale = u.Locale
		}
	}
	return bot.Message{Text: bot.Plain(d.phrases.Phrase(locale, id))}
}

// sayQuickly is say within a second, for an answer that must go out
// inside Slack's acknowledgement: a profile that takes longer to read
// leaves the sentence in the policy's language.
func (d *Dispatcher) sayQuickly(ctx context.Context, userID, id, english string) bot.Message {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	return d.say(ctx, userID, id, english)
}

// renderer draws what the adapter answers one person (userID; "" when
// several people see it) in the message's language, else theirs.
func (d *Dispatcher) renderer(ctx context.Context, userID string) Renderer {
	return viewerRenderer(ctx, d.phrases, d.sender, userID)
}

// ack is what a request is answered with: an optional JSON body, and
// work to run after the answer went out.
type ack struct {
	body    []byte
	later   bot.Later
	outcome string
}

// respondFunc is the handler's way to answer through the payload's
// response_url, or nil when there is none or it does not point at
// Slack's hooks host (it is never called then).
func (d *Dispatcher) respondFunc(url string) bot.ResponseFunc {
	if url == "" || d.sender == nil {
		return nil
	}
	if err := checkResponseURL(url, d.sender.apiURL); err != nil {
		d.log.Warn().Err(err).Msg("response_url refused")
		return nil
	}
	return func(ctx context.Context, r bot.Response) error { return d.sender.Respond(ctx, url, r) }
}

type commandAck struct {
	ResponseType string        `json:"response_type"`
	Text         string        `json:"text"`
	Blocks       *slack.Blocks `json:"blocks,omitempty"`
}

func ephemeralBody(rr Renderer, m bot.Message, inChannel bool) ([]byte, error) {
	r, err := rr.Message(m)
	if err != nil {
		return nil, err
	}
	a := commandAck{ResponseType: slack.ResponseTypeEphemeral, Text: r.Text}
	if inChannel {
		a.ResponseType = slack.ResponseTypeInChannel
	}
	if len(r.Blocks) > 0 {
		a.Blocks = &slack.Blocks{BlockSet: r.Blocks}
	}
	return json.Marshal(a)
}

func (d *Dispatcher) command(ctx context.Context, c slashCommand) ack {
	log := d.log.With().Str(logging.User, c.UserID).Str("command", c.Command).Logger()
	cmd := bot.Command{
		User:    bot.User{Platform: "slack", ID: c.UserID, TeamID: c.TeamID, Name: c.UserName},
		Channel: c.ChannelID, Name: c.Command, Text: c.Text, TriggerID: c.TriggerID,
		Respond: d.respondFunc(c.ResponseURL),
	}
	rctx, cancel := context.WithTimeout(log.WithContext(ctx), d.budget)
	defer cancel()
	var rep bot.Reply
	if err := ingress.Call(log, "HandleCommand", func() { rep = d.h.HandleCommand(rctx, cmd) }); err != nil {
		body, _ := ephemeralBody(Renderer{}, d.say(ctx, c.UserID, "adapter.went_wrong", "Something went wrong; please try again."), false)
		return ack{body: body, outcome: "handler_panic"}
	}
	a := ack{later: rep.After, outcome: "ok"}
	msg, inChannel := rep.Message, rep.InChannel
	if rep.Modal != nil {
		if err := d.sender.OpenModal(rctx, c.TriggerID, *rep.Modal); err != nil {
			log.Error().Err(err).Msg("open modal for command")
			id, english := openError(err)
			m := d.say(rctx, c.UserID, id, english)
			msg, inChannel = &m, false
		}
	}
	if msg != nil {
		viewer := c.UserID
		if inChannel {
			viewer = ""
		}
		body, err := ephemeralBody(d.renderer(rctx, viewer), *msg, inChannel)
		if err != nil {
			log.Error().Err(err).Msg("render command reply")
			body, _ = ephemeralBody(Renderer{}, d.say(rctx, c.UserID, "adapter.not_shown", "Sorry, the answer could not be shown."), false)
		}
		a.body = body
	}
	return a
}

// openError is the message id and English sentence of a form that
// could not be opened.
func openError(err error) (id, english string) {
	switch {
	case errors.Is(err, bot.ErrTriggerExpired), errors.Is(err, context.DeadlineExceeded):
		return "adapter.form_slow", "Sorry, I could not open the form (it took too long). Please try again."
	case errors.Is(err, bot.ErrInvalidContent):
		return "adapter.form_too_large", "Sorry, I could not open the form (the form is too large). Please try again."
	}
	return "adapter.form_refused", "Sorry, I could not open the form (Slack refused it). Please try again."
}

func (d *Dispatcher) interaction(ctx context.Context, ic *interaction) ack {
	switch ic.Type {
	case "block_actions":
		return d.blockActions(ctx, ic)
	case "view_submission":
		return d.submission(ctx, ic)
	}
	// view_closed, shortcuts and others: acknowledge and ignore.
	return ack{outcome: "ignored"}
}

func (d *Dispatcher) user(ic *interaction) bot.User {
	team := ic.User.TeamID
	if team == "" {
		team = ic.Team.ID
	}
	name := ic.User.Name
	if name == "" {
		name = ic.User.Username
	}
	return bot.User{Platform: "slack", ID: ic.User.ID, TeamID: team, Name: name}
}

func (d *Dispatcher) blockActions(ctx context.Context, ic *interaction) ack {
	if len(ic.Actions) == 0 {
		return ack{outcome: "ignored"}
	}
	act := ic.Actions[0]
	log := d.log.With().Str(logging.User, ic.User.ID).Str("action_id", truncateForLog(act.ActionID)).Logger()
	a := d.action(ic)
	rctx, cancel := context.WithTimeout(log.WithContext(ctx), d.budget)
	defer cancel()
	var rep bot.ActionReply
	if err := crossCheck(ic); err != nil {
		log.Warn().Err(err).Str("block_id", truncateForLog(act.BlockID)).Msg("click refused")
		return ack{later: d.refuseClick(a), outcome: "ok"}
	}
	if err := ingress.Call(log, "HandleAction", func() { rep = d.h.HandleAction(rctx, a) }); err != nil {
		return ack{outcome: "handler_panic"}
	}
	switch {
	case rep.Modal != nil:
		if err := d.sender.OpenModal(rctx, ic.TriggerID, *rep.Modal); err != nil {
			log.Error().Err(err).Msg("open modal for action")
		}
	case rep.PushModal != nil:
		if err := d.sender.PushModal(rctx, ic.TriggerID, *rep.PushModal); err != nil {
			log.Error().Err(err).Msg("push modal for action")
		}
	case rep.UpdateView != nil && a.View != nil:
		if err := d.sender.UpdateModal(rctx, a.View.ID, a.View.Hash, *rep.UpdateView); err != nil {
			log.Error().Err(err).Msg("update modal for action")
		}
	}
	if rep.Update == nil && rep.Ephemeral == nil {
		return ack{later: rep.After, outcome: "ok"}
	}
	ephemeralSource := ic.Container.IsEphemeral
	later := func(ctx context.Context) { d.afterAction(ctx, a, rep, ephemeralSource) }
	return ack{later: later, outcome: "ok"}
}

// refuseClick tells the clicker, after the acknowledgement, that their
// click does not match its message. The sentence is in the clicker's
// language: Slack's click payload carries no locale, so their profile is
// read (users.info) first — after the ack, so it cannot hold it up —
// and when it cannot be read, the policy's language is said (the
// Phrases' default), never a hard-coded English.
func (d *Dispatcher) refuseClick(a bot.Action) bot.Later {
	return func(ctx context.Context) {
		m := d.say(ctx, a.User.ID, "adapter.wrong_source", "That button does not match the message it is in, so nothing was changed.")
		d.afterAction(ctx, a, bot.ActionReply{Ephemeral: &m}, false)
	}
}

// action is the neutral view of a block_actions interaction.
func (d *Dispatcher) action(ic *interaction) bot.Action {
	act := ic.Actions[0]
	a := bot.Action{User: d.user(ic), ActionID: act.ActionID, BlockID: act.BlockID, Value: act.Value,
		TriggerID: ic.TriggerID, Respond: d.respondFunc(ic.ResponseURL)}
	switch {
	case act.SelectedOption != nil:
		a.Value = act.SelectedOption.Value
	case act.SelectedUser != "":
		a.Value = act.SelectedUser
	}
	a.Channel = ic.Container.ChannelID
	if a.Channel == "" {
		a.Channel = ic.Channel.ID
	}
	if ic.Container.Type == "message" && ic.Container.MessageTS != "" {
		a.Message = &bot.MessageRef{Platform: bot.Slack, Channel: a.Channel, ID: ic.Container.MessageTS, Thread: ic.Container.ThreadTS}
		a.Ephemeral = ic.Container.IsEphemeral
	}
	if ic.View != nil && ic.View.ID != "" {
		a.View = &bot.ViewInfo{ID: ic.View.ID, Hash: ic.View.Hash, CallbackID: ic.View.CallbackID,
			PrivateMetadata: ic.View.PrivateMetadata, Values: values(ic.View.State.Values)}
	}
	return a
}

// afterAction is the post-ack part of a click: the message update, the
// ephemeral answer and the handler's own follow-up.
func (d *Dispatcher) afterAction(ctx context.Context, a bot.Action, rep bot.ActionReply, ephemeralSource bool) {
	log := zerolog.Ctx(ctx)
	if rep.Update != nil {
		var err error
		switch {
		case ephemeralSource && a.Respond != nil:
			err = a.Respond(ctx, bot.Response{Message: *rep.Update, ReplaceOriginal: true})
		case a.Message != nil:
			err = d.sender.Update(ctx, *a.Message, *rep.Update)
		}
		if err != nil {
			log.Error().Err(err).Str(logging.User, a.User.ID).Msg("update message after action")
		}
	}
	if rep.Ephemeral != nil {
		var err error
		if a.Channel != "" {
			err = d.sender.Ephemeral(ctx, a.Channel, a.User.ID, *rep.Ephemeral)
		} else {
			_, err = d.sender.DM(ctx, a.User.ID, *rep.Ephemeral)
		}
		if err != nil {
			log.Error().Err(err).Str(logging.User, a.User.ID).Msg("ephemeral after action")
		}
	}
	if rep.After != nil {
		rep.After(ctx)
	}
}

// errMismatch says a click names an element its source message or view
// does not hold.
var errMismatch = errors.New("clicked element not in its message")

// crossCheck compares the click with the message or view it came from,
// as Slack sends it in the payload: the block, the element and its
// value (or the chosen option) must be there, and the message and view
// must be the ones the container names. A message click without its
// message is refused; Slack leaves the message out only for ephemeral
// messages, whose buttons the handler checks against their block id.
func crossCheck(ic *interaction) error {
	act := ic.Actions[0]
	var blocks json.RawMessage
	switch {
	case ic.Container.Type == "message" && !ic.Container.IsEphemeral:
		if ic.Message == nil {
			return fmt.Errorf("%w: payload without its message", errMismatch)
		}
		if ic.Message.TS != ic.Container.MessageTS {
			return fmt.Errorf("%w: message %q is not the container's %q", errMismatch, truncateForLog(ic.Message.TS), truncateForLog(ic.Container.MessageTS))
		}
		blocks = ic.Message.Blocks
	case ic.Container.Type == "view" || ic.View != nil:
		if ic.View == nil || ic.View.ID == "" || (ic.Container.ViewID != "" && ic.Container.ViewID != ic.View.ID) {
			return fmt.Errorf("%w: view does not match its container", errMismatch)
		}
		blocks = ic.View.Blocks
	default:
		return nil
	}
	el, ok := findSource(blocks, act.BlockID, act.ActionID)
	if !ok {
		return fmt.Errorf("%w: no element %q in block %q", errMismatch, truncateForLog(act.ActionID), truncateForLog(act.BlockID))
	}
	switch {
	case act.SelectedOption != nil:
		if !el.offers(act.SelectedOption.Value) {
			return fmt.Errorf("%w: option not offered", errMismatch)
		}
	case el.Type == "button" || act.Type == "button":
		if el.Value != act.Value {
			return fmt.Errorf("%w: button value differs from the message", errMismatch)
		}
	}
	return nil
}

type viewAck struct {
	ResponseAction string                  `json:"response_action"`
	Errors         map[string]string       `json:"errors,omitempty"`
	View           *slack.ModalViewRequest `json:"view,omitempty"`
}

func (d *Dispatcher) submission(ctx context.Context, ic *interaction) ack {
	if ic.View == nil {
		return ack{outcome: "ignored"}
	}
	log := d.log.With().Str(logging.User, ic.User.ID).Str("callback_id", truncateForLog(ic.View.CallbackID)).Logger()
	s := bot.Submission{User: d.user(ic), CallbackID: ic.View.CallbackID, PrivateMetadata: ic.View.PrivateMetadata,
		ViewID: ic.View.ID, Values: values(ic.View.State.Values), TriggerID: ic.TriggerID}
	rctx, cancel := context.WithTimeout(log.WithContext(ctx), d.budget)
	defer cancel()
	var rep bot.SubmissionReply
	if err := ingress.Call(log, "HandleSubmission", func() { rep = d.h.HandleSubmission(rctx, s) }); err != nil {
		return ack{outcome: "handler_panic"}
	}
	a := ack{later: rep.After, outcome: "ok"}
	var va *viewAck
	switch {
	case len(rep.Errors) > 0:
		errs := make(map[string]string, len(rep.Errors))
		for k, v := range rep.Errors {
			errs[k] = cut(oneLine(v), maxLabel)
		}
		va = &viewAck{ResponseAction: "errors", Errors: errs}
	case rep.Update != nil || rep.Push != nil:
		m, action := rep.Update, "update"
		if m == nil {
			m, action = rep.Push, "push"
		}
		v, err := d.renderer(rctx, ic.User.ID).Modal(*m)
		if err != nil {
			log.Error().Err(err).Msg("render modal for submission")
			break
		}
		va = &viewAck{ResponseAction: action, View: &v}
	case rep.Clear:
		va = &viewAck{ResponseAction: "clear"}
	}
	if va != nil {
		a.body, _ = json.Marshal(va)
	}
	return a
}

type challengeAck struct {
	Challenge string `json:"challenge"`
}

func (d *Dispatcher) event(ctx context.Context, ev *eventEnvelope) ack {
	switch ev.Type {
	case "url_verification":
		body, _ := json.Marshal(challengeAck{Challenge: ev.Challenge})
		return ack{body: body, outcome: "ok"}
	case "app_rate_limited":
		d.log.Warn().Str("team", ev.TeamID).Msg("slack app_rate_limited: events are being dropped")
		return ack{outcome: "ok"}
	case "event_callback":
	default:
		return ack{outcome: "ignored"}
	}
	if d.dedupe != nil {
		first, err := d.dedupe.First(ctx, ev.EventID)
		if err != nil {
			// Fail open: handling an event twice (publishing a Home
			// twice) is better than losing it.
			d.log.Error().Err(err).Msg("event dedupe")
		} else if !first {
			return ack{outcome: "duplicate"}
		}
	}
	if ev.Event.Type != "app_home_opened" || ev.Event.Tab != "home" || ev.Event.User == "" {
		return ack{outcome: "ignored"}
	}
	u := bot.User{Platform: "slack", ID: ev.Event.User, TeamID: ev.TeamID}
	log := d.log.With().Str(logging.User, u.ID).Logger()
	return ack{outcome: "ok", later: func(ctx context.Context) {
		_ = ingress.Call(log, "HandleHomeOpened", func() { d.h.HandleHomeOpened(ctx, u) })
	}}
}
