package teamsbot

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/bot/ingress"
	"github.com/chataccess/chataccess/internal/logging"
)

// Universal Actions answers (learn.microsoft.com microsoftteams/platform
// task-modules-and-cards/cards/universal-actions-for-adaptive-cards):
// the HTTP body of an adaptiveCard/action invoke is one of these.
type invokeResponse struct {
	StatusCode int    `json:"statusCode"`
	Type       string `json:"type"`
	Value      any    `json:"value"`
}

func invokeCard(c *card) invokeResponse {
	return invokeResponse{StatusCode: http.StatusOK, Type: contentTypeCard, Value: c}
}

func invokeMessage(text string) invokeResponse {
	return invokeResponse{StatusCode: http.StatusOK, Type: "application/vnd.microsoft.activity.message", Value: clip(orStr(text, "Done."), 500)}
}

// stale is the answer to a click that does not match the card it came
// from: an old card, or data that names something the card does not.
func (d *Dispatcher) stale(a *Activity) string {
	return d.say(a, "adapter.stale", "This card has changed since it was shown; nothing was done. Look at the current card and try again.")
}

// messageRef is the card an invoke came from.
func messageRef(a *Activity) *bot.MessageRef {
	if a.ReplyToID == "" {
		return nil
	}
	return &bot.MessageRef{Platform: bot.Teams, Channel: channelOf(a), ID: a.ReplyToID}
}

// storedCard is the current card of a posted message (a zero keptCard
// when there is none).
func (d *Dispatcher) storedCard(ctx context.Context, ref *bot.MessageRef) keptCard {
	kc, _ := d.readCard(ctx, ref)
	return kc
}

// readCard is storedCard with the read error, for callers that must
// not take a failed read for a card that changed.
func (d *Dispatcher) readCard(ctx context.Context, ref *bot.MessageRef) (keptCard, error) {
	var kc keptCard
	if ref == nil {
		return kc, nil
	}
	if _, err := d.mem.get(ctx, kindCard, cardKey(ref.Channel, ref.ID), &kc); err != nil {
		d.log.Warn().Err(err).Msg("read card")
		return keptCard{}, err
	}
	return kc, nil
}

// clickOn is the Action of a click on a kept card: a click on someone's
// Home comes from their Home view, a click on a private reply is marked
// Ephemeral, any other from the message.
func clickOn(kc keptCard, u bot.User, actionID, blockID, value string, ref *bot.MessageRef) bot.Action {
	a := bot.Action{User: u, ActionID: actionID, BlockID: blockID, Value: value, Channel: ref.Channel, Message: ref}
	switch {
	case kc.Home != "":
		a.Message, a.Channel = nil, ""
		a.View = &bot.ViewInfo{CallbackID: kc.Home}
	case kc.Private:
		a.Ephemeral = true
	}
	return a
}

// refresh answers a refresh with the current card, each button shown
// only to people who may press it when Viewers is set.
func (d *Dispatcher) refresh(ctx context.Context, in *inbound) answer {
	c := d.storedCard(ctx, messageRef(in.act)).Card
	if c == nil {
		return ok(invokeMessage(d.say(in.act, "adapter.not_kept", "This card is no longer kept up to date.")))
	}
	if d.cfg.Viewers != nil {
		c = viewFor(ctx, c, d.cfg.Viewers, userOf(in.act))
	}
	return ok(invokeCard(c))
}

// viewFor removes the Action.Execute and confirmation buttons u may not
// press.
func viewFor(ctx context.Context, c *card, v Viewers, u bot.User) *card {
	out := cloneCard(c)
	keep := func(acts []*action) []*action {
		var kept []*action
		for _, a := range acts {
			id, bd := actionOf(a)
			if id == "" || v.MayAct(ctx, u, id, bd.Value) {
				kept = append(kept, a)
			}
		}
		return kept
	}
	out.Actions = keep(out.Actions)
	var body []*element
	for _, e := range out.Body {
		if e.Type == "ActionSet" {
			if e.Actions = keep(e.Actions); len(e.Actions) == 0 {
				continue
			}
		}
		body = append(body, e)
	}
	out.Body = body
	return out
}

// actionOf is the action id and data of a chataccess button.
func actionOf(a *action) (string, buttonData) {
	var bd buttonData
	data, _ := json.Marshal(a.Data)
	_ = json.Unmarshal(data, &bd)
	switch a.Type {
	case "Action.Execute":
		return a.Verb, bd
	case "Action.Submit":
		return bd.Action, bd
	}
	return "", bd
}

