package teamsbot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/chataccess/chataccess/bot"
)

// Dialogs (task modules) stand in for Slack modals. A dialog is drawn
// once from a bot.Modal and kept in Memory under a random id, bound to
// the person it was opened for: its submit carries only that id and the
// inputs, and a failed submission redraws the stored card with the
// typed values and the errors under their inputs (Teams has no
// per-field error map). Source: learn.microsoft.com microsoftteams
// platform task-modules-and-cards/task-modules/task-modules-bots.

// dialogState is a stored dialog.
type dialogState struct {
	ID string `json:"id"`
	// Users are the inputs that stand for a person: typed as an email,
	// handed to the handler as the person's id.
	Users           map[string]bool `json:"users,omitempty"`
	User            string          `json:"user"`
	CallbackID      string          `json:"callback_id"`
	PrivateMetadata string          `json:"private_metadata,omitempty"`
	Title           string          `json:"title"`
	Card            *card           `json:"card"`
	Message         *bot.MessageRef `json:"message,omitempty"`
	Channel         string          `json:"channel,omitempty"`
}

// newDialogID is 128 random bits, so a dialog id cannot be guessed.
func newDialogID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// RenderDialog draws a modal as a dialog card whose buttons name dialog
// id, its own words in English (see renderDialog). Submit appears when
// the modal has a Submit label or inputs; the Close label closes
// without submitting.
func RenderDialog(m bot.Modal, id string) (*card, error) { return renderDialog(m, id, nil) }

// renderDialog is RenderDialog with its own words from p in the modal's
// language.
func renderDialog(m bot.Modal, id string, p bot.Phrases) (*card, error) {
	r := renderer{m: newMentions(nil), hasEmail: hasEmailInput(m), w: words{p: p, lang: m.Lang}}
	c := newCard()
	inputs := false
	sep := false
	for _, b := range m.Blocks {
		if _, ok := b.(*bot.Divider); ok {
			sep = true
			continue
		}
		if _, ok := b.(*bot.Input); ok {
			inputs = true
		}
		els, _ := r.block(b)
		if sep && len(els) > 0 {
			els[0].Separator, sep = true, false
		}
		c.Body = append(c.Body, els...)
	}
	if m.Submit != "" || inputs {
		c.Actions = append(c.Actions, &action{Type: "Action.Submit", Title: clip(orStr(inert(m.Submit), r.w.say("adapter.submit", "Submit")), maxTitle),
			Style: "positive", Data: buttonData{Dialog: id}})
	}
	closeLabel := orStr(inert(m.Close), r.w.say("adapter.close", "Close"))
	c.Actions = append(c.Actions, &action{Type: "Action.Submit", Title: clip(closeLabel, maxTitle),
		Data: buttonData{Dialog: id, Cancel: true}, AssociatedInputs: "none"})
	c.MSTeams = &cardTeams{Entities: r.m.entities()}
	if len(c.MSTeams.Entities) == 0 {
		c.MSTeams = nil
	}
	if data, err := json.Marshal(c); err != nil || len(data) > maxCardBytes {
		return nil, ErrTooLarge
	}
	return c, nil
}

// withErrors redraws a stored dialog card with the submitted values and
// the errors by input block id. Errors for blocks the card lacks go on
// top.
func withErrors(c *card, values map[string]string, errs map[string]string) *card {
	out := cloneCard(c)
	seen := map[string]bool{}
	walk(out.Body, func(e *element) {
		if v, ok := values[e.ID]; ok && strings.HasPrefix(e.Type, "Input.") {
			e.Value = v
		}
		if blk, ok := strings.CutPrefix(e.ID, "err:"); ok {
			msg, bad := errs[blk]
			seen[blk] = bad
			e.Text, e.IsVisible = " ", boolp(false)
			if bad {
				e.Text, e.IsVisible = escape(clip(msg, 500), true), boolp(true)
			}
		}
	})
	var top []string
	for blk, msg := range errs {
		if !seen[blk] {
			top = append(top, msg)
		}
	}
	sort.Strings(top)
	for i := len(top) - 1; i >= 0; i-- {
		tb := textBlock(escape(clip(top[i], 500), true))
		tb.Color = "Attention"
		out.Body = append([]*element{tb}, out.Body...)
	}
	return out
}

func walk(els []*element, fn func(*element)) {
	for _, e := range els {
		fn(e)
		walk(e.Items, fn)
		walk(e.Columns, fn)
	}
}

func cloneCard(c *card) *card {
	data, _ := json.Marshal(c)
	var out card
	_ = json.Unmarshal(data, &out)
	return &out
}

// inputKinds maps each input id of a dialog card to its element, so
// submitted strings can be read back as the right kind of bot.Value.
func inputKinds(c *card) map[string]*element {
	out := map[string]*element{}
	walk(c.Body, func(e *element) {
		if strings.HasPrefix(e.Type, "Input.") && e.ID != "" {
			out[e.ID] = e
		}
	})
	return out
}

