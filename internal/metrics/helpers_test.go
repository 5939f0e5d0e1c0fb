package metrics

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/chataccess/chataccess/approvals"
)

// sample returns the value of the series of name whose labels include
// labels (name, value pairs), and whether there is one.
func sample(t testing.TB, g prometheus.Gatherer, name string, labels ...string) (float64, bool) {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if hasLabels(m, labels...) {
				switch {
				case m.Counter != nil:
					return m.Counter.GetValue(), true
				case m.Gauge != nil:
					return m.Gauge.GetValue(), true
				case m.Histogram != nil:
					return float64(m.Histogram.GetSampleCount()), true
				}
			}
		}
	}
	return 0, false
}

func hasLabels(m *dto.Metric, labels ...string) bool {
	for i := 0; i+1 < len(labels); i += 2 {
		found := false
		for _, lp := range m.GetLabel() {
			if lp.GetName() == labels[i] && lp.GetValue() == labels[i+1] {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// must is sample that fails the test when the series is missing.
func must(t testing.TB, g prometheus.Gatherer, name string, labels ...string) float64 {
	t.Helper()
	v, ok := sample(t, g, name, labels...)
	if !ok {
		t.Fatalf("no series %s%v", name, labels)
	}
	return v
}

// testPolicy has two packages with their own approval timeouts.
func testPolicy() *approvals.Policy {
	pkg := func(name, profile string, timeout time.Duration) *approvals.Package {
		return &approvals.Package{
			Name: name, Profiles: []approvals.ProductProfile{{Name: profile, Product: "Dynamic Chat"}},
			MarketoRole: approvals.MarketoRef{Name: "DC Agent"}, MarketoWorkspace: approvals.MarketoRef{Name: "Default"},
			Approvers: approvals.Audience{Emails: []string{"ann@example.com"}}, MinApprovals: 1,
			DefaultDuration: 30 * 24 * time.Hour, MaxDuration: 90 * 24 * time.Hour, ApprovalTimeout: timeout,
			Identity:         approvals.Identity{Type: approvals.FederatedID, Country: "US"},
			OnPartialFailure: approvals.CompensateRollback,
		}
	}
	return &approvals.Policy{
		Requesters: approvals.Audience{Everyone: true},
		Admins:     approvals.Audience{Emails: []string{"root@example.com"}},
		Packages: map[string]*approvals.Package{
			"agent": pkg("agent", "Live Agent", 48*time.Hour),
			"admin": pkg("admin", "Marketing Admin", 0),
		},
	}
}

var (
	lead = approvals.Actor{ID: "ULEAD", Email: "lead@example.com", Platform: "slack"}
	ann  = approvals.Actor{ID: "UANN", Email: "ann@example.com", Platform: "slack"}
)
