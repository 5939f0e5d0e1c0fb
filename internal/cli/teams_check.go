package cli

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot/teamsbot"
	"github.com/chataccess/chataccess/config"
)

// systemTeams is the SYSTEM column of the Teams rows.
const systemTeams = "teams"

// checkTeams adds the Teams rows to `chataccess check` when the teams
// section is enabled: the credentials are set, a Bot Connector token is
// issued, every configured channel's conversation answers, and, with
// Graph groups on, every teams-group approver group can be read.
func (c *checker) checkTeams(ctx context.Context, s config.Settings, pol *approvals.Policy, timeout time.Duration) {
	t := s.Teams
	if !t.Enabled || t.LocalDev {
		return
	}
	e := c.env
	c.secrets = append(c.secrets, e.TeamsAppPassword.Reveal())
	if !c.need(systemTeams, envVar{name: config.EnvTeamsAppID, set: e.TeamsAppID != ""},
		envVar{name: config.EnvTeamsAppPassword, set: e.TeamsAppPassword.IsSet()},
		envVar{name: config.EnvTeamsTenantID, set: e.TeamsTenantID != ""}) {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	sender := teamsbot.NewSender(teamsbot.SenderConfig{AppID: e.TeamsAppID, AppPassword: e.TeamsAppPassword.Reveal(),
		TenantID: e.TeamsTenantID, LoginURL: e.TeamsLoginURL, ServiceURL: t.ServiceURL, Groups: t.GraphGroups,
		HTTPClient: &http.Client{Timeout: c.httpTimeout}, MaxRetries: 1, MaxRetryWait: time.Second})
	if err := sender.CheckToken(ctx); err != nil {
		c.add(allPackages, systemTeams, "token", statusFail, c.cell(err.Error()))
		return
	}
	c.add(allPackages, systemTeams, "token", statusOK, "Bot Connector token issued for app "+e.TeamsAppID)
	for _, name := range pol.PackageNames() {
		for _, ch := range approvals.On(pol.Packages[name].ApprovalChannels, approvals.PlatformTeams) {
			c.teamsRow(name, "channel "+ch, sender.CheckConversation(ctx, ch))
		}
		for _, g := range approvals.On(pol.Packages[name].Approvers.Groups, approvals.PlatformTeams) {
			if !t.GraphGroups {
				c.add(name, systemTeams, "group "+g, statusWarn, "teams.graph_groups is off, so this group approves nothing")
				continue
			}
			members, err := sender.GroupMembers(ctx, g)
			c.teamsRow(name, "group "+g, err)
			if err == nil && len(members) == 0 {
				c.rows[len(c.rows)-1].status = statusWarn
				c.rows[len(c.rows)-1].detail = "the group has no users"
			}
		}
	}
	if t.AdminChannel != "" {
		c.teamsRow(allPackages, "admin channel "+t.AdminChannel, sender.CheckConversation(ctx, t.AdminChannel))
	}
}

func (c *checker) teamsRow(pkg, item string, err error) {
	switch {
	case err == nil:
		c.add(pkg, systemTeams, item, statusOK, "reachable")
	case errors.Is(err, teamsbot.ErrToken):
		c.add(pkg, systemTeams, item, statusFail, c.cell(err.Error()))
	default:
		c.add(pkg, systemTeams, item, statusFail, c.cell(fmt.Sprintf("%v (is the app installed in its team?)", err)))
	}
}
