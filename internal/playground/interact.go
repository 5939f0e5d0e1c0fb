//go:build !nodemo

package playground

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Target names what a person clicks: a button or menu in a message, in a
// reply only they see, in their open modal or in their App Home.
type Target struct {
	// Channel and TS name a message.
	Channel string `json:"channel,omitempty"`
	TS      string `json:"ts,omitempty"`
	// Reply names a reply only the person sees (Reply.ID, or "e<n>" for
	// the n-th chat.postEphemeral message).
	Reply string `json:"reply,omitempty"`
	// View names the person's open modal or App Home.
	View string `json:"view,omitempty"`
	// BlockID and ActionID name the element.
	BlockID  string `json:"block_id"`
	ActionID string `json:"action_id"`
	// Option is the value chosen in a menu.
	Option string `json:"option,omitempty"`
	// Values are the inputs of the modal the element is in, as in
	// Submit.
	Values Values `json:"values,omitempty"`
}

// Values are what a person entered in a modal: block id → action id →
// the text typed, or the values (users) chosen.
type Values map[string]map[string][]string

// source is what a click comes from, as Slack describes it.
type source struct {
	blocks    []any
	container map[string]any
	extra     map[string]any
	channel   string
	reply     string
}

// Click presses a button or chooses a menu option as user, and sends
// the bot the block_actions payload Slack would send.
func (s *Slack) Click(ctx context.Context, user string, t Target) error {
	src, err := s.sourceOf(user, t)
	if err != nil {
		return err
	}
	el, ok := findElement(src.blocks, t.BlockID, t.ActionID)
	if !ok {
		return fmt.Errorf("%w: %s in block %q", errNoElement, t.ActionID, t.BlockID)
	}
	action := map[string]any{"type": el["type"], "action_id": t.ActionID, "block_id": t.BlockID,
		"action_ts": strconv.FormatFloat(float64(time.Now().UnixMicro())/1e6, 'f', 6, 64)}
	switch el["type"] {
	case "button":
		action["value"], action["text"] = el["value"], el["text"]
	case "static_select", "overflow":
		opt, ok := findOption(el, t.Option)
		if !ok {
			return fmt.Errorf("%w: option %q of %s", errNoElement, t.Option, t.ActionID)
		}
		action["selected_option"] = opt
	case "users_select":
		action["selected_user"] = t.Option
	default:
		return fmt.Errorf("%w: %v elements are not clickable here", errNoElement, el["type"])
	}
	trig := s.trigger(user)
	payload := map[string]any{"type": "block_actions", "api_app_id": "A0PLAYGRND1", "trigger_id": trig,
		"user": s.userJSON(user), "team": map[string]any{"id": s.team, "domain": "playground"},
		"container": src.container, "actions": []any{action}}
	for k, v := range src.extra {
		payload[k] = v
	}
	if src.channel != "" {
		payload["channel"] = map[string]any{"id": src.channel, "name": strings.TrimPrefix(s.cfg.Cast.ChannelName(src.channel), "#")}
		payload["response_url"] = s.responseURL("actions", user, src.channel, src.reply)
	}
	if err := s.interact(ctx, payload); err != nil {
		return err
	}
	s.openedWith(user, trig)
	return nil
}

// sourceOf finds what t is in and describes it as Slack does.
func (s *Slack) sourceOf(user string, t Target) (source, error) {
	switch {
	case t.View != "":
		v, ok := s.viewOf(user, t.View)
		if !ok {
			return source{}, fmt.Errorf("%w: view %s is not open for %s", errNoElement, t.View, user)
		}
		return source{blocks: blocksOf(v), container: map[string]any{"type": "view", "view_id": t.View},
			extra: map[string]any{"view": viewPayload(t.View, v, t.Values)}}, nil
	case t.Reply != "":
		r, ok := s.reply(user, t.Reply)
		if !ok {
			return source{}, fmt.Errorf("%w: no reply %s for %s", errNoElement, t.Reply, user)
		}
		var blocks []any
		_ = json.Unmarshal(r.Blocks, &blocks)
		return source{blocks: blocks, channel: r.Channel, reply: r.ID, container: map[string]any{"type": "message",
			"message_ts": "0000000000." + strings.TrimLeft(r.ID, "re"), "channel_id": r.Channel, "is_ephemeral": true}}, nil
	}
	m, ok := s.cfg.Fake.Message(t.Channel, t.TS)
	if !ok {
		return source{}, fmt.Errorf("%w: no message %s in %s", errNoElement, t.TS, t.Channel)
	}
	var blocks []any
	_ = json.Unmarshal([]byte(m.Blocks), &blocks)
	msg := map[string]any{"type": "message", "ts": m.TS, "text": m.Text, "blocks": blocks, "user": "UBOT", "bot_id": "B0PLAYGRND1"}
	if m.ThreadTS != "" {
		msg["thread_ts"] = m.ThreadTS
	}
	c := map[string]any{"type": "message", "message_ts": m.TS, "channel_id": m.Channel, "is_ephemeral": false}
	if m.ThreadTS != "" {
		c["thread_ts"] = m.ThreadTS
	}
	return source{blocks: blocks, channel: m.Channel, container: c, extra: map[string]any{"message": msg}}, nil
}

