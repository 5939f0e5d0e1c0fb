package cli

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/chataccess/chataccess/bot/slackbot"
	"github.com/chataccess/chataccess/bot/slackbot/slackfake"
)

// slackWorkspace is a fake Slack with everything the example policy
// names: its channels with the bot in them, its user groups with
// members, and its people.
func slackWorkspace(t *testing.T) *slackfake.Fake {
	t.Helper()
	f := slackfake.New()
	t.Cleanup(f.Close)
	for _, c := range []slackfake.Channel{
		{ID: "C0DCAPPROV1", Name: "dc-approvals", Member: true},
		{ID: "C0SALESOPS1", Name: "sales-ops", Member: true},
		{ID: "C0DCADMINS1", Name: "dc-admins", Private: true, Member: true},
	} {
		f.AddChannel(c)
	}
	for _, u := range []slackfake.User{
		{ID: "U0ADMIN0001", Name: "Ada Admin", Email: "ada@example.com"},
		{ID: "U0SUPPORT01", Name: "Sam Support", Email: "sam@example.com"},
		{ID: "U0MKTOADM01", Name: "Marketo Admins", Email: "marketo-admins@example.com"},
		{ID: "U0DANA00001", Name: "Dana Lee", Email: "dana.lee@example.com"},
		{ID: "U0HELPDESK1", Name: "IT Helpdesk", Email: "it-helpdesk@example.com"},
	} {
		f.AddUser(u)
	}
	for id, handle := range map[string]string{"S0DCLEADS01": "dc-team-leads", "S0MKTOPS001": "marketing-ops", "S0SALESOPS1": "sales-ops"} {
		f.AddGroup(id, "U0DANA00001")
		f.DescribeGroup(id, handle, strings.ReplaceAll(handle, "-", " "))
	}
	return f
}

