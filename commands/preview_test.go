package commands

import (
	"strings"
	"testing"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot"
)

// cardText is every section of a card as plain text.
func cardText(m bot.Message) string {
	var b strings.Builder
	for _, bl := range m.Blocks {
		if s, ok := bl.(*bot.Section); ok {
			b.WriteString(s.Text.String() + "\n")
		}
	}
	return b.String()
}

func previewRequest(p *approvals.Preview) *approvals.Request {
	return &approvals.Request{ID: "DC-1", Kind: approvals.KindAdd, Package: "two", State: approvals.StatePending,
		Target: approvals.Target{Email: "amy@example.com"}, Justification: "new team", Requester: approvals.System,
		CreatedAt: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC), Preview: p}
}

// TestCardShowsSubscriptionsSeatsAndMarketo: a request for two
// subscriptions shows both roles with their instances and the Marketo
// Engage profile the package adds; seats read "48 of 50 seats used" and
// warn when the add goes over; a person not in Marketo is told what
// brings them in, or what an admin must add.
func TestCardShowsSubscriptionsSeatsAndMarketo(t *testing.T) {
	pkg := &approvals.Package{Name: "two", MinApprovals: 1,
		Profiles:    []approvals.ProductProfile{{Name: "Live Agent"}, {Name: "Live Agent (EMEA)", Subscription: "emea"}},
		MarketoRole: approvals.MarketoRef{Name: "DC Agent"}, MarketoWorkspace: approvals.MarketoRef{Name: "Default"}}
	pkg.Subscriptions = []approvals.Subscription{
		{Instance: "default", Profiles: pkg.Profiles[:1], Role: pkg.MarketoRole, Workspace: pkg.MarketoWorkspace, EngageProfileHint: "Marketo Engage"},
		{Instance: "emea", Profiles: pkg.Profiles[1:], Role: approvals.MarketoRef{Name: "DC Agent EMEA"}, Workspace: pkg.MarketoWorkspace, EngageProfile: "Marketo Engage - EMEA"},
	}
	p := &approvals.Preview{
		Seats: []approvals.SeatCount{{Profile: "Live Agent", Used: 48, Quota: 50}, {Profile: "Live Agent (EMEA)", Used: 10, Quota: 10}},
		Marketo: []approvals.MarketoPresence{{Instance: "default", EngageProfile: "Marketo Engage"},
			{Instance: "emea", EngageProfile: "Marketo Engage - EMEA", Adds: true}},
		Notes: []string{"Marketo instance \"apac\" is not configured here."},
	}
	text := cardText(Card(previewRequest(p), pkg, CardOptions{}))
	for _, want := range []string{
		"Marketo (default): assign role DC Agent in workspace Default",
		"Marketo (emea): assign role DC Agent EMEA in workspace Default",
		"add to product profile Marketo Engage - EMEA (Marketo Engage), which brings someone new into Marketo",
		"Seats: Live Agent has 48 of 50 seats used",
		"⚠ Seats: Live Agent (EMEA) has 10 of 10 seats used; this add goes over the licence quota",
		"amy@example.com is not in Marketo, and this package does not add the Marketo Engage profile: an admin must give them Marketo Engage in the Admin Console, or the add will fail",
		"amy@example.com is not in Marketo (emea) yet; Marketo Engage - EMEA brings them in",
		`Not checked: Marketo instance "apac" is not configured here.`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("card lacks %q:\n%s", want, text)
		}
	}
}

// TestCardOneSubscriptionUnchanged: a package on the default instance
// alone draws the role line it always did.
func TestCardOneSubscriptionUnchanged(t *testing.T) {
	pkg := &approvals.Package{Name: "agent", MinApprovals: 1, Profiles: []approvals.ProductProfile{{Name: "Live Agent"}},
		MarketoRole: approvals.MarketoRef{Name: "DC Agent"}, MarketoWorkspace: approvals.MarketoRef{Name: "Default"}}
	text := cardText(Card(previewRequest(nil), pkg, CardOptions{}))
	if !strings.Contains(text, "• Marketo: assign role DC Agent in workspace Default") || strings.Contains(text, "Seats") {
		t.Errorf("card:\n%s", text)
	}
}

// TestSeatsRefusalSentence: the requester of an add refused for want of
// seats is told which profile is full and what to do.
func TestSeatsRefusalSentence(t *testing.T) {
	err := &approvals.SeatsError{Package: "agent", Full: []approvals.SeatCount{{Profile: "Live Agent", Used: 50, Quota: 50}}}
	got := seatsText(english(nil), err).String()
	if want := "Not enough seats: Live Agent has 50 of 50 seats used, and package agent refuses adds over the licence quota. Free a seat or raise the quota in the Admin Console, then ask again."; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	// A user group's add that takes more seats than are left says how many.
	err = &approvals.SeatsError{Package: "agent", Full: []approvals.SeatCount{{Profile: "Live Agent", Used: 1, Quota: 2, Takes: 3}}}
	if got, want := seatsText(english(nil), err).String(), "Not enough seats: Live Agent has 1 of 2 seats used and this add takes 3,"; !strings.HasPrefix(got, want) {
		t.Errorf("got  %q\nwant %q…", got, want)
	}
	if got, want := err.Human(), `Not enough seats: "Live Agent" has 1 of 2 seats used and this add takes 3,`; !strings.HasPrefix(got, want) {
		t.Errorf("got  %q\nwant %q…", got, want)
	}
}

// TestCardGroupSeats: the card of an add for a user group says how many
// seats the add takes, and warns when that goes over the quota.
func TestCardGroupSeats(t *testing.T) {
	pkg := &approvals.Package{Name: "agent", MinApprovals: 1, Profiles: []approvals.ProductProfile{{Name: "Live Agent"}},
		MarketoRole: approvals.MarketoRef{Name: "DC Agent"}, MarketoWorkspace: approvals.MarketoRef{Name: "Default"}}
	for _, tc := range []struct {
		seat approvals.SeatCount
		want string
	}{
		{approvals.SeatCount{Profile: "Live Agent", Used: 1, Quota: 4, Takes: 2}, "• Seats: Live Agent has 1 of 4 seats used; this add takes 2\n"},
		{approvals.SeatCount{Profile: "Live Agent", Used: 1, Quota: 2, Takes: 2}, "• ⚠ Seats: Live Agent has 1 of 2 seats used; this add takes 2 and goes over the licence quota"},
		{approvals.SeatCount{Profile: "Live Agent", Used: 3, Quota: 3, Holds: true}, "• Seats: Live Agent has 3 of 3 seats used; this add takes 0"},
	} {
		r := previewRequest(&approvals.Preview{GroupMembers: 3, Seats: []approvals.SeatCount{tc.seat}})
		r.Package, r.Target = "agent", approvals.Target{Group: "EMEA Chat Agents", Email: approvals.GroupKey("EMEA Chat Agents")}
		text := cardText(Card(r, pkg, CardOptions{}))
		if !strings.Contains(text, tc.want) || !strings.Contains(text, "user group of 3 members") {
			t.Errorf("card lacks %q:\n%s", tc.want, text)
		}
	}
}
