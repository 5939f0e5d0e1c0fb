package slackbot

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Dedupe remembers Events API event ids in Redis so each event is
// handled once although Slack retries up to three times over about six
// minutes (api.slack.com/apis/events-api, "Error handling"). Keys are
// <prefix>slack:event:<event_id>, set with SET NX and a TTL.
type Dedupe struct {
	rdb    redis.UniversalClient
	prefix string
	ttl    time.Duration
}

// NewDedupe returns a de-duplicator writing keys under prefix (e.g.
// "chataccess:v1:"). ttl ≤ 0 means one hour.
func NewDedupe(rdb redis.UniversalClient, prefix string, ttl time.Duration) *Dedupe {
	if ttl <= 0 {
		ttl = defaultEventDedupe
	}
	return &Dedupe{rdb: rdb, prefix: prefix, ttl: ttl}
}

// First reports whether this is the first delivery of eventID.
func (d *Dedupe) First(ctx context.Context, eventID string) (bool, error) {
	ok, err := d.rdb.SetNX(ctx, d.prefix+"slack:event:"+eventID, 1, d.ttl).Result()
	if err != nil {
		return false, fmt.Errorf("slack dedupe event %s: %w", truncateForLog(eventID), err)
	}
	return ok, nil
}
