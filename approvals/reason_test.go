package approvals_test

import (
	"context"
	"testing"

	"github.com/chataccess/chataccess/approvals"
)

// grantViewer gives alice the viewer package and returns the add request.
func grantViewer(t *testing.T, f *fixture) *approvals.Request {
	t.Helper()
	ctx := context.Background()
	r := f.submit(t, approvals.SubmitInput{Package: "viewer", Duration: 1})
	if _, err := f.svc.Approve(ctx, r.ID, appr1, ""); err != nil {
		t.Fatal(err)
	}
	complete(t, f, r.ID)
	return r
}

func complete(t *testing.T, f *fixture, id string) {
	t.Helper()
	ctx := context.Background()
	if _, err := f.svc.StartExecution(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Complete(ctx, id); err != nil {
		t.Fatal(err)
	}
}

// TestSystemReasonsKeepTheirMessageIDs: a reason the system writes for a
// removal (its own, or "revoked by …" when an admin gives none) is
// stored with its message id on the remove request and on the record
// that ends the add request; a person's reason stays plain text.
func TestSystemReasonsKeepTheirMessageIDs(t *testing.T) {
	ctx := context.Background()
	expired := approvals.Say("access expired: DC-1", "reason.expired", map[string]string{"ID": "DC-1"})
	for name, c := range map[string]struct {
		remove          func(f *fixture) (*approvals.Request, error)
		reasonKey       string
		detailKey, text string
	}{
		"system reason": {
			remove: func(f *fixture) (*approvals.Request, error) {
				return f.svc.RevokeWith(ctx, "alice@example.com", "viewer", approvals.System, expired)
			},
			reasonKey: "reason.expired", detailKey: "reason.expired", text: "access expired: DC-1",
		},
		"admin without a reason": {
			remove: func(f *fixture) (*approvals.Request, error) {
				return f.svc.Revoke(ctx, "alice@example.com", "viewer", admin, "")
			},
			reasonKey: "reason.revoked_by", detailKey: "reason.revoked_by", text: "revoked by root@example.com",
		},
		"admin's own words": {
			remove: func(f *fixture) (*approvals.Request, error) {
				return f.svc.Revoke(ctx, "alice@example.com", "viewer", admin, "left the team")
			},
			text: "left the team",
		},
		"a person's removal": {
			remove: func(f *fixture) (*approvals.Request, error) {
				return f.svc.Submit(ctx, approvals.SubmitInput{Kind: approvals.KindRemove, Package: "viewer",
					Target: approvals.Target{Email: "alice@example.com"}, Justification: "left the team", Requester: lead})
			},
			detailKey: "reason.removed_by",
		},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			add := grantViewer(t, f)
			rm, err := c.remove(f)
			if err != nil {
				t.Fatal(err)
			}
			if why, ok := rm.SystemReason(); rm.ReasonKey != c.reasonKey || ok != (c.reasonKey != "") || (ok && why.Text != c.text) {
				t.Errorf("remove request reason %q %q %v, want key %q", rm.Reason, rm.ReasonKey, rm.ReasonArgs, c.reasonKey)
			}
			complete(t, f, rm.ID)
			recs, err := f.st.Records(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var rec *approvals.Record
			for i := range recs {
				if recs[i].RequestID == add.ID && recs[i].Event == approvals.EventRevoke {
					rec = &recs[i]
				}
			}
			if rec == nil || rec.DetailKey != c.detailKey {
				t.Fatalf("revoke record %+v, want detail key %q", rec, c.detailKey)
			}
			if c.detailKey == "reason.removed_by" && (rec.DetailArgs["ID"] != rm.ID || rec.Detail != "removed by "+rm.ID) {
				t.Errorf("removed by: %+v", rec)
			}
			if c.text != "" && rec.Detail != c.text {
				t.Errorf("detail %q, want %q", rec.Detail, c.text)
			}
		})
	}
}
