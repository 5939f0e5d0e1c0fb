package slackfake

import (
	"encoding/json"
	"fmt"
	"strings"
)

// handle answers one authorised call; f.mu is held.
func (f *Fake) handle(method string, c Call) reply {
	switch method {
	case "auth.test":
		return reply{"ok": true, "user_id": "UBOT", "user": "chataccess", "team_id": "T1", "team": "Fake Workspace",
			"url": "https://fake.slack.com/", "bot_id": "BBOT"}
	case "conversations.info":
		return f.conversationInfo(c)
	case "usergroups.list":
		return f.userGroups(c)
	case "chat.postMessage":
		return f.postMessage(c)
	case "chat.update":
		return f.update(c)
	case "chat.postEphemeral":
		return f.postEphemeral(c)
	case "conversations.open":
		return f.openConversation(c)
	case "users.info":
		u, ok := f.users[param(c, "user")]
		if !ok {
			return fail("user_not_found")
		}
		j := userJSON(u)
		if param(c, "include_locale") == "true" && u.Locale != "" {
			j["locale"] = u.Locale // only when asked, as Slack does
		}
		return reply{"ok": true, "user": j}
	case "users.lookupByEmail":
		want := strings.ToLower(param(c, "email"))
		for _, u := range f.users {
			if want != "" && strings.ToLower(u.Email) == want && !u.Deleted {
				return reply{"ok": true, "user": userJSON(u)}
			}
		}
		return fail("users_not_found")
	case "usergroups.users.list":
		m, ok := f.groups[param(c, "usergroup")]
		if !ok {
			return fail("no_such_subteam")
		}
		return reply{"ok": true, "users": append([]string{}, m...)}
	case "views.open", "views.push":
		if c.JSON == nil {
			return fail("invalid_arguments")
		}
		trig := param(c, "trigger_id")
		switch {
		case trig == "":
			return fail("invalid_arguments")
		case f.expired[trig]:
			return fail("expired_trigger_id")
		case f.usedTrig[trig]:
			return fail("trigger_exchanged")
		}
		return f.view(method, c, "")
	case "views.update":
		if param(c, "view_id") == "" && param(c, "external_id") == "" {
			return fail("invalid_arguments")
		}
		return f.view(method, c, "")
	case "views.publish":
		user := param(c, "user_id")
		if _, ok := f.users[user]; !ok {
			return fail("user_not_found")
		}
		return f.view(method, c, user)
	}
	return fail("unknown_method")
}

func userJSON(u User) map[string]any {
	display := u.DisplayName
	if display == "" {
		display = u.Name
	}
	return map[string]any{
		"id": u.ID, "name": u.Name, "real_name": u.Name, "deleted": u.Deleted, "is_bot": u.IsBot,
		"is_restricted": u.Restricted, "is_ultra_restricted": u.UltraRestricted,
		"profile": map[string]any{"email": u.Email, "real_name": u.Name, "display_name": display,
			"first_name": u.FirstName, "last_name": u.LastName},
	}
}

// blocksOf parses the "blocks" form field and validates it.
func blocksOf(c Call) (string, reply) {
	raw := c.Form.Get("blocks")
	if raw == "" {
		return "", nil
	}
	var blocks []any
	if err := json.Unmarshal([]byte(raw), &blocks); err != nil {
		return "", fail("invalid_blocks_format")
	}
	if errs := validateBlocks(blocks, false); len(errs) > 0 {
		return "", fail("invalid_blocks", errs...)
	}
	if len(blocks) == 0 {
		return "", nil
	}
	return raw, nil
}

// contentOf reads a message's text and blocks, refusing blocks that
// break Block Kit limits and a message with neither, as Slack does.
func contentOf(c Call) (text, blocks string, bad reply) {
	blocks, bad = blocksOf(c)
	if bad != nil {
		return "", "", bad
	}
	text = c.Form.Get("text")
	if text == "" && blocks == "" {
		return "", "", fail("no_text")
	}
	return text, blocks, nil
}

func (f *Fake) postMessage(c Call) reply {
	ch := c.Form.Get("channel")
	if ch == "" || strings.HasPrefix(ch, "CMISSING") {
		return fail("channel_not_found")
	}
	if bad := f.channelRefusal(ch); bad != nil {
		return bad
	}
	text, blocks, bad := contentOf(c)
	if bad != nil {
		return bad
	}
	thread := c.Form.Get("thread_ts")
	if thread != "" {
		if _, ok := f.messages[ch+"/"+thread]; !ok {
			return fail("thread_not_found")
		}
	}
	m := &Message{Channel: ch, TS: f.nextTS(), ThreadTS: thread, Text: text, Blocks: blocks}
	k := ch + "/" + m.TS
	f.messages[k] = m
	f.order = append(f.order, k)
	return reply{"ok": true, "channel": ch, "ts": m.TS, "message": map[string]any{"text": text, "ts": m.TS, "thread_ts": thread}}
}

func (f *Fake) update(c Call) reply {
	ch, ts := c.Form.Get("channel"), c.Form.Get("ts")
	m, ok := f.messages[ch+"/"+ts]
	if !ok {
		return fail("message_not_found")
	}
	if bad := f.channelRefusal(ch); bad != nil {
		return bad
	}
	text, blocks, bad := contentOf(c)
	if bad != nil {
		return bad
	}
	if m.Text == text && m.Blocks == blocks {
		m.Identical++
	}
	m.Text, m.Blocks = text, blocks
	m.Edits++
	return reply{"ok": true, "channel": ch, "ts": ts, "text": text}
}

func (f *Fake) postEphemeral(c Call) reply {
	ch, user := c.Form.Get("channel"), c.Form.Get("user")
	if ch == "" || strings.HasPrefix(ch, "CMISSING") {
		return fail("channel_not_found")
	}
	if _, ok := f.users[user]; !ok {
		return fail("user_not_in_channel")
	}
	if bad := f.channelRefusal(ch); bad != nil {
		return bad
	}
	text, blocks, bad := contentOf(c)
	if bad != nil {
		return bad
	}
	f.ephemerals = append(f.ephemerals, Ephemeral{Channel: ch, User: user, Text: text, Blocks: blocks})
	return reply{"ok": true, "message_ts": f.nextTS()}
}

func (f *Fake) openConversation(c Call) reply {
	users := strings.Split(c.Form.Get("users"), ",")
	if len(users) != 1 || users[0] == "" {
		return fail("invalid_arguments")
	}
	u, ok := f.users[users[0]]
	if !ok {
		return fail("user_not_found")
	}
	if u.Deleted {
		return fail("user_disabled") // a deactivated member
	}
	return reply{"ok": true, "channel": map[string]any{"id": "D" + u.ID}}
}

func (f *Fake) view(method string, c Call, user string) reply {
	v, _ := c.JSON["view"].(map[string]any)
	if errs := validateView(v); len(errs) > 0 {
		return fail("invalid_blocks", errs...)
	}
	if t := param(c, "trigger_id"); t != "" {
		f.usedTrig[t] = true
	}
	f.seq++
	id := fmt.Sprintf("V%06d", f.seq)
	if vid := param(c, "view_id"); vid != "" {
		id = vid
	}
	f.views = append(f.views, View{ID: id, Method: method, User: user, View: v})
	if user != "" {
		f.homes[user] = v
	}
	return reply{"ok": true, "view": map[string]any{"id": id, "hash": fmt.Sprintf("h%d", f.seq), "type": v["type"]}}
}
