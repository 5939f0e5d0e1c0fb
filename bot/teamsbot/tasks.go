package teamsbot

import (
	"context"
	"net/http"
	"strings"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/bot/ingress"
	"github.com/chataccess/chataccess/internal/logging"
)

// taskFetch opens a dialog admitted by admit: a stored one, or the
// confirmation of a button that asks first.
func (d *Dispatcher) taskFetch(_ context.Context, in *inbound) answer {
	if st := in.dialog; st != nil {
		return ok(continueWith(st.Title, st.Card))
	}
	sure := d.say(in.act, "adapter.sure", "Are you sure?")
	return ok(continueWith(orStr(in.button.Confirm.Title, sure), d.confirmCard(in.act, in.button)))
}

// confirmCard asks "are you sure?" before a button's action is sent,
// its default words in the language of the person who clicked.
func (d *Dispatcher) confirmCard(a *Activity, b buttonData) *card {
	c := newCard()
	cf := b.Confirm
	c.Body = append(c.Body, textBlock(escape(orStr(cf.Text, d.say(a, "adapter.sure", "Are you sure?")), true)))
	style := "positive"
	if cf.Danger {
		style = "destructive"
	}
	c.Actions = []*action{
		{Type: "Action.Submit", Title: clip(orStr(cf.Confirm, d.say(a, "adapter.yes", "Yes")), maxTitle), Style: style,
			Data: buttonData{Action: b.Action, Value: b.Value, Block: b.Block, Confirmed: true}},
		{Type: "Action.Submit", Title: clip(orStr(cf.Deny, d.say(a, "adapter.back", "Back")), maxTitle), Data: buttonData{Cancel: true}, AssociatedInputs: "none"},
	}
	return c
}

// taskSubmit handles a dialog's submit: a confirmed button, or a stored
// dialog's inputs.
func (d *Dispatcher) taskSubmit(ctx context.Context, in *inbound) answer {
	b := in.button
	switch {
	case b.Cancel:
		return answer{status: http.StatusOK, outcome: "ok"}
	case b.Confirmed:
		return d.confirmed(ctx, in)
	}
	return d.submitDialog(ctx, in)
}

// confirmed runs a button after its confirmation dialog.
func (d *Dispatcher) confirmed(ctx context.Context, in *inbound) answer {
	b := in.button
	ref := messageRef(in.act)
	act := clickOn(in.kept, userOf(in.act), b.Action, b.Block, b.Value, ref)
	rep, err := d.action(ctx, act)
	if err != nil {
		return answer{status: http.StatusOK, body: taskMessage(d.say(in.act, "adapter.went_wrong", "Something went wrong; please try again.")), outcome: "handler_panic"}
	}
	if m := firstModal(rep); m != nil {
		st, err := d.newDialog(ctx, act.User.ID, *m, ref, ref.Channel)
		if err != nil {
			d.log.Error().Err(err).Msg("save dialog")
			return answer{status: http.StatusOK, body: taskMessage(d.say(in.act, "adapter.form_not_prepared", "Sorry, I could not prepare the form. Please try again.")), outcome: "error", later: rep.After}
		}
		return answer{status: http.StatusOK, body: continueWith(st.Title, st.Card), outcome: "ok", later: rep.After}
	}
	later := d.afterAction(act, rep)
	if rep.Ephemeral != nil {
		return answer{status: http.StatusOK, body: taskMessage(orStr(plainString(rep.Ephemeral.Text), d.say(in.act, "adapter.done", "Done."))), outcome: "ok", later: later}
	}
	return answer{status: http.StatusOK, outcome: "ok", later: later}
}

// afterAction updates the card a dialog's button came from, then runs
// the reply's After.
func (d *Dispatcher) afterAction(act bot.Action, rep bot.ActionReply) bot.Later {
	if rep.Update == nil {
		return rep.After
	}
	upd := *rep.Update
	return func(ctx context.Context) {
		if act.Message != nil {
			if err := d.cfg.Sender.Update(ctx, *act.Message, upd); err != nil {
				zerolog.Ctx(ctx).Error().Err(err).Msg("update card after dialog")
			}
		}
		if rep.After != nil {
			rep.After(ctx)
		}
	}
}

// submitDialog hands a stored dialog's inputs to HandleSubmission and
// answers with the dialog redrawn with errors, the next dialog, or an
// empty body that closes it.
func (d *Dispatcher) submitDialog(ctx context.Context, in *inbound) answer {
	u := userOf(in.act)
	st := in.dialog
	vals, raw := dialogValues(st.Card, st.Users, in.data)
	d.resolveTyped(ctx, vals, st.Users)
	sub := bot.Submission{User: u, CallbackID: st.CallbackID, PrivateMetadata: st.PrivateMetadata, ViewID: st.ID, Values: vals}
	log := d.log.With().Str(logging.User, u.ID).Str("callback_id", clip(st.CallbackID, 64)).Logger()
	rctx, cancel := context.WithTimeout(log.WithContext(ctx), d.budget)
	defer cancel()
	var rep bot.SubmissionReply
	if err := ingress.Call(log, "HandleSubmission", func() { rep = d.cfg.Handler.HandleSubmission(rctx, sub) }); err != nil {
		return answer{status: http.StatusOK, body: taskMessage(d.say(in.act, "adapter.went_wrong", "Something went wrong; please try again.")), outcome: "handler_panic"}
	}
	switch {
	case len(rep.Errors) > 0:
		return answer{status: http.StatusOK, body: continueWith(st.Title, withErrors(st.Card, raw, rep.Errors)), outcome: "ok", later: rep.After}
	case rep.Update != nil || rep.Push != nil:
		m := rep.Update
		if m == nil {
			m = rep.Push
		}
		next, err := d.newDialog(ctx, u.ID, *m, st.Message, st.Channel)
		if err != nil {
			log.Error().Err(err).Msg("save next dialog")
			return answer{status: http.StatusOK, body: taskMessage(d.say(in.act, "adapter.next_form", "Done, but the next form could not be shown.")), outcome: "error", later: rep.After}
		}
		return answer{status: http.StatusOK, body: continueWith(next.Title, next.Card), outcome: "ok", later: rep.After}
	}
	return answer{status: http.StatusOK, outcome: "ok", later: rep.After}
}

// newDialog stores a modal as a dialog for user, with a preselected
// person's email filled in.
func (d *Dispatcher) newDialog(ctx context.Context, user string, m bot.Modal, msg *bot.MessageRef, channel string) (dialogState, error) {
	return d.mem.saveDialog(ctx, user, prefill(ctx, m, d.cfg.Sender.LookupUser), msg, channel, d.cfg.Phrases)
}

// resolveTyped turns the emails typed for people into their Teams ids,
// so the handler gets what a person picker would give; an email that
// names nobody in Teams is passed on as typed and refused there.
func (d *Dispatcher) resolveTyped(ctx context.Context, vals bot.Values, users map[string]bool) {
	for id := range users {
		blk, act, _ := parseInputID(id)
		v := vals[blk][act]
		if len(v.Users) != 1 || !strings.Contains(v.Users[0], "@") {
			continue
		}
		if u, err := d.cfg.Sender.LookupUserByEmail(ctx, v.Users[0]); err == nil {
			v.Users = []string{u.ID}
			vals[blk][act] = v
		}
	}
}
