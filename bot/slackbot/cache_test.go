package slackbot

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/bot/slackbot/slackfake"
)

// TestFreshLookupsSkipCaches: a decision reads users.info and group
// membership from Slack even when a read path cached them a moment ago
// (field failures: a click accepted 201 s after deactivation, and 30 s
// after removal from the approvers' user group).
func TestFreshLookupsSkipCaches(t *testing.T) {
	f := newFake(t)
	s := newTestSender(t, f)
	ctx := context.Background()
	if _, err := s.LookupUser(ctx, "U2"); err != nil {
		t.Fatal(err)
	}
	if m, err := s.GroupMembers(ctx, "S1"); err != nil || !slices.Contains(m, "U2") {
		t.Fatalf("members %v %v", m, err)
	}
	f.Deactivate("U2")
	f.RemoveFromGroup("S1", "U2")

	// Read paths may still be served from the cache...
	if _, err := s.LookupUser(ctx, "U2"); err != nil {
		t.Fatalf("cached read: %v", err)
	}
	// ...decisions are not.
	if _, err := s.LookupUser(bot.Fresh(ctx), "U2"); !errors.Is(err, bot.ErrUserNotFound) {
		t.Fatalf("fresh lookup of a deactivated user: %v", err)
	}
	if m, err := s.GroupMembers(bot.Fresh(ctx), "S1"); err != nil || slices.Contains(m, "U2") {
		t.Fatalf("fresh members %v %v", m, err)
	}
	if _, err := s.LookupUserByEmail(bot.Fresh(ctx), "bob@example.com"); !errors.Is(err, bot.ErrUserNotFound) {
		t.Fatalf("fresh lookup by email: %v", err)
	}
	if n := len(f.Calls("users.info")); n != 2 {
		t.Errorf("users.info called %d times, want 2", n)
	}

	// A negative answer is never cached: the member added after a
	// failed lookup is found at once, even on a read path.
	if _, err := s.LookupUser(ctx, "UNEW"); !errors.Is(err, bot.ErrUserNotFound) && err == nil {
		t.Fatalf("unknown user: %v", err)
	}
	f.AddUser(slackfake.User{ID: "UNEW", Name: "New", Email: "new@example.com"})
	if _, err := s.LookupUser(ctx, "UNEW"); err != nil {
		t.Fatalf("after joining: %v", err)
	}
	f.Reactivate("U2")
	if _, err := s.LookupUser(bot.Fresh(ctx), "U2"); err != nil {
		t.Fatalf("reactivated: %v", err)
	}
}

func TestCachesAreBounded(t *testing.T) {
	c := newTTLCache[int](time.Minute)
	now := time.Unix(1_700_000_000, 0)
	c.now = func() time.Time { return now }
	for i := range maxCacheEntries + 10 {
		c.put(strconv.Itoa(i), i)
	}
	if n := c.len(); n > maxCacheEntries {
		t.Fatalf("%d entries, bound %d", n, maxCacheEntries)
	}
	if v, ok := c.get(context.Background(), strconv.Itoa(maxCacheEntries+9)); !ok || v != maxCacheEntries+9 {
		t.Fatal("newest entry lost")
	}
	// Expired entries make room before anything live is dropped.
	for i := c.len(); i < maxCacheEntries; i++ {
		c.put("x"+strconv.Itoa(i), i)
	}
	now = now.Add(2 * time.Minute)
	c.put("fresh", 1)
	if n := c.len(); n != 1 {
		t.Fatalf("%d entries after expiry, want 1", n)
	}
	if _, ok := c.get(context.Background(), "0"); ok {
		t.Fatal("expired entry served")
	}
	c.drop("fresh")
	if _, ok := c.get(context.Background(), "fresh"); ok {
		t.Fatal("dropped entry served")
	}
}
