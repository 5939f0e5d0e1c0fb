package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/chataccess/chataccess/approvals"
)

// AddMessageRef remembers a message about owner (a request or review id).
// Adding the same message twice keeps one copy.
func (s *Store) AddMessageRef(ctx context.Context, owner string, ref approvals.MessageRef) error {
	data, err := json.Marshal(ref)
	if err != nil {
		return fmt.Errorf("store: encode message ref: %w", err)
	}
	field := string(ref.Platform) + "|" + ref.Channel + "|" + ref.ID
	if err := s.rdb.HSet(ctx, s.k.messageRefs(owner), field, data).Err(); err != nil {
		return fmt.Errorf("store: add message ref for %s: %w", owner, err)
	}
	return nil
}

// MessageRefs returns every message recorded for owner.
func (s *Store) MessageRefs(ctx context.Context, owner string) ([]approvals.MessageRef, error) {
	vals, err := s.rdb.HGetAll(ctx, s.k.messageRefs(owner)).Result()
	if err != nil {
		return nil, fmt.Errorf("store: message refs of %s: %w", owner, err)
	}
	out := make([]approvals.MessageRef, 0, len(vals))
	for _, v := range vals {
		var r approvals.MessageRef
		if err := json.Unmarshal([]byte(v), &r); err != nil {
			return nil, fmt.Errorf("store: decode message ref of %s: %w", owner, err)
		}
		out = append(out, r)
	}
	return out, nil
}
