package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/config"
)

func TestManyProblemsAtOnce(t *testing.T) {
	const bad = `requesters: [everyone]
admins: [ADMIN@Example.com, nobody]
colour: blue
slack: {admin_channel: general}
packages:
  agent:
    profiles: [{name: Live Agent}]
    marketo: {role: {id: -4}}
    approvers: [a@example.com, b@example.com, c@example.com, d@example.com, e@example.com, f@example.com, g@example.com, h@example.com, i@example.com, j@example.com, bob@]
    min_approvals: 12
    approval_timeout: forever
    identity: {type: federatedID}
  Bad Name:
    description: x
reviews:
  - name: quarterly
    schedule: "0 9 1 13 *"
    time_zone: Local
`
	_, err := config.Parse([]byte(bad), nil)
	var verr *config.ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("err = %v", err)
	}
	want := []config.Problem{
		{"admins[1]", `"nobody" is not an email, a Slack user id (U…/W…, or slack:U…), a Slack user-group id (S…, or slack:S…), a Teams user (teams:<Entra object id>) or an Entra ID group (teams-group:<object id>)`},
		{"colour", `unknown key "colour"`},
		{"packages.agent", "has no approval destination: set approval_channel, dm_approvers: true, or both"},
		{"packages.agent.approval_timeout", "cannot be permanent"},
		{"packages.agent.approvers[10]", `"bob@" is not an email`},
		{"packages.agent.identity.country", "is required for federatedID (a two-letter ISO 3166-1 code such as US)"},
		{"packages.agent.marketo.role.id", "must be a positive id"},
		{"packages.agent.min_approvals", "is 12 but only 10 approvers are listed"},
		{`packages["Bad Name"]`, `has no approval destination: set approval_channel, dm_approvers: true, or both`},
		{`packages["Bad Name"]`, `package name "Bad Name" must be 1-32 letters, digits, - or _, starting with a letter or digit`},
		{`packages["Bad Name"].approvers`, "is required: list emails, Slack user ids (U…/W…) or user-group ids (S…), or teams:/teams-group: object ids"},
		{`packages["Bad Name"].identity.type`, "is required: set it here or in adobe.identity"},
		{`packages["Bad Name"].marketo.role`, "is required: give its id, name or both"},
		{`packages["Bad Name"].profiles`, "is required: name at least one Dynamic Chat product profile"},
		{"reviews[0].schedule", `cron spec "0 9 1 13 *": month "13" is invalid: end of range (13) above maximum (12): 13`},
		{"reviews[0].time_zone", `"Local" depends on the host; name an IANA zone such as Europe/Berlin or UTC`},
		{"slack.admin_channel", `"general" is not a Slack channel id (like C0123ABCDE); use the id, not the name`},
	}
	if !slices.Equal(verr.Problems, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", render(verr.Problems), render(want))
	}
	// The message lists every problem, one per line.
	msg := err.Error()
	if !strings.HasPrefix(msg, "config: 17 problems:\n  admins[1]: ") || strings.Count(msg, "\n") != 17 {
		t.Errorf("message:\n%s", msg)
	}
}

