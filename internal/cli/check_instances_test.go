package cli

import (
	"context"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

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
