package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/config"
)

// twoSubscriptions is minimal with a second Marketo subscription, emea,
// and a package on both.
const twoSubscriptions = `requesters: [everyone]
admins: [admin@example.com]
slack: {admin_channel: C0ADMINS001}
adobe: {identity: {type: enterpriseID}}
marketo:
  calls_per_20s: 40
  engage_profile: Marketo Engage
  instances:
    emea:
      base_url: https://222-BBB-222.mktorest.com/
      max_in_flight: 3
      engage_profile: Marketo Engage - EMEA
packages:
  agent:
    profiles:
      - {name: Live Agent}
      - {name: Live Agent (EMEA), subscription: EMEA, role: {name: DC Agent EMEA}, engage_profile: Marketo Engage - EMEA}
    marketo: {role: {name: DC Agent}}
    approvers: [lead@example.com]
    approval_channel: C0APPROVE01
  emea-only:
    profiles: [{name: Calendar Agent (EMEA), subscription: emea}]
    marketo: {role: {name: DC Agent}}
    approvers: [lead@example.com]
    approval_channel: C0APPROVE01
`

func TestTwoSubscriptions(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("emea-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"MARKETO_BASE_URL": "https://111-AAA-111.mktorest.com", "MARKETO_CLIENT_ID": "us-id", "MARKETO_CLIENT_SECRET": "us-secret",
		"MARKETO_EMEA_CLIENT_ID": "emea-id", "MARKETO_EMEA_CLIENT_SECRET_FILE": secret,
	}
	cfg, err := config.Parse([]byte(twoSubscriptions), func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	agent := cfg.Policy().Packages["agent"]
	subs := agent.MarketoSubscriptions()
	if len(subs) != 2 || subs[0].Instance != "default" || subs[1].Instance != "emea" ||
		subs[0].Role.Name != "DC Agent" || subs[1].Role.Name != "DC Agent EMEA" || subs[1].Workspace.Name != "Default" ||
		subs[0].EngageProfile != "" || subs[0].EngageProfileHint != "Marketo Engage" || subs[1].EngageProfile != "Marketo Engage - EMEA" ||
		len(subs[1].Profiles) != 1 || subs[1].Profiles[0].Name != "Live Agent (EMEA)" {
		t.Fatalf("subscriptions %+v", subs)
	}
	if got := agent.AdminConsoleProfiles(); !slices.Equal(got, []string{"Live Agent", "Live Agent (EMEA)", "Marketo Engage - EMEA"}) {
		t.Errorf("admin console profiles %v", got)
	}
	ins := cfg.MarketoInstances()
	if len(ins) != 2 || ins[0].Name != "default" || ins[0].CallsPer20s != 40 || ins[0].ClientID != "us-id" ||
		ins[1].Name != "emea" || ins[1].BaseURL != "https://222-BBB-222.mktorest.com" || ins[1].CallsPer20s != 40 ||
		ins[1].MaxInFlight != 3 || ins[1].ClientID != "emea-id" || ins[1].ClientSecret.Reveal() != "emea-secret" {
		t.Fatalf("instances %+v", ins)
	}
	if err := cfg.Env.CheckFor("http"); err == nil || !slices.ContainsFunc(problemsOf(err), func(p problem) bool { return p.Path == "SLACK_BOT_TOKEN" }) ||
		slices.ContainsFunc(problemsOf(err), func(p problem) bool { return p.Path[:min(len(p.Path), 7)] == "MARKETO" }) {
		t.Errorf("CheckFor: %v", err)
	}
	// MARKETO_EMEA_BASE_URL overrides base_url.
	env["MARKETO_EMEA_BASE_URL"] = "https://333-CCC-333.mktorest.com"
	cfg, err = config.Parse([]byte(twoSubscriptions), func(k string) string { return env[k] })
	if err != nil || cfg.MarketoInstances()[1].BaseURL != "https://333-CCC-333.mktorest.com" {
		t.Fatalf("override: %v %+v", err, cfg.MarketoInstances())
	}
}

func problemsOf(err error) []problem {
	var verr *config.ValidationError
	if errors.As(err, &verr) {
		return verr.Problems
	}
	return nil
}

// TestOneInstanceUnchanged: a policy without subscriptions builds the
// packages it always did, on the default instance.
func TestOneInstanceUnchanged(t *testing.T) {
	cfg, err := config.Parse([]byte(minimal), nil)
	if err != nil {
		t.Fatal(err)
	}
	p := cfg.Policy().Packages["agent"]
	if p.Subscriptions != nil || p.Profiles[0].Subscription != "" {
		t.Fatalf("package changed form: %+v", p)
	}
	subs := p.MarketoSubscriptions()
	if len(subs) != 1 || subs[0].Instance != approvals.DefaultInstance || subs[0].Role.Name != "DC Agent" {
		t.Fatalf("subscriptions %+v", subs)
	}
	if ins := cfg.MarketoInstances(); len(ins) != 1 || ins[0].Name != "default" {
		t.Fatalf("instances %+v", ins)
	}
}

// TestOnlyNamedInstances: when no package uses the default instance,
// its variables are not needed; the named one's are.
func TestOnlyNamedInstances(t *testing.T) {
	y := replace("    profiles: [{name: Live Agent}]\n", "    profiles: [{name: Live Agent, subscription: emea}]\n") +
		"marketo: {instances: {emea: {base_url: \"https://222-BBB-222.mktorest.com\"}}}\n"
	cfg, err := config.Parse([]byte(y), nil)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, p := range problemsOf(cfg.Env.CheckFor("socket")) {
		paths = append(paths, p.Path)
	}
	for _, want := range []string{"MARKETO_EMEA_CLIENT_ID", "MARKETO_EMEA_CLIENT_SECRET"} {
		if !slices.Contains(paths, want) {
			t.Errorf("CheckFor misses %s: %v", want, paths)
		}
	}
	if slices.Contains(paths, "MARKETO_CLIENT_ID") || slices.Contains(paths, "MARKETO_BASE_URL") {
		t.Errorf("CheckFor asks for the unused default instance: %v", paths)
	}
	if ins := cfg.MarketoInstances(); len(ins) != 1 || ins[0].Name != "emea" {
		t.Errorf("instances %+v", ins)
	}
}

type instanceCase struct {
	name string
	yaml string
	want []problem
}

// twoSubs is minimal with the package's marketo section and profiles
// replaced, and an instance emea.
func twoSubs(pkgMarketo, profiles string) string {
	y := replace("    profiles: [{name: Live Agent}]\n", "    profiles: "+profiles+"\n")
	y = strings.Replace(y, "    marketo: {role: {name: DC Agent}}\n", "    marketo: "+pkgMarketo+"\n", 1)
	return y + "marketo:\n  instances:\n    emea: {}\n"
}

func TestBadInstanceConfigs(t *testing.T) {
	inst := func(body string) string { return minimal + "marketo:\n  instances:\n" + body }
	cases := []instanceCase{
		{"default is reserved", inst("    default: {base_url: \"https://x.mktorest.com\"}\n"),
			[]problem{{"marketo.instances.default", `"default" names the unnamed instance (MARKETO_BASE_URL, MARKETO_CLIENT_ID, MARKETO_CLIENT_SECRET and the limits under marketo); give this one another name`}}},
		{"bad name", inst("    \"EMEA x\": {}\n"),
			[]problem{{`marketo.instances["EMEA x"]`, `instance name "EMEA x" must be 1-31 lower-case letters, digits, - or _, starting with a letter (it becomes MARKETO_<NAME>_CLIENT_ID)`}}},
		{"names that share variables", inst("    a-b: {}\n    a_b: {}\n"),
			[]problem{{"marketo.instances.a_b", `"a-b" and "a_b" both take their secrets from MARKETO_A_B_…; rename one`}}},
		{"bad base url", inst("    emea: {base_url: \"ftp://x\"}\n"),
			[]problem{{"marketo.instances.emea.base_url", `"ftp://x" is not an absolute http(s) URL`}}},
		{"limit over Marketo's", inst("    emea: {calls_per_20s: 500, max_in_flight: 0}\n"),
			[]problem{
				{"marketo.instances.emea.calls_per_20s", "is 500; must be between 1 and 100 (Marketo's per-instance limit)"},
				{"marketo.instances.emea.max_in_flight", "is 0; must be between 1 and 10 (Marketo's per-instance limit)"},
			}},
		{"unknown key", inst("    emea: {client_secret: hunter2}\n"),
			[]problem{{"marketo.instances.emea.client_secret", `unknown key "client_secret"`}}},
		{"unknown subscription", replace("    profiles: [{name: Live Agent}]\n", "    profiles: [{name: Live Agent}, {name: Live Agent (APAC), subscription: apac}]\n"),
			[]problem{{"packages.agent.profiles[1].subscription", `"apac" is not a Marketo instance (known: default); add it under marketo.instances`}}},
		{"a role id on two subscriptions", twoSubs("{role: {id: 101}}", "[{name: Live Agent}, {name: Live Agent (EMEA), subscription: emea}]"),
			[]problem{{"packages.agent.marketo.role.id", "a role id names a role in one Marketo instance, and this package's profiles are on 2 subscriptions; name the role, or set role on each profile"}}},
		{"one engage profile for two subscriptions", twoSubs("{role: {name: DC Agent}, engage_profile: Marketo Engage}", "[{name: Live Agent}, {name: Live Agent (EMEA), subscription: emea}]"),
			[]problem{{"packages.agent.marketo.engage_profile", "names one Marketo Engage profile, and this package's profiles are on 2 subscriptions, each with its own; set engage_profile on each profile"}}},
		{"two roles on one subscription", twoSubs("{role: {name: DC Agent}}", "[{name: A, subscription: emea, role: {name: R1}}, {name: B, subscription: emea, role: {name: R2}}]"),
			[]problem{{"packages.agent.profiles[1].role", `differs from the role packages.agent.profiles[0] sets on the same subscription "emea"`}}},
		{"role ids per profile are fine", twoSubs("{role: {name: DC Agent}}", "[{name: A, role: {id: 101}}, {name: B, subscription: emea, role: {id: 7}}]"), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.Parse([]byte(tc.yaml), nil)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("unexpected error:\n%v", err)
				}
				return
			}
			if got := problemsOf(err); !slices.Equal(got, tc.want) {
				t.Errorf("problems:\n%s\nwant:\n%s", render(got), render(tc.want))
			}
		})
	}
}

