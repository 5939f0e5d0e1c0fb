package config_test

import (
	"strings"
	"testing"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/config"
)

const teamsBase = `
admins: [root@example.com]
requesters: [everyone]
adobe: {identity: {type: enterpriseID}}
slack: {admin_channel: C0123ABCDE1}
packages:
  agent:
    profiles: [{name: Live Agent}]
    marketo: {role: {name: DC Agent}}
    approvers: [teams:bbbbbbbb-0000-4000-8000-000000000002, teams-group:99999999-0000-4000-8000-00000000000f]
`

// TestTeamsSection: a package whose only approval destination is a
// Teams channel is valid, and the channel reaches the policy.
func TestTeamsSection(t *testing.T) {
	cfg, err := config.Parse([]byte(teamsBase+`
teams:
  enabled: true
  graph_groups: true
  channels: {agent: "19:abc-DEF_1@thread.tacv2"}
  admin_channel: "19:admins@thread.tacv2"
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	pkg := cfg.Policy().Packages["agent"]
	if len(pkg.ApprovalChannels) != 1 || pkg.ApprovalChannels[0] != (approvals.PlatformID{Platform: approvals.PlatformTeams, ID: "19:abc-DEF_1@thread.tacv2"}) {
		t.Fatalf("approval channels %+v", pkg.ApprovalChannels)
	}
	s := cfg.Settings().Teams
	if !s.Enabled || !s.GraphGroups || s.AppName != "chataccess" || s.AdminChannel != "19:admins@thread.tacv2" || len(s.ChannelIDs()) != 2 {
		t.Fatalf("settings %+v", s)
	}
}

// TestTeamsSectionProblems: every problem is listed with its path.
func TestTeamsSectionProblems(t *testing.T) {
	_, err := config.Parse([]byte(teamsBase+`
server: {listen: ":8080"}
teams:
  enabled: true
  local_dev: true
  channels: {agent: "General", nope: "19:x@thread.tacv2"}
  admin_channel: "C0123"
  service_url: "ftp://x"
`), nil)
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{"teams.channels.agent", "teams.channels.nope", "teams.admin_channel", "teams.service_url", "teams.local_dev"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("no problem for %s in:\n%v", want, err)
		}
	}
}

// TestTeamsEnv: ids must be GUIDs, the password may come from a file,
// and serve's check names what is missing.
func TestTeamsEnv(t *testing.T) {
	env := map[string]string{config.EnvTeamsAppID: "not-a-guid", config.EnvTeamsTenantID: "72f988bf-86f1-41af-91ab-2d7cd011db47",
		config.EnvTeamsLoginURL: "https://login.example/", config.EnvTeamsOpenIDURL: "nope"}
	_, err := config.LoadEnv(func(k string) string { return env[k] })
	if err == nil || !strings.Contains(err.Error(), config.EnvTeamsAppID) || !strings.Contains(err.Error(), config.EnvTeamsOpenIDURL) {
		t.Fatalf("LoadEnv: %v", err)
	}
	env[config.EnvTeamsAppID], env[config.EnvTeamsOpenIDURL] = "5b4d0f5e-1c1e-4a55-9d7a-0a1b2c3d4e5f", ""
	e, err := config.LoadEnv(func(k string) string { return env[k] })
	if err != nil || e.TeamsLoginURL != "https://login.example" {
		t.Fatalf("LoadEnv: %+v %v", e, err)
	}
	err = e.CheckTeams(config.TeamsSettings{Enabled: true})
	if err == nil || !strings.Contains(err.Error(), config.EnvTeamsAppPassword) || strings.Contains(err.Error(), config.EnvTeamsAppID) {
		t.Fatalf("CheckTeams: %v", err)
	}
	if err := e.CheckTeams(config.TeamsSettings{Enabled: true, LocalDev: true}); err != nil {
		t.Fatalf("local development needs no credentials: %v", err)
	}
}

const teamsOnly = `
admins: [root@example.com]
requesters: [everyone]
adobe: {identity: {type: enterpriseID}}
slack: {enabled: false}
packages:
  agent:
    profiles: [{name: Live Agent}]
    marketo: {role: {name: DC Agent}}
    approvers: [bob@example.com]
`

// TestTeamsOnly: without Slack, no Slack admin channel or variable is
// needed; a Slack approval channel or no platform at all is refused.
func TestTeamsOnly(t *testing.T) {
	cfg, err := config.Parse([]byte(teamsOnly+"teams: {enabled: true, channels: {agent: \"19:a@thread.tacv2\"}}\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.Settings()
	if s.Slack.Enabled || s.Slack.CheckMode() != config.ModeOff {
		t.Fatalf("slack settings %+v", s.Slack)
	}
	e := config.Env{AdobeClientID: "x", AdobeClientSecret: config.NewSecret("y"), AdobeOrgID: "A@AdobeOrg",
		MarketoClientID: "m", MarketoClientSecret: config.NewSecret("n"), MarketoBaseURL: "https://m.example", RedisURL: config.NewSecret("redis://r:6379")}
	if err := e.CheckFor(s.Slack.CheckMode()); err != nil {
		t.Fatalf("Teams-only needs Slack variables: %v", err)
	}
	_, err = config.Parse([]byte(strings.Replace(teamsOnly, "approvers:", "approval_channel: C0123ABCDE1\n    approvers:", 1)), nil)
	if err == nil || !strings.Contains(err.Error(), "slack.enabled is false") || !strings.Contains(err.Error(), "chataccess needs a chat platform") {
		t.Fatalf("no platform, or a Slack channel without Slack: %v", err)
	}
}
