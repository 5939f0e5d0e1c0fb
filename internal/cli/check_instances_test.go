package cli

import (
	"context"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/chataccess/chataccess/integrations/adobe/adobefake"
	"github.com/chataccess/chataccess/integrations/marketo/marketofake"
)

const testEMEASecret = "emea-S3CRET-3c9a1f0b"

// TestCheckTwoInstances: a policy on two Marketo subscriptions is
// checked on both, each with its own credentials and listings; a role
// missing on one instance fails only that instance's row, and a missing
// variable of the second names the instance's own variable.
func TestCheckTwoInstances(t *testing.T) {
	e := startTestEmulators(t)
	emea := marketofake.New(marketofake.Options{MunchkinID: "222-BBB-222", ClientID: "emea-id", ClientSecret: testEMEASecret})
	seedDefaultMarketo(emea)
	srv := httptest.NewServer(emea)
	t.Cleanup(srv.Close)
	e.adobe.AddProfile("Live Agent (EMEA)", "Dynamic Chat", 10)
	e.adobe.AddProfile("Marketo Engage - EMEA", "Marketo Engage", 10)
	policy := edit(t, exampleConfig(t),
		"  user_poll_timeout: 2h\n", "  user_poll_timeout: 2h\n  instances:\n    emea: {engage_profile: Marketo Engage - EMEA}\n",
		"      - name: Live Agent\n        product: Dynamic Chat\n", "      - name: Live Agent\n        product: Dynamic Chat\n      - {name: Live Agent (EMEA), subscription: emea, role: {name: DC Agent EMEA}}\n")
	path := writeFile(t, "policy.yaml", policy)
	vars := e.vars()
	vars["MARKETO_EMEA_BASE_URL"], vars["MARKETO_EMEA_CLIENT_ID"], vars["MARKETO_EMEA_CLIENT_SECRET"] = srv.URL, "emea-id", testEMEASecret

	code, out, errOut := runCLI(t, context.Background(), vars, "check", "--config", path)
	if out == "" {
		t.Fatalf("code %d: %s", code, errOut)
	}
	rows := tableRows(t, out)
	if code != exitCheckFailed || !slices.Equal(failed(rows), []string{"marketo:emea role DC Agent EMEA"}) {
		t.Fatalf("code %d, failed %v\n%s%s", code, failed(rows), out, errOut)
	}
	for _, ok := range []string{"marketo:emea credentials (identity token)", "marketo:emea workspace Default", "marketo role DC Agent", `adobe profile "Live Agent (EMEA)"`} {
		if !hasRow(rows, ok, statusOK) {
			t.Errorf("no ok row %q\n%s", ok, out)
		}
	}
	emea.AddRole(marketofake.Role{ID: 200, Name: "DC Agent EMEA"})
	if code, out, _ = runCLI(t, context.Background(), vars, "check", "--config", path); code != 0 {
		t.Fatalf("with the role: %d\n%s", code, out)
	}

	delete(vars, "MARKETO_EMEA_CLIENT_SECRET")
	code, out, _ = runCLI(t, context.Background(), vars, "check", "--config", path)
	rows = tableRows(t, out)
	if code != exitCheckFailed || !slices.Contains(failed(rows), "marketo:emea MARKETO_EMEA_CLIENT_SECRET") ||
		!hasRow(rows, "marketo credentials (identity token)", statusOK) {
		t.Fatalf("missing secret: %d %v\n%s", code, failed(rows), out)
	}
	if strings.Contains(out, testEMEASecret) {
		t.Fatal("a secret leaked")
	}
}

// TestCheckGroupTargetsAndEngageProfiles: every group target must be a
// user group the bot may change, and every Marketo Engage profile the
// policy names (package, profile, instance) a product profile; a
// missing or mistyped one fails its row, and the rows pass once the
// Admin Console has them.
func TestCheckGroupTargetsAndEngageProfiles(t *testing.T) {
	e := startTestEmulators(t)
	e.adobe.AddSharedUserGroup("Partner Agents") // "EMEA Chat Agents" and "Marketo Engage" are seeded
	policy := edit(t, exampleConfig(t),
		"  user_poll_timeout: 2h\n", "  user_poll_timeout: 2h\n  engage_profile: Marketo Engage\n",
		"    marketo:\n      role: {name: DC Agent}\n      workspace: {name: Default}\n    approvers:\n      - S0DCLEADS01\n",
		"    marketo:\n      role: {name: DC Agent}\n      workspace: {name: Default}\n      engage_profile: Marketo Engage - EMAE\n"+
			"    allow_group_targets: true\n    group_targets: [No Such Group, emea  chat agents, Partner Agents, Live Agent]\n    approvers:\n      - S0DCLEADS01\n")
	path := writeFile(t, "policy.yaml", policy)
	code, out, errOut := runCLI(t, context.Background(), e.vars(), "check", "--config", path)
	rows := tableRows(t, out)
	want := []string{`adobe user group "No Such Group"`, `adobe user group "Partner Agents"`, `adobe user group "Live Agent"`, `adobe engage profile "Marketo Engage - EMAE"`}
	if code != exitCheckFailed || !slices.Equal(failed(rows), want) {
		t.Fatalf("code %d, failed %v, want %v\n%s%s", code, failed(rows), want, out, errOut)
	}
	for _, ok := range []string{`adobe user group "emea chat agents"`, `adobe engage profile "Marketo Engage"`} {
		if !hasRow(rows, ok, statusOK) {
			t.Errorf("no ok row %q\n%s", ok, out)
		}
	}
	if !strings.Contains(out, "read-only") || e.adobe.Calls(adobefake.KindAction) != 2 {
		t.Errorf("%d action calls (want 2 testOnly)\n%s", e.adobe.Calls(adobefake.KindAction), out)
	}
	if len(e.adobe.GroupProfiles("EMEA Chat Agents")) != 0 {
		t.Error("check changed a user group")
	}

	e.adobe.AddProfile("Marketo Engage - EMAE", "Marketo Engage", 10)
	e.adobe.AddUserGroup("No Such Group")
	fixed := edit(t, policy, ", Partner Agents, Live Agent]", "]")
	if code, out, _ = runCLI(t, context.Background(), e.vars(), "check", "--config", writeFile(t, "fixed.yaml", fixed)); code != 0 {
		t.Fatalf("fixed: %d\n%s", code, out)
	}

	e.adobe.ThrottleNext(adobefake.KindGroups, 1, "0")
	vars := e.vars()
	vars["ADOBE_CLIENT_SECRET"] = testWrongAdobeSecret
	_, out, _ = runCLI(t, context.Background(), vars, "check", "--config", path)
	rows = tableRows(t, out)
	for _, skip := range []string{`adobe user group "No Such Group"`, `adobe engage profile "Marketo Engage"`} {
		if !hasRow(rows, skip, statusSkip) {
			t.Errorf("no skip row %q\n%s", skip, out)
		}
	}
}
