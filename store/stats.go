package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/chataccess/chataccess/approvals"
)

// MaxStatReviews bounds how many open review campaigns Stats counts the
// undecided items of, so one read stays small however many are open.
const MaxStatReviews = 50

// LedgerStats is what the ledger holds now, for metrics: counts, and
// when the oldest waiting things were written.
type LedgerStats struct {
	// Requests counts requests by state (every approvals.States).
	Requests map[approvals.State]int64
	// Pending describes the requests waiting for approval, by package,
	// for the packages Stats was asked about.
	Pending map[string]PendingStats
	// Outbox describes each consumer group of the event outbox; empty
	// when the stream does not exist.
	Outbox []OutboxGroupStats
	// DeadLetters counts outbox events a group gave up on and nobody has
	// replayed yet.
	DeadLetters int64
	// OpenReviews counts open access review campaigns; UndecidedItems
	// counts the items without a decision in the oldest MaxStatReviews
	// of them.
	OpenReviews, UndecidedItems int64
	// AuditEntries is the length of the audit chain.
	AuditEntries int64
	// Checkpoint is the newest audit checkpoint a replica wrote (zero At:
	// none). Only its count and time are for metrics: it proves nothing.
	Checkpoint Checkpoint
}

// PendingStats describes the requests of one package waiting for
// approval.
type PendingStats struct {
	Count int64
	// Oldest is when the oldest of them was submitted; zero when none.
	Oldest time.Time
}

// OutboxGroupStats describes one consumer group of the event outbox.
type OutboxGroupStats struct {
	Group string
	// Unacked counts events handed to a consumer and not acknowledged.
	Unacked int64
	// Undelivered counts events not yet handed to any consumer; -1 when
	// Redis cannot tell (before Redis 7, or when the count is unknown).
	Undelivered int64
	// Oldest is when the oldest event the group has not finished
	// (undelivered or unacknowledged) was written; zero when none.
	Oldest time.Time
}

// Stats reads the ledger's counts in two pipelined round trips of at
// most 15 + 2·len(packages) + 2·groups + 2·MaxStatReviews commands, all
// O(1) or O(log n) except XINFO GROUPS (O(groups)). It is for a metrics
// scrape: the caller bounds it with ctx.
func (s *Store) Stats(ctx context.Context, packages []string) (LedgerStats, error) {
	st := LedgerStats{Requests: map[approvals.State]int64{}, Pending: map[string]PendingStats{}}
	states := make(map[approvals.State]*redis.IntCmd, len(approvals.States))
	pendingN := make(map[string]*redis.IntCmd, len(packages))
	pendingOld := make(map[string]*redis.ZSliceCmd, len(packages))
	var (
		groups               *redis.XInfoGroupsCmd
		dead, open, auditLen *redis.IntCmd
		openIDs              *redis.StringSliceCmd
		checkpoint           *redis.StringCmd
	)
	cmds, _ := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, state := range approvals.States {
			states[state] = p.ZCard(ctx, s.k.byState(state))
		}
		for _, pkg := range packages {
			pendingN[pkg] = p.ZCard(ctx, s.k.pendingByPackage(pkg))
			pendingOld[pkg] = p.ZRangeWithScores(ctx, s.k.pendingByPackage(pkg), 0, 0)
		}
		groups = p.XInfoGroups(ctx, s.k.events())
		dead = p.ZCard(ctx, s.k.deadLettersByTime())
		open = p.ZCard(ctx, s.k.reviewsOpen())
		openIDs = p.ZRange(ctx, s.k.reviewsOpen(), 0, MaxStatReviews-1)
		auditLen = p.XLen(ctx, s.k.audit())
		checkpoint = p.Get(ctx, s.k.auditCheckpoint())
		return nil
	})
	for _, c := range cmds {
		// A missing checkpoint, and a missing stream (no event written
		// yet, or Redis lost it), are answers, not failures.
		err := c.Err()
		if err == nil || errors.Is(err, redis.Nil) || (c == redis.Cmder(groups) && redis.HasErrorPrefix(err, "no such key")) {
			continue
		}
		return LedgerStats{}, fmt.Errorf("store: stats: %s: %w", c.Name(), err)
	}
	for state, c := range states {
		st.Requests[state] = c.Val()
	}
	for _, pkg := range packages {
		ps := PendingStats{Count: pendingN[pkg].Val()}
		if z := pendingOld[pkg].Val(); len(z) > 0 {
			ps.Oldest = time.UnixMilli(int64(z[0].Score))
		}
		st.Pending[pkg] = ps
	}
	st.DeadLetters, st.OpenReviews, st.AuditEntries = dead.Val(), open.Val(), auditLen.Val()
	if text := checkpoint.Val(); text != "" {
		if cs, err := ParseCheckpoints(text); err == nil && len(cs) == 1 {
			st.Checkpoint = cs[0]
		}
	}
	if err := s.statsRound2(ctx, &st, groups.Val(), openIDs.Val()); err != nil {
		return LedgerStats{}, err
	}
	return st, nil
}

// statsRound2 reads, for each outbox group, its oldest unacknowledged
// and oldest undelivered event, and for each open review its item and
// decision counts.
func (s *Store) statsRound2(ctx context.Context, st *LedgerStats, groups []redis.XInfoGroup, reviews []string) error {
	pending := make([]*redis.XPendingCmd, len(groups))
	next := make([]*redis.XMessageSliceCmd, len(groups))
	items := make([]*redis.IntCmd, len(reviews))
	decided := make([]*redis.IntCmd, len(reviews))
	if len(groups)+len(reviews) == 0 {
		return nil
	}
	cmds, _ := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, g := range groups {
			pending[i] = p.XPending(ctx, s.k.events(), g.Name)
			next[i] = p.XRangeN(ctx, s.k.events(), "("+g.LastDeliveredID, "+", 1)
		}
		for i, id := range reviews {
			items[i] = p.HLen(ctx, s.k.reviewItems(id))
			decided[i] = p.HLen(ctx, s.k.reviewDecisions(id))
		}
		return nil
	})
	for _, c := range cmds {
		// A group removed since XINFO GROUPS (NOGROUP) has nothing to report.
		if err := c.Err(); err != nil && !errors.Is(err, redis.Nil) && !redis.HasErrorPrefix(err, "NOGROUP") {
			return fmt.Errorf("store: stats: %s: %w", c.Name(), err)
		}
	}
	for i, g := range groups {
		gs := OutboxGroupStats{Group: g.Name, Unacked: g.Pending, Undelivered: g.Lag}
		if pend := pending[i].Val(); pend != nil && pend.Count > 0 {
			gs.Oldest = streamIDTime(pend.Lower)
		}
		if msgs := next[i].Val(); len(msgs) > 0 {
			if t := streamIDTime(msgs[0].ID); gs.Oldest.IsZero() || t.Before(gs.Oldest) {
				gs.Oldest = t
			}
			if gs.Undelivered == 0 {
				gs.Undelivered = -1 // Redis said nothing is waiting, but something is: it cannot tell
			}
		}
		st.Outbox = append(st.Outbox, gs)
	}
	for i := range reviews {
		st.UndecidedItems += max(items[i].Val()-decided[i].Val(), 0)
	}
	return nil
}

// streamIDTime is the time in a stream entry id ("<ms>-<seq>"); zero
// for an id that is not one.
func streamIDTime(id string) time.Time {
	ms, _, _ := strings.Cut(id, "-")
	n, err := strconv.ParseInt(ms, 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(n)
}
