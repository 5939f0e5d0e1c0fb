package store

import (
	"context"
	"crypto/hmac"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// A Checkpoint records the head of the audit chain at one moment: how
// many entries it had and the hash of the newest, signed with the audit
// key. Checkpoints are kept outside Redis (the log, the admin channel),
// so a trail cut short or wiped, with its head key rewritten to match,
// still disagrees with the last checkpoint: `audit verify --checkpoint`.
//
// Its text form is one line:
//
//	chataccess-audit-checkpoint v1 count=<n> head=<64 hex> at=<RFC 3339 UTC> kid=<16 hex> mac=<64 hex>
type Checkpoint struct {
	Count int64
	Head  string
	At    time.Time
	KeyID string
	MAC   string
}

// CheckpointTag starts a checkpoint's text form.
const CheckpointTag = "chataccess-audit-checkpoint"

// maxCheckpoints bounds how many checkpoints one text may hold.
const maxCheckpoints = 10000

// String is the checkpoint's one-line text form.
func (c Checkpoint) String() string {
	return fmt.Sprintf("%s v1 count=%d head=%s at=%s kid=%s mac=%s",
		CheckpointTag, c.Count, c.Head, c.At.UTC().Format(time.RFC3339), c.KeyID, c.MAC)
}

// checkpointMAC signs the fields that matter; the text form is not
// signed, so spacing or quoting around it cannot break a checkpoint.
func (k AuditKey) checkpointMAC(c Checkpoint) string {
	return k.sum(CheckpointTag+"-v1", strconv.FormatInt(c.Count, 10), c.Head, c.At.UTC().Format(time.RFC3339), c.KeyID)
}

// seal makes the checkpoint of a chain with count entries ending in head.
func (k AuditKey) seal(count int64, head string, at time.Time) Checkpoint {
	c := Checkpoint{Count: count, Head: head, At: at.UTC().Truncate(time.Second), KeyID: k.id}
	c.MAC = k.checkpointMAC(c)
	return c
}

// checkCheckpoint says why c cannot be trusted, or "".
func (k AuditKey) checkCheckpoint(c Checkpoint) string {
	switch {
	case !k.IsSet():
		return "a checkpoint is signed with the audit key and no audit key was given: set AUDIT_KEY or AUDIT_KEY_FILE"
	case c.KeyID != k.id:
		return fmt.Sprintf("the checkpoint of %s was signed with audit key %s, but AUDIT_KEY is key %s", c.At.Format(time.RFC3339), c.KeyID, k.id)
	case !hmac.Equal([]byte(k.checkpointMAC(c)), []byte(c.MAC)):
		return fmt.Sprintf("the checkpoint of %s (%d entries) is not authentic: its MAC does not match (it was altered)", c.At.Format(time.RFC3339), c.Count)
	}
	return ""
}

var (
	checkpointRE = regexp.MustCompile(CheckpointTag + ` v1 count=([0-9]{1,18}) head=([0-9a-f]{64}) at=([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z) kid=([0-9a-f]{16}) mac=([0-9a-f]{64})`)
	tagRE        = regexp.MustCompile(regexp.QuoteMeta(CheckpointTag))
)

// ErrNoCheckpoint means a text held no checkpoint line.
var ErrNoCheckpoint = errors.New("no checkpoint found (a line with " + CheckpointTag + " v1 count=… head=… at=… kid=… mac=…)")

// ParseCheckpoints finds every checkpoint in text: one line as printed,
// a file of them, or log lines or a chat message that carry them. A
// mention of the tag that is not a whole checkpoint is an error, so a
// checkpoint cut short when copied is never skipped silently.
func ParseCheckpoints(text string) ([]Checkpoint, error) {
	tags := tagRE.FindAllStringIndex(text, maxCheckpoints+1)
	if len(tags) == 0 {
		return nil, ErrNoCheckpoint
	}
	if len(tags) > maxCheckpoints {
		return nil, fmt.Errorf("more than %d checkpoints in one text", maxCheckpoints)
	}
	out := make([]Checkpoint, 0, len(tags))
	for i, t := range tags {
		m := checkpointRE.FindStringSubmatchIndex(text[t[0]:])
		if m == nil || m[0] != 0 {
			return nil, fmt.Errorf("checkpoint %d is malformed or cut short: want %s v1 count=<n> head=<64 hex> at=<YYYY-MM-DDThh:mm:ssZ> kid=<16 hex> mac=<64 hex>", i+1, CheckpointTag)
		}
		s := func(j int) string { return text[t[0]+m[2*j] : t[0]+m[2*j+1]] }
		count, err := strconv.ParseInt(s(1), 10, 64)
		if err != nil || count < 1 {
			return nil, fmt.Errorf("checkpoint %d: count must be a positive number", i+1)
		}
		at, err := time.Parse(time.RFC3339, s(3))
		if err != nil {
			return nil, fmt.Errorf("checkpoint %d: %q is not a time", i+1, s(3))
		}
		out = append(out, Checkpoint{Count: count, Head: s(2), At: at, KeyID: s(4), MAC: s(5)})
	}
	return out, nil
}

// ErrNoAuditKey means an operation needs the audit key and the store has
// none.
var ErrNoAuditKey = errors.New("store: no audit key (AUDIT_KEY or AUDIT_KEY_FILE)")

// AuditHead returns how many entries the audit stream holds and the
// newest entry's hash and algorithm, read together.
func (s *Store) AuditHead(ctx context.Context) (count int64, newest AuditEntry, err error) {
	var xlen *redis.IntCmd
	var last *redis.XMessageSliceCmd
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		xlen = p.XLen(ctx, s.k.audit())
		last = p.XRevRangeN(ctx, s.k.audit(), "+", "-", 1)
		return nil
	})
	if err != nil {
		return 0, AuditEntry{}, fmt.Errorf("store: read audit head: %w", err)
	}
	if msgs := last.Val(); len(msgs) > 0 {
		newest = entryOf(msgs[0])
	}
	return xlen.Val(), newest, nil
}

// AuditCheckpoint signs the current head of the audit chain. Count 0
// means the trail is empty: there is nothing to checkpoint.
func (s *Store) AuditCheckpoint(ctx context.Context, now time.Time) (Checkpoint, error) {
	if !s.audit.IsSet() {
		return Checkpoint{}, ErrNoAuditKey
	}
	count, newest, err := s.AuditHead(ctx)
	if err != nil || count == 0 {
		return Checkpoint{}, err
	}
	return s.audit.seal(count, newest.Hash, now), nil
}

// AuditKeyID is the id of the store's audit key, "" without one.
func (s *Store) AuditKeyID() string { return s.audit.ID() }

// lastCheckpoint returns the newest checkpoint any replica emitted, as
// remembered in Redis (only to skip repeats; it proves nothing).
func (s *Store) lastCheckpoint(ctx context.Context) (Checkpoint, error) {
	text, err := s.rdb.Get(ctx, s.k.auditCheckpoint()).Result()
	if errors.Is(err, redis.Nil) {
		return Checkpoint{}, nil
	}
	if err != nil {
		return Checkpoint{}, fmt.Errorf("store: read last audit checkpoint: %w", err)
	}
	cs, err := ParseCheckpoints(text)
	if err != nil || len(cs) != 1 {
		return Checkpoint{}, nil
	}
	return cs[0], nil
}

func (s *Store) rememberCheckpoint(ctx context.Context, c Checkpoint) error {
	if err := s.rdb.Set(ctx, s.k.auditCheckpoint(), c.String(), 0).Err(); err != nil {
		return fmt.Errorf("store: remember audit checkpoint: %w", err)
	}
	return nil
}
