package commands

import (
	"errors"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/i18n"
)

// The card's lines for several Marketo subscriptions, the Marketo
// Engage profiles a package adds, and what the vendors said when the
// request was made (approvals.Preview): seats and presence in Marketo.

// roleLines are the Marketo lines of the card: one per subscription,
// naming the instance when the package reaches a named one.
func roleLines(l *i18n.Lang, pkg *approvals.Package, add bool) []bot.Text {
	subs := pkg.MarketoSubscriptions()
	named := len(subs) > 1 || approvals.InstanceKey(subs[0].Instance) != approvals.DefaultInstance
	var out []bot.Text
	for _, sub := range subs {
		role := sub.Role.String()
		if role == "" {
			continue
		}
		ws := l.T("card.change.default_workspace")
		if w := sub.Workspace.String(); w != "" {
			ws = l.T("card.change.workspace", i18n.M{"Workspace": w})
		}
		args := i18n.M{"Role": bot.Bold(role), "Workspace": ws, "Instance": approvals.InstanceKey(sub.Instance)}
		out = append(out, l.T(pick(add, named, "card.change.role_add", "card.change.role_add_on", "card.change.role_remove", "card.change.role_remove_on"), args))
	}
	return out
}

// engageLines are the Marketo Engage profiles an add gives with the
// package's profiles.
func engageLines(l *i18n.Lang, pkg *approvals.Package, add bool) []bot.Text {
	if !add {
		return nil
	}
	var out []bot.Text
	for _, sub := range pkg.MarketoSubscriptions() {
		if sub.EngageProfile != "" {
			out = append(out, l.T("card.change.engage_add", i18n.M{"Profile": bot.Bold(sub.EngageProfile)}))
		}
	}
	return out
}

// previewLines say what the vendors said when the add was requested.
func previewLines(l *i18n.Lang, r *approvals.Request) []bot.Text {
	p := r.Preview
	if p == nil {
		return nil
	}
	var out []bot.Text
	if r.Target.IsGroup() {
		return append(append(groupLines(l, r), groupSeatLines(l, r)...), noteLines(l, p)...)
	}
	if r.Kind != approvals.KindAdd {
		return nil
	}
	for _, s := range p.Seats {
		switch {
		case s.Quota == 0:
			continue
		case s.Over():
			out = append(out, l.T("card.preview.seats_over", i18n.M{"Profile": bot.Bold(s.Profile), "Used": l.Int(s.Used), "Quota": l.Int(s.Quota)}))
		default:
			out = append(out, l.T("card.preview.seats", i18n.M{"Profile": bot.Bold(s.Profile), "Used": l.Int(s.Used), "Quota": l.Int(s.Quota)}))
		}
	}
	for _, m := range p.Marketo {
		out = append(out, presenceLine(l, r.Target.Email, m))
	}
	return append(out, noteLines(l, p)...)
}

func noteLines(l *i18n.Lang, p *approvals.Preview) []bot.Text {
	var out []bot.Text
	for i, n := range p.Notes {
		note := bot.Plain(clip(n, 200))
		if i < len(p.NoteSentences) && len(p.NoteSentences) == len(p.Notes) {
			s := p.NoteSentences[i]
			note = l.Sentence(s.Key, s.Args, clip(s.Text, 200))
		}
		out = append(out, l.T("card.preview.note", i18n.M{"Note": note}))
	}
	return out
}

// groupLines say that the target is a user group, how many members it
// has now and what happens to them.
func groupLines(l *i18n.Lang, r *approvals.Request) []bot.Text {
	args := i18n.M{"Group": bot.Bold(r.Target.Group), "Count": r.Preview.GroupMembers}
	switch {
	case r.Preview.GroupMembers < 0:
		return []bot.Text{l.T("card.preview.group_unknown", args)}
	case r.Kind == approvals.KindAdd:
		return []bot.Text{l.N("card.preview.group_add", r.Preview.GroupMembers, args)}
	}
	return []bot.Text{l.N("card.preview.group_remove", r.Preview.GroupMembers, args)}
}

// groupSeatLines say, for an add for a user group, how many seats each
// profile has used and how many the add takes (one per member who does
// not hold the profile yet).
func groupSeatLines(l *i18n.Lang, r *approvals.Request) []bot.Text {
	if r.Kind != approvals.KindAdd {
		return nil
	}
	var out []bot.Text
	for _, s := range r.Preview.Seats {
		if s.Quota == 0 {
			continue
		}
		args := i18n.M{"Profile": bot.Bold(s.Profile), "Used": l.Int(s.Used), "Quota": l.Int(s.Quota), "Takes": l.Int(s.Taken())}
		if s.Over() {
			out = append(out, l.T("holdings.seats_over", args))
			continue
		}
		out = append(out, l.T("holdings.seats", args))
	}
	return out
}

// presenceLine says whether the person is in one Marketo instance and,
// when not, what brings them in or what an admin must add.
func presenceLine(l *i18n.Lang, email string, m approvals.MarketoPresence) bot.Text {
	args := i18n.M{"User": email, "Instance": m.Instance, "Profile": bot.Bold(m.EngageProfile)}
	on := m.Instance != approvals.DefaultInstance
	switch {
	case m.Present:
		return l.T(pick(true, on, "card.preview.in_marketo", "card.preview.in_marketo_on", "", ""), args)
	case m.Adds:
		return l.T(pick(true, on, "card.preview.brought_in", "card.preview.brought_in_on", "", ""), args)
	case m.EngageProfile != "":
		return l.T(pick(true, on, "card.preview.not_in_marketo", "card.preview.not_in_marketo_on", "", ""), args)
	}
	return l.T(pick(true, on, "card.preview.not_in_marketo_unnamed", "card.preview.not_in_marketo_unnamed_on", "", ""), args)
}

// pick chooses among four message ids, written out so that every id is
// a literal: a (add) or r (remove), each plain or "_on" an instance.
func pick(add, on bool, a, aOn, r, rOn string) string {
	switch {
	case add && on:
		return aOn
	case add:
		return a
	case on:
		return rOn
	}
	return r
}

// seatsText explains an add refused for want of seats (seats: refuse).
func seatsText(l *i18n.Lang, err error) bot.Text {
	var se *approvals.SeatsError
	if !errors.As(err, &se) {
		return bot.Plain(err.Error())
	}
	return l.T("explain.no_seats", i18n.M{"Full": seatsFull(l, se.Full), "Package": bot.Bold(se.Package)})
}

// seatsFull lists full profiles: "A has 10 of 10 seats used; B has …",
// with the language's own separator.
func seatsFull(l *i18n.Lang, full []approvals.SeatCount) bot.Text {
	if len(full) == 0 {
		return bot.Text{}
	}
	s := full[0]
	first := l.T("explain.seat_full", i18n.M{"Profile": bot.Bold(s.Profile), "Used": l.Int(s.Used), "Quota": l.Int(s.Quota)})
	if s.Taken() > 1 {
		first = l.T("explain.seat_full_takes", i18n.M{"Profile": bot.Bold(s.Profile), "Used": l.Int(s.Used), "Quota": l.Int(s.Quota), "Takes": l.Int(s.Taken())})
	}
	if len(full) == 1 {
		return first
	}
	return l.T("explain.seat_full_and", i18n.M{"First": first, "Rest": seatsFull(l, full[1:])})
}
