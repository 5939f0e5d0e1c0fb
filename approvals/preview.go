package approvals

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// What the vendors say about a request before anyone decides it: the
// seats left on each product profile, and whether the person is in each
// Marketo instance already. It is read once, when the request is made,
// and shown on the approval card, so approvers see "48 of 50 seats
// used" and "not in Marketo yet" instead of finding out when the add
// fails.

// SeatRule says what an add does to a product profile with no seat
// left (policy: seats).
type SeatRule string

// Seat rules.
const (
	// SeatsWarn shows the approvers that the add would go over the
	// profile's licence quota and lets them decide (the default).
	SeatsWarn SeatRule = "warn"
	// SeatsRefuse refuses such an add: when it is requested, and again
	// right before the Admin Console change.
	SeatsRefuse SeatRule = "refuse"
)

// SeatCount is one product profile's seats as the Admin Console lists
// them (memberCount against licenseQuota).
type SeatCount struct {
	Profile string `json:"profile"`
	Used    int    `json:"used"`
	// Quota is 0 when the profile states none (licenseQuota is not a
	// whole number): then there is nothing to exceed.
	Quota int `json:"quota,omitempty"`
	// Holds says the person already holds the profile (for a user group:
	// every member does), so the add takes no seat.
	Holds bool `json:"holds,omitempty"`
	// Takes is how many seats the add takes: 1 for a person, 0 when
	// they hold the profile, for a user group one per member who does
	// not hold it yet. 0 without Holds (requests stored before it was
	// recorded) means 1.
	Takes int `json:"takes,omitempty"`
}

// Taken is how many seats the add takes (see Takes).
func (s SeatCount) Taken() int {
	switch {
	case s.Holds:
		return 0
	case s.Takes > 0:
		return s.Takes
	}
	return 1
}

// Over says whether the add would exceed the quota.
func (s SeatCount) Over() bool { return s.Quota > 0 && s.Taken() > 0 && s.Used+s.Taken() > s.Quota }

// MarketoPresence says whether the person is a user of one Marketo
// instance already.
type MarketoPresence struct {
	Instance string `json:"instance"`
	Present  bool   `json:"present"`
	// EngageProfile is the Marketo Engage profile that brings the person
	// in (the package's, else the instance's hint; may be empty).
	EngageProfile string `json:"engage_profile,omitempty"`
	// Adds says the package adds EngageProfile with its profiles.
	Adds bool `json:"adds,omitempty"`
}

// Preview is what the vendors said about a request when it was made.
type Preview struct {
	At      time.Time         `json:"at"`
	Seats   []SeatCount       `json:"seats,omitempty"`
	Marketo []MarketoPresence `json:"marketo,omitempty"`
	// GroupMembers is how many members a target user group has now
	// (memberCount); -1 when unknown, 0 for a person.
	GroupMembers int `json:"group_members,omitempty"`
	// Notes say what could not be checked, for people, in English.
	Notes []string `json:"notes,omitempty"`
	// NoteSentences are the same notes with their message ids, so each
	// reader gets them in their language (absent on older requests).
	NoteSentences []Sentence `json:"note_sentences,omitempty"`
}

// AddNote adds a note: its English text and its message id.
func (p *Preview) AddNote(s Sentence) {
	p.Notes = append(p.Notes, s.Text)
	p.NoteSentences = append(p.NoteSentences, s)
}

// Over lists the profiles an add would take over their quota.
func (p *Preview) Over() []SeatCount {
	if p == nil {
		return nil
	}
	var out []SeatCount
	for _, s := range p.Seats {
		if s.Over() {
			out = append(out, s)
		}
	}
	return out
}

// Inspector reads what the vendors say about a request. Inspect returns
// what it could read; parts it could not read are Notes, and only a
// cancelled context is an error.
type Inspector interface {
	Inspect(ctx context.Context, r *Request, pkg *Package) (*Preview, error)
}

