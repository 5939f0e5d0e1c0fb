package store

import (
	"context"
	"fmt"
	"slices"

	"github.com/redis/go-redis/v9"
)

// regroup creates o's consumer group again when err says it is gone
// (NOGROUP: Redis lost the stream and its groups, or the group was
// destroyed; UNBLOCKED: the stream vanished under a blocked read), and
// reports whether it did, so the caller reads again.
// The group starts at the beginning of the stream: after a loss the
// stream holds only what was written since, which must all be handled
// (a request's card). Creating a group that another replica just
// created is fine (BUSYGROUP).
func (o *Outbox) regroup(ctx context.Context, err error) bool {
	if err == nil || !(redis.HasErrorPrefix(err, "NOGROUP") || redis.HasErrorPrefix(err, "UNBLOCKED")) {
		return false
	}
	cerr := o.s.rdb.XGroupCreateMkStream(ctx, o.s.k.events(), o.group, "0").Err()
	return cerr == nil || redis.HasErrorPrefix(cerr, "BUSYGROUP")
}

// MissingOutboxGroups returns those of groups that the event outbox has
// no consumer group for (every one of them when the stream is gone).
func (s *Store) MissingOutboxGroups(ctx context.Context, groups ...string) ([]string, error) {
	infos, err := s.rdb.XInfoGroups(ctx, s.k.events()).Result()
	if err != nil && !redis.HasErrorPrefix(err, "no such key") {
		return nil, fmt.Errorf("store: outbox groups: %w", err)
	}
	var missing []string
	for _, g := range groups {
		if !slices.ContainsFunc(infos, func(i redis.XInfoGroup) bool { return i.Name == g }) {
			missing = append(missing, g)
		}
	}
	return missing, nil
}
