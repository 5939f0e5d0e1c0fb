//go:build !nodemo

package playground

import (
	"fmt"
	"strings"

	"github.com/chataccess/chataccess/bot/teamsbot/teamsfake"
)

// TeamsTeam is the Teams team that holds the story's channels.
const TeamsTeam = "19:dynamic-chat@thread.tacv2"

// TeamsUser is a person of the cast as Teams knows them: an Entra
// object id and a 29: id of their own, their name and their email.
func (c Cast) TeamsUser(id string) (teamsfake.User, bool) {
	for i, p := range c.People {
		if p.ID != id {
			continue
		}
		first, last, _ := strings.Cut(p.Name, " ")
		return teamsfake.User{ObjectID: fmt.Sprintf("dc000000-0000-4000-8000-%012d", i+1), MRI: "29:dc-" + strings.ToLower(first),
			Name: p.Name, Email: p.Email, UPN: p.Email, Given: first, Surname: last}, true
	}
	return teamsfake.User{}, false
}

// TeamsUsers is the whole cast in Teams.
func (c Cast) TeamsUsers() []teamsfake.User {
	out := make([]teamsfake.User, 0, len(c.People))
	for _, p := range c.People {
		u, _ := c.TeamsUser(p.ID)
		out = append(out, u)
	}
	return out
}

// TeamsChannel is the Teams channel standing for a channel of the cast:
// the same name, "19:<name>@thread.tacv2".
func (c Cast) TeamsChannel(id string) string {
	for _, ch := range c.Channels {
		if ch.ID == id {
			return "19:" + ch.Name + "@thread.tacv2"
		}
	}
	return ""
}

// PersonalChat is the conversation id of a person's 1:1 chat with the
// bot in Teams.
func PersonalChat(id string) string { return "a:1-1-" + strings.ToLower(id) }

// TeamsPlace is the cast channel (its id) or the person (their id, with
// personal true) a Teams conversation belongs to.
func (c Cast) TeamsPlace(conversation string) (id string, personal bool) {
	for _, ch := range c.Channels {
		if c.TeamsChannel(ch.ID) == conversation {
			return ch.ID, false
		}
	}
	for _, p := range c.People {
		if PersonalChat(p.ID) == conversation {
			return p.ID, true
		}
	}
	return conversation, false
}

// TeamsConfig seeds a fake Teams with the cast: everyone in every
// channel of the team, and each person's 1:1 chat with the bot.
func (c Cast) TeamsConfig(appID, appPassword, tenantID string) teamsfake.Config {
	cfg := teamsfake.Config{AppID: appID, AppPassword: appPassword, TenantID: tenantID, Users: c.TeamsUsers(),
		Conversations: map[string][]string{}, Personal: map[string]string{}}
	var everyone []string
	for _, u := range cfg.Users {
		everyone = append(everyone, u.MRI)
	}
	for _, ch := range c.Channels {
		cfg.Conversations[c.TeamsChannel(ch.ID)] = everyone
	}
	for _, p := range c.People {
		u, _ := c.TeamsUser(p.ID)
		cfg.Personal[u.MRI] = PersonalChat(p.ID)
	}
	return cfg
}