// TestCheckSlack: `check --slack` checks the bot token, its scopes
// against manifest.yaml, every channel (the bot must be in it), user
// group and person the policy names, in one table with the fix on each
// row, and exits 3 on a problem.
func TestCheckSlack(t *testing.T) {
	policy := writeFile(t, "policy.yaml", exampleConfig(t))
	tests := []struct {
		name     string
		setup    func(f *slackfake.Fake, v map[string]string)
		wantCode int
		wantFail []string
		wantWarn []string
		wantOut  []string
	}{
		{name: "all green", wantCode: 0,
			wantOut: []string{"bot @chataccess (UBOT) in workspace Fake Workspace (T1)", "all 8 scopes of manifest.yaml",
				"#dc-approvals, the bot is a member (approval channel of agent, calendar-agent, marketing-admin, marketing-user)",
				"@dc-team-leads (dc team leads), 1 member (requesters; approvers of agent, calendar-agent, marketing-user)", "U0DANA00001 (Dana Lee)"}},
		{name: "what the field saw", wantCode: exitCheckFailed,
			setup: func(f *slackfake.Fake, _ map[string]string) {
				f.AddChannel(slackfake.Channel{ID: "C0DCAPPROV1", Name: "dc-approvals"}) // the bot was never invited
				f.AddChannel(slackfake.Channel{ID: "C0DCADMINS1", Name: "dc-admins", Private: true})
				f.AddChannel(slackfake.Channel{ID: "C0SALESOPS1", Name: "sales-ops", Member: true, Archived: true})
				f.DisableGroup("S0MKTOPS001")
				f.RemoveFromGroup("S0SALESOPS1", "U0DANA00001")
				f.Deactivate("U0SUPPORT01")
				f.SetScopes("commands", "chat:write", "im:write", "users:read", "users:read.email", "usergroups:read", "channels:read")
			},
			wantFail: []string{"slack channel C0DCAPPROV1", "slack channel C0SALESOPS1", "slack user group S0MKTOPS001", "slack person U0SUPPORT01"},
			wantWarn: []string{"slack scope groups:read", "slack channel C0DCADMINS1", "slack user group S0SALESOPS1"},
			wantOut: []string{"the bot is not in #dc-approvals: invite the bot: /invite @chataccess in #dc-approvals",
				"#sales-ops is archived", "@marketing-ops is disabled", "no such member, or deactivated"}},
		{name: "a missing user group and person", wantCode: exitCheckFailed,
			setup: func(_ *slackfake.Fake, v map[string]string) {
				v["policy"] = edit(t, exampleConfig(t), "approvers: [S0SALESOPS1, U0ADMIN0001]", "approvers: [S0NOSUCH001, nobody@example.com]",
					"approval_channel: C0SALESOPS1", "approval_channel: C0NOSUCH001")
			},
			wantFail: []string{"slack channel C0NOSUCH001", "slack user group S0NOSUCH001", "slack person nobody@example.com"},
			wantOut: []string{"no such channel, or a private channel the bot is not in", "no such user group: check the id",
				"no Slack member has this email"}},
		{name: "a scope the bot needs", wantCode: exitCheckFailed,
			setup: func(f *slackfake.Fake, _ map[string]string) {
				f.SetScopes("commands", "chat:write", "im:write", "users:read", "users:read.email", "channels:read", "groups:read")
			},
			wantFail: []string{"slack scope usergroups:read", "slack user group listing"},
			wantOut:  []string{"then reinstall the app"}},
		{name: "a wrong token", wantCode: exitCheckFailed,
			setup:    func(_ *slackfake.Fake, v map[string]string) { v["SLACK_BOT_TOKEN"] = "xoxb-not-the-token" },
			wantFail: []string{"slack bot token (auth.test)"},
			wantOut:  []string{"Slack refused SLACK_BOT_TOKEN (invalid_auth)"}},
		{name: "no token", wantCode: exitCheckFailed,
			setup:    func(_ *slackfake.Fake, v map[string]string) { delete(v, "SLACK_BOT_TOKEN") },
			wantFail: []string{"slack SLACK_BOT_TOKEN"}},
		{name: "a bad SLACK_API_URL is never replaced by slack.com", wantCode: exitCheckFailed,
			setup:    func(_ *slackfake.Fake, v map[string]string) { v["SLACK_API_URL"] = "ftp://slack.example" },
			wantFail: []string{"slack SLACK_API_URL"}},
		{name: "the token from a file", wantCode: 0,
			setup: func(_ *slackfake.Fake, v map[string]string) {
				v["SLACK_BOT_TOKEN_FILE"] = writeFile(t, "token", slackfake.Token+"\n")
				delete(v, "SLACK_BOT_TOKEN")
			},
			wantOut: []string{"bot @chataccess (UBOT)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := slackWorkspace(t)
			v := map[string]string{"SLACK_BOT_TOKEN": slackfake.Token, "SLACK_API_URL": f.URL()}
			if tc.setup != nil {
				tc.setup(f, v)
			}
			path := policy
			if v["policy"] != "" {
				path = writeFile(t, "edited.yaml", v["policy"])
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			code, out, errOut := runCLI(t, ctx, v, "check", "--slack", "--config", path)
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d\n%s%s", code, tc.wantCode, out, errOut)
			}
			rows := tableRows(t, out)
			if got := failed(rows); strings.Join(got, "\n") != strings.Join(tc.wantFail, "\n") {
				t.Errorf("FAIL rows:\n  %s\nwant:\n  %s\n%s", strings.Join(got, "\n  "), strings.Join(tc.wantFail, "\n  "), out)
			}
			for _, w := range tc.wantWarn {
				if !hasRow(rows, w, statusWarn) {
					t.Errorf("no WARN row %q:\n%s", w, out)
				}
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			for _, r := range rows {
				if r["SYSTEM"] != systemSlack {
					t.Errorf("check --slack printed a %s row", r["SYSTEM"])
				}
			}
			if strings.Contains(out+errOut, slackfake.Token) {
				t.Error("the bot token is in the output")
			}
		})
	}
}

// TestPlainCheckHasSlackRows: plain `check` checks the Slack side too
// when the bot token is set, and says it skipped it when not.
func TestPlainCheckHasSlackRows(t *testing.T) {
	e := startTestEmulators(t)
	f := slackWorkspace(t)
	f.AddChannel(slackfake.Channel{ID: "C0SALESOPS1", Name: "sales-ops"})
	path := writeFile(t, "policy.yaml", exampleConfig(t))
	v := e.vars()
	v["SLACK_BOT_TOKEN"], v["SLACK_API_URL"] = slackfake.Token, f.URL()
	code, out, _ := runCLI(t, context.Background(), v, "check", "--config", path)
	rows := tableRows(t, out)
	if code != exitCheckFailed || strings.Join(failed(rows), ",") != "slack channel C0SALESOPS1" || !hasRow(rows, "adobe credentials (IMS token)", statusOK) {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	delete(v, "SLACK_BOT_TOKEN")
	code, out, _ = runCLI(t, context.Background(), v, "check", "--config", path)
	if rows := tableRows(t, out); code != 0 || !hasRow(rows, "slack SLACK_BOT_TOKEN", statusSkip) {
		t.Fatalf("without a token: exit %d:\n%s", code, out)
	}
}

// TestManifestScopes: the scopes `check` expects and the fake Slack
// grants are the ones manifest.yaml asks for.
func TestManifestScopes(t *testing.T) {
	raw, err := os.ReadFile("../../manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		OAuth struct {
			Scopes struct {
				Bot []string `yaml:"bot"`
			} `yaml:"scopes"`
		} `yaml:"oauth_config"`
	}
	if err := yaml.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range slackbot.Scopes {
		names = append(names, s.Name)
	}
	if !slices.Equal(names, m.OAuth.Scopes.Bot) || !slices.Equal(slackfake.DefaultScopes, m.OAuth.Scopes.Bot) {
		t.Errorf("manifest.yaml asks for %v; check expects %v, the fake grants %v", m.OAuth.Scopes.Bot, names, slackfake.DefaultScopes)
	}
}
