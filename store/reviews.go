package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/reviews"
)

var _ reviews.Store = (*Store)(nil)

// NextReviewID allocates the next campaign id, "R-1" upwards.
func (s *Store) NextReviewID(ctx context.Context) (string, error) {
	n, err := s.rdb.Incr(ctx, s.k.reviewSeq()).Result()
	if err != nil {
		return "", fmt.Errorf("store: next review id: %w", err)
	}
	return reviews.IDPrefix + strconv.FormatInt(n, 10), nil
}

// itemChunk bounds the fields of one HSET when writing items.
const itemChunk = 500

// CreateReview stores a new campaign, its items and its index entries
// in one MULTI/EXEC.
func (s *Store) CreateReview(ctx context.Context, c *reviews.Campaign, items []reviews.Item) error {
	data, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("store: encode review %s: %w", c.ID, err)
	}
	fields, err := itemFields(items)
	if err != nil {
		return fmt.Errorf("store: review %s: %w", c.ID, err)
	}
	score := float64(c.CreatedAt.UnixMilli())
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, s.k.review(c.ID), "v", c.Version, "s", string(c.Status), "d", data)
		for i := 0; i < len(fields); i += 2 * itemChunk {
			p.HSet(ctx, s.k.reviewItems(c.ID), fields[i:min(i+2*itemChunk, len(fields))]...)
		}
		p.ZAdd(ctx, s.k.reviewsAll(), redis.Z{Score: score, Member: c.ID})
		if c.Open() {
			p.ZAdd(ctx, s.k.reviewsOpen(), redis.Z{Score: score, Member: c.ID})
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: create review %s: %w", c.ID, err)
	}
	return nil
}

func itemFields(items []reviews.Item) ([]any, error) {
	fields := make([]any, 0, 2*len(items))
	for _, it := range items {
		b, err := json.Marshal(it)
		if err != nil {
			return nil, fmt.Errorf("encode item %d: %w", it.Index, err)
		}
		fields = append(fields, strconv.Itoa(it.Index), b)
	}
	return fields, nil
}

// Review returns one campaign.
func (s *Store) Review(ctx context.Context, id string) (*reviews.Campaign, error) {
	data, err := s.rdb.HGet(ctx, s.k.review(id), "d").Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("%w: %s", reviews.ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("store: review %s: %w", id, err)
	}
	var c reviews.Campaign
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("store: decode review %s: %w", id, err)
	}
	return &c, nil
}

// updateReviewScript writes a campaign if its stored version is the one
// the caller read.
//
// KEYS[1] review hash; KEYS[2] open index.
// ARGV[1] expected version; ARGV[2] new version; ARGV[3] campaign JSON;
// ARGV[4] status; ARGV[5] id; ARGV[6] index score (ms).
// Returns 1 when written, 0 on a version mismatch (or a missing review).
var updateReviewScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], 'v') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 's', ARGV[4], 'd', ARGV[3])
if ARGV[4] == 'open' then
  redis.call('ZADD', KEYS[2], ARGV[6], ARGV[5])
else
  redis.call('ZREM', KEYS[2], ARGV[5])
