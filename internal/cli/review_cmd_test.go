package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/config"
	"github.com/chataccess/chataccess/internal/redistest"
	"github.com/chataccess/chataccess/reviews"
	"github.com/chataccess/chataccess/store"
)

func seedReview(t *testing.T) (*store.Store, string) {
	t.Helper()
	rdb, prefix := redistest.Client(t)
	st := store.New(rdb, prefix)
	ctx := context.Background()
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	c := &reviews.Campaign{ID: "R-3", Packages: []string{"agent"}, CreatedAt: now, Deadline: now.Add(time.Hour),
		Status: reviews.StatusOpen, Version: 1, Items: 2,
		Reviewers: []approvals.Actor{{ID: "UANN", Email: "ann@example.com", Platform: "slack"}}}
	items := []reviews.Item{
		{Index: 1, Package: "agent", Email: "alice@example.com", Profiles: []string{"Live Agent"}, InMarketo: true, Assignees: []int{0},
			Grant: &approvals.Grant{Since: now.Add(-24 * time.Hour), ApprovedBy: []string{"ben@example.com"}, Requester: "lead@example.com",
				RequestID: "DC-1001", Justification: `covering "EMEA", weekends`}},
		{Index: 2, Package: "agent", Email: "carl@example.com", Profiles: []string{"Live Agent"}, Findings: []reviews.FindingKind{reviews.OutsideBot}, Assignees: []int{0}},
	}
	if err := st.CreateReview(ctx, c, items); err != nil {
		t.Fatal(err)
	}
	if err := st.Decide(ctx, "R-3", 1, reviews.Decision{Verdict: reviews.Revoke, By: c.Reviewers[0], At: now.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if err := st.SetDecisionOutcome(ctx, "R-3", 1, "DC-1002", approvals.Sentence{}); err != nil {
		t.Fatal(err)
	}
	return st, "R-3"
}

func TestReviewExportCSV(t *testing.T) {
	st, id := seedReview(t)
	var buf bytes.Buffer
	if err := exportReview(context.Background(), st, id, "csv", &buf); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || len(rows[0]) != len(reviewColumns) {
		t.Fatalf("rows %v", rows)
	}
	col := map[string]int{}
	for i, c := range rows[0] {
		col[c] = i
	}
	r1, r2 := rows[1], rows[2]
	for k, want := range map[string]string{"decision": "revoke", "decider": "ann@example.com", "decided_at": "2026-11-24T09:01:00Z",
		"remove_request": "DC-1002", "approved_by": "ben@example.com", "justification": `covering "EMEA", weekends`, "reviewers": "ann@example.com"} {
		if r1[col[k]] != want {
			t.Errorf("%s = %q, want %q", k, r1[col[k]], want)
		}
	}
	if r2[col["decision"]] != "unreviewed" || r2[col["drift"]] != "outside_bot" {
		t.Errorf("row 2 %v", r2)
	}
}

func TestReviewExportJSON(t *testing.T) {
	st, id := seedReview(t)
	var buf bytes.Buffer
	if err := exportReview(context.Background(), st, id, "json", &buf); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("lines %q", lines)
	}
	var r reviewRow
	if err := json.Unmarshal([]byte(lines[0]), &r); err != nil || r.Decision != "revoke" || r.Item != 1 || r.GrantRequest != "DC-1001" {
		t.Fatalf("row %+v %v", r, err)
	}
	if err := exportReview(context.Background(), st, "R-99", "json", &buf); err == nil {
		t.Fatal("missing review exported")
	}
}

func TestReviewExportArguments(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"export"}, "Usage"},
		{[]string{"export", "DC-1"}, "not a review id"},
		{[]string{"export", "R-1", "--format", "xml"}, "csv or json"},
		{[]string{"export", "--format", "xml", "R-1"}, "csv or json"},
		{[]string{"export", "R-1", "R-2"}, "unexpected arguments"},
		{[]string{"bogus"}, "unknown subcommand"},
	} {
		var out, errb bytes.Buffer
		err := runReview(context.Background(), Env{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}, tc.args)
		if err == nil || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%v: err %v, stderr %q", tc.args, err, errb.String())
		}
	}
}

func TestReviewSchedulesFromConfig(t *testing.T) {
	in := []config.ReviewSchedule{{Name: "q", Packages: []string{"agent"}, Spec: "@monthly", Location: time.UTC,
		Deadline: time.Hour, ReminderInterval: time.Minute, OnNoResponse: config.NoResponseRevoke}}
	out := reviewSchedules(in)
	if len(out) != 1 || out[0].OnNoResponse != reviews.NoResponseRevoke || out[0].Spec != "@monthly" || out[0].Deadline != time.Hour {
		t.Fatalf("%+v", out)
	}
}