// dialogValues reads the submitted inputs of a stored dialog: only the
// card's own inputs, each as the kind of value its element gives.
// users are the ids of inputs that stand for a person (typed as an email).
func dialogValues(c *card, users map[string]bool, data map[string]any) (bot.Values, map[string]string) {
	vals := bot.Values{}
	raw := map[string]string{}
	for id, el := range inputKinds(c) {
		s, _ := data[id].(string)
		if len(s) > 10000 {
			s = s[:10000]
		}
		raw[id] = s
		blk, act, ok := parseInputID(id)
		if !ok {
			continue
		}
		var v bot.Value
		switch {
		case users[id]:
			if s = strings.TrimSpace(s); s != "" {
				v.Users = []string{s}
			}
		case el.Type == "Input.ChoiceSet":
			for _, p := range strings.Split(s, ",") {
				if p = strings.TrimSpace(p); p != "" {
					v.Selected = append(v.Selected, p)
				}
			}
		default:
			v.Text = s
		}
		if vals[blk] == nil {
			vals[blk] = map[string]bot.Value{}
		}
		vals[blk][act] = v
	}
	return vals, raw
}

// saveDialog stores a new dialog for user and returns its state.
func (m memo) saveDialog(ctx context.Context, user string, mod bot.Modal, msg *bot.MessageRef, channel string, p bot.Phrases) (dialogState, error) {
	id := newDialogID()
	c, err := renderDialog(mod, id, p)
	if err != nil {
		return dialogState{}, fmt.Errorf("teams dialog %q: %w", mod.CallbackID, err)
	}
	st := dialogState{ID: id, User: user, Users: userInputs(mod), CallbackID: mod.CallbackID, PrivateMetadata: mod.PrivateMetadata,
		Title: clip(orStr(inert(mod.Title), "chataccess"), maxDialogTitle), Card: c, Message: msg, Channel: channel}
	return st, m.put(ctx, kindDialog, id, st, dialogTTL)
}

func (m memo) dialog(ctx context.Context, id string) (dialogState, bool, error) {
	var st dialogState
	if len(id) != 32 {
		return st, false, nil
	}
	ok, err := m.get(ctx, kindDialog, id, &st)
	return st, ok, err
}

// taskResponse is the answer to task/fetch and task/submit.
type taskResponse struct {
	Task *taskBody `json:"task"`
}

type taskBody struct {
	Type  string `json:"type"` // continue or message
	Value any    `json:"value"`
}

type taskInfo struct {
	Title  string      `json:"title"`
	Height string      `json:"height"`
	Width  string      `json:"width"`
	Card   *Attachment `json:"card"`
}

func continueWith(title string, c *card) taskResponse {
	return taskResponse{Task: &taskBody{Type: "continue", Value: taskInfo{Title: title, Height: "medium", Width: "medium",
		Card: &Attachment{ContentType: contentTypeCard, Content: c}}}}
}

func taskMessage(text string) taskResponse {
	return taskResponse{Task: &taskBody{Type: "message", Value: clip(orStr(text, "Done."), 500)}}
}

// hasEmailInput reports whether a modal has an email input.
func hasEmailInput(m bot.Modal) bool {
	for _, b := range m.Blocks {
		if in, ok := b.(*bot.Input); ok {
			if _, ok := in.Element.(*bot.EmailInput); ok {
				return true
			}
		}
	}
	return false
}

// userInputs lists the input ids of a modal's person pickers.
func userInputs(m bot.Modal) map[string]bool {
	out := map[string]bool{}
	for _, b := range m.Blocks {
		if in, ok := b.(*bot.Input); ok {
			if el, ok := in.Element.(*bot.UserSelect); ok {
				out[inputID(in.BlockID, el.ActionID)] = true
			}
		}
	}
	return out
}

// prefill puts the email of a preselected person into the modal's email
// input, since Teams dialogs show no person picker next to it.
func prefill(ctx context.Context, m bot.Modal, lookup func(context.Context, string) (bot.User, error)) bot.Modal {
	var picked string
	for _, b := range m.Blocks {
		if in, ok := b.(*bot.Input); ok {
			if el, ok := in.Element.(*bot.UserSelect); ok && el.Initial != "" {
				picked = el.Initial
			}
		}
	}
	if picked == "" || !hasEmailInput(m) {
		return m
	}
	u, err := lookup(ctx, picked)
	if err != nil || u.Email == "" {
		return m
	}
	out := m
	out.Blocks = make([]bot.Block, len(m.Blocks))
	for i, b := range m.Blocks {
		out.Blocks[i] = b
		if in, ok := b.(*bot.Input); ok {
			if el, ok := in.Element.(*bot.EmailInput); ok && el.Initial == "" {
				cp, el2 := *in, *el
				el2.Initial = u.Email
				cp.Element = &el2
				out.Blocks[i] = &cp
			}
		}
	}
	return out
}
