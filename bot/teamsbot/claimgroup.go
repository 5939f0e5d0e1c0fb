package teamsbot

import (
	"context"
	"sync"
	"time"
)

// BatchClaimer claims many names in one round trip, each as Claimer's
// Claim would: won[i] is names[i]'s outcome, and an error leaves every
// outcome unknown. The store's ClaimAll satisfies it; when Claims has
// it, messages and installs are claimed in groups after the ack.
type BatchClaimer interface {
	ClaimAll(ctx context.Context, names []string, holder string, ttl time.Duration) (won []bool, err error)
}

// Group commit of the claims taken after the ack. They wait for nobody
// to answer, so they can wait for each other: the first claim of a
// group waits claimLinger, and while the group before it is still on
// its way to Redis, then every claim that joined meanwhile goes in one
// round trip. Under load that is one round trip for many activities
// instead of one each, which leaves the CPU to the requests being
// answered; a lone claim waits claimLinger more than it would alone.
const (
	claimLinger   = 2 * time.Millisecond
	maxClaimGroup = 256
)

// claimGroups gathers claims into groups; the zero value is not usable,
// see newClaimGroups.
type claimGroups struct {
	c      BatchClaimer
	linger time.Duration
	flight chan struct{} // held by the group on its way to Redis
	mu     sync.Mutex
	open   *claimGroup // the group claims join, nil when none
}

// claimGroup is one group of claims and, once done is closed, their
// outcome.
type claimGroup struct {
	names []string
	won   []bool
	err   error
	done  chan struct{}
}

func newClaimGroups(c BatchClaimer, linger time.Duration) *claimGroups {
	return &claimGroups{c: c, linger: linger, flight: make(chan struct{}, 1)}
}

// claim claims name in the open group, or opens one and leads it.
func (g *claimGroups) claim(ctx context.Context, name string) (bool, error) {
	g.mu.Lock()
	grp, lead := g.open, false
	if grp == nil {
		grp, lead = &claimGroup{done: make(chan struct{})}, true
		g.open = grp
	}
	i := len(grp.names)
	grp.names = append(grp.names, name)
	if len(grp.names) == maxClaimGroup {
		g.open = nil
	}
	g.mu.Unlock()
	if lead {
		g.lead(ctx, grp)
	} else {
		select {
		case <-grp.done:
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
	if grp.err != nil {
		return false, grp.err
	}
	return grp.won[i], nil
}

// lead waits for the group's linger and for the group before it, closes
// the group to newcomers and claims its names in one round trip. When
// ctx ends first, the group fails with ctx's error (its claims fail
// open).
func (g *claimGroups) lead(ctx context.Context, grp *claimGroup) {
	defer close(grp.done)
	t := time.NewTimer(g.linger)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
	flying := false
	if ctx.Err() == nil {
		select {
		case g.flight <- struct{}{}:
			flying = true
		case <-ctx.Done():
		}
	}
	g.mu.Lock()
	if g.open == grp {
		g.open = nil
	}
	names := grp.names
	g.mu.Unlock()
	if !flying {
		grp.err = ctx.Err()
		return
	}
	defer func() { <-g.flight }()
	grp.won, grp.err = g.c.ClaimAll(ctx, names, claimHolder, activityDedupeTTL)
}
