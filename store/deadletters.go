package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/chataccess/chataccess/approvals"
)

// ErrNoDeadLetter is returned for a dead letter id that does not exist
// (never did, or was replayed already).
var ErrNoDeadLetter = errors.New("no such dead letter")

// deadLetterScript moves one pending outbox entry of a group to the dead
// letters and acknowledges it, once: the entry must still be pending
// and delivered at least ARGV[3] times.
//
// KEYS[1] event stream, KEYS[2] dead letters hash, KEYS[3] dead letters
// by time, KEYS[4] alerts due, KEYS[5] the group's last errors.
// ARGV[1] group, ARGV[2] entry id, ARGV[3] minimum deliveries, ARGV[4]
// now (ms), ARGV[5] dead letter id, ARGV[6] reason ("" = the group's
// last recorded error).
// Returns 1 when moved, 0 when not pending any more or delivered fewer
// times (another replica or a late acknowledgement got there first).
var deadLetterScript = redis.NewScript(`
local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1)
if #p == 0 then return 0 end
local n = tonumber(p[1][4])
if n < tonumber(ARGV[3]) then return 0 end
local rec = ''
local e = redis.call('XRANGE', KEYS[1], ARGV[2], ARGV[2])
if #e > 0 then
  local f = e[1][2]
  for i = 1, #f, 2 do if f[i] == 'rec' then rec = f[i + 1] end end
end
local why = ARGV[6]
if why == '' then why = redis.call('HGET', KEYS[5], ARGV[2]) or '' end
redis.call('HSET', KEYS[2], ARGV[5], cjson.encode({id = ARGV[5], group = ARGV[1], entry = ARGV[2], rec = rec,
  deliveries = n, at = ARGV[4], last_error = why, alert_tries = 0}))
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[5])
redis.call('ZADD', KEYS[4], ARGV[4], ARGV[5])
redis.call('HDEL', KEYS[5], ARGV[2])
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
return 1
`)

// replayScript puts a dead letter back on the event stream for its group
// only (other groups acknowledge and skip it) and forgets it.
//
// KEYS[1] event stream, KEYS[2] dead letters hash, KEYS[3] dead letters
// by time, KEYS[4] alerts due. ARGV[1] dead letter id.
// Returns the new entry id, or "" when there is no such dead letter.
var replayScript = redis.NewScript(`
local raw = redis.call('HGET', KEYS[2], ARGV[1])
if not raw then return '' end
local d = cjson.decode(raw)
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', '100000', '*', 'rec', d.rec, 'group', d.group, 'replay_of', d.entry)
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
return id
`)

// claimAlertsScript hands out dead letters whose admin alert is due,
// each to one caller, counting the attempt.
//
// KEYS[1] dead letters hash, KEYS[2] alerts due. ARGV[1] now (ms),
// ARGV[2] limit. Returns the dead letters' JSON.
var claimAlertsScript = redis.NewScript(`
local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[2], id)
  local raw = redis.call('HGET', KEYS[1], id)
  if raw then
    local d = cjson.decode(raw)
    d.alert_tries = (d.alert_tries or 0) + 1
    raw = cjson.encode(d)
    redis.call('HSET', KEYS[1], id, raw)
    table.insert(out, raw)
  end
end
return out
`)

// retryAlertScript schedules another alert attempt for a dead letter
// that still exists. KEYS[1] dead letters hash, KEYS[2] alerts due.
// ARGV[1] id, ARGV[2] due (ms). Returns 1 when scheduled.
var retryAlertScript = redis.NewScript(`
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return 1
`)

// deadLetter moves entry id of o's group to the dead letters when it
// was delivered at least minDeliveries times. why overrides the group's
// last recorded error.
func (o *Outbox) deadLetter(ctx context.Context, id string, minDeliveries int64, why string) (bool, error) {
	k := o.s.k
	n, err := deadLetterScript.Run(ctx, o.s.rdb,
		[]string{k.events(), k.deadLetters(), k.deadLettersByTime(), k.deadLetterAlerts(), k.eventErrors(o.group)},
		o.group, id, minDeliveries, time.Now().UnixMilli(), o.group+"/"+id, why).Int()
	if err != nil {
		return false, fmt.Errorf("store: dead-letter event %s of %s: %w", id, o.group, err)
	}
	return n == 1, nil
}

// deadLetterJSON is a dead letter as stored (written by Lua).
type deadLetterJSON struct {
	ID         string `json:"id"`
	Group      string `json:"group"`
	Entry      string `json:"entry"`
	Rec        string `json:"rec"`
	Deliveries int64  `json:"deliveries"`
	At         string `json:"at"`
	LastError  string `json:"last_error"`
	AlertTries int    `json:"alert_tries"`
}

