package workers

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/chataccess/chataccess/integrations/adobe"
	"github.com/chataccess/chataccess/vendormap"
)

// AdobeConsole adapts the UMAPI client to the saga's AdminConsole port:
// membership changes go through the batcher, so concurrent executions
// share action calls of up to ten commands.
type AdobeConsole struct {
	Batcher *adobe.Batcher
	Client  *adobe.Client
	// Product names the product whose profiles count as Dynamic Chat
	// profiles (default adobe.DefaultProductName).
	Product string
	// Snapshots shares membership listings between confirmations.
	Snapshots *Snapshots
	// Resolver maps the policy's profile names to the groups Adobe lists,
	// with the matching rule check and the reviews use; share the
	// process's one. Nil sends the configured names as they are.
	Resolver *vendormap.Resolver
}

var _ AdminConsole = AdobeConsole{}

// AddToProfiles creates the user if needed and adds them to profiles.
func (a AdobeConsole) AddToProfiles(ctx context.Context, u NewUser, profiles []string, ref string, testOnly bool) error {
	spec := adobe.UserSpec{
		Email: u.Email, Type: adobe.IdentityType(u.Identity.Type), Country: u.Identity.Country,
		FirstName: u.FirstName, LastName: u.LastName,
	}
	return a.withProfiles(ctx, profiles, func(names []string) error {
		_, err := a.Batcher.EnsureMember(ctx, spec, names, ref, testOnly)
		return err
	})
}

// RemoveFromProfiles removes the user from profiles; an unknown user is
// already in the desired state.
func (a AdobeConsole) RemoveFromProfiles(ctx context.Context, email string, profiles []string, ref string, testOnly bool) error {
	return a.withProfiles(ctx, profiles, func(names []string) error {
		_, err := a.Batcher.RemoveMember(ctx, email, names, ref, testOnly)
		return err
	})
}

// withProfiles runs fn with Adobe's names of profiles: resolved by the
// Resolver (a listing that Adobe contradicts is read again), or as
// configured without one.
func (a AdobeConsole) withProfiles(ctx context.Context, profiles []string, fn func([]string) error) error {
	if a.Resolver == nil {
		return fn(profiles)
	}
	return a.Resolver.WithProfiles(ctx, profiles, fn)
}

// Missing confirms membership from shared listings of each profile: a
// listing that started after since answers every confirmation waiting
// on that profile, at one user read per 2,000 members, where reading
// each user would spend one of Adobe's 25 user reads a minute per user.
// A "not there yet" is only believed from a listing that started after
// this call did, so the next attempt of a waiting confirmation always
// reads again.
func (a AdobeConsole) Missing(ctx context.Context, email string, profiles []string, since time.Time) ([]string, error) {
	asked := time.Now()
	names := profiles
	if a.Resolver != nil {
		var err error
		if names, err = a.Resolver.ProfileNames(ctx, profiles); err != nil {
			return nil, err
		}
	}
	email = strings.ToLower(email)
	var missing []string
	for _, p := range names {
		s, err := a.Snapshots.members(ctx, a.Client, p, since)
		if err == nil && !s.members[email] && s.started.Before(asked) {
			s, err = a.Snapshots.members(ctx, a.Client, p, asked)
		}
		if err != nil {
			return nil, err
		}
		if !s.members[email] {
			missing = append(missing, p)
		}
	}
	return missing, nil
}

// DynamicChatProfiles lists the organization's Dynamic Chat profiles
// from a listing read for this call: a removal from every profile must
// not miss one created since an earlier listing.
func (a AdobeConsole) DynamicChatProfiles(ctx context.Context) ([]string, error) {
	product := a.Product
	if product == "" {
		product = adobe.DefaultProductName
	}
	if a.Resolver != nil {
		return a.Resolver.AllProfiles(ctx, product)
	}
	groups, err := a.Client.ProductProfiles(ctx, product)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(groups))
	for i, g := range groups {
		names[i] = g.GroupName
	}
	return names, nil
}

// DefaultSnapshotMaxAge is how long a finished listing stays in
// Snapshots (see Snapshots.MaxAge).
const DefaultSnapshotMaxAge = 10 * time.Minute

// Snapshots shares profile member listings between concurrent
// confirmations. The zero value is ready; share one between every
// AdobeConsole of a process. It keeps at most one listing per profile
// name, and drops finished listings older than MaxAge whenever it
// starts a new one.
type Snapshots struct {
	// MaxAge bounds how long a finished listing is kept (default
	// DefaultSnapshotMaxAge).
	MaxAge time.Duration

	mu     sync.Mutex
	latest map[string]*snapshot // by lower-case profile name
}

type snapshot struct {
	started time.Time
	done    chan struct{}
	members map[string]bool // lower-case emails
	// groups are, in a listing of everyone who holds the profile, the
	// groups Adobe lists for each holder (profiles, user groups, admin
	// groups), by lower-case email.
	groups map[string][]string
	err    error
}

// members returns a listing of profile that started at or after since,
// starting one when there is none; callers that arrive while a fresh
// enough listing is under way wait for it instead of reading again.
func (s *Snapshots) members(ctx context.Context, c *adobe.Client, profile string, since time.Time) (*snapshot, error) {
	return s.listing(ctx, c, profile, since, true)
}

// listing is members with the listing's kind: direct members, or
// (direct false) everyone who holds the profile, through user groups
// too. The two kinds are kept apart.
func (s *Snapshots) listing(ctx context.Context, c *adobe.Client, profile string, since time.Time, direct bool) (*snapshot, error) {
	key := strings.ToLower(profile)
	if !direct {
		key = "\x00holders:" + key
	}
	for {
		s.mu.Lock()
		cur := s.latest[key]
		inFlight := cur != nil && !closed(cur.done)
		if cur != nil && !cur.started.Before(since) || inFlight {
			s.mu.Unlock()
			select {
			case <-cur.done:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			if !cur.started.Before(since) {
				return cur, cur.err
			}
			continue // that listing began before the change; take the next
		}
		next := &snapshot{started: time.Now(), done: make(chan struct{})}
		s.prune(next.started)
		s.latest[key] = next
		s.mu.Unlock()
		// The listing serves other callers too: it must not die with the
		// first caller's context.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
		set, groups := map[string]bool{}, map[string][]string{}
		collect := func(u adobe.User) error {
			set[strings.ToLower(u.Email)] = true
			if !direct {
				groups[strings.ToLower(u.Email)] = u.Groups
			}
			return nil
		}
		if direct {
			next.err = c.GroupMembers(fctx, profile, collect)
		} else {
			_, next.err = c.EachMember(fctx, profile, false, collect)
		}
		cancel()
		next.members, next.groups = set, groups
		close(next.done)
		if next.err != nil {
			s.mu.Lock()
			if s.latest[key] == next {
				delete(s.latest, key) // do not serve a failed listing
			}
			s.mu.Unlock()
		}
		return next, next.err
	}
}

// prune drops finished listings older than MaxAge. Callers hold mu.
func (s *Snapshots) prune(now time.Time) {
	if s.latest == nil {
		s.latest = map[string]*snapshot{}
	}
	maxAge := s.MaxAge
	if maxAge <= 0 {
		maxAge = DefaultSnapshotMaxAge
	}
	for k, v := range s.latest {
		if closed(v.done) && now.Sub(v.started) > maxAge {
			delete(s.latest, k)
		}
	}
}

func closed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
