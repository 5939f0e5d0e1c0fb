//go:build !nodemo

package cli

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chataccess/chataccess/integrations/adobe"
	"github.com/chataccess/chataccess/integrations/marketo"
)

// TestEmulateMarketoInstances: --marketo-instances emea,apac prints each
// instance's MARKETO_<NAME>_BASE_URL, _CLIENT_ID and _CLIENT_SECRET; each
// is its own instance (own credentials: one's token is refused by the
// other), seeded with the example policy's roles; the Admin Console has
// each one's Marketo Engage profile.
func TestEmulateMarketoInstances(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, listen := range []string{freeAddr(t) + "," + freeAddr(t), freeAddr(t)} {
		r := startEmulate(t, "both", "--listen", listen, "--marketo-instances", "emea, apac")
		v := r.vars
		for _, n := range []string{"EMEA", "APAC"} {
			base := v["MARKETO_"+n+"_BASE_URL"]
			if !strings.HasPrefix(base, v["MARKETO_BASE_URL"]) || !strings.HasSuffix(base, "/"+strings.ToLower(n)) ||
				v["MARKETO_"+n+"_CLIENT_ID"] != "chataccess-"+strings.ToLower(n) || v["MARKETO_"+n+"_CLIENT_SECRET"] == "" {
				t.Fatalf("%s: env %v", n, v)
			}
			c := instanceClient(t, base, v["MARKETO_"+n+"_CLIENT_ID"], v["MARKETO_"+n+"_CLIENT_SECRET"])
			if got := roleNames(t, ctx, c); !slices.Contains(got, "DC Agent") {
				t.Errorf("%s roles %q", n, got)
			}
			wrong := instanceClient(t, v["MARKETO_BASE_URL"], v["MARKETO_"+n+"_CLIENT_ID"], v["MARKETO_"+n+"_CLIENT_SECRET"])
			if _, err := wrong.ListRoles(ctx); err == nil {
				t.Errorf("%s's credentials work on the default instance", n)
			}
		}
		if got := roleNames(t, ctx, marketoClient(t, v)); !slices.Contains(got, "DC Agent") {
			t.Errorf("default roles %q", got)
		}
		if got := profileNames(t, ctx, adobeClient(t, v)); !slices.Contains(got, "Marketo Engage - emea") || !slices.Contains(got, "Marketo Engage - apac") {
			t.Errorf("profiles %q lack the instances' Marketo Engage profiles", got)
		}
		if !strings.Contains(r.stdout.String(), "# Marketo instance emea (munchkin id 001-DEM-001)") {
			t.Errorf("stdout %s", r.stdout)
		}
		if code := r.stop(t); code != 0 {
			t.Fatalf("exit %d", code)
		}
	}
}

func instanceClient(t *testing.T, base, id, secret string) *marketo.Client {
	t.Helper()
	c, err := marketo.New(marketo.Config{BaseURL: base, ClientID: id, ClientSecret: secret, HTTPTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestEmulateMarketoInstancesRefused: a bad, reserved or repeated name,
// or instances for the Adobe emulator alone, is a usage error before
// anything starts.
func TestEmulateMarketoInstancesRefused(t *testing.T) {
	for args, want := range map[string]string{
		"both --marketo-instances EMEA":         "lower-case",
		"both --marketo-instances default":      "unnamed instance",
		"marketo --marketo-instances emea,emea": "named twice",
		"adobe --marketo-instances emea":        "needs the marketo or both emulator",
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		code, out, errOut := runCLI(t, ctx, nil, append([]string{"emulate"}, strings.Fields(args)...)...)
		cancel()
		if code != 2 || !strings.Contains(errOut, want) || strings.Contains(out, "export ") {
			t.Errorf("%s: exit %d, stderr %q", args, code, errOut)
		}
	}
}

// docsExamplePolicy is the example policy with the docs' example
// (docs/subscriptions-groups-seats.md): instance emea with its Marketo
// Engage profile, the agent package on "Live Agent (EMEA)" too, and the
// user group "EMEA Chat Agents" as a target.
func docsExamplePolicy(t *testing.T) string {
	return edit(t, exampleConfig(t),
		"  user_poll_timeout: 2h\n", "  user_poll_timeout: 2h\n  engage_profile: Marketo Engage\n  instances:\n    emea: {engage_profile: Marketo Engage - EMEA}\n",
		"      - name: Live Agent\n        product: Dynamic Chat\n",
		"      - name: Live Agent\n        product: Dynamic Chat\n      - {name: Live Agent (EMEA), subscription: emea, role: {name: DC Agent}, engage_profile: Marketo Engage - EMEA}\n",
		"    approvers:\n      - S0DCLEADS01\n", "    allow_group_targets: true\n    group_targets: [EMEA Chat Agents]\n    approvers:\n      - S0DCLEADS01\n")
}

// TestEmulateServesDocsExample: `emulate both --marketo-instances
// emea,apac` has what the docs' example needs, so check passes on it:
// each instance's Dynamic Chat profiles named "Live Agent (EMEA)", every
// Marketo Engage profile (the default one too), and the user group
// "EMEA Chat Agents" with members, who appear in every Marketo instance
// once the group is given a profile.
func TestEmulateServesDocsExample(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	r := startEmulate(t, "both", "--listen", freeAddr(t), "--user-lag", "0", "--marketo-instances", "emea,apac")
	v := r.vars
	names := profileNames(t, ctx, adobeClient(t, v))
	for _, want := range []string{"Live Agent (EMEA)", "Sales Admin (APAC)", "Marketo Engage", "Marketo Engage - emea", "EMEA Chat Agents"} {
		if !slices.Contains(names, want) {
			t.Errorf("the Admin Console lacks %q: %q", want, names)
		}
	}
	path := writeFile(t, "policy.yaml", docsExamplePolicy(t))
	if code, out, errOut := runCLI(t, ctx, v, "check", "--config", path); code != 0 {
		t.Fatalf("check of the docs' example: exit %d\n%s%s", code, out, errOut)
	}
	if _, err := adobeClient(t, v).ChangeUserGroup(ctx, adobe.GroupChange{Group: "EMEA Chat Agents", AddProfiles: []string{"Live Agent (EMEA)"}}, false); err != nil {
		t.Fatal(err)
	}
	emea := instanceClient(t, v["MARKETO_EMEA_BASE_URL"], v["MARKETO_EMEA_CLIENT_ID"], v["MARKETO_EMEA_CLIENT_SECRET"])
	for _, c := range []*marketo.Client{marketoClient(t, v), emea} {
		if u, err := c.FindUserByEmail(ctx, "ana.silva@example.com"); err != nil || u == nil {
			t.Errorf("a member of the group given a profile is not in Marketo: %v", err)
		}
	}
	if code := r.stop(t); code != 0 {
		t.Fatalf("exit %d", code)
	}
}
