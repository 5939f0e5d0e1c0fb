package config

import (
	"net"
	"regexp"
	"slices"
	"strings"

	"github.com/chataccess/chataccess/approvals"
)

// Teams environment variables (design.md §5): the single-tenant bot's
// credentials and base-URL overrides for tests and sovereign clouds.
const (
	EnvTeamsAppID       = "TEAMS_APP_ID"
	EnvTeamsAppPassword = "TEAMS_APP_PASSWORD"
	EnvTeamsTenantID    = "TEAMS_TENANT_ID"
	EnvTeamsLoginURL    = "TEAMS_LOGIN_URL"
	EnvTeamsOpenIDURL   = "TEAMS_OPENID_URL"
)

// ModeOff is the Slack mode of a process without Slack (slack.enabled:
// false); Env.CheckFor then needs no Slack variable.
const ModeOff = "off"

// CheckMode is the mode to give Env.CheckFor: ModeOff without Slack.
func (s SlackSettings) CheckMode() string {
	if !s.Enabled {
		return ModeOff
	}
	return s.Mode
}

// TeamsConfig is the teams: section: Microsoft Teams beside (or instead
// of) Slack.
type TeamsConfig struct {
	// Enabled turns the Teams adapter on (POST /api/messages).
	Enabled bool `yaml:"enabled"`
	// AppName is the bot's name in the app package. Default "chataccess".
	AppName string `yaml:"app_name"`
	// Channels maps a package to the Teams channel (conversation id,
	// "19:…@thread.tacv2") that gets its approval cards.
	Channels map[string]string `yaml:"channels"`
	// AdminChannel (a channel conversation id) receives admin alerts on Teams.
	AdminChannel string `yaml:"admin_channel"`
	// GraphGroups resolves teams-group: approvers through Microsoft Graph
	// (needs the GroupMember.Read.All application permission).
	GraphGroups bool `yaml:"graph_groups"`
	// ServiceURL is the Bot Connector used for conversations no activity
	// has come from yet. Default Microsoft's global endpoint.
	ServiceURL string `yaml:"service_url"`
	// LocalDev turns Bot Framework authentication off for a local
	// emulator (Microsoft 365 Agents Playground). Refused unless
	// server.listen is a loopback address.
	LocalDev bool `yaml:"local_dev"`
}

// TeamsSettings are the typed Teams knobs.
type TeamsSettings struct {
	Enabled      bool
	AppName      string
	Channels     map[string]string // package → conversation id
	AdminChannel string
	GraphGroups  bool
	ServiceURL   string
	LocalDev     bool
}

