package teamsbot

import (
	"context"

	"github.com/chataccess/chataccess/bot"
)

// The Bot Connector delivers an activity again when it got no 200 for
// it (a timeout, a 5xx such as the 503 of a full post-ack queue, a lost
// connection). chataccess handles each activity id once: the first
// delivery claims the id in Redis for activityDedupeTTL, and a delivery
// that finds the id claimed is not handled again.
//
// Where the claim is taken depends on what the HTTP answer says:
//
//   - an invoke (a click, a dialog) is answered with what it did, so it
//     is claimed before the answer, and a redelivered one is answered
//     "Already done." (handle);
//   - a message or an install is answered 200 with no body whatever
//     happens next, and all its work (the references kept, the command)
//     runs after the ack; the claim is the first step of that work
//     (claimedAfterAck, onceThen). A redelivery still reaches the
//     handler at most once: every delivery that is answered 200 runs the
//     same claim before doing anything, and only one of them wins it.
//     A delivery refused before the ack (busy, malformed, forbidden)
//     claims nothing, as before, so the Bot Connector's retry is
//     handled; and a delivery whose work is dropped or lost after its
//     ack no longer leaves a claim behind. These claims wait for
//     nobody, so they are sent to Redis in groups (claimgroup.go).
const claimHolder = "teamsbot"

// claimedAfterAck reports whether activities of kind are claimed after
// the ack rather than before it: those whose answer is a bare 200.
func claimedAfterAck(kind string) bool { return kind == kindMessage || kind == kindUpdate }

// first claims activity a and reports whether this is its first
// delivery. A Redis failure counts as first (fail open): handling an
// activity twice is better than losing it, and decisions are idempotent
// in the service. Without Claims every delivery is first.
func (d *Dispatcher) first(ctx context.Context, kind string, a *Activity) bool {
	if d.cfg.Claims == nil {
		return true
	}
	name := "teams:activity:" + a.ID
	var ok bool
	var err error
	if d.grouped != nil && claimedAfterAck(kind) {
		ok, err = d.grouped.claim(ctx, name)
	} else {
		ok, err = d.cfg.Claims.Claim(ctx, name, claimHolder, activityDedupeTTL)
	}
	switch {
	case err != nil && ctx.Err() != nil:
		// Stopping: work that has not begun is not begun half-alive.
		d.log.Warn().Err(err).Str("kind", kind).Msg("activity dropped: stopping before its redelivery claim")
		return false
	case err != nil:
		d.log.Error().Err(err).Str("kind", kind).Msg("activity dedupe")
		return true
	case !ok:
		d.cfg.Metrics.redelivered(kind)
		return false
	}
	return true
}

// groupedClaims returns the group commit of the claims taken after the
// ack when c can claim many names at once, else nil.
func groupedClaims(c Claimer) *claimGroups {
	if bc, ok := c.(BatchClaimer); ok {
		return newClaimGroups(bc, claimLinger)
	}
	return nil
}

// onceThen is the post-ack work of a message or an install: it claims
// the activity and runs next only for its first delivery.
func (d *Dispatcher) onceThen(kind string, a *Activity, next bot.Later) bot.Later {
	return func(ctx context.Context) {
		if d.first(ctx, kind, a) && next != nil {
			next(ctx)
		}
	}
}
