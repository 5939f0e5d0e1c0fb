package commands

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/chataccess/chataccess/approvals"
)

// mayView reports whether the actor may see a request: its requester,
// its target, the approvers of its package and the admins. Everyone
// else is told the request does not exist (notFound), in the same words
// as for an id nobody used, so ids cannot be counted up to read or probe
// requests.
func (h *Handler) mayView(r *approvals.Request, who approvals.Actor) bool {
	switch {
	case r.Requester.Same(who):
		return true
	case who.Email != "" && strings.EqualFold(r.Target.Email, who.Email):
		return true
	case who.ID != "" && r.Target.PlatformID == who.ID && r.Target.Platform == who.Platform:
		return true
	case h.svc.IsAdmin(who):
		return true
	}
	pkg, err := h.svc.Policy().Package(r.Package)
	return err == nil && pkg.Approvers.Contains(who)
}

// notFound is the error of a request the actor may not see: the
// ledger's own "no such request".
// mayViewID reports whether who may see request id (read fresh; an
// unknown id or a failed read says no).
func (h *Handler) mayViewID(id string, who approvals.Actor) bool {
	if who.ID == "" && who.Email == "" {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	r, err := h.ledger.Get(ctx, id)
	return err == nil && h.mayView(r, who)
}

func notFound(id string) error {
	return fmt.Errorf("request %s: %w", id, approvals.ErrNotFound)
}

// viewable keeps the requests the actor may see, in order.
func (h *Handler) viewable(rs []*approvals.Request, who approvals.Actor) []*approvals.Request {
	out := rs[:0:0]
	for _, r := range rs {
		if h.mayView(r, who) {
			out = append(out, r)
		}
	}
	return out
}