// ErrNoSeats says an add would exceed a product profile's licence quota
// and the package refuses that (seats: refuse).
var ErrNoSeats = errors.New("no seat left on the product profile")

// SeatsError names the full profiles.
type SeatsError struct {
	Package string
	Full    []SeatCount
}

func (e *SeatsError) Error() string { return e.Human() }

// Is makes errors.Is(err, ErrNoSeats) true.
func (e *SeatsError) Is(target error) bool { return target == ErrNoSeats }

// Human is the sentence for people: which profile is full, and what to do.
func (e *SeatsError) Human() string {
	parts := make([]string, len(e.Full))
	for i, s := range e.Full {
		parts[i] = fmt.Sprintf("%q has %d of %d seats used", s.Profile, s.Used, s.Quota)
		if s.Taken() > 1 {
			parts[i] += fmt.Sprintf(" and this add takes %d", s.Taken())
		}
	}
	return fmt.Sprintf("Not enough seats: %s, and package %s refuses adds over the licence quota (seats: refuse). "+
		"Free a seat or raise the quota in the Admin Console, then ask again.", strings.Join(parts, "; "), e.Package)
}

// WithInspector makes Submit read what the vendors say about each add
// (within timeout; default 5 s) before it stores it: the preview goes on
// the request for the card, and a package with seats: refuse refuses an
// add over a full profile, storing nothing.
func (s *Service) WithInspector(i Inspector, timeout time.Duration) *Service {
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	s.inspector, s.inspectTimeout = i, timeout
	return s
}

// inspectWithin asks the inspector within the inspect timeout and at
// most half of what is left of the caller's own deadline (a slash
// command has about 2.5 s), so the request can still be stored and
// answered. An inspector that does not answer in time (a vendor that is
// slow, a lookup queued behind another) is left to finish on its own;
// the request gets a note instead of a preview, and a seats: refuse
// package is checked again right before the Admin Console change.
func (s *Service) inspectWithin(ctx context.Context, r *Request, pkg *Package) (*Preview, error) {
	budget := s.inspectTimeout
	if dl, ok := ctx.Deadline(); ok {
		budget = min(budget, time.Until(dl)/2)
	}
	ictx, cancel := context.WithTimeout(context.WithoutCancel(ctx), budget)
	type answer struct {
		p   *Preview
		err error
	}
	done := make(chan answer, 1)
	snapshot := r.Clone() // the caller goes on with r while this may still run
	go func() {
		defer cancel()
		p, err := s.inspector.Inspect(ictx, snapshot, pkg)
		done <- answer{p, err}
	}()
	select {
	case a := <-done:
		return a.p, a.err
	case <-ictx.Done():
		// The goroutine cancels ictx once it has answered, so both may be
		// ready: an answer that came wins.
		select {
		case a := <-done:
			return a.p, a.err
		default:
		}
		return nil, fmt.Errorf("no answer within %s", budget.Round(time.Millisecond))
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// inspect sets r's preview, or refuses r for want of seats.
func (s *Service) inspect(ctx context.Context, r *Request) error {
	if s.inspector == nil || (r.Kind != KindAdd && !r.Target.IsGroup()) {
		return nil
	}
	pkg, err := s.policy.Package(r.Package)
	if err != nil {
		return err
	}
	p, err := s.inspectWithin(ctx, r, pkg)
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, ErrGroupTarget):
		return err
	case err != nil:
		p = &Preview{}
		why := bound(err.Error())
		p.AddNote(Say("The vendors could not be asked about seats and Marketo: "+why, "previewnote.vendors", map[string]string{"Cause": why}))
	case p == nil:
		return nil
	}
	if p.At.IsZero() {
		p.At = s.clock.Now().UTC()
	}
	if full := p.Over(); len(full) > 0 && pkg.Seats == SeatsRefuse {
		return &SeatsError{Package: pkg.Name, Full: full}
	}
	r.Preview = p
	return nil
}
