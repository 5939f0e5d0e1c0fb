package slackfake

import (
	"slices"
	"strings"
)

// The workspace around the bot: channels and whether the bot is in
// them, the token's scopes, user-group details. Strict like Slack: a
// method the token lacks a scope for answers missing_scope, a channel
// the fake knows refuses posts with not_in_channel until the bot is
// invited, and conversations.info does not find a private channel the
// bot is not in. Channels a test never added stay open to posts, as
// before these rules.

// DefaultScopes are the bot scopes manifest.yaml asks for; a new fake's
// token has them all.
var DefaultScopes = []string{"commands", "chat:write", "im:write", "users:read", "users:read.email", "usergroups:read", "channels:read", "groups:read"}

// methodScopes are the scopes each method needs, any one of them
// (docs.slack.dev/reference/methods/<method>, "Required scopes").
// conversations.info is checked per channel type.
var methodScopes = map[string][]string{
	"chat.postMessage":      {"chat:write"},
	"chat.update":           {"chat:write"},
	"chat.postEphemeral":    {"chat:write"},
	"conversations.open":    {"im:write", "mpim:write", "channels:manage", "groups:write"},
	"users.info":            {"users:read"},
	"users.lookupByEmail":   {"users:read.email"},
	"usergroups.list":       {"usergroups:read"},
	"usergroups.users.list": {"usergroups:read"},
}

// Channel is a conversation the fake knows.
type Channel struct {
	ID, Name string
	Private  bool
	// Member: the bot is in the channel.
	Member   bool
	Archived bool
}

// groupMeta is what usergroups.list says of a group besides members.
type groupMeta struct {
	handle, name string
	disabled     bool
}

// AddChannel registers a channel. From then on posts to it need the
// bot to be a member (not_in_channel otherwise) and it not archived.
func (f *Fake) AddChannel(c Channel) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.channels == nil {
		f.channels = map[string]Channel{}
	}
	f.channels[c.ID] = c
}

// Invite makes the bot a member of a registered channel, as
// `/invite @chataccess` does.
func (f *Fake) Invite(channelID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.channels[channelID]; ok {
		c.Member = true
		f.channels[channelID] = c
	}
}

// SetScopes replaces the token's scopes (x-oauth-scopes).
func (f *Fake) SetScopes(scopes ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.scopes = append([]string{}, scopes...)
}

// DescribeGroup sets a user group's handle (the @name) and name.
func (f *Fake) DescribeGroup(id, handle, name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.meta(id).handle, f.meta(id).name = handle, name
}

// DisableGroup disables a user group: usergroups.list leaves it out
// unless include_disabled is set, and then shows date_delete.
func (f *Fake) DisableGroup(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.meta(id).disabled = true
}

func (f *Fake) meta(id string) *groupMeta {
	if f.groupMeta == nil {
		f.groupMeta = map[string]*groupMeta{}
	}
	m, ok := f.groupMeta[id]
	if !ok {
		m = &groupMeta{handle: strings.ToLower(id), name: id}
		f.groupMeta[id] = m
	}
	return m
}

// grantedScopes are the token's scopes; f.mu is held.
func (f *Fake) grantedScopes() []string {
	if f.scopes == nil {
		return DefaultScopes
	}
	return f.scopes
}

// needScope answers missing_scope when the token lacks every scope the
// method takes; f.mu is held.
func (f *Fake) needScope(method string, c Call) reply {
	need := methodScopes[method]
	if method == "conversations.info" {
		need = []string{"channels:read"}
		if ch, ok := f.channels[param(c, "channel")]; ok && ch.Private {
			need = []string{"groups:read"}
		}
	}
	if len(need) == 0 || slices.ContainsFunc(need, func(s string) bool { return slices.Contains(f.grantedScopes(), s) }) {
		return nil
	}
	return reply{"ok": false, "error": "missing_scope", "needed": strings.Join(need, ","), "provided": strings.Join(f.grantedScopes(), ",")}
}

// channelRefusal is the error a post to ch gets, nil when it may post;
// f.mu is held.
func (f *Fake) channelRefusal(ch string) reply {
	c, ok := f.channels[ch]
	switch {
	case !ok:
		return nil
	case c.Archived:
		return fail("is_archived")
	case !c.Member:
		return fail("not_in_channel")
	}
	return nil
}

// conversationInfo answers conversations.info: a private channel the
// bot is not in is not found, as in Slack.
func (f *Fake) conversationInfo(c Call) reply {
	ch, ok := f.channels[param(c, "channel")]
	if !ok || (ch.Private && !ch.Member) {
		return fail("channel_not_found")
	}
	return reply{"ok": true, "channel": map[string]any{
		"id": ch.ID, "name": ch.Name, "is_channel": !ch.Private, "is_group": false, "is_private": ch.Private,
		"is_member": ch.Member, "is_archived": ch.Archived,
	}}
}

// userGroups answers usergroups.list.
func (f *Fake) userGroups(c Call) reply {
	withDisabled := param(c, "include_disabled") == "true" || param(c, "include_disabled") == "1"
	ids := make([]string, 0, len(f.groups))
	for id := range f.groups {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	out := []map[string]any{}
	for _, id := range ids {
		m := f.meta(id)
		if m.disabled && !withDisabled {
			continue
		}
		deleted := 0
		if m.disabled {
			deleted = 1700000000
		}
		out = append(out, map[string]any{"id": id, "team_id": "T1", "is_usergroup": true, "handle": m.handle, "name": m.name,
			"date_delete": deleted, "user_count": len(f.groups[id])})
	}
	return reply{"ok": true, "usergroups": out}
}