end
return 1
`)

// UpdateReview writes c when the stored version is c.Version-1.
func (s *Store) UpdateReview(ctx context.Context, c *reviews.Campaign) error {
	data, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("store: encode review %s: %w", c.ID, err)
	}
	n, err := updateReviewScript.Run(ctx, s.rdb, []string{s.k.review(c.ID), s.k.reviewsOpen()},
		c.Version-1, c.Version, data, string(c.Status), c.ID, c.CreatedAt.UnixMilli()).Int()
	if err != nil {
		return fmt.Errorf("store: update review %s: %w", c.ID, err)
	}
	if n != 1 {
		return fmt.Errorf("%w: %s is no longer at version %d", reviews.ErrConflict, c.ID, c.Version-1)
	}
	return nil
}

// OpenReviews lists open campaign ids, oldest first.
func (s *Store) OpenReviews(ctx context.Context) ([]string, error) {
	ids, err := s.rdb.ZRange(ctx, s.k.reviewsOpen(), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("store: open reviews: %w", err)
	}
	return ids, nil
}

// ListReviews returns up to limit campaign ids, newest first.
func (s *Store) ListReviews(ctx context.Context, limit int) ([]string, error) {
	if limit <= 0 {
		limit = 100
	}
	ids, err := s.rdb.ZRevRange(ctx, s.k.reviewsAll(), 0, int64(limit-1)).Result()
	if err != nil {
		return nil, fmt.Errorf("store: list reviews: %w", err)
	}
	return ids, nil
}

// PutReviewItems rewrites the given items (e.g. new assignees).
func (s *Store) PutReviewItems(ctx context.Context, id string, items []reviews.Item) error {
	fields, err := itemFields(items)
	if err != nil {
		return fmt.Errorf("store: review %s: %w", id, err)
	}
	if len(fields) == 0 {
		return nil
	}
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for i := 0; i < len(fields); i += 2 * itemChunk {
			p.HSet(ctx, s.k.reviewItems(id), fields[i:min(i+2*itemChunk, len(fields))]...)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: put items of review %s: %w", id, err)
	}
	return nil
}

// outcome is what a revoke decision led to.
type outcome struct {
	RequestID   string            `json:"request_id,omitempty"`
	Failure     string            `json:"failure,omitempty"`
	FailureKey  string            `json:"failure_key,omitempty"`
	FailureArgs map[string]string `json:"failure_args,omitempty"`
}

// ReviewItems returns every item of a campaign, by index, with its
// decision, revoke outcome and fix.
func (s *Store) ReviewItems(ctx context.Context, id string) ([]reviews.Item, error) {
	var items, decisions, outcomes, fixes *redis.MapStringStringCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		items = p.HGetAll(ctx, s.k.reviewItems(id))
		decisions = p.HGetAll(ctx, s.k.reviewDecisions(id))
		outcomes = p.HGetAll(ctx, s.k.reviewOutcomes(id))
		fixes = p.HGetAll(ctx, s.k.reviewFixes(id))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: items of review %s: %w", id, err)
	}
	out := make([]reviews.Item, 0, len(items.Val()))
	for field, raw := range items.Val() {
		it, err := decodeItem(field, raw, decisions.Val()[field], outcomes.Val()[field], fixes.Val()[field])
		if err != nil {
			return nil, fmt.Errorf("store: review %s: %w", id, err)
		}
		out = append(out, *it)
	}
	slices.SortFunc(out, func(a, b reviews.Item) int { return a.Index - b.Index })
	return out, nil
}

// ReviewItem returns one item with its decision, outcome and fix.
func (s *Store) ReviewItem(ctx context.Context, id string, index int) (*reviews.Item, error) {
	f := strconv.Itoa(index)
	var item, dec, out, fix *redis.StringCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		item = p.HGet(ctx, s.k.reviewItems(id), f)
		dec = p.HGet(ctx, s.k.reviewDecisions(id), f)
		out = p.HGet(ctx, s.k.reviewOutcomes(id), f)
		fix = p.HGet(ctx, s.k.reviewFixes(id), f)
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("store: item %d of review %s: %w", index, id, err)
	}
	if errors.Is(item.Err(), redis.Nil) {
		return nil, fmt.Errorf("%w: item %d of review %s", reviews.ErrNotFound, index, id)
	}
	it, err := decodeItem(f, item.Val(), dec.Val(), out.Val(), fix.Val())
	if err != nil {
		return nil, fmt.Errorf("store: review %s: %w", id, err)
	}
	return it, nil
}

func decodeItem(field, raw, dec, out, fix string) (*reviews.Item, error) {
	var it reviews.Item
	if err := json.Unmarshal([]byte(raw), &it); err != nil {
		return nil, fmt.Errorf("decode item %s: %w", field, err)
	}
	if dec != "" {
		var d reviews.Decision
		if err := json.Unmarshal([]byte(dec), &d); err != nil {
			return nil, fmt.Errorf("decode decision %s: %w", field, err)
		}
		if out != "" {
			var o outcome
			if err := json.Unmarshal([]byte(out), &o); err != nil {
				return nil, fmt.Errorf("decode outcome %s: %w", field, err)
			}
			d.RequestID, d.Failure, d.FailureKey, d.FailureArgs = o.RequestID, o.Failure, o.FailureKey, o.FailureArgs
		}
		it.Decision = &d
	}
	if fix != "" {
		var f reviews.Fix
		if err := json.Unmarshal([]byte(fix), &f); err != nil {
			return nil, fmt.Errorf("decode fix %s: %w", field, err)
		}
		it.Fix = &f
	}
	return &it, nil
}

// decideScript records an item's decision once, while the campaign is
// open.
//
// KEYS[1] review hash; KEYS[2] items hash; KEYS[3] decisions hash.
// ARGV[1] item index; ARGV[2] decision JSON.
// Returns {"ok"}, {"decided", <earlier decision JSON>}, {"closed"},
// {"missing"} (no such review) or {"noitem"}.
var decideScript = redis.NewScript(`
local st = redis.call('HGET', KEYS[1], 's')
if not st then return {'missing'} end
if st ~= 'open' then return {'closed'} end
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then return {'noitem'} end
local cur = redis.call('HGET', KEYS[3], ARGV[1])
if cur then return {'decided', cur} end
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
return {'ok'}
`)

// Decide records d for an item once (compare-and-swap in Lua): a second
// decision gets *reviews.DecidedError with the first one; a closed
// campaign gets reviews.ErrClosed; nothing is written then.
func (s *Store) Decide(ctx context.Context, id string, index int, d reviews.Decision) error {
	d.RequestID, d.Failure = "", ""
	data, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("store: encode decision: %w", err)
	}
	res, err := decideScript.Run(ctx, s.rdb, []string{s.k.review(id), s.k.reviewItems(id), s.k.reviewDecisions(id)},
		strconv.Itoa(index), data).StringSlice()
	if err != nil {
		return fmt.Errorf("store: decide item %d of review %s: %w", index, id, err)
	}
	return onceResult(res, id, index, func(raw string) error {
		var prev reviews.Decision
		if err := json.Unmarshal([]byte(raw), &prev); err != nil {
			return fmt.Errorf("store: decode decision: %w", err)
		}
		return &reviews.DecidedError{Item: index, Decision: prev}
	})
}

func onceResult(res []string, id string, index int, taken func(string) error) error {
	switch res[0] {
	case "ok":
		return nil
	case "decided":
		return taken(res[1])
	case "closed":
		return fmt.Errorf("%w: %s", reviews.ErrClosed, id)
	case "missing":
		return fmt.Errorf("%w: %s", reviews.ErrNotFound, id)
	case "noitem":
		return fmt.Errorf("%w: item %d of review %s", reviews.ErrNotFound, index, id)
	}
	return fmt.Errorf("store: review %s: unexpected reply %q", id, res)
}

// SetDecisionOutcome records the remove request (or failure) of a
// revoke decision.
func (s *Store) SetDecisionOutcome(ctx context.Context, id string, index int, requestID string, failure approvals.Sentence) error {
	data, err := json.Marshal(outcome{RequestID: requestID, Failure: failure.Text, FailureKey: failure.Key, FailureArgs: failure.Args})
	if err != nil {
		return fmt.Errorf("store: encode outcome: %w", err)
	}
	if err := s.rdb.HSet(ctx, s.k.reviewOutcomes(id), strconv.Itoa(index), data).Err(); err != nil {
		return fmt.Errorf("store: outcome of item %d of review %s: %w", index, id, err)
	}
	return nil
}

// fixScript records an item's drift fix once.
//
// KEYS[1] review hash; KEYS[2] items hash; KEYS[3] fixes hash.
// ARGV[1] item index; ARGV[2] fix JSON.
// Returns {"ok"}, {"decided", <earlier fix JSON>}, {"missing"} or {"noitem"}.
var fixScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return {'missing'} end
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then return {'noitem'} end
local cur = redis.call('HGET', KEYS[3], ARGV[1])
if cur then return {'decided', cur} end
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
return {'ok'}
`)

