package store

import (
	"context"
	"fmt"
	"time"

	"github.com/chataccess/chataccess/approvals"
)

// snapshotMark is the member that marks a group grant's snapshot as
// taken, so a group with no members is told apart from no snapshot.
const snapshotMark = ""

// GroupMembers returns the member snapshot of the grant of pkg to the
// user group keyed group (approvals.GroupKey); taken is false before the
// group pass took the first one.
func (s *Store) GroupMembers(ctx context.Context, group, pkg string) (members []string, taken bool, err error) {
	all, err := s.rdb.ZRange(ctx, s.k.groupMembers(group, pkg), 0, -1).Result()
	if err != nil {
		return nil, false, fmt.Errorf("store: group members %s/%s: %w", group, pkg, err)
	}
	for _, m := range all {
		if m == snapshotMark {
			taken = true
			continue
		}
		members = append(members, m)
	}
	return members, taken, nil
}

// CommitGroupMembers writes c (its records go to the outbox and the
// audit trail) and moves the snapshot of the grant of pkg to group in
// the same atomic step: joined are added, left removed. The snapshot is
// marked taken. It is deleted with the grant.
func (s *Store) CommitGroupMembers(ctx context.Context, c approvals.Change, group, pkg string, joined, left []string) error {
	p, err := s.plan(c)
	if err != nil {
		return err
	}
	at := time.Now()
	if len(c.Records) > 0 {
		at = c.Records[0].At
	}
	key := s.k.groupMembers(group, pkg)
	p.op("zadd", key, "0", snapshotMark)
	for _, m := range joined {
		p.op("zadd", key, ms(at.UnixMilli()), m)
	}
	for _, m := range left {
		p.op("zrem", key, m)
	}
	return s.commitPlan(ctx, p, c.Records)
}
