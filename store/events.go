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

// DefaultMaxDeliveries is how many times an outbox event is handed to a
// consumer group before it becomes a dead letter. With the default
// 30 s before a pending event is handed out again, a failing event is
// tried for about five minutes, then a person decides.
const DefaultMaxDeliveries = 10

// Outbox reads the durable stream of domain events that Commit writes
// together with each state change. Several consumers in one group share
// the work; a consumer that dies or fails leaves its events pending, and
// Read hands them out again after minIdle. Each event is handed out at
// most maxDeliveries times: then it is acknowledged and kept as a dead
// letter (see DeadLetters, ReplayDeadLetter) for a person to look at.
type Outbox struct {
	s             *Store
	group         string
	minIdle       time.Duration
	maxDeliveries int64
}

// Outbox returns a reader for a consumer group, creating the group at
// the start of the stream if it does not exist.
func (s *Store) Outbox(ctx context.Context, group string, minIdle time.Duration) (*Outbox, error) {
	err := s.rdb.XGroupCreateMkStream(ctx, s.k.events(), group, "0").Err()
	if err != nil && !strings.Contains(err.Error(), "BUSYGROUP") {
		return nil, fmt.Errorf("store: create outbox group %s: %w", group, err)
	}
	return &Outbox{s: s, group: group, minIdle: minIdle, maxDeliveries: DefaultMaxDeliveries}, nil
}

// WithMaxDeliveries sets how many times an event is handed out before
// it becomes a dead letter (at least 1) and returns o.
func (o *Outbox) WithMaxDeliveries(n int) *Outbox {
	o.maxDeliveries = int64(max(n, 1))
	return o
}

// Group is the consumer group o reads for.
func (o *Outbox) Group() string { return o.group }

// Read returns up to count events for consumer: first events left
// unacknowledged for longer than minIdle (each with its delivery count;
// those handed out maxDeliveries times already become dead letters
// instead), then new ones, waiting up to block for them.
// A consumer group that is gone (Redis lost the stream) is created
// again and the read tried once more (see regroup).
func (o *Outbox) Read(ctx context.Context, consumer string, count int, block time.Duration) ([]approvals.OutboxRecord, error) {
	recs, err := o.read(ctx, consumer, count, block)
	if o.regroup(ctx, err) {
		return o.read(ctx, consumer, count, block)
	}
	return recs, err
}

func (o *Outbox) read(ctx context.Context, consumer string, count int, block time.Duration) ([]approvals.OutboxRecord, error) {
	recs, err := o.reclaim(ctx, consumer, count)
	if err != nil || len(recs) > 0 {
		return recs, err
	}
	res, err := o.s.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
		Group: o.group, Consumer: consumer, Streams: []string{o.s.k.events(), ">"}, Count: int64(count), Block: block,
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
	return o.decode(ctx, msgs, nil)
}

// reclaim takes over events that waited unacknowledged for minIdle. The
// delivery counts come from XPENDING; XCLAIM (with the same minIdle, so
// two replicas never both take one) adds this delivery.
func (o *Outbox) reclaim(ctx context.Context, consumer string, count int) ([]approvals.OutboxRecord, error) {
	pend, err := o.s.rdb.XPendingExt(ctx, &redis.XPendingExtArgs{
		Stream: o.s.k.events(), Group: o.group, Idle: o.minIdle, Start: "-", End: "+", Count: int64(count),
	}).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("store: pending events: %w", err)
	}
	deliveries := map[string]int64{}
	var ids []string
	for _, p := range pend {
		if p.RetryCount >= o.maxDeliveries {
			if _, err := o.deadLetter(ctx, p.ID, o.maxDeliveries, ""); err != nil {
				return nil, err
			}
			continue
		}
		ids = append(ids, p.ID)
		deliveries[p.ID] = p.RetryCount + 1
	}
	if len(ids) == 0 {
		return nil, nil
	}
	msgs, err := o.s.rdb.XClaim(ctx, &redis.XClaimArgs{
		Stream: o.s.k.events(), Group: o.group, Consumer: consumer, MinIdle: o.minIdle, Messages: ids,
	}).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("store: claim events: %w", err)
	}
	return o.decode(ctx, msgs, deliveries)
}

// Ack marks events handled.
func (o *Outbox) Ack(ctx context.Context, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := o.s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.XAck(ctx, o.s.k.events(), o.group, ids...)
		p.HDel(ctx, o.s.k.eventErrors(o.group), ids...)
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: ack events: %w", err)
	}
	return nil
}

// maxReasonLen bounds a recorded handling error.
const maxReasonLen = 500

// Nack records why handling event id failed this time; the event stays
// pending and is handed out again. The last reason goes with the event
// if it becomes a dead letter.
func (o *Outbox) Nack(ctx context.Context, id, reason string) error {
	if r := []rune(reason); len(r) > maxReasonLen {
		reason = string(r[:maxReasonLen]) + "…"
	}
	key := o.s.k.eventErrors(o.group)
	_, err := o.s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, key, id, reason)
		p.Expire(ctx, key, 30*24*time.Hour)
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: record failure of event %s: %w", id, err)
	}
	return nil
}

// decode turns stream entries into records. Entries replayed for another
// group are acknowledged and skipped; an entry that cannot be decoded
// becomes a dead letter at once (handing it out again cannot help).
func (o *Outbox) decode(ctx context.Context, msgs []redis.XMessage, deliveries map[string]int64) ([]approvals.OutboxRecord, error) {
	out := make([]approvals.OutboxRecord, 0, len(msgs))
	var other []string
	for _, m := range msgs {
		if g, _ := m.Values["group"].(string); g != "" && g != o.group {
			other = append(other, m.ID)
			continue
		}
		raw, _ := m.Values["rec"].(string)
		var r approvals.Record
		if err := json.Unmarshal([]byte(raw), &r); err != nil {
			if _, err := o.deadLetter(ctx, m.ID, 0, "cannot decode the event: "+err.Error()); err != nil {
				return nil, err
			}
			continue
		}
		n := deliveries[m.ID]
		if n == 0 {
			n = 1
		}
		out = append(out, approvals.OutboxRecord{ID: m.ID, Record: r, Deliveries: n})
	}
	if err := o.Ack(ctx, other...); err != nil {
		return nil, err
	}
	return out, nil
}
