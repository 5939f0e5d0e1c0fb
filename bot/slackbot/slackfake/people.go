package slackfake

import "encoding/json"

// Changes to the workspace while a test runs, as an admin would make
// them in Slack.

// Deactivate deactivates a member, as a workspace admin does: from then
// on users.info answers the profile with "deleted": true,
// users.lookupByEmail no longer finds them and conversations.open
// answers user_disabled. The member stays in their user groups here
// (stricter than Slack, which may drop them), so a bot must read
// users.info to notice.
func (f *Fake) Deactivate(userID string) {
	f.setDeleted(userID, true)
}

// Reactivate undoes Deactivate.
func (f *Fake) Reactivate(userID string) {
	f.setDeleted(userID, false)
}

func (f *Fake) setDeleted(userID string, deleted bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	u, ok := f.users[userID]
	if !ok {
		return
	}
	u.Deleted = deleted
	f.users[userID] = u
}

// AddToGroup adds a member to a user group (creating the group).
func (f *Fake) AddToGroup(groupID, userID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, m := range f.groups[groupID] {
		if m == userID {
			return
		}
	}
	f.groups[groupID] = append(f.groups[groupID], userID)
}

// RemoveFromGroup removes a member from a user group; the next
// usergroups.users.list no longer lists them.
func (f *Fake) RemoveFromGroup(groupID, userID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var kept []string
	for _, m := range f.groups[groupID] {
		if m != userID {
			kept = append(kept, m)
		}
	}
	f.groups[groupID] = kept
}

// MessagePayload is the "message" object Slack puts in a block_actions
// payload for a click in that message: its ts, text and blocks as
// stored. nil when the fake has no such message.
func (f *Fake) MessagePayload(channel, ts string) map[string]any {
	m, ok := f.Message(channel, ts)
	if !ok {
		return nil
	}
	var blocks []any
	if m.Blocks != "" {
		_ = json.Unmarshal([]byte(m.Blocks), &blocks)
	}
	return map[string]any{"type": "message", "ts": m.TS, "text": m.Text, "blocks": blocks}
}
