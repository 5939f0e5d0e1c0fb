//go:build !nodemo

package cli

import (
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/bot/teamsbot/teamsfake"
	"github.com/chataccess/chataccess/config"
)

// The demo's Teams bot: a single-tenant app of a made-up tenant. The
// password protects nothing (the fake Teams runs in this process on
// loopback).
const (
	demoTeamsAppID    = "dc0de000-0000-4000-8000-00000000a99d"
	demoTeamsTenant   = "dc0de000-0000-4000-8000-0000000007e7"
	demoTeamsPassword = "demo-teams-password-not-a-secret"
)

// teamsQuiet is how long the story waits for nothing to move before a
// step counts as done when Teams is on: longer than the 2.04 s between
// two sends to one conversation once its burst of 7 is spent
// (teams_wire.go's pacer), so updates held back by it are in.
const teamsQuiet = 2600 * time.Millisecond

// on reports whether the demo runs platform p.
func (d *demo) on(p bot.Platform) bool {
	switch d.platform {
	case platformBoth:
		return true
	case platformTeams:
		return p == bot.Teams
	}
	return p == bot.Slack
}

// storyPlatforms is where each step of the story is acted. On both
// platforms the story moves between them: the request is typed in
// Teams and refused to an outsider there, approved in Slack (the Teams
// card follows), the review is started in Teams and answered on the
// pages it sends (Slack first), and the removal is typed in Slack.
func (d *demo) storyPlatforms() []bot.Platform {
	switch d.platform {
	case platformTeams:
		return []bot.Platform{bot.Teams}
	case platformBoth:
		return []bot.Platform{bot.Teams, bot.Teams, bot.Slack, bot.Teams, bot.Slack, bot.Slack}
	}
	return []bot.Platform{bot.Slack}
}

// teamsEnv adds the Teams variables, pointing at the fake Teams; on
// Teams alone it takes the Slack ones away, as a Teams-only install
// has none.
func (d *demo) teamsEnv(vars map[string]string) {
	if d.teams == nil {
		return
	}
	vars[config.EnvTeamsAppID], vars[config.EnvTeamsAppPassword], vars[config.EnvTeamsTenantID] = demoTeamsAppID, demoTeamsPassword, demoTeamsTenant
	vars[config.EnvTeamsLoginURL], vars[config.EnvTeamsOpenIDURL] = d.teams.LoginURL(), d.teams.OpenIDURL()
	if d.platform == platformTeams {
		for k := range vars {
			if strings.HasPrefix(k, "SLACK_") {
				delete(vars, k)
			}
		}
	}
}

// teamsPolicy puts Teams beside Slack (both) or in its place (teams) in
// the demo's policy: each cast channel a package or the admin alerts
// use gets its Teams channel, and each cast person or Slack user group
// the policy names is named on Teams too (teams:<object id>; a group by
// its members), so the same people hold the same roles on both.
func (d *demo) teamsPolicy(cfg *config.Config) {
	if d.teams == nil {
		return
	}
	only := d.platform == platformTeams
	t := &cfg.Teams
	t.Enabled, t.ServiceURL = true, d.teams.ServiceURL()
	if t.Channels == nil {
		t.Channels = map[string]string{}
	}
	for name, pkg := range cfg.Packages {
		if ch := d.cast.TeamsChannel(pkg.ApprovalChannel); ch != "" {
			t.Channels[name] = ch
			if only {
				pkg.ApprovalChannel = ""
			}
		}
		pkg.Approvers = d.onTeamsToo(pkg.Approvers)
		pkg.AutoApprove.Requesters = d.onTeamsToo(pkg.AutoApprove.Requesters)
		cfg.Packages[name] = pkg
	}
	if ch := d.cast.TeamsChannel(cfg.Slack.AdminChannel); ch != "" {
		t.AdminChannel = ch
	}
	cfg.Requesters, cfg.Admins = d.onTeamsToo(cfg.Requesters), d.onTeamsToo(cfg.Admins)
	for i := range cfg.Reviews {
		cfg.Reviews[i].Reviewers = d.onTeamsToo(cfg.Reviews[i].Reviewers)
	}
	if only {
		off := false
		cfg.Slack.Enabled = &off
	}
}

// onTeamsToo adds to a list of people the Teams ids of the cast members
// it names by Slack id.
func (d *demo) onTeamsToo(list []string) []string {
	out := slices.Clone(list)
	for _, e := range list {
		id := strings.TrimPrefix(e, "slack:")
		members := d.cast.Groups[id]
		if _, ok := d.cast.Person(id); ok {
			members = []string{id}
		}
		for _, m := range members {
			if u, ok := d.cast.TeamsUser(m); ok && !slices.Contains(out, "teams:"+u.ObjectID) {
				out = append(out, "teams:"+u.ObjectID)
			}
		}
	}
	return out
}

