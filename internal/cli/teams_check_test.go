package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chataccess/chataccess/bot/teamsbot/teamsfake"
	"github.com/chataccess/chataccess/config"
)

// TestCheckTeams: the Teams rows say whether a token is issued and each
// configured channel answers, and never show the secret.
func TestCheckTeams(t *testing.T) {
	fake := teamsfake.New(teamsfake.Config{AppID: flowAppID, AppPassword: "teams-check-S3CRET", TenantID: flowTenant,
		Conversations: map[string][]string{flowTeams: {}}})
	defer fake.Close()
	policy := teamsTestPolicy + "  service_url: \"" + fake.ServiceURL() + "\"\n  admin_channel: \"19:missing@thread.tacv2\"\n"
	cfg, err := config.Parse([]byte(policy), nil)
	if err != nil {
		t.Fatal(err)
	}
	run := func(secret string) string {
		env, _ := config.LoadEnv(func(k string) string {
			return map[string]string{"TEAMS_APP_ID": flowAppID, "TEAMS_APP_PASSWORD": secret, "TEAMS_TENANT_ID": flowTenant,
				"TEAMS_LOGIN_URL": fake.LoginURL()}[k]
		})
		c := &checker{env: env, httpTimeout: 5 * time.Second, envBad: map[string]bool{}}
		c.checkTeams(context.Background(), cfg.Settings(), cfg.Policy(), 10*time.Second)
		var out bytes.Buffer
		if err := c.print(&out); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	got := run("teams-check-S3CRET")
	for _, want := range []string{"token", "Bot Connector token issued", "channel 19:approvals@thread.tacv2", "reachable", "admin channel 19:missing@thread.tacv2", "FAIL"} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in:\n%s", want, got)
		}
	}
	bad := run("wrong-teams-check-S3CRET")
	if !strings.Contains(bad, "FAIL") || !strings.Contains(bad, "invalid_client") || strings.Contains(bad, "S3CRET") {
		t.Fatalf("wrong secret:\n%s", bad)
	}
}
