package workers

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/chataccess/chataccess/approvals"
)

// SeatReader is the optional part of an AdminConsole that reads the
// seats of product profiles (AdobeConsole implements it).
type SeatReader interface {
	// Seats returns each profile's memberCount and licence quota, and
	// whether email holds it already (read only when the add would
	// otherwise take the last seat or more).
	Seats(ctx context.Context, email string, profiles []approvals.ProductProfile) ([]approvals.SeatCount, error)
}

var _ SeatReader = AdobeConsole{}

// Seats reads the profiles from the organization's group listing (the
// Resolver's, shared and kept for its TTL: memberCount and licenseQuota,
// umapi-doc:docs/en/api/group.md). Whether memberCount counts people who
// hold the profile through a user group is UNCONFIRMED; the emulator
// counts them unless told otherwise.
func (a AdobeConsole) Seats(ctx context.Context, email string, profiles []approvals.ProductProfile) ([]approvals.SeatCount, error) {
	if a.Resolver == nil {
		return nil, errors.New("no resolver to read the product profiles with")
	}
	groups, err := a.Resolver.Profiles(ctx, profiles)
	if err != nil {
		return nil, err
	}
	out := make([]approvals.SeatCount, 0, len(groups))
	for _, g := range groups {
		used, quota, ok := g.Seats()
		s := approvals.SeatCount{Profile: g.GroupName, Used: used}
		if ok {
			s.Quota = quota
		}
		if s.Over() && email != "" {
			if s.Holds, err = a.HoldsProfile(ctx, email, g.GroupName); err != nil {
				return nil, err
			}
		}
		if email != "" {
			s.Takes = s.Taken()
		}
		out = append(out, s)
	}
	return out, nil
}

// Inspector tells the approvals Service, when an add is requested, the
// seats of its profiles and whether the person is in each Marketo
// instance it reaches (approvals.Inspector).
type Inspector struct {
	Adobe AdminConsole
	// Marketo are the instances' ports by name ("default" included).
	Marketo map[string]Marketo
}

var _ approvals.Inspector = (*Inspector)(nil)

// Inspect reads seats and Marketo presence; what cannot be read is a
// note, and only a cancelled context is an error.
func (i *Inspector) Inspect(ctx context.Context, r *approvals.Request, pkg *approvals.Package) (*approvals.Preview, error) {
	p := &approvals.Preview{}
	if r.Target.IsGroup() {
		if err := i.inspectGroup(ctx, r, pkg, p); err != nil {
			return p, err
		}
		return p, i.groupSeats(ctx, r, pkg, p)
	}
	if sr, ok := i.Adobe.(SeatReader); ok {
		seats, err := sr.Seats(ctx, r.Target.Email, pkg.Profiles)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err != nil {
			p.AddNote(approvals.Say("The seats could not be read: "+humanError(err), "previewnote.seats_unreadable", errorSentence(err).Nest("Cause", nil)))
		}
		p.Seats = seats
	}
	for _, sub := range pkg.MarketoSubscriptions() {
		if sub.Role.ID == 0 && sub.Role.Name == "" {
			continue
		}
		mp := approvals.MarketoPresence{Instance: approvals.InstanceKey(sub.Instance), EngageProfile: sub.EngageName(), Adds: sub.EngageProfile != ""}
		m := i.Marketo[mp.Instance]
		if m == nil {
			p.AddNote(approvals.Say(fmt.Sprintf("Marketo instance %s is not configured here.", strconv.Quote(mp.Instance)),
				"previewnote.no_instance", map[string]string{"Instance": mp.Instance}))
			continue
		}
		_, err := m.FindUser(ctx, r.Target.Email)
		switch {
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case err == nil:
			mp.Present = true
		case !errors.Is(err, ErrUserNotFound):
			p.AddNote(approvals.Say("Marketo"+onInstance(mp.Instance)+" could not be asked: "+humanError(err),
				"previewnote.marketo_unreachable", errorSentence(err).Nest("Cause", map[string]string{"Instance": mp.Instance})))
			continue
		}
		p.Marketo = append(p.Marketo, mp)
	}
	return p, nil
}

// seatsLeft refuses, right before the Admin Console change, an add
// that would go over a full profile when the package says seats:
// refuse (for a user group: one seat per member who does not hold the
// profile); nothing has changed then. A quota that cannot be read does not
// stop the add (Adobe's own answer to an add over the quota is
// UNCONFIRMED).
func (e *Executor) seatsLeft(ctx context.Context, r *approvals.Request, pkg *approvals.Package) error {
	if pkg.Seats != approvals.SeatsRefuse || r.DryRun {
		return nil
	}
	seats, ok, err := e.seatCounts(ctx, r, pkg)
	if !ok || err != nil {
		return err
	}
	if full := (&approvals.Preview{Seats: seats}).Over(); len(full) > 0 {
		return seatsError(&approvals.SeatsError{Package: pkg.Name, Full: full})
	}
	return nil
}

// seatsError is the saga's final failure for se, with the sentence the
// submit path shows (explain.no_seats): the full profiles are nested
// sentences, one per profile, so each reader sees the list in their
// language.
func seatsError(se *approvals.SeatsError) error {
	args := map[string]string{"Package": se.Package}
	if len(se.Full) > 0 {
		seatsFull(se.Full).Nest("Full", args)
	}
	return permanent(se.Human(), "explain.no_seats", args)
}

// seatsFull is the list of full profiles as a sentence: one profile's
// (explain.seat_full), or the first one's and the rest's
// (explain.seat_full_and), nested.
func seatsFull(full []approvals.SeatCount) approvals.Sentence {
	s := full[0]
	args := map[string]string{"Profile": strconv.Quote(s.Profile), "Used": strconv.Itoa(s.Used), "Quota": strconv.Itoa(s.Quota)}
	first := approvals.Say(fmt.Sprintf("%q has %d of %d seats used", s.Profile, s.Used, s.Quota), "explain.seat_full", args)
	if s.Taken() > 1 {
		args["Takes"] = strconv.Itoa(s.Taken())
		first = approvals.Say(fmt.Sprintf("%q has %d of %d seats used and this add takes %d", s.Profile, s.Used, s.Quota, s.Taken()),
			"explain.seat_full_takes", args)
	}
	if len(full) == 1 {
		return first
	}
	rest := seatsFull(full[1:])
	both := first.Nest("First", nil)
	rest.Nest("Rest", both)
	return approvals.Say(first.Text+"; "+rest.Text, "explain.seat_full_and", both)
}