// onCard finds the button of type typ with this action id and data on
// the card (a click must match the card it came from) and returns the
// card's own data for it.
func onCard(c *card, typ, actionID string, got buttonData) (buttonData, bool) {
	if c == nil || actionID == "" {
		return buttonData{}, false
	}
	var found *buttonData
	check := func(acts []*action) {
		for _, a := range acts {
			id, bd := actionOf(a)
			if a.Type == typ && id == actionID && bd.Value == got.Value && bd.Block == got.Block && bd.Select == got.Select && found == nil {
				found = &bd
			}
		}
	}
	check(c.Actions)
	walk(c.Body, func(e *element) { check(e.Actions) })
	if found == nil {
		return buttonData{}, false
	}
	return *found, true
}

// execute handles an Action.Execute click admitted by admit.
func (d *Dispatcher) execute(ctx context.Context, in *inbound) answer {
	a := in.act
	ref := messageRef(a)
	c := in.card
	act := clickOn(in.kept, userOf(a), in.verb, in.button.Block, in.button.Value, ref)
	if in.button.Select != "" {
		act.Value, _ = in.data[in.button.Select].(string)
	}
	rep, err := d.action(ctx, act)
	if err != nil {
		return answer{status: http.StatusOK, body: invokeMessage(d.say(a, "adapter.went_wrong", "Something went wrong; please try again.")), outcome: "handler_panic"}
	}
	switch {
	case rep.Modal != nil || rep.PushModal != nil || rep.UpdateView != nil:
		m := firstModal(rep)
		st, err := d.newDialog(ctx, act.User.ID, *m, ref, ref.Channel)
		if err != nil {
			d.log.Error().Err(err).Msg("save dialog")
			return answer{status: http.StatusOK, body: invokeMessage(d.say(a, "adapter.form_not_prepared", "Sorry, I could not prepare the form. Please try again.")), outcome: "error", later: rep.After}
		}
		return answer{status: http.StatusOK, body: invokeCard(d.dialogOffer(a, st).Card), outcome: "ok", later: rep.After}
	case rep.Update != nil:
		r, err := d.cfg.Sender.render(*rep.Update)
		if err != nil {
			d.log.Error().Err(err).Msg("render update")
			break
		}
		upd := *rep.Update
		later := func(ctx context.Context) {
			if err := d.cfg.Sender.Update(ctx, *ref, upd); err != nil {
				zerolog.Ctx(ctx).Error().Err(err).Msg("update card after action")
			}
			if rep.After != nil {
				rep.After(ctx)
			}
		}
		return answer{status: http.StatusOK, body: invokeCard(r.Card), outcome: "ok", later: later}
	case rep.Ephemeral != nil:
		return answer{status: http.StatusOK, body: invokeMessage(orStr(plainString(rep.Ephemeral.Text), d.say(a, "adapter.done", "Done."))), outcome: "ok", later: rep.After}
	}
	return answer{status: http.StatusOK, body: invokeCard(c), outcome: "ok", later: rep.After}
}

func firstModal(rep bot.ActionReply) *bot.Modal {
	switch {
	case rep.Modal != nil:
		return rep.Modal
	case rep.PushModal != nil:
		return rep.PushModal
	}
	return rep.UpdateView
}

// action calls HandleAction within the invoke budget.
func (d *Dispatcher) action(ctx context.Context, act bot.Action) (bot.ActionReply, error) {
	log := d.log.With().Str(logging.User, act.User.ID).Str("action_id", clip(act.ActionID, 64)).Logger()
	rctx, cancel := context.WithTimeout(log.WithContext(ctx), d.budget)
	defer cancel()
	var rep bot.ActionReply
	err := ingress.Call(log, "HandleAction", func() { rep = d.cfg.Handler.HandleAction(rctx, act) })
	return rep, err
}

// dialogOffer is a card with a button that opens a stored dialog, in
// the language of the person the activity a came from.
func (d *Dispatcher) dialogOffer(a *Activity, st dialogState) Rendered {
	c := newCard()
	c.Body = append(c.Body, &element{Type: "TextBlock", Text: escape(st.Title, true), Weight: "Bolder", Size: "Medium", Wrap: true},
		textBlock(escape(d.say(a, "adapter.open_form_text", "Open the form to continue."), true)))
	c.Actions = []*action{{Type: "Action.Submit", Title: clip(d.say(a, "adapter.open_form", "Open the form"), maxTitle), Style: "positive",
		Data: buttonData{Dialog: st.ID, MSTeams: taskFetch()}}}
	return Rendered{Text: st.Title, Card: c}
}