// reply returns a reply user can see: one of the stand-in's, or a
// chat.postEphemeral message ("e<n>").
func (s *Slack) reply(user, id string) (Reply, bool) {
	if n, ok := strings.CutPrefix(id, "e"); ok {
		i, err := strconv.Atoi(n)
		eph := s.cfg.Fake.Ephemerals()
		if err != nil || i < 0 || i >= len(eph) || eph[i].User != user {
			return Reply{}, false
		}
		e := eph[i]
		return Reply{ID: id, User: e.User, Channel: e.Channel, Text: e.Text, Blocks: json.RawMessage(e.Blocks)}, true
	}
	for _, r := range s.Replies() {
		if r.ID == id && (r.User == user || r.InChannel) {
			return r, true
		}
	}
	return Reply{}, false
}

func (s *Slack) userJSON(user string) map[string]any {
	p, _ := s.cfg.Cast.Person(user)
	name := strings.ToLower(strings.Fields(p.Name + " x")[0])
	return map[string]any{"id": user, "username": name, "name": name, "team_id": s.team}
}

// interact posts an interactivity payload.
func (s *Slack) interact(ctx context.Context, payload map[string]any) error {
	_, err := s.interactAnswer(ctx, payload)
	return err
}

func (s *Slack) interactAnswer(ctx context.Context, payload map[string]any) ([]byte, error) {
	raw, err := json.Marshal(payload)
	if err != nil {
		return nil, err
	}
	form := url.Values{"payload": {string(raw)}}
	return s.post(ctx, "/slack/interactions", "application/x-www-form-urlencoded", []byte(form.Encode()))
}

// OpenHome opens user's App Home tab: the bot gets app_home_opened and
// publishes the Home (after its answer, as in Slack).
func (s *Slack) OpenHome(ctx context.Context, user string) error {
	n := s.next()
	ev := map[string]any{"type": "event_callback", "team_id": s.team, "api_app_id": "A0PLAYGRND1",
		"event_id": fmt.Sprintf("Ev0PLAYGRND%d", n), "event_time": time.Now().Unix(),
		"event": map[string]any{"type": "app_home_opened", "user": user, "channel": "D" + user, "tab": "home",
			"event_ts": strconv.FormatInt(time.Now().Unix(), 10) + ".000100"}}
	raw, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	_, err = s.post(ctx, "/slack/events", "application/json", raw)
	return err
}

// findElement finds the interactive element actionID in the block
// blockID (blocks without an id match ""), as an actions element, a
// section accessory or an input element.
func findElement(blocks []any, blockID, actionID string) (map[string]any, bool) {
	for _, raw := range blocks {
		b, _ := raw.(map[string]any)
		if id, _ := b["block_id"].(string); id != blockID {
			continue
		}
		var els []any
		if es, ok := b["elements"].([]any); ok {
			els = append(els, es...)
		}
		for _, k := range []string{"accessory", "element"} {
			if e, ok := b[k]; ok {
				els = append(els, e)
			}
		}
		for _, e := range els {
			if m, ok := e.(map[string]any); ok && m["action_id"] == actionID {
				return m, true
			}
		}
	}
	return nil, false
}

// findOption returns the option with value among a menu's options.
func findOption(el map[string]any, value string) (map[string]any, bool) {
	var opts []any
	if os, ok := el["options"].([]any); ok {
		opts = append(opts, os...)
	}
	if gs, ok := el["option_groups"].([]any); ok {
		for _, g := range gs {
			if gm, ok := g.(map[string]any); ok {
				if os, ok := gm["options"].([]any); ok {
					opts = append(opts, os...)
				}
			}
		}
	}
	for _, o := range opts {
		if om, ok := o.(map[string]any); ok && om["value"] == value {
			return om, true
		}
	}
	return nil, false
}

func blocksOf(view map[string]any) []any {
	bs, _ := view["blocks"].([]any)
	return bs
}