func decodeDeadLetter(raw string) (approvals.DeadLetter, error) {
	var j deadLetterJSON
	if err := json.Unmarshal([]byte(raw), &j); err != nil {
		return approvals.DeadLetter{}, fmt.Errorf("store: decode dead letter: %w", err)
	}
	d := approvals.DeadLetter{ID: j.ID, Group: j.Group, LastError: j.LastError, AlertTries: j.AlertTries,
		Event: approvals.OutboxRecord{ID: j.Entry, Deliveries: j.Deliveries}}
	if ms, err := strconv.ParseInt(j.At, 10, 64); err == nil {
		d.At = time.UnixMilli(ms).UTC()
	}
	if j.Rec != "" {
		// A record that cannot be decoded is still listed, by its id.
		_ = json.Unmarshal([]byte(j.Rec), &d.Event.Record)
	}
	return d, nil
}

// DeadLetters returns up to limit dead letters, newest first.
func (s *Store) DeadLetters(ctx context.Context, limit int) ([]approvals.DeadLetter, error) {
	ids, err := s.rdb.ZRevRange(ctx, s.k.deadLettersByTime(), 0, int64(max(limit, 1))-1).Result()
	if err != nil {
		return nil, fmt.Errorf("store: list dead letters: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	vals, err := s.rdb.HMGet(ctx, s.k.deadLetters(), ids...).Result()
	if err != nil {
		return nil, fmt.Errorf("store: read dead letters: %w", err)
	}
	out := make([]approvals.DeadLetter, 0, len(vals))
	for _, v := range vals {
		raw, ok := v.(string)
		if !ok {
			continue // replayed meanwhile
		}
		d, err := decodeDeadLetter(raw)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// ReplayDeadLetter puts dead letter id ("<group>/<entry id>") back on
// the outbox for its group alone and returns the new entry id. Other
// groups skip the copy. Errors: ErrNoDeadLetter.
func (s *Store) ReplayDeadLetter(ctx context.Context, id string) (string, error) {
	id = strings.TrimSpace(id)
	k := s.k
	newID, err := replayScript.Run(ctx, s.rdb, []string{k.events(), k.deadLetters(), k.deadLettersByTime(), k.deadLetterAlerts()}, id).Text()
	if err != nil {
		return "", fmt.Errorf("store: replay dead letter %s: %w", id, err)
	}
	if newID == "" {
		return "", fmt.Errorf("%w: %s", ErrNoDeadLetter, id)
	}
	return newID, nil
}

// ClaimDeadLetterAlerts returns up to limit dead letters whose admin
// alert is due by now, each to one caller only (across replicas), with
// AlertTries counting this attempt. Schedule a failed attempt again with
// RetryDeadLetterAlert.
func (s *Store) ClaimDeadLetterAlerts(ctx context.Context, now time.Time, limit int) ([]approvals.DeadLetter, error) {
	raws, err := claimAlertsScript.Run(ctx, s.rdb, []string{s.k.deadLetters(), s.k.deadLetterAlerts()},
		now.UnixMilli(), max(limit, 1)).StringSlice()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("store: claim dead letter alerts: %w", err)
	}
	out := make([]approvals.DeadLetter, 0, len(raws))
	for _, raw := range raws {
		d, err := decodeDeadLetter(raw)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// RetryDeadLetterAlert makes the alert of dead letter id due again at
// at, unless the dead letter was replayed meanwhile.
func (s *Store) RetryDeadLetterAlert(ctx context.Context, id string, at time.Time) error {
	if err := retryAlertScript.Run(ctx, s.rdb, []string{s.k.deadLetters(), s.k.deadLetterAlerts()}, id, at.UnixMilli()).Err(); err != nil {
		return fmt.Errorf("store: retry dead letter alert %s: %w", id, err)
	}
	return nil
}

// ClaimDeadLetterAlerts is Store.ClaimDeadLetterAlerts, so the reader of
// an outbox can also report what the outbox gave up on.
func (o *Outbox) ClaimDeadLetterAlerts(ctx context.Context, now time.Time, limit int) ([]approvals.DeadLetter, error) {
	return o.s.ClaimDeadLetterAlerts(ctx, now, limit)
}

// RetryDeadLetterAlert is Store.RetryDeadLetterAlert.
func (o *Outbox) RetryDeadLetterAlert(ctx context.Context, id string, at time.Time) error {
	return o.s.RetryDeadLetterAlert(ctx, id, at)
}
