//go:build !nodemo

package playground

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
)

// Modal is the modal in front of a person.
type Modal struct {
	ID   string         `json:"id"`
	View map[string]any `json:"view"`
	// Errors are the bot's answers to a refused submission, by block id.
	Errors map[string]string `json:"errors,omitempty"`
	// Depth is how many modals are stacked (1 for one).
	Depth int `json:"depth"`
}

// Modal returns the modal in front of user, if any.
func (s *Slack) Modal(user string) (Modal, bool) {
	s.mu.Lock()
	stack := s.modals[user]
	s.mu.Unlock()
	if len(stack) == 0 {
		return Modal{}, false
	}
	top := stack[len(stack)-1]
	v, ok := s.content(top.id)
	if !ok {
		return Modal{}, false
	}
	return Modal{ID: top.id, View: v, Errors: top.errors, Depth: len(stack)}, true
}

// Home returns the App Home the bot last published for user and its
// view id.
func (s *Slack) Home(user string) (string, map[string]any, bool) {
	views := s.cfg.Fake.Views()
	for i := len(views) - 1; i >= 0; i-- {
		if views[i].Method == "views.publish" && views[i].User == user {
			return views[i].ID, views[i].View, true
		}
	}
	return "", nil, false
}

// viewOf returns the view id if it is user's top modal or App Home.
func (s *Slack) viewOf(user, id string) (map[string]any, bool) {
	if m, ok := s.Modal(user); ok && m.ID == id {
		return m.View, true
	}
	if hid, v, ok := s.Home(user); ok && hid == id {
		return v, true
	}
	return nil, false
}

// content is the latest version of a view: the fake's (views.open,
// push, update) or the one the bot answered a submission with,
// whichever came last.
func (s *Slack) content(id string) (map[string]any, bool) {
	views := s.cfg.Fake.Views()
	at, latest := -1, map[string]any(nil)
	for i := len(views) - 1; i >= 0; i-- {
		if views[i].ID == id {
			at, latest = i, views[i].View
			break
		}
	}
	s.mu.Lock()
	lv, ok := s.local[id]
	s.mu.Unlock()
	if ok && at < lv.after {
		return lv.view, true
	}
	return latest, latest != nil
}

// openedWith puts in front of user the modals the bot opened or pushed
// with trigger id trig. A view call that succeeded added one view to
// the fake, in call order, so calls and views pair up.
func (s *Slack) openedWith(user, trig string) {
	calls := s.cfg.Fake.Calls("")
	views := s.cfg.Fake.Views()
	i := 0
	for _, c := range calls {
		switch c.Method {
		case "views.open", "views.push", "views.update", "views.publish":
		default:
			continue
		}
		if c.Error != "" || i >= len(views) {
			continue
		}
		v := views[i]
		i++
		if t, _ := c.JSON["trigger_id"].(string); t != trig {
			continue
		}
		s.mu.Lock()
		if c.Method == "views.open" {
			s.modals[user] = nil
		}
		s.modals[user] = append(s.modals[user], openView{id: v.ID})
		s.changes++
		s.mu.Unlock()
	}
}

// submitAnswer is the bot's answer to a view_submission.
type submitAnswer struct {
	ResponseAction string            `json:"response_action"`
	Errors         map[string]string `json:"errors"`
	View           map[string]any    `json:"view"`
}

// Submit submits user's top modal viewID with values and does what the
// bot answers: close it, show errors, replace it, push another or clear
// them all. It returns the errors shown, if any.
func (s *Slack) Submit(ctx context.Context, user, viewID string, values Values) (map[string]string, error) {
	m, ok := s.Modal(user)
	if !ok || m.ID != viewID {
		return nil, fmt.Errorf("%w: modal %s is not in front of %s", errNoElement, viewID, user)
	}
	trig := s.trigger(user)
	payload := map[string]any{"type": "view_submission", "api_app_id": "A0PLAYGRND1", "trigger_id": trig,
		"user": s.userJSON(user), "team": map[string]any{"id": s.team, "domain": "playground"},
		"view": viewPayload(viewID, m.View, values), "response_urls": []any{}}
	body, err := s.interactAnswer(ctx, payload)
	if err != nil {
		return nil, err
	}
	var a submitAnswer
	if len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, &a); err != nil {
			return nil, fmt.Errorf("playground: submission answer: %w", err)
		}
	}
	s.answered(user, viewID, a)
	s.openedWith(user, trig)
	if a.ResponseAction == "errors" {
		return a.Errors, nil
	}
	return nil, nil
}

// answered applies the bot's answer to a submission of viewID.
func (s *Slack) answered(user, viewID string, a submitAnswer) {
	n := len(s.cfg.Fake.Views())
	s.mu.Lock()
	defer s.mu.Unlock()
	s.changes++
	stack := s.modals[user]
	if len(stack) == 0 || stack[len(stack)-1].id != viewID {
		return
	}
	top := &stack[len(stack)-1]
	switch a.ResponseAction {
	case "errors":
		top.errors = a.Errors
	case "update":
		top.errors = nil
		s.local[viewID] = localView{view: a.View, after: n}
	case "push":
		s.seq++
		id := "VPG" + strconv.Itoa(s.seq)
		s.local[id] = localView{view: a.View, after: n}
		s.modals[user] = append(stack, openView{id: id})
	case "clear":
		s.modals[user] = nil
	default:
		s.modals[user] = stack[:len(stack)-1]
	}
}

// CloseModal closes user's top modal (the Cancel button or Esc).
func (s *Slack) CloseModal(user string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if stack := s.modals[user]; len(stack) > 0 {
		s.modals[user] = stack[:len(stack)-1]
		s.changes++
	}
}

// viewPayload is a view as Slack sends it in a payload: its blocks,
// metadata and the state of its inputs.
func viewPayload(id string, v map[string]any, values Values) map[string]any {
	out := map[string]any{"id": id, "team_id": "T0PLAYGRD1", "hash": "h-" + id, "state": map[string]any{"values": stateOf(v, values)}}
	for _, k := range []string{"type", "blocks", "private_metadata", "callback_id", "title", "submit", "close", "external_id"} {
		if x, ok := v[k]; ok {
			out[k] = x
		}
	}
	return out
}

// stateOf is view.state.values: every input block's element with what
// was entered, in the shape Slack uses for its type.
func stateOf(v map[string]any, values Values) map[string]any {
	state := map[string]any{}
	for _, raw := range blocksOf(v) {
		b, _ := raw.(map[string]any)
		el, _ := b["element"].(map[string]any)
		block, _ := b["block_id"].(string)
		action, _ := el["action_id"].(string)
		if b["type"] != "input" || el == nil || block == "" {
			continue
		}
		state[block] = map[string]any{action: elementState(el, values[block][action])}
	}
	return state
}

func elementState(el map[string]any, got []string) map[string]any {
	typ, _ := el["type"].(string)
	st := map[string]any{"type": typ}
	first := func() any {
		if len(got) == 0 || got[0] == "" {
			return nil
		}
		return got[0]
	}
	switch typ {
	case "static_select":
		st["selected_option"] = nil
		if o, ok := findOption(el, fmt.Sprint(first())); ok && first() != nil {
			st["selected_option"] = o
		}
	case "multi_static_select":
		opts := []any{}
		for _, g := range got {
			if o, ok := findOption(el, g); ok {
				opts = append(opts, o)
			}
		}
		st["selected_options"] = opts
	case "users_select":
		st["selected_user"] = first()
	case "multi_users_select":
		st["selected_users"] = append([]string{}, got...)
	default:
		st["value"] = first()
	}
	return st
}