// ChannelIDs lists the configured channels (approval and admin), each once.
func (t TeamsSettings) ChannelIDs() []string {
	var out []string
	for _, ch := range t.Channels {
		out = append(out, ch)
	}
	if t.AdminChannel != "" {
		out = append(out, t.AdminChannel)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

var teamsChanRE = regexp.MustCompile(`^19:[0-9A-Za-z_.\-]{1,200}@thread\.(tacv2|skype|v2)$`)

// channel returns the Teams approval channel of a package key, or ""
// when Teams is off or names none.
func (t TeamsConfig) channel(pkgKey string) string {
	if !t.Enabled {
		return ""
	}
	return strings.TrimSpace(t.Channels[pkgKey])
}

// teams checks the teams: section, adds each package's Teams channel to
// its approval channels, and returns the settings.
func (r *problems) teams(c *Config, pol *approvals.Policy, listen string) TeamsSettings {
	t := c.Teams
	s := TeamsSettings{Enabled: t.Enabled, GraphGroups: t.GraphGroups, LocalDev: t.LocalDev, Channels: map[string]string{}}
	s.AppName = strings.TrimSpace(t.AppName)
	if s.AppName == "" {
		s.AppName = "chataccess"
	} else if len([]rune(s.AppName)) > 30 {
		r.add("teams.app_name", "is longer than 30 characters (the Teams manifest's short name limit)")
	}
	for key, ch := range t.Channels {
		path := join("teams.channels", key)
		ch = strings.TrimSpace(ch)
		name := strings.ToLower(strings.TrimSpace(key))
		pkg, ok := pol.Packages[name]
		switch {
		case !ok:
			r.add(path, "names no package")
		case !teamsChanRE.MatchString(ch):
			r.add(path, "%s is not a Teams channel id (like 19:abc…@thread.tacv2)", quote(truncate(ch, 60)))
		default:
			s.Channels[name] = ch
			if t.Enabled {
				pkg.ApprovalChannels = append(pkg.ApprovalChannels, approvals.PlatformID{Platform: approvals.PlatformTeams, ID: ch})
			}
		}
	}
	if s.AdminChannel = strings.TrimSpace(t.AdminChannel); s.AdminChannel != "" && !teamsChanRE.MatchString(s.AdminChannel) {
		r.add("teams.admin_channel", "%s is not a Teams channel id (like 19:abc…@thread.tacv2)", quote(truncate(s.AdminChannel, 60)))
	}
	if u := httpURL(r, "teams.service_url", t.ServiceURL); u != "" {
		s.ServiceURL = u + "/"
	}
	if c.Slack.Enabled != nil && !*c.Slack.Enabled {
		if !t.Enabled {
			r.add("slack.enabled", "is false and teams is not enabled: chataccess needs a chat platform")
		}
		for name, pkg := range pol.Packages {
			if len(approvals.On(pkg.ApprovalChannels, approvals.PlatformSlack)) > 0 {
				r.add(join("packages", name)+".approval_channel", "names a Slack channel but slack.enabled is false")
			}
		}
	}
	if t.LocalDev {
		host, _, err := net.SplitHostPort(listen)
		ip := net.ParseIP(host)
		if err != nil || (host != "localhost" && (ip == nil || !ip.IsLoopback())) {
			r.add("teams.local_dev", "turns Bot Framework authentication off, so server.listen must be a loopback address such as 127.0.0.1:3978 (it is %s)", quote(truncate(listen, 60)))
		}
	}
	return s
}

// CheckTeams reports every Teams value `serve` needs that is missing,
// as a *ValidationError whose paths are variable names. Local
// development needs none of them.
func (e Env) CheckTeams(s TeamsSettings) error {
	var ps problems
	if !s.Enabled || s.LocalDev {
		return nil
	}
	need := func(name string, set bool) {
		if !set {
			ps.add(name, "is not set; teams.enabled needs it")
		}
	}
	need(EnvTeamsAppID, e.TeamsAppID != "")
	need(EnvTeamsAppPassword, e.TeamsAppPassword.IsSet())
	need(EnvTeamsTenantID, e.TeamsTenantID != "")
	return newValidationError("", ps.list)
}

// loadTeamsEnv reads the Teams variables into e.
func loadTeamsEnv(e *Env, ps *problems, read func(string) string, getenv func(string) string) {
	e.TeamsAppID = strings.TrimSpace(read(EnvTeamsAppID))
	e.TeamsAppPassword = NewSecret(read(EnvTeamsAppPassword))
	e.TeamsTenantID = strings.TrimSpace(read(EnvTeamsTenantID))
	if id := e.TeamsAppID; id != "" && !entraIDRE.MatchString(id) {
		ps.add(EnvTeamsAppID, "is not a Microsoft App ID (a GUID)")
	}
	if id := e.TeamsTenantID; id != "" && !entraIDRE.MatchString(id) {
		ps.add(EnvTeamsTenantID, "is not an Entra ID tenant id (a GUID); single-tenant bots need it")
	}
	e.TeamsLoginURL = httpURL(ps, EnvTeamsLoginURL, getenv(EnvTeamsLoginURL))
	e.TeamsOpenIDURL = httpURL(ps, EnvTeamsOpenIDURL, getenv(EnvTeamsOpenIDURL))
}