func TestInstanceEnvProblems(t *testing.T) {
	env := map[string]string{"MARKETO_EMEA_CLIENT_SECRET": "x", "MARKETO_EMEA_CLIENT_SECRET_FILE": "/nonexistent", "MARKETO_EMEA_BASE_URL": "nope"}
	y := minimal + "marketo: {instances: {emea: {}}}\n"
	_, err := config.Parse([]byte(y), func(k string) string { return env[k] })
	want := []problem{
		{"MARKETO_EMEA_BASE_URL", `"nope" is not an absolute http(s) URL`},
		{"MARKETO_EMEA_CLIENT_SECRET", "MARKETO_EMEA_CLIENT_SECRET and MARKETO_EMEA_CLIENT_SECRET_FILE are both set; use one"},
	}
	if got := problemsOf(err); !slices.Equal(got, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", render(got), render(want))
	}
}

func TestSeatsRule(t *testing.T) {
	cfg, err := config.Parse([]byte(withPkg("seats: refuse")), nil)
	if err != nil || cfg.Policy().Packages["agent"].Seats != approvals.SeatsRefuse {
		t.Fatalf("refuse: %v", err)
	}
	cfg, err = config.Parse([]byte(minimal), nil)
	if err != nil || cfg.Policy().Packages["agent"].Seats != "" {
		t.Fatalf("default: %v", err)
	}
	_, err = config.Parse([]byte(withPkg("seats: maybe")), nil)
	if got := problemsOf(err); !slices.Equal(got, []problem{{"packages.agent.seats", `"maybe" is not one of warn, refuse`}}) {
		t.Errorf("problems %v", got)
	}
}

