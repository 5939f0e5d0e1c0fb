package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/chataccess/chataccess/approvals"
)

// Outbox reads the durable stream of domain events that Commit writes
// together with each state change. Several consumers in one group share
// the work; a consumer that dies leaves its events pending, and
// ReadEvents hands them to another consumer after minIdle.
type Outbox struct {
	s       *Store
	group   string
	minIdle time.Duration
}

// Outbox returns a reader for a consumer group, creating the group at
// the start of the stream if it does not exist.
func (s *Store) Outbox(ctx context.Context, group string, minIdle time.Duration) (*Outbox, error) {
	err := s.rdb.XGroupCreateMkStream(ctx, s.k.events(), group, "0").Err()
	if err != nil && !strings.Contains(err.Error(), "BUSYGROUP") {
		return nil, fmt.Errorf("store: create outbox group %s: %w", group, err)
	}
	return &Outbox{s: s, group: group, minIdle: minIdle}, nil
}

// Read returns up to count events for consumer: first events other
// consumers left unacknowledged for longer than minIdle, then new ones,
// waiting up to block for them.
func (o *Outbox) Read(ctx context.Context, consumer string, count int, block time.Duration) ([]approvals.OutboxRecord, error) {
	stream := o.s.k.events()
	claimed, _, err := o.s.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{
		Stream: stream, Group: o.group, Consumer: consumer, MinIdle: o.minIdle, Start: "0", Count: int64(count),
	}).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("store: claim events: %w", err)
	}
	if len(claimed) > 0 {
		return decodeEvents(claimed)
	}
	res, err := o.s.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
		Group: o.group, Consumer: consumer, Streams: []string{stream, ">"}, Count: int64(count), Block: block,
	}).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: read events: %w", err)
	}
	var msgs []redis.XMessage
	for _, st := range res {
		msgs = append(msgs, st.Messages...)
	}
	return decodeEvents(msgs)
}

// Ack marks events handled.
func (o *Outbox) Ack(ctx context.Context, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	if err := o.s.rdb.XAck(ctx, o.s.k.events(), o.group, ids...).Err(); err != nil {
		return fmt.Errorf("store: ack events: %w", err)
	}
	return nil
}

func decodeEvents(msgs []redis.XMessage) ([]approvals.OutboxRecord, error) {
	out := make([]approvals.OutboxRecord, 0, len(msgs))
	for _, m := range msgs {
		raw, _ := m.Values["rec"].(string)
		var r approvals.Record
		if err := json.Unmarshal([]byte(raw), &r); err != nil {
			return nil, fmt.Errorf("store: decode event %s: %w", m.ID, err)
		}
		out = append(out, approvals.OutboxRecord{ID: m.ID, Record: r})
	}
	return out, nil
}
