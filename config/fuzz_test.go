package config_test

import (
	"errors"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/config"
)

// FuzzParse: arbitrary bytes never panic; a failure is always a
// *ValidationError with sorted problems and the same text every time; a
// config that validates converts to a Policy that keeps the invariants
// the approvals service relies on.
func FuzzParse(f *testing.F) {
	example, err := os.ReadFile(examplePath)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(example)
	f.Add([]byte(minimal))
	f.Add([]byte(withPkg("min_approvals: 2", "default_duration: permanent", "allow_permanent: true", "reminder_interval: off")))
	f.Add([]byte(minimal + "reviews:\n  - name: q\n    schedule: '0 9 1 */3 *'\n    time_zone: Asia/Tokyo\n    packages: [AGENT]\n"))
	f.Add([]byte(minimal + "  b: &x {profiles: [{name: P}], marketo: {role: {id: 1}}, approvers: [S0GROUP0001], dm_approvers: true}\n  c: {<<: *x}\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte("packages: {agent: {approvers: [1, [2], {x: 3}]}}\n"))
	f.Add([]byte("---\n...\n"))
	f.Add([]byte("{}"))

	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := config.Parse(data, nil)
		if err != nil {
			var verr *config.ValidationError
			if !errors.As(err, &verr) || len(verr.Problems) == 0 {
				t.Fatalf("error %v (%T) is not a non-empty *ValidationError", err, err)
			}
			_, err2 := config.Parse(data, nil)
			if err2 == nil || err2.Error() != err.Error() {
				t.Fatalf("two parses disagree:\n%v\n---\n%v", err, err2)
			}
			return
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("Parse accepted but Validate says %v", err)
		}
		pol := cfg.Policy()
		checkPolicy(t, pol)
		cfg2, _ := config.Parse(data, nil)
		if !reflect.DeepEqual(pol, cfg2.Policy()) {
			t.Fatal("two parses give different policies")
		}
		for _, rs := range cfg.ReviewSchedules() {
			if rs.Location == nil || rs.Deadline <= 0 || rs.ReminderInterval >= rs.Deadline || config.ValidateCronSpec(rs.Spec) != nil {
				t.Fatalf("bad review schedule %+v", rs)
			}
			if len(rs.Packages) == 0 {
				t.Fatalf("review %s has no packages", rs.Name)
			}
			for _, p := range rs.Packages {
				if pol.Packages[p] == nil {
					t.Fatalf("review %s names unknown package %q", rs.Name, p)
				}
			}
		}
		s := cfg.Settings()
		if s.Adobe.ActionsPerMinute < 1 || s.Adobe.ActionsPerMinute > 10 || s.Marketo.CallsPer20s > 100 ||
			s.Marketo.MaxInFlight > 10 || s.Workers.Concurrency < 1 || s.Adobe.BatchWindow <= 0 || s.Redis.Prefix == "" {
			t.Fatalf("bad settings %+v", s)
		}
	})
}

func checkPolicy(t *testing.T, pol *approvals.Policy) {
	t.Helper()
	if len(pol.Packages) == 0 || pol.Admins.Empty() || pol.Admins.Everyone || pol.Requesters.Empty() || pol.MaxJustification < 1 {
		t.Fatalf("bad policy %+v", pol)
	}
	checkAudience(t, pol.Admins)
	checkAudience(t, pol.Requesters)
	for key, p := range pol.Packages {
		if p.Name != key || key != strings.ToLower(strings.TrimSpace(key)) || key == "" {
			t.Fatalf("package key %q name %q", key, p.Name)
		}
		if len(p.Profiles) == 0 || slices.ContainsFunc(p.Profiles, func(pp approvals.ProductProfile) bool { return pp.Name == "" || pp.Product == "" }) {
			t.Fatalf("%s: profiles %+v", key, p.Profiles)
		}
		if p.MarketoRole.String() == "" || p.MarketoWorkspace.String() == "" {
			t.Fatalf("%s: marketo %+v %+v", key, p.MarketoRole, p.MarketoWorkspace)
		}
		if p.Approvers.Empty() || p.Approvers.Everyone || p.MinApprovals < 1 || p.MinApprovals > p.Approvers.Size() {
			t.Fatalf("%s: approvers %+v min %d", key, p.Approvers, p.MinApprovals)
		}
		checkAudience(t, p.Approvers)
		checkAudience(t, p.AutoApprove.Requesters)
		if p.AutoApprove.Requesters.Everyone {
			t.Fatalf("%s: everyone auto-approved", key)
		}
		if p.DefaultDuration < 0 || p.MaxDuration < 0 || (p.MaxDuration > 0 && p.DefaultDuration > p.MaxDuration) {
			t.Fatalf("%s: durations %v / %v", key, p.DefaultDuration, p.MaxDuration)
		}
		if p.ApprovalTimeout <= 0 || p.ReminderInterval < 0 || p.ReminderInterval >= p.ApprovalTimeout {
			t.Fatalf("%s: timeout %v reminder %v", key, p.ApprovalTimeout, p.ReminderInterval)
		}
		switch p.Identity.Type {
		case approvals.AdobeID, approvals.EnterpriseID:
		case approvals.FederatedID:
			if len(p.Identity.Country) != 2 {
				t.Fatalf("%s: federatedID without country", key)
			}
		default:
			t.Fatalf("%s: identity %+v", key, p.Identity)
		}
		if len(p.ApprovalChannels) == 0 && !p.DMApprovers {
			t.Fatalf("%s: no approval destination", key)
		}
		if p.OnPartialFailure != approvals.CompensateRollback && p.OnPartialFailure != approvals.CompensateAlert {
			t.Fatalf("%s: on_partial_failure %q", key, p.OnPartialFailure)
		}
	}
}

func checkAudience(t *testing.T, a approvals.Audience) {
	t.Helper()
	for _, e := range a.Emails {
		if got, err := approvals.ParseEmail(e); err != nil || got != e {
			t.Fatalf("email %q not canonical (%v)", e, err)
		}
	}
	for _, id := range slices.Concat(a.Users, a.Groups) {
		switch id.Platform {
		case approvals.PlatformSlack:
			if id.ID == "" || strings.ToUpper(id.ID) != id.ID {
				t.Fatalf("slack id %q", id.ID)
			}
		case approvals.PlatformTeams:
			if id.ID == "" || strings.ToLower(id.ID) != id.ID {
				t.Fatalf("teams id %q", id.ID)
			}
		default:
			t.Fatalf("platform of %v", id)
		}
	}
}
