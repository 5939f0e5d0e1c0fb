package workers

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/vendormap"
)

// Seats of an add for a user group. Giving a group a profile gives it to
// every member, so the add takes one seat per member who does not hold
// the profile yet (directly or through another group): the group's
// members (the paged reads group execution uses) against the profile's
// holders (directOnly=false, shared Snapshots listing). When the members
// cannot be read, the group's memberCount is the upper bound and the
// card says so.

// GroupSeatReader is the optional part of an AdminConsole that reads
// the seats an add for a user group takes (AdobeConsole implements it).
type GroupSeatReader interface {
	// GroupSeats returns each profile's seats with Takes set. bound is
	// the error that kept the members from being read, when Takes is the
	// group's memberCount instead.
	GroupSeats(ctx context.Context, group string, profiles []approvals.ProductProfile) (seats []approvals.SeatCount, bound error, err error)
}

var _ GroupSeatReader = AdobeConsole{}

// GroupSeats implements GroupSeatReader.
func (a AdobeConsole) GroupSeats(ctx context.Context, group string, profiles []approvals.ProductProfile) ([]approvals.SeatCount, error, error) {
	asked := time.Now()
	seats, err := a.Seats(ctx, "", profiles)
	if err != nil {
		return nil, nil, err
	}
	members, merr := a.GroupMembers(ctx, group)
	if merr != nil {
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		n, err := a.memberCount(ctx, group)
		if err != nil {
			return nil, nil, errors.Join(merr, err)
		}
		for i := range seats {
			seats[i].Takes, seats[i].Holds = n, n == 0
		}
		return seats, merr, nil
	}
	for i := range seats {
		s, err := a.Snapshots.listing(ctx, a.Client, seats[i].Profile, asked, false)
		if err != nil {
			return nil, nil, err
		}
		takes := 0
		for _, m := range members {
			if !s.members[strings.ToLower(m)] {
				takes++
			}
		}
		seats[i].Takes, seats[i].Holds = takes, takes == 0
	}
	return seats, nil, nil
}

// memberCount is the group's memberCount from the kept group listing.
func (a AdobeConsole) memberCount(ctx context.Context, group string) (int, error) {
	if a.Resolver == nil {
		return 0, errors.New("no resolver to read the user group with")
	}
	groups, err := a.Resolver.UserGroups(ctx)
	if err != nil {
		return 0, err
	}
	g, ok := groups[vendormap.NameKey(group)]
	if !ok {
		return 0, fmt.Errorf("the Admin Console has no user group named %s", strconv.Quote(group))
	}
	return g.MemberCount, nil
}

// groupSeats puts the seats an add for the target group takes on the
// preview; what cannot be read is a note.
func (i *Inspector) groupSeats(ctx context.Context, r *approvals.Request, pkg *approvals.Package, p *approvals.Preview) error {
	gs, ok := i.Adobe.(GroupSeatReader)
	if !ok || r.Kind != approvals.KindAdd {
		return nil
	}
	seats, bound, err := gs.GroupSeats(ctx, r.Target.Group, pkg.Profiles)
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case err != nil:
		p.AddNote(approvals.Say("The seats could not be read: "+humanError(err), "previewnote.seats_unreadable", errorSentence(err).Nest("Cause", nil)))
		return nil
	case bound != nil && len(seats) > 0:
		n := strconv.Itoa(seats[0].Takes)
		p.AddNote(approvals.Say("The members of the user group could not be read, so all "+n+" of them are counted as taking a seat: "+humanError(bound),
			"holdings.seats_bound", errorSentence(bound).Nest("Cause", map[string]string{"Count": n})))
	}
	p.Seats = seats
	return nil
}

// seatCounts reads the seats the request's add takes: the person's, or
// the target group's.
func (e *Executor) seatCounts(ctx context.Context, r *approvals.Request, pkg *approvals.Package) ([]approvals.SeatCount, bool, error) {
	if r.Target.IsGroup() {
		gs, ok := e.adobe.(GroupSeatReader)
		if !ok {
			return nil, false, nil
		}
		seats, _, err := gs.GroupSeats(ctx, r.Target.Group, pkg.Profiles)
		return seats, true, err
	}
	sr, ok := e.adobe.(SeatReader)
	if !ok {
		return nil, false, nil
	}
	seats, err := sr.Seats(ctx, r.Target.Email, pkg.Profiles)
	return seats, true, err
}