func TestDynamicChatUserGroups(t *testing.T) {
	y := replace("adobe: {identity: {type: enterpriseID}}", "adobe: {identity: {type: enterpriseID}, dynamic_chat_user_groups: [EMEA Chat Agents, \" APAC Agents \"]}")
	if cfg, err := config.Parse([]byte(y), nil); err != nil || !slices.Equal(cfg.Settings().Adobe.DynamicChatUserGroups, []string{"EMEA Chat Agents", "APAC Agents"}) {
		t.Fatalf("%v %v", err, cfg.Settings().Adobe)
	}
	y = replace("adobe: {identity: {type: enterpriseID}}", "adobe: {identity: {type: enterpriseID}, dynamic_chat_user_groups: [_org_admin, \"\", A, a, _admin_Live Agent]}")
	want := []problem{
		{"adobe.dynamic_chat_user_groups[0]", `"_org_admin" is an admin group, not a user group`},
		{"adobe.dynamic_chat_user_groups[1]", "is empty"},
		{"adobe.dynamic_chat_user_groups[3]", `"a" is listed twice`},
		{"adobe.dynamic_chat_user_groups[4]", `"_admin_Live Agent" is an admin group, not a user group`},
	}
	if _, err := config.Parse([]byte(y), nil); !slices.Equal(problemsOf(err), want) {
		t.Errorf("problems:\n%s\nwant:\n%s", render(problemsOf(err)), render(want))
	}
}

