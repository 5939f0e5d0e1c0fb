package config_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/config"
)

const examplePath = "../chataccess.example.yaml"

func TestExampleValidates(t *testing.T) {
	cfg, err := config.Load(examplePath, nil)
	if err != nil {
		t.Fatalf("example does not validate:\n%v", err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate after Load: %v", err)
	}
	pol := cfg.Policy()
	want := []string{"agent", "calendar-agent", "marketing-admin", "marketing-user", "sales-admin"}
	if got := pol.PackageNames(); !slices.Equal(got, want) {
		t.Fatalf("packages = %v, want %v", got, want)
	}
	profiles := map[string]string{
		"marketing-user": "Marketing User", "agent": "Live Agent", "calendar-agent": "Calendar Agent",
		"marketing-admin": "Marketing Admin", "sales-admin": "Sales Admin",
	}
	for name, profile := range profiles {
		p := pol.Packages[name]
		if len(p.Profiles) != 1 || p.Profiles[0].Name != profile || p.Profiles[0].Product != "Dynamic Chat" {
			t.Errorf("%s profiles = %+v, want %q in Dynamic Chat", name, p.Profiles, profile)
		}
		if p.MarketoRole.Name == "" || p.MarketoWorkspace.Name != "Default" {
			t.Errorf("%s marketo = %v in %v", name, p.MarketoRole, p.MarketoWorkspace)
		}
		if p.DefaultDuration == 0 || p.MaxDuration == 0 || p.DefaultDuration > p.MaxDuration {
			t.Errorf("%s durations default %v max %v", name, p.DefaultDuration, p.MaxDuration)
		}
	}
	if got := pol.Packages["marketing-admin"].MinApprovals; got != 2 {
		t.Errorf("marketing-admin min_approvals = %d, want 2", got)
	}
	rs := cfg.ReviewSchedules()
	if len(rs) != 2 || rs[0].Name != "quarterly" || rs[0].Location.String() != "Europe/Berlin" ||
		len(rs[0].Packages) != 5 || rs[0].Deadline != 14*24*time.Hour || rs[0].OnNoResponse != config.NoResponseEscalate {
		t.Errorf("review schedules = %+v", rs)
	}
	s := cfg.Settings()
	if s.Slack.Command != "/dynchat" || s.Adobe.BatchWindow != 250*time.Millisecond ||
		s.Marketo.DeleteRolesBody != config.RolesBodyArray || s.Redis.Prefix != "chataccess:v1:" || s.Listen != ":8080" {
		t.Errorf("settings = %+v", s)
	}
}

// minimal is the smallest valid config; cases add to it.
const minimal = `requesters: [everyone]
admins: [admin@example.com]
slack: {admin_channel: C0ADMINS001}
adobe: {identity: {type: enterpriseID}}
packages:
  agent:
    profiles: [{name: Live Agent}]
    marketo: {role: {name: DC Agent}}
    approvers: [lead@example.com, U0LEAD00001]
    approval_channel: C0APPROVE01
`

// withPkg adds lines (indented 4 spaces) to package agent.
func withPkg(lines ...string) string {
	var b strings.Builder
	b.WriteString(minimal)
	for _, l := range lines {
		b.WriteString("    " + l + "\n")
	}
	return b.String()
}

// replace swaps one line of minimal for another text.
func replace(old, new string) string {
	if !strings.Contains(minimal, old) {
		panic("minimal has no " + old)
	}
	return strings.Replace(minimal, old, new, 1)
}

func TestMinimalValidates(t *testing.T) {
	cfg, err := config.Parse([]byte(minimal), nil)
	if err != nil {
		t.Fatal(err)
	}
	p := cfg.Policy().Packages["agent"]
	if p.MinApprovals != 1 || p.ApprovalTimeout != 72*time.Hour || p.ReminderInterval != 24*time.Hour ||
		p.OnPartialFailure != approvals.CompensateRollback || p.AllowSelfApproval || p.AllowPermanent ||
		p.MarketoWorkspace.Name != "Default" || p.Identity.Type != approvals.EnterpriseID {
		t.Errorf("defaults not applied: %+v", p)
	}
	if !cfg.Policy().Requesters.Everyone || cfg.Policy().MaxJustification != 500 {
		t.Errorf("policy = %+v", cfg.Policy())
	}
}

type problem = config.Problem

func TestBadConfigs(t *testing.T) {
	cases := []struct {
		name string
		yaml string
		want []problem
	}{
		{"unknown top-level key", minimal + "colour: blue\n",
			[]problem{{"colour", `unknown key "colour"`}}},
		{"unknown top-level key close to a known one", minimal + "dryrun: true\n",
			[]problem{{"dryrun", `unknown key "dryrun" (did you mean "dry_run"?)`}}},
		{"unknown nested key", withPkg("aproval_timeout: 12h"),
			[]problem{{"packages.agent.aproval_timeout", `unknown key "aproval_timeout" (did you mean "approval_timeout"?)`}}},
		{"unknown key deep down", replace("marketo: {role: {name: DC Agent}}", "marketo: {role: {name: DC Agent, colour: red}}"),
			[]problem{{"packages.agent.marketo.role.colour", `unknown key "colour"`}}},
		{"unknown key in a review", minimal + "reviews:\n  - name: q\n    schedule: '@monthly'\n    deadlines: 3d\n",
			[]problem{{"reviews[0].deadlines", `unknown key "deadlines" (did you mean "deadline"?)`}}},
		{"duplicate package names differing in case", minimal + "  Agent:\n    profiles: [{name: Live Agent}]\n    marketo: {role: {id: 7}}\n    approvers: [lead@example.com]\n    dm_approvers: true\n",
			[]problem{{"packages.agent", `duplicate package name: "Agent" and "agent" differ only in case`}}},
		{"repeated package key", minimal + "  agent:\n    description: again\n",
			[]problem{{"packages.agent", "key is repeated (first at line 6)"}}},
		{"missing approvers", replace("    approvers: [lead@example.com, U0LEAD00001]\n", ""),
			[]problem{{"packages.agent.approvers", "is required: list emails, Slack user ids (U…/W…) or user-group ids (S…), or teams:/teams-group: object ids"}}},
		{"min_approvals larger than the approvers", withPkg("min_approvals: 3"),
			[]problem{{"packages.agent.min_approvals", "is 3 but only 2 approvers are listed"}}},
		{"min_approvals zero", withPkg("min_approvals: 0"),
			[]problem{{"packages.agent.min_approvals", "is 0; must be between 1 and 100"}}},
		{"min_approvals not a number", withPkg("min_approvals: two"),
			[]problem{{"packages.agent.min_approvals", `must be a whole number, not "two"`}}},
		{"bad approver email", replace("[lead@example.com, U0LEAD00001]", "[lead@example.com, U0LEAD00001, bob@]"),
			[]problem{{"packages.agent.approvers[2]", `"bob@" is not an email`}}},
		{"bad admin email", replace("admins: [admin@example.com]", "admins: [admin@example.com, ops@localhost]"),
			[]problem{{"admins[1]", `"ops@localhost" has no domain`}}},
		{"bad requester email", replace("requesters: [everyone]", "requesters: [a..b@example.com]"),
			[]problem{{"requesters[0]", `"a..b@example.com" is not an email`}}},
		{"everyone with others", replace("requesters: [everyone]", "requesters: [everyone, U0LEAD00001]"),
			[]problem{{"requesters[0]", `"everyone" must be the only entry`}}},
		{"everyone as approver", replace("[lead@example.com, U0LEAD00001]", "[everyone]"),
			[]problem{{"packages.agent.approvers[0]", `"everyone" is not allowed here; list people or groups`}}},
		{"approver listed twice", replace("[lead@example.com, U0LEAD00001]", "[lead@example.com, LEAD@example.com]"),
			[]problem{{"packages.agent.approvers[1]", `"lead@example.com" is listed twice`}}},
		{"bad slack ids", replace("[lead@example.com, U0LEAD00001]", "[u0lead00001, U12, S0GROUP0001, C0CHANNEL01]"),
			[]problem{
				{"packages.agent.approvers[0]", `"u0lead00001" is not an email, a Slack user id (U…/W…, or slack:U…), a Slack user-group id (S…, or slack:S…), a Teams user (teams:<Entra object id>) or an Entra ID group (teams-group:<object id>)`},
				{"packages.agent.approvers[1]", `"U12" is not an email, a Slack user id (U…/W…, or slack:U…), a Slack user-group id (S…, or slack:S…), a Teams user (teams:<Entra object id>) or an Entra ID group (teams-group:<object id>)`},
				{"packages.agent.approvers[3]", `"C0CHANNEL01" is not an email, a Slack user id (U…/W…, or slack:U…), a Slack user-group id (S…, or slack:S…), a Teams user (teams:<Entra object id>) or an Entra ID group (teams-group:<object id>)`},
			}},
		{"channel name instead of id", replace("approval_channel: C0APPROVE01", "approval_channel: '#dc-approvals'"),
			[]problem{{"packages.agent.approval_channel", `"#dc-approvals" is not a Slack channel id (like C0123ABCDE); use the id, not the name`}}},
		{"bad durations", withPkg("default_duration: 3x", "max_duration: permanent", "approval_timeout: soon"),
			[]problem{
				{"packages.agent.approval_timeout", `"soon" is not a duration (use e.g. 30d, 2w, 12h, 90m or 250ms; at most ten years)`},
				{"packages.agent.default_duration", `"3x" is not a duration (use e.g. 30d, 2w, 12h, 90m or 250ms; at most ten years)`},
				{"packages.agent.max_duration", "cannot be permanent"},
			}},
		{"default_duration longer than max_duration", withPkg("default_duration: 60d", "max_duration: 4w"),
			[]problem{{"packages.agent.default_duration", "is 60d, longer than max_duration (4w)"}}},
		{"permanent default without allow_permanent", withPkg("default_duration: permanent"),
			[]problem{{"packages.agent.default_duration", "is permanent but allow_permanent is false"}}},
		{"reminder not shorter than the timeout", withPkg("approval_timeout: 12h", "reminder_interval: 1d"),
			[]problem{{"packages.agent.reminder_interval", "is 1d, not shorter than approval_timeout (12h); use off for no reminders"}}},
		{"bad cron spec", minimal + "reviews:\n  - name: q\n    schedule: '0 9 * *'\n  - name: r\n    schedule: '61 9 * * *'\n  - name: s\n    schedule: '0 0 30 2 *'\n",
			[]problem{
				{"reviews[0].schedule", `cron spec "0 9 * *" has 4 fields; want 5 (minute hour day-of-month month day-of-week) or a descriptor like @weekly`},
				{"reviews[1].schedule", `cron spec "61 9 * * *": minute "61" is invalid: end of range (61) above maximum (59): 61`},
				{"reviews[2].schedule", `cron spec "0 0 30 2 *" never fires: no chosen month has the chosen days`},
			}},
		{"bad time zone", minimal + "reviews:\n  - name: q\n    schedule: '@monthly'\n    time_zone: Mars/Olympus\n",
			[]problem{{"reviews[0].time_zone", `"Mars/Olympus" is not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)`}}},
		{"review of an unknown package, duplicate names", minimal + "reviews:\n  - name: q\n    schedule: '@monthly'\n    packages: [agnet]\n  - name: Q\n    schedule: '@weekly'\n    on_no_response: ignore\n",
			[]problem{
				{"reviews[0].packages[0]", `"agnet" is not a package (known: agent)`},
				{"reviews[1].name", `"Q" is also the name of reviews[0]`},
				{"reviews[1].on_no_response", `"ignore" is not one of keep, revoke, escalate`},
			}},
		{"federatedID without country", replace("adobe: {identity: {type: enterpriseID}}", "adobe: {identity: {type: federatedID}}"),
			[]problem{{"adobe.identity.country", "is required for federatedID (a two-letter ISO 3166-1 code such as US)"}}},
		{"package federatedID without country", withPkg("identity: {type: federatedid}"),
			[]problem{{"packages.agent.identity.country", "is required for federatedID (a two-letter ISO 3166-1 code such as US)"}}},
		{"no identity anywhere", replace("adobe: {identity: {type: enterpriseID}}\n", ""),
			[]problem{{"packages.agent.identity.type", "is required: set it here or in adobe.identity"}}},
		{"missing admins", replace("admins: [admin@example.com]\n", ""),
			[]problem{{"admins", "is required: list emails, Slack user ids (U…/W…) or user-group ids (S…), or teams:/teams-group: object ids"}}},
		{"no approval destination", replace("    approval_channel: C0APPROVE01\n", ""),
			[]problem{{"packages.agent", "has no approval destination: set approval_channel, dm_approvers: true, or both"}}},
		{"dm_approvers is a destination", replace("    approval_channel: C0APPROVE01\n", "    dm_approvers: true\n"), nil},
		{"missing profile and role", replace("    profiles: [{name: Live Agent}]\n    marketo: {role: {name: DC Agent}}\n", ""),
			[]problem{
				{"packages.agent.marketo.role", "is required: give its id, name or both"},
				{"packages.agent.profiles", "is required: name at least one Dynamic Chat product profile"},
			}},
		{"list expected", replace("approvers: [lead@example.com, U0LEAD00001]", "approvers: lead@example.com"),
			[]problem{{"packages.agent.approvers", `must be a list, not "lead@example.com"`}}},
		{"mapping expected", minimal + "server: :8080\n",
			[]problem{{"server", `must be a mapping (key: value), not ":8080"`}}},
		{"repeated sections and other problems", minimal + "slack: {command: dynchat, mode: rtm}\nadobe: {actions_per_minute: 20, batch_window: 0s}\nmarketo: {delete_roles_body: object, max_in_flight: 11}\nredis: {prefix: 'a {b}'}\nserver: {listen: 'localhost'}\n",
			[]problem{
				{"adobe", "key is repeated (first at line 4)"},
				{"marketo.delete_roles_body", `"object" is not one of array, input`},
				{"marketo.max_in_flight", "is 11; must be between 1 and 10 (Marketo's per-instance limit)"},
				{"redis.prefix", "must be at most 64 printable ASCII characters without spaces or braces (braces are Redis Cluster hash tags)"},
				{"server.listen", `"localhost" is not host:port (e.g. :8080 or 127.0.0.1:8080)`},
				{"slack", "key is repeated (first at line 3)"},
			}},
		{"runtime values", strings.Replace(strings.Replace(minimal, "slack: {admin_channel: C0ADMINS001}", "slack: {admin_channel: C0ADMINS001, command: dynchat, mode: rtm}", 1),
			"adobe: {identity: {type: enterpriseID}}", "adobe: {identity: {type: enterpriseID}, actions_per_minute: 20, batch_window: 0s}", 1) +
			"marketo: {delete_roles_body: object, max_in_flight: 11}\nredis: {prefix: 'a {b}'}\nserver: {listen: 'localhost'}\nworkers: {max_total_time: 10s}\n",
			[]problem{
				{"adobe.actions_per_minute", "is 20; must be between 1 and 10 (UMAPI's per-client limit)"},
				{"adobe.batch_window", `"0s" is not a duration (use e.g. 30d, 2w, 12h, 90m or 250ms; at most ten years)`},
				{"marketo.delete_roles_body", `"object" is not one of array, input`},
				{"marketo.max_in_flight", "is 11; must be between 1 and 10 (Marketo's per-instance limit)"},
				{"redis.prefix", "must be at most 64 printable ASCII characters without spaces or braces (braces are Redis Cluster hash tags)"},
				{"server.listen", `"localhost" is not host:port (e.g. :8080 or 127.0.0.1:8080)`},
				{"slack.command", `"dynchat" must be / and up to 31 lower-case letters, digits, - or _`},
				{"slack.mode", `"rtm" is not one of auto, socket, http`},
				{"workers.max_total_time", "is 10s; must be between 1m and 30d"},
			}},
		{"not a mapping", "- a\n- b\n",
			[]problem{{"", "the file must be a YAML mapping (key: value), not a list"}}},
		{"syntax error", "admins: [a\n",
			[]problem{{"", "yaml: line 1: did not find expected ',' or ']'"}}},
		{"two documents", minimal + "---\nadmins: []\n",
			[]problem{{"", "the file holds more than one YAML document"}}},
		{"empty file", "",
			[]problem{
				{"admins", "is required: list emails, Slack user ids (U…/W…) or user-group ids (S…), or teams:/teams-group: object ids"},
				{"packages", "is required: define at least one package"},
				{"requesters", `is required: list emails, Slack user ids (U…/W…) or user-group ids (S…), or teams:/teams-group: object ids, or "everyone"`},
				{"slack.admin_channel", "is required: the Slack channel id (C…) that receives admin alerts"},
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := config.Parse([]byte(tc.yaml), nil)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("unexpected error:\n%v", err)
				}
				return
			}
			if cfg != nil {
				t.Errorf("Parse returned a config with an error")
			}
			var verr *config.ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("error %v (%T) is not a *ValidationError", err, err)
			}
			if !slices.Equal(verr.Problems, tc.want) {
				t.Errorf("problems:\n%s\nwant:\n%s", render(verr.Problems), render(tc.want))
			}
		})
	}
}

func render(ps []problem) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString("  " + p.String() + "\n")
	}
	return b.String()
}
