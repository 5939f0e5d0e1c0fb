package commands

import (
	"strings"
	"testing"

	"github.com/chataccess/chataccess/approvals"
)

// TestAutoApprovalReasonsInFrench: the thread note of a request approved
// without a person names the rule in the reader's language, never the
// English stored for logs.
func TestAutoApprovalReasonsInFrench(t *testing.T) {
	f := newFixture(t)
	pol := testPolicy()
	pol.Packages["agent"].AutoApprove.Requesters = approvals.Audience{Emails: []string{"lead@example.com"}}
	svc := approvals.NewService(pol, f.st, f.clock)
	lead := approvals.Actor{ID: "ULEAD", Email: "lead@example.com", Platform: approvals.PlatformSlack}
	for name, c := range map[string]struct {
		in      approvals.SubmitInput
		fr, en  string
		english string
	}{
		"system request": {
			in: approvals.SubmitInput{Kind: approvals.KindRemove, Package: "agent", Target: approvals.Target{Email: "alice@example.com"},
				Requester: approvals.System, Reason: "cleanup"},
			fr: "par demande du système", en: "by system request", english: "system request",
		},
		"removals rule": {
			in: approvals.SubmitInput{Kind: approvals.KindRemove, Package: "viewer", Target: approvals.Target{Email: "bob@example.com"},
				Requester: lead, Justification: "left the team"},
			fr: "règle de la politique auto_approve.removals (les retraits ne demandent pas d’approbation)",
			en: "policy rule auto_approve.removals (removals need no approval)", english: "removals need no approval",
		},
		"requesters rule": {
			in: approvals.SubmitInput{Kind: approvals.KindAdd, Package: "agent", Target: approvals.Target{Email: "carl@example.com"},
				Requester: lead, Justification: "covering EMEA"},
			fr: "règle de la politique auto_approve.requesters (le demandeur figure sur la liste de cet accès)",
			en: "policy rule auto_approve.requesters (the requester is on the package's list)", english: "the requester is on the package",
		},
	} {
		t.Run(name, func(t *testing.T) {
			r, err := svc.Submit(f.ctx, c.in)
			if err != nil {
				t.Fatal(err)
			}
			rec := approvals.Record{RequestID: r.ID, Event: approvals.EventApprove, Actor: approvals.System, At: r.CreatedAt}
			fr := f.h.threadNote(f.h.cat.Lang("fr"), rec, r).String()
			if !strings.Contains(fr, "Approuvée automatiquement") || !strings.Contains(fr, c.fr) || strings.Contains(fr, c.english) {
				t.Errorf("French note: %q, want %q and no %q", fr, c.fr, c.english)
			}
			if en := f.h.threadNote(f.h.cat.Lang("en"), rec, r).String(); !strings.Contains(en, c.en) {
				t.Errorf("English note: %q, want %q", en, c.en)
			}
		})
	}
}
