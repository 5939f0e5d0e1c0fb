package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/approvals/approvalstest"
	"github.com/chataccess/chataccess/internal/redistest"
	"github.com/chataccess/chataccess/store"
)

// TestStoreConformanceOnCluster runs the approvals.Store conformance
// suite on a real three-master Redis Cluster: every ledger key carries
// the {ledger} hash tag, so each multi-key Lua script runs on one slot.
func TestStoreConformanceOnCluster(t *testing.T) {
	approvalstest.RunStore(t, func(t *testing.T) approvalstest.Ledger {
		rdb, prefix := redistest.Cluster(t)
		return outboxLedger{store.New(rdb, prefix)}
	})
}

// TestFlowOnCluster takes requests through their whole lifecycle on the
// cluster (submit, approve, execute, complete, remove, audit) and checks
// that the indexes, the outbox and the audit chain agree.
func TestFlowOnCluster(t *testing.T) {
	rdb, prefix := redistest.Cluster(t)
	ctx := context.Background()
	st := store.New(rdb, prefix)
	pol := &approvals.Policy{
		Requesters: approvals.Audience{Everyone: true},
		Admins:     approvals.Audience{Emails: []string{"root@example.com"}},
		Packages: map[string]*approvals.Package{"agent": {
			Name: "agent", Profiles: []approvals.ProductProfile{{Name: "Live Agent"}},
			Approvers: approvals.Audience{Emails: []string{"ann@example.com"}}, MinApprovals: 1,
			AllowPermanent: true, ApprovalTimeout: time.Hour, AutoApprove: approvals.AutoApprove{Removals: true},
		}},
	}
	svc := approvals.NewService(pol, st, approvals.ClockFunc(time.Now))
	lead := approvals.Actor{ID: "ULEAD", Email: "lead@example.com", Platform: approvals.PlatformSlack}
	ann := approvals.Actor{ID: "UANN", Email: "ann@example.com", Platform: approvals.PlatformSlack}
	const n = 20
	for i := range n {
		email := fmt.Sprintf("user%d@example.com", i)
		r, err := svc.Submit(ctx, approvals.SubmitInput{Kind: approvals.KindAdd, Package: "agent", Target: approvals.Target{Email: email},
			Justification: "cluster flow", Permanent: true, Requester: lead, Origin: approvals.PlatformSlack})
		if err != nil {
			t.Fatal(err)
		}
		for _, step := range []func() error{
			func() error { _, err := svc.Approve(ctx, r.ID, ann, ""); return err },
			func() error { _, err := svc.StartExecution(ctx, r.ID); return err },
			func() error { _, err := svc.Complete(ctx, r.ID); return err },
		} {
			if err := step(); err != nil {
				t.Fatalf("%s: %v", r.ID, err)
			}
		}
		if _, err := st.Grant(ctx, email, "agent"); err != nil {
			t.Fatalf("grant of %s: %v", email, err)
		}
	}
	done, err := st.List(ctx, approvals.ByState(approvals.StateCompleted), 100)
	if err != nil || len(done) != n {
		t.Fatalf("completed index: %d requests, %v", len(done), err)
	}
	root := approvals.Actor{ID: "UROOT", Email: "root@example.com", Platform: approvals.PlatformSlack}
	rm, err := svc.Revoke(ctx, "user0@example.com", "agent", root, "cluster flow")
	if err != nil || rm.State != approvals.StateApproved {
		t.Fatalf("revoke: %+v %v", rm, err)
	}
	if _, err := svc.StartExecution(ctx, rm.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Complete(ctx, rm.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Grant(ctx, "user0@example.com", "agent"); err == nil {
		t.Fatal("the removed grant is still there")
	}
	recs, err := outboxLedger{st}.Records(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := n*4 + 3; len(recs) < want {
		t.Fatalf("outbox has %d records, want at least %d", len(recs), want)
	}
	rep, err := st.VerifyAudit(ctx)
	if err != nil || rep.BadEntry != "" || rep.Entries < len(recs) {
		t.Fatalf("audit on the cluster: %v (%+v)", err, rep)
	}
}