// teamsMessages are the messages the bot posted in Teams, as they now
// stand, in the order posted.
func (d *demo) teamsMessages() []shown {
	posted := d.teams.Posted()
	byID := map[string]teamsfake.Posted{}
	for _, m := range posted {
		byID[m.Conversation+"/"+m.ActivityID] = m
	}
	out := make([]shown, 0, len(posted))
	for _, m := range posted {
		if isHome(m.Card()) {
			continue
		}
		place, personal := d.cast.TeamsPlace(m.Conversation)
		lines, header := d.teamsLines(m)
		s := shown{platform: bot.Teams, key: "teams/" + m.Conversation + "/" + m.ActivityID, place: place, personal: personal,
			edits: m.Edits, lines: lines, header: header, text: clipText(strings.Join(lines, " "), 160)}
		if parent, ok := byID[m.Conversation+"/"+m.ReplyTo]; ok && m.ReplyTo != "" && !personal {
			pl, ph := d.teamsLines(parent)
			s.reply, s.parent = true, title(shown{lines: pl, header: ph})
		}
		out = append(out, s)
	}
	return out
}

// isHome reports whether a card is someone's Home message (Teams' App
// Home: their requests and decisions, kept up to date in their 1:1
// chat), which the demo leaves out as it leaves out Slack's App Home.
// Its buttons carry the block id "home_actions" (commands/home.go).
func isHome(card map[string]any) bool {
	body, _ := card["body"].([]any)
	for _, raw := range body {
		el, _ := raw.(map[string]any)
		acts, _ := el["actions"].([]any)
		for _, a := range acts {
			am, _ := a.(map[string]any)
			if data, _ := am["data"].(map[string]any); data["b"] == "home_actions" {
				return true
			}
		}
	}
	return false
}

// teamsLines is a Teams message as plain readable lines: an Adaptive
// Card's text blocks, facts ("Status waiting for approval") and buttons
// ("[Approve] [Deny]"), or the message's text. header says whether the
// card starts with a heading.
func (d *demo) teamsLines(m teamsfake.Posted) ([]string, bool) {
	card := m.Card()
	if card == nil {
		text, _ := m.Body["text"].(string)
		var out []string
		for _, l := range strings.Split(text, "\n") {
			if l = d.teamsReadable(l, 200); l != "" {
				out = append(out, l)
			}
		}
		return out, false
	}
	var out []string
	header := false
	var walk func(els []any)
	walk = func(els []any) {
		for _, raw := range els {
			el, _ := raw.(map[string]any)
			switch el["type"] {
			case "TextBlock":
				text, _ := el["text"].(string)
				if len(out) == 0 && el["style"] == "heading" {
					header = true
				}
				for _, l := range strings.Split(text, "\n") {
					if l = d.teamsReadable(l, 200); l != "" {
						out = append(out, l)
					}
				}
			case "FactSet":
				facts, _ := el["facts"].([]any)
				for _, f := range facts {
					fm, _ := f.(map[string]any)
					t, _ := fm["title"].(string)
					v, _ := fm["value"].(string)
					out = append(out, d.teamsReadable(t+" "+v, 200))
				}
			case "ActionSet":
				acts, _ := el["actions"].([]any)
				out = append(out, buttons(acts))
			case "Container":
				items, _ := el["items"].([]any)
				walk(items)
			}
		}
	}
	body, _ := card["body"].([]any)
	walk(body)
	if acts, _ := card["actions"].([]any); len(acts) > 0 {
		out = append(out, buttons(acts))
	}
	return out, header
}

// buttons is a row of card actions as "[Approve] [Deny]".
func buttons(acts []any) string {
	var parts []string
	for _, a := range acts {
		am, _ := a.(map[string]any)
		t, _ := am["title"].(string)
		parts = append(parts, "["+t+"]")
	}
	return strings.Join(parts, " ")
}

var (
	teamsMentionRE = regexp.MustCompile(`<at>([^<]*)</at>`)
	teamsDateRE    = regexp.MustCompile(`\{\{(DATE|TIME)\(([^,)]+)(?:, *[A-Z]+)?\)\}\}`)
	teamsEscapeRE  = regexp.MustCompile(`\\([\\` + "`" + `*_{}\[\]()#+\-.!<>~|])`)
)

// teamsReadable is Teams card text as a person reads it, on one line:
// names for mentions, dates and times as Teams writes them out (here in
// UTC), no Markdown marks or escapes, cut at n characters.
func (d *demo) teamsReadable(s string, n int) string {
	s = teamsMentionRE.ReplaceAllStringFunc(s, func(t string) string {
		who := teamsMentionRE.FindStringSubmatch(t)[1]
		for _, p := range d.cast.People {
			if strings.EqualFold(p.Email, who) {
				return p.Name
			}
		}
		return who
	})
	s = teamsDateRE.ReplaceAllStringFunc(s, func(t string) string {
		m := teamsDateRE.FindStringSubmatch(t)
		at, err := time.Parse(time.RFC3339, strings.TrimSpace(m[2]))
		switch {
		case err != nil:
			return m[2]
		case m[1] == "TIME":
			return at.UTC().Format("15:04 UTC")
		}
		return at.UTC().Format("Mon 2 Jan 2006")
	})
	s = strings.ReplaceAll(s, "**", "")
	s = teamsEscapeRE.ReplaceAllString(s, "$1")
	return clipText(s, n)
}