// RecordFix records an admin's drift fix once; a second gets
// *reviews.FixedError with the first.
func (s *Store) RecordFix(ctx context.Context, id string, index int, f reviews.Fix) error {
	data, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("store: encode fix: %w", err)
	}
	res, err := fixScript.Run(ctx, s.rdb, []string{s.k.review(id), s.k.reviewItems(id), s.k.reviewFixes(id)},
		strconv.Itoa(index), data).StringSlice()
	if err != nil {
		return fmt.Errorf("store: fix item %d of review %s: %w", index, id, err)
	}
	return onceResult(res, id, index, func(raw string) error {
		var prev reviews.Fix
		if err := json.Unmarshal([]byte(raw), &prev); err != nil {
			return fmt.Errorf("store: decode fix: %w", err)
		}
		return &reviews.FixedError{Item: index, Fix: prev}
	})
}

// SetReviewMessage remembers the chat message of one view of a campaign
// (a reviewer's pages, the drift report, the summary) and the page it
// shows, so it is updated in place.
func (s *Store) SetReviewMessage(ctx context.Context, id string, m reviews.PostedMessage) error {
	data, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("store: encode review message: %w", err)
	}
	if err := s.rdb.HSet(ctx, s.k.reviewMessages(id), m.View, data).Err(); err != nil {
		return fmt.Errorf("store: review %s message %s: %w", id, m.View, err)
	}
	return nil
}

// ReviewMessages returns every message recorded for a campaign.
func (s *Store) ReviewMessages(ctx context.Context, id string) ([]reviews.PostedMessage, error) {
	vals, err := s.rdb.HGetAll(ctx, s.k.reviewMessages(id)).Result()
	if err != nil {
		return nil, fmt.Errorf("store: review %s messages: %w", id, err)
	}
	out := make([]reviews.PostedMessage, 0, len(vals))
	for _, v := range vals {
		var m reviews.PostedMessage
		if err := json.Unmarshal([]byte(v), &m); err != nil {
			return nil, fmt.Errorf("store: decode review %s message: %w", id, err)
		}
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b reviews.PostedMessage) int {
		switch {
		case a.View < b.View:
			return -1
		case a.View > b.View:
			return 1
		}
		return 0
	})
	return out, nil
}
