package slackbot

import (
	"context"
	"fmt"
	"time"
)

// Claimer records one-time claims that expire after ttl; the first
// caller of a name gets true, every later one false until it expires.
// The store's Claim satisfies it (the key is built there).
type Claimer interface {
	Claim(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
}

// Dedupe remembers Events API event ids so each event is handled once
// although Slack retries up to three times over about six minutes
// (api.slack.com/apis/events-api, "Error handling"). Each event id is
// claimed as "slack:event:<event_id>" for the TTL.
type Dedupe struct {
	claims Claimer
	ttl    time.Duration
}

// NewDedupe returns a de-duplicator over claims. ttl ≤ 0 means one hour.
func NewDedupe(claims Claimer, ttl time.Duration) *Dedupe {
	if ttl <= 0 {
		ttl = defaultEventDedupe
	}
	return &Dedupe{claims: claims, ttl: ttl}
}

// First reports whether this is the first delivery of eventID.
func (d *Dedupe) First(ctx context.Context, eventID string) (bool, error) {
	ok, err := d.claims.Claim(ctx, "slack:event:"+eventID, "slackbot", d.ttl)
	if err != nil {
		return false, fmt.Errorf("slack dedupe event %s: %w", truncateForLog(eventID), err)
	}
	return ok, nil
}
