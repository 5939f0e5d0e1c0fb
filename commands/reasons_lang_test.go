package commands

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/vendormap"
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

// TestEndOfAccessReasonsInFrench: why access ended (the thread note and
// the requester's DM) and why the system asked for a removal (the
// card's justification) are shown in the reader's language; a person's
// reason stays as typed.
func TestEndOfAccessReasonsInFrench(t *testing.T) {
	f := newFixture(t)
	fr := f.h.cat.Lang("fr")
	until := t0.Add(30 * 24 * time.Hour)
	for name, c := range map[string]struct {
		why     approvals.Sentence
		fr      []string
		english string
	}{
		"removed by": {
			why: approvals.Say("removed by DC-1003", "reason.removed_by", map[string]string{"ID": "DC-1003"}),
			fr:  []string{"retiré par la demande DC-1003"}, english: "removed by",
		},
		"expired": {
			why: approvals.Say("access expired: DC-1001 granted agent on 2026-11-24 until 2026-12-24 09:00 UTC", "reason.expired",
				map[string]string{"ID": "DC-1001", "Package": "agent", "SinceDate": t0.Format(time.RFC3339), "UntilDateTime": until.Format(time.RFC3339)}),
			fr: []string{"accès expiré\u00a0: DC-1001 accordait agent depuis le ", "jusqu’au "}, english: "access expired",
		},
		"revoked in review": {
			why: approvals.Say("revoked in review R-1 by dana.lee@example.com", "reason.review_revoked",
				map[string]string{"Review": "R-1", "Who": "dana.lee@example.com"}),
			fr: []string{"révoqué lors de la revue R-1 par dana.lee@example.com"}, english: "revoked in review",
		},
		"no decision in review": {
			why: approvals.Say("revoked in review R-1: no decision by the deadline", "reason.review_no_decision", map[string]string{"Review": "R-1"}),
			fr:  []string{"révoqué lors de la revue R-1\u00a0: aucune décision avant l’échéance"}, english: "no decision",
		},
		"revoked by an admin": {
			why: approvals.Say("revoked by root@example.com", "reason.revoked_by", map[string]string{"Who": "root@example.com"}),
			fr:  []string{"révoqué par root@example.com"}, english: "revoked by",
		},
	} {
		t.Run(name, func(t *testing.T) {
			add := &approvals.Request{ID: "DC-1001", Kind: approvals.KindAdd, Package: "agent", State: approvals.StateRevoked,
				Target: approvals.Target{Email: "alice@example.com"}, Requester: approvals.Actor{ID: "ULEAD", Email: "lead@example.com", Platform: approvals.PlatformSlack}}
			rec := approvals.Record{RequestID: add.ID, Event: approvals.EventRevoke, Actor: approvals.System, At: t0,
				Detail: c.why.Text, DetailKey: c.why.Key, DetailArgs: c.why.Args}
			rm := &approvals.Request{ID: "DC-1003", Kind: approvals.KindRemove, Package: "agent", State: approvals.StateApproved,
				Target: add.Target, Requester: approvals.System, CreatedAt: t0, Deadline: t0.Add(time.Hour),
				Justification: c.why.Text, Reason: c.why.Text, ReasonKey: c.why.Key, ReasonArgs: c.why.Args}
			for where, got := range map[string]string{
				"thread": f.h.threadNote(fr, rec, add).String(),
				"dm":     f.h.requesterNote(fr, rec, add).String(),
				"card":   failedCard(t, f, rm, "fr"),
			} {
				for _, want := range c.fr {
					if !strings.Contains(got, want) {
						t.Errorf("%s: %q, want %q", where, got, want)
					}
				}
				if strings.Contains(got, c.english) {
					t.Errorf("%s: %q has the English %q", where, got, c.english)
				}
			}
		})
	}
	// A person's reason is shown as typed, never translated.
	rm := &approvals.Request{ID: "DC-1004", Kind: approvals.KindRemove, Package: "agent", State: approvals.StatePending,
		Target: approvals.Target{Email: "alice@example.com"}, Requester: approvals.Actor{ID: "ULEAD", Email: "lead@example.com", Platform: approvals.PlatformSlack},
		CreatedAt: t0, Deadline: t0.Add(time.Hour), Justification: "revoked by root@example.com"}
	if got := failedCard(t, f, rm, "fr"); !strings.Contains(got, "revoked by root@example.com") {
		t.Errorf("a person's justification: %q", got)
	}
}

// sentenceReviews answers StartReview with a stored sentence.
type sentenceReviews struct{ said approvals.Sentence }

func (r sentenceReviews) StartReview(context.Context, string, approvals.Actor) (approvals.Sentence, error) {
	return r.said, nil
}

// TestReviewStartedInFrench: the admin who started a review is told in
// their language, with the plural chosen by the holder count and the
// deadline as a moment in their own format.
func TestReviewStartedInFrench(t *testing.T) {
	f := newFixture(t)
	deadline := time.Date(2026, 12, 14, 13, 48, 0, 0, time.UTC)
	for count, want := range map[string]string{
		"1": "La revue R-1 est lancée pour agent\u00a0: 1 détenteur à certifier d’ici le lun. 14 déc. à 13:48 UTC.",
		"2": "La revue R-1 est lancée pour agent\u00a0: 2 détenteurs à certifier d’ici le lun. 14 déc. à 13:48 UTC.",
	} {
		f.h.deps.Reviews = sentenceReviews{approvals.Say("Review R-1 started for agent: "+count+" holders to certify by 2026-12-14 13:48 UTC.",
			"reviewstart.started", map[string]string{"ID": "R-1", "Packages": "agent", "Count": count, "DeadlineDateTime": deadline.Format(time.RFC3339)})}
		var told []string
		admin := approvals.Actor{ID: "UROOT", Email: "root@example.com", Platform: approvals.PlatformSlack}
		rep := f.h.reviewLater(f.h.cat.Lang("fr"), "agent", admin, func(_ context.Context, r bot.Response) error {
			told = append(told, r.Message.Text.String())
			return nil
		})
		rep.After(f.ctx)
		if len(told) != 1 || told[0] != want || strings.Contains(told[0], "holders") || strings.Contains(told[0], "2026-12-14") {
			t.Errorf("%s holders: told %q, want %q", count, told, want)
		}
	}
}

// TestFailureThreadNoteInFrench: the thread note of a failure shows the
// failure in the reader's language, as the card and the DM do.
func TestFailureThreadNoteInFrench(t *testing.T) {
	f := newFixture(t)
	role := &vendormap.MatchError{Kind: vendormap.KindRole, Ref: `"DC Agnet"`, Problem: vendormap.ProblemNotFound}
	why := sentenceOf(role)
	r := &approvals.Request{ID: "DC-1001", Kind: approvals.KindAdd, Package: "agent", State: approvals.StateFailed,
		Target: approvals.Target{Email: "alice@example.com"}, Failure: why.Text, FailureKey: why.Key, FailureArgs: why.Args}
	rec := approvals.Record{RequestID: r.ID, Event: approvals.EventFail, Actor: approvals.System, At: t0, Detail: why.Text}
	got := f.h.threadNote(f.h.cat.Lang("fr"), rec, r).String()
	if !strings.Contains(got, "Marketo n’a aucun rôle nommé \"DC Agnet\"") || strings.Contains(got, "Marketo has no role") {
		t.Errorf("French failure note: %q", got)
	}
}