func TestGroupTargetKeys(t *testing.T) {
	cfg, err := config.Parse([]byte(withPkg("allow_group_targets: true", "group_targets: [EMEA Chat Agents]")), nil)
	if err != nil {
		t.Fatal(err)
	}
	if p := cfg.Policy().Packages["agent"]; !p.AllowGroupTargets || !slices.Equal(p.GroupTargets, []string{"EMEA Chat Agents"}) {
		t.Fatalf("package %+v", p)
	}
	_, err = config.Parse([]byte(withPkg("group_targets: [_org_admin, EMEA]")), nil)
	want := []problem{
		{"packages.agent.group_targets", "lists user groups but allow_group_targets is false"},
		{"packages.agent.group_targets[0]", `"_org_admin" is an admin group, not a user group`},
	}
	if got := problemsOf(err); !slices.Equal(got, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", render(got), render(want))
	}
}

// TestUnknownSubscriptionKnownList: the "known" list of an unknown
// subscription names only valid instances, each once, sorted, after
// default.
func TestUnknownSubscriptionKnownList(t *testing.T) {
	y := replace("    profiles: [{name: Live Agent}]\n", "    profiles: [{name: Live Agent}, {name: Live Agent (APAC), subscription: apac}]\n") +
		"marketo:\n  instances:\n    emea: {}\n    EMEA: {}\n    default: {}\n    Default: {}\n    1abc: {}\n    \"a b\": {}\n    zeta: {}\n"
	_, err := config.Parse([]byte(y), nil)
	want := `"apac" is not a Marketo instance (known: default, emea, zeta); add it under marketo.instances`
	i := slices.IndexFunc(problemsOf(err), func(p problem) bool { return p.Path == "packages.agent.profiles[1].subscription" })
	if i < 0 || problemsOf(err)[i].Message != want {
		t.Errorf("problems:\n%s\nwant %s", render(problemsOf(err)), want)
	}
}

// TestProfileInheritsPackageRole: a profile that sets only its
// workspace keeps the package's role, id and name both; a profile that
// sets only its role keeps the package's workspace.
func TestProfileInheritsPackageRole(t *testing.T) {
	for _, tc := range []struct {
		pkgMarketo, profiles string
		role, ws             approvals.MarketoRef
	}{
		{"{role: {id: 7}}", "[{name: Live Agent, workspace: {name: WS2}}]", approvals.MarketoRef{ID: 7}, approvals.MarketoRef{Name: "WS2"}},
		{"{role: {id: 7, name: DC Agent}}", "[{name: Live Agent, workspace: {name: WS2}}]", approvals.MarketoRef{ID: 7, Name: "DC Agent"}, approvals.MarketoRef{Name: "WS2"}},
		{"{role: {name: DC Agent}, workspace: {id: 3}}", "[{name: Live Agent, subscription: emea, role: {id: 9, name: R}}]", approvals.MarketoRef{ID: 9, Name: "R"}, approvals.MarketoRef{ID: 3}},
	} {
		cfg, err := config.Parse([]byte(twoSubs(tc.pkgMarketo, tc.profiles)), nil)
		if err != nil {
			t.Fatalf("%s %s: %v", tc.pkgMarketo, tc.profiles, err)
		}
		subs := cfg.Policy().Packages["agent"].MarketoSubscriptions()
		if len(subs) != 1 || subs[0].Role != tc.role || subs[0].Workspace != tc.ws {
			t.Errorf("%s %s: subscriptions %+v, want role %+v workspace %+v", tc.pkgMarketo, tc.profiles, subs, tc.role, tc.ws)
		}
	}
}

// TestGroupTargetInvisible: a group name with a character approvers
// cannot see (zero-width space, bidi control, other Cc/Cf) is refused.
func TestGroupTargetInvisible(t *testing.T) {
	_, err := config.Parse([]byte(withPkg("allow_group_targets: true", "group_targets: [\"EMEA\\u200bChat Agents\", \"Agents\\u202e\", \"Tab\\tName\"]")), nil)
	want := []problem{
		{"packages.agent.group_targets[0]", `"EMEA\u200bChat Agents" contains an invisible character (U+200B) that approvers could not see; remove it`},
		{"packages.agent.group_targets[1]", `"Agents\u202e" contains an invisible character (U+202E) that approvers could not see; remove it`},
	}
	if got := problemsOf(err); !slices.Equal(got, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", render(got), render(want))
	}
}
