package commands

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot"
)

type fakeReviews struct{ started []string }

func (r *fakeReviews) StartReview(_ context.Context, pkg string, by approvals.Actor) (approvals.Sentence, error) {
	r.started = append(r.started, pkg+" by "+by.Email)
	return approvals.Sentence{Text: "Review R-1 started for " + pkg}, nil
}

func TestReviewStart(t *testing.T) {
	f := newFixture(t)
	rv := &fakeReviews{}
	f.h.deps.Reviews = rv
	if m := text(f.command("UEVE", "review start agent").Message); !strings.Contains(m, "Only admins") {
		t.Fatalf("non-admin: %q", m)
	}
	if m := text(f.command("UROOT", "review start nope").Message); !strings.Contains(m, "no package") {
		t.Fatalf("unknown package: %q", m)
	}
	// The inventory is slow (a vendor call per holder): the command is
	// answered at once and the campaign built after the acknowledgement.
	var told []string
	rep := f.h.HandleCommand(f.ctx, bot.Command{User: user("UROOT"), Channel: "CWORK", Name: "/dynchat", Text: "review start agent",
		Respond: func(_ context.Context, r bot.Response) error {
			told = append(told, r.Message.Text.String())
			return nil
		}})
	if m := text(rep.Message); !strings.Contains(m, "Starting the access review of agent") || len(rv.started) != 0 || rep.After == nil {
		t.Fatalf("admin: %q, started %v", m, rv.started)
	}
	rep.After(f.ctx)
	if len(rv.started) != 1 || rv.started[0] != "agent by root@example.com" {
		t.Fatalf("started %v", rv.started)
	}
	if len(told) != 1 || told[0] != "Review R-1 started for agent" {
		t.Fatalf("admin told %q", told)
	}
	// Without a response hook the admin gets a DM.
	rep = f.command("UROOT", "review start agent")
	rep.After(f.ctx)
	if dms := messagesIn(f.fake, "DUROOT"); len(dms) != 1 || !strings.Contains(dms[0].Text, "Review R-1 started for agent") {
		t.Fatalf("DMs %+v", dms)
	}
}

func TestActorCache(t *testing.T) {
	c := actorCache{ttl: time.Minute}
	a := approvals.Actor{ID: "U1", Email: "a@b.co", Groups: []string{"S1"}}
	c.put("U1", a, "fr-FR", t0)
	got, locale, ok := c.get("U1", t0.Add(30*time.Second))
	if !ok || got.Email != "a@b.co" || locale != "fr-FR" {
		t.Fatalf("hit: %+v %q %v", got, locale, ok)
	}
	got.Groups[0] = "changed"
	if again, _, _ := c.get("U1", t0); again.Groups[0] != "S1" {
		t.Fatal("cache shares its group slice")
	}
	if _, _, ok := c.get("U1", t0.Add(2*time.Minute)); ok {
		t.Fatal("expired entry returned")
	}
}

func TestHelpAndStatus(t *testing.T) {
	f := newFixture(t)
	if m := f.command("ULEAD", "").Message; m == nil || !strings.Contains(m.Blocks[0].(*bot.Section).Text.String(), "/dynchat add") {
		t.Fatalf("help %+v", m)
	}
	r := f.add("ULEAD", `add alice@example.com agent 30d "covering EMEA"`)
	m := f.command("UANN", "status "+strings.ToLower(r.ID)).Message
	if m == nil || !strings.Contains(m.Text.String(), r.ID) || len(m.Blocks) == 0 {
		t.Fatalf("status %+v", m)
	}
	// Someone who is neither requester, target, approver nor admin is
	// told what an unused id gets.
	if got, none := text(f.command("UEVE", "status "+r.ID).Message), text(f.command("UEVE", "status DC-9999").Message); got != strings.ReplaceAll(none, "DC-9999", r.ID) {
		t.Fatalf("status for a stranger %q, for an unused id %q", got, none)
	}
	if m := text(f.command("UANN", "pending").Message); m != "Waiting for your decision" {
		t.Fatalf("pending: %q", m)
	}
	if m := text(f.command("ULEAD", "pending").Message); !strings.Contains(m, "Nothing is waiting") {
		t.Fatalf("pending for requester: %q", m)
	}
}