func TestProblemsSortNumerically(t *testing.T) {
	var list []string
	for i := range 12 {
		list = append(list, "bob"+strings.Repeat("x", i)+"@")
	}
	y := strings.Replace(minimal, "[lead@example.com, U0LEAD00001]", "[lead@example.com, U0LEAD00001, "+strings.Join(list, ", ")+"]", 1)
	_, err := config.Parse([]byte(y), nil)
	var verr *config.ValidationError
	if !errors.As(err, &verr) || len(verr.Problems) != 12 {
		t.Fatalf("err = %v", err)
	}
	for i, p := range verr.Problems {
		if want := "packages.agent.approvers[" + itoa(i+2) + "]"; p.Path != want {
			t.Errorf("problem %d at %s, want %s", i, p.Path, want)
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestPolicyConversion(t *testing.T) {
	const y = `requesters: [S0LEADS0001, Lead@Example.COM]
admins: [Admin@Example.com]
dry_run: true
max_justification: 200
slack: {admin_channel: C0ADMINS001}
adobe: {identity: {type: federatedid, country: de}}
packages:
  Agent:
    description: "  Live chat  "
    profiles:
      - {name: Live Agent}
      - {name: Live Agent, product: Dynamic Chat (Sandbox)}
    marketo: {role: {id: 12, name: DC Agent}, workspace: {id: 3}}
    approvers: [Boss@Example.com, U0BOSS00001, S0LEADS0001]
    min_approvals: 3
    allow_self_approval: true
    auto_approve: {removals: true, requesters: [HELP@example.com]}
    default_duration: 2w
    max_duration: 1d12h
    approval_timeout: 90m
    reminder_interval: "off"
    identity: {type: enterpriseID}
    dm_approvers: true
    on_partial_failure: ALERT
    remove_from_all_profiles: true
`
	_, err := config.Parse([]byte(y), nil)
	var verr *config.ValidationError
	if !errors.As(err, &verr) || len(verr.Problems) != 1 || verr.Problems[0].Path != "packages.Agent.default_duration" {
		t.Fatalf("want only the default>max problem, got %v", err)
	}
	cfg, err := config.Parse([]byte(strings.Replace(y, "max_duration: 1d12h", "max_duration: 30d", 1)), nil)
	if err != nil {
		t.Fatal(err)
	}
	pol := cfg.Policy()
	want := &approvals.Package{
		Name:        "agent",
		Description: "Live chat",
		Profiles: []approvals.ProductProfile{
			{Name: "Live Agent", Product: "Dynamic Chat"},
			{Name: "Live Agent", Product: "Dynamic Chat (Sandbox)"},
		},
		MarketoRole:       approvals.MarketoRef{ID: 12, Name: "DC Agent"},
		MarketoWorkspace:  approvals.MarketoRef{ID: 3},
		Approvers:         approvals.Audience{Emails: []string{"boss@example.com"}, Users: []approvals.PlatformID{{Platform: approvals.PlatformSlack, ID: "U0BOSS00001"}}, Groups: []approvals.PlatformID{{Platform: approvals.PlatformSlack, ID: "S0LEADS0001"}}},
		MinApprovals:      3,
		AllowSelfApproval: true,
		AutoApprove:       approvals.AutoApprove{Removals: true, Requesters: approvals.Audience{Emails: []string{"help@example.com"}}},
		DefaultDuration:   14 * 24 * time.Hour,
		MaxDuration:       30 * 24 * time.Hour,
		ApprovalTimeout:   90 * time.Minute,
		ReminderInterval:  0,
		Identity:          approvals.Identity{Type: approvals.EnterpriseID},
		DMApprovers:       true,
		DryRun:            true, // from the global dry_run
		OnPartialFailure:  approvals.CompensateAlert,

		RemoveFromAllProfiles: true,
	}
	got := pol.Packages["agent"]
	if got == nil {
		t.Fatalf("packages = %v", pol.PackageNames())
	}
	if gs, ws := pp(got), pp(want); gs != ws {
		t.Errorf("package:\n got %s\nwant %s", gs, ws)
	}
	if !slices.Equal(pol.Requesters.Emails, []string{"lead@example.com"}) || !slices.Equal(approvals.On(pol.Requesters.Groups, approvals.PlatformSlack), []string{"S0LEADS0001"}) {
		t.Errorf("requesters = %+v", pol.Requesters)
	}
	if !slices.Equal(pol.Admins.Emails, []string{"admin@example.com"}) || pol.MaxJustification != 200 {
		t.Errorf("policy = %+v", pol)
	}
	if p, err := pol.Package(" AGENT "); err != nil || p != got {
		t.Errorf("Package lookup: %v", err)
	}
	if !cfg.Settings().DryRun {
		t.Error("settings dry run not set")
	}
}

func pp(p *approvals.Package) string {
	return strings.ReplaceAll(strings.TrimSpace(fmtv(p)), "\n", " ")
}

func TestAnchorsAndMergeKeys(t *testing.T) {
	const y = `requesters: [everyone]
admins: &leads [lead@example.com, U0LEAD00001]
slack: {admin_channel: C0ADMINS001}
adobe: {identity: {type: adobeID}}
packages:
  agent: &base
    profiles: [{name: Live Agent}]
    marketo: {role: {name: DC Agent}}
    approvers: *leads
    approval_channel: C0APPROVE01
  calendar-agent:
    <<: *base
    profiles: [{name: Calendar Agent}]
  bad:
    <<: *base
    colour: red
`
	_, err := config.Parse([]byte(y), nil)
	var verr *config.ValidationError
	want := []config.Problem{{"packages.bad.colour", `unknown key "colour"`}}
	if !errors.As(err, &verr) || !slices.Equal(verr.Problems, want) {
		t.Fatalf("err = %v", err)
	}
	cfg, err := config.Parse([]byte(strings.Replace(y, "    colour: red\n", "", 1)), nil)
	if err != nil {
		t.Fatal(err)
	}
	p := cfg.Policy().Packages["calendar-agent"]
	if p.Profiles[0].Name != "Calendar Agent" || p.Approvers.Size() != 2 || !slices.Equal(approvals.On(p.ApprovalChannels, approvals.PlatformSlack), []string{"C0APPROVE01"}) {
		t.Errorf("merged package = %+v", p)
	}
}

func TestAliasBombIsRefused(t *testing.T) {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 9; i++ {
		b.WriteString("a" + itoa(i) + ": &a" + itoa(i) + " [")
		for j := range 10 {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + itoa(i-1))
		}
		b.WriteString("]\n")
	}
	b.WriteString("admins: *a8\n")
	start := time.Now()
	_, err := config.Parse([]byte(b.String()), nil)
	if err == nil {
		t.Fatal("alias bomb accepted")
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("took %v", time.Since(start))
	}
}

func TestLoadErrors(t *testing.T) {
	_, err := config.Load(filepath.Join(t.TempDir(), "missing.yaml"), nil)
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	big := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(big, []byte("#"+strings.Repeat("x", config.MaxFileSize)), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = config.Load(big, nil)
	var verr *config.ValidationError
	if !errors.As(err, &verr) || verr.File != big || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("big file: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "chataccess.yaml")
	if err := os.WriteFile(bad, []byte(minimal+"colour: blue\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = config.Load(bad, nil)
	if err == nil || err.Error() != bad+`: config: colour: unknown key "colour"` {
		t.Errorf("bad file: %v", err)
	}
}

func TestValidateOnConfigBuiltInCode(t *testing.T) {
	c := &config.Config{
		Requesters: []string{"everyone"},
		Admins:     []string{"admin@example.com"},
		Slack:      config.SlackConfig{AdminChannel: "C0ADMINS001"},
		Adobe:      config.AdobeConfig{Identity: config.IdentityConfig{Type: "adobeID"}},
		Packages: map[string]config.PackageConfig{"agent": {
			Profiles:    []config.ProfileConfig{{Name: "Live Agent"}},
			Marketo:     config.MarketoRoleConfig{Role: config.RefConfig{ID: 4}},
			Approvers:   []string{"U0LEAD00001"},
			DMApprovers: true,
		}},
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	c.Packages["agent"] = config.PackageConfig{}
	var verr *config.ValidationError
	if err := c.Validate(); !errors.As(err, &verr) || len(verr.Problems) != 4 {
		t.Fatalf("err = %v", err)
	}
}

// TestPlatformAudiences: platform ids are keyed by platform. A bare Slack
// id still means Slack, as before platforms were named; slack:, teams:
// and teams-group: name them explicitly; anything else is refused with
// the forms spelled out.
func TestPlatformAudiences(t *testing.T) {
	const y = `requesters: [everyone]
admins: [U0ADMIN0001]
slack: {admin_channel: C0ADMINS001}
adobe: {identity: {type: enterpriseID}}
packages:
  agent:
    profiles: [{name: Live Agent}]
    marketo: {role: {name: DC Agent}, workspace: {name: Default}}
    approvers:
      - U0BOSS00001
      - slack:W0BOSS00002
      - slack:S0LEADS0001
      - S0LEADS0002
      - teams:6B1C3E2A-0F4D-4C3B-9A1E-2F5D6C7B8A90
      - teams-group:0d2e4f6a-8b1c-4d3e-9f5a-7b6c5d4e3f21
      - boss@example.com
    approval_channel: C0APPROVE01
`
	cfg, err := config.Parse([]byte(y), nil)
	if err != nil {
		t.Fatal(err)
	}
	a := cfg.Policy().Packages["agent"].Approvers
	slack, teams := approvals.PlatformSlack, approvals.PlatformTeams
	wantUsers := []approvals.PlatformID{{Platform: slack, ID: "U0BOSS00001"}, {Platform: slack, ID: "W0BOSS00002"},
		{Platform: teams, ID: "6b1c3e2a-0f4d-4c3b-9a1e-2f5d6c7b8a90"}}
	wantGroups := []approvals.PlatformID{{Platform: slack, ID: "S0LEADS0001"}, {Platform: slack, ID: "S0LEADS0002"},
		{Platform: teams, ID: "0d2e4f6a-8b1c-4d3e-9f5a-7b6c5d4e3f21"}}
	if !slices.Equal(a.Users, wantUsers) || !slices.Equal(a.Groups, wantGroups) || !slices.Equal(a.Emails, []string{"boss@example.com"}) {
		t.Errorf("approvers = %+v", a)
	}
	// The same id on another platform is another person.
	if a.Contains(approvals.Actor{ID: "U0BOSS00001", Platform: teams}) {
		t.Error("a Slack user id matched a Teams actor")
	}
	if !a.Contains(approvals.Actor{ID: "6b1c3e2a-0f4d-4c3b-9a1e-2f5d6c7b8a90", Platform: teams}) {
		t.Error("the Teams approver is not recognised")
	}
	if !a.Contains(approvals.Actor{ID: "UNOBODY0001", Platform: teams, Groups: []string{"0d2e4f6a-8b1c-4d3e-9f5a-7b6c5d4e3f21"}}) {
		t.Error("a member of the Entra ID group is not recognised")
	}
	for _, bad := range []string{"teams:not-a-guid", "slack:C0CHANNEL01", "discord:U0BOSS00001", "teams-group:S0LEADS0001"} {
		_, err := config.Parse([]byte(strings.Replace(y, "- boss@example.com", "- "+bad, 1)), nil)
		var verr *config.ValidationError
		if !errors.As(err, &verr) || len(verr.Problems) != 1 || verr.Problems[0].Path != "packages.agent.approvers[6]" ||
			!strings.Contains(verr.Problems[0].Message, "teams-group:<object id>") {
			t.Errorf("%s: %v", bad, err)
		}
	}
}
