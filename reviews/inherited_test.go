package reviews_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/reviews"
)

// holderAdobe lists holders with how they hold access, and records the
// people taken out of groups.
type holderAdobe struct {
	*fakeAdobe
	holders map[string][]reviews.Member
	mu      sync.Mutex
	left    []string
}

func (h *holderAdobe) ProfileHolders(_ context.Context, profile string, fn func(reviews.Member) error) error {
	for _, m := range h.holders[strings.ToLower(profile)] {
		if err := fn(m); err != nil {
			return err
		}
	}
	return nil
}

func (h *holderAdobe) RemoveFromGroup(_ context.Context, group, email, _ string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.left = append(h.left, group+" "+email)
	return nil
}

// TestInheritedAccessInReviews: holders through user groups are items
// that say which group; a revoke of access held through a group used for
// Dynamic Chat only takes the person out of it and removes the rest,
// while one held through any other group changes nothing and tells the
// admins which group to change.
func TestInheritedAccessInReviews(t *testing.T) {
	f := newFixture(t)
	ha := &holderAdobe{fakeAdobe: f.adobe, holders: map[string][]reviews.Member{"live agent": {
		{Email: "dee@example.com"},
		{Email: "fox@example.com", Inherited: true, Via: []string{"EMEA Chat Agents"}},
		{Email: "gil@example.com", Inherited: true, Via: []string{"All Staff"}},
		{Email: "eve@example.com", Via: []string{"EMEA Chat Agents"}},
	}}}
	rv := reviews.New(reviews.Deps{Access: f.svc, Store: f.st, Adobe: ha, Marketo: f.mkto, Notifier: f.notes, Clock: f.clock,
		DynamicChatGroups: []string{"emea chat agents"}})
	c, err := rv.Start(f.ctx, reviews.Schedule{Name: "q", Packages: []string{"agent"}}, approvals.System, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	items := f.items(c.ID)
	fox, gil, eve, dee := itemOf(items, "fox@example.com", "agent"), itemOf(items, "gil@example.com", "agent"),
		itemOf(items, "eve@example.com", "agent"), itemOf(items, "dee@example.com", "agent")
	if fox == nil || !fox.Inherited || !slices.Equal(fox.Via, []string{"EMEA Chat Agents"}) || !fox.InAdobe() ||
		eve == nil || eve.Inherited || !slices.Equal(eve.Via, []string{"EMEA Chat Agents"}) || dee == nil || dee.Inherited || len(dee.Via) != 0 {
		t.Fatalf("items %+v", items)
	}

	// Through a group used for Dynamic Chat only: leave it, then the removal.
	it, err := rv.Decide(f.ctx, c.ID, fox.Index, actor("UANN"), reviews.Revoke)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ha.left, []string{"EMEA Chat Agents fox@example.com"}) || it.Decision.RequestID == "" || it.Decision.Failure != "" {
		t.Fatalf("fox: left %v, decision %+v", ha.left, it.Decision)
	}
	// Through a group used for other things too: nothing changes; the
	// decision says which group an admin must change.
	it, err = rv.Decide(f.ctx, c.ID, gil.Index, actor("UANN"), reviews.Revoke)
	if err != nil {
		t.Fatal(err)
	}
	if len(ha.left) != 1 || it.Decision.RequestID != "" || !strings.Contains(it.Decision.Failure, `through user group "All Staff"`) ||
		!strings.Contains(it.Decision.Failure, "Nothing was changed") {
		t.Fatalf("gil: left %v, decision %+v", ha.left, it.Decision)
	}
	// The sentence keeps its message id, so each reviewer reads it in
	// their language, and it is stored that way too.
	if it.Decision.FailureKey != "reviewpage.failure.shared_group" || it.Decision.FailureArgs["Groups"] != `"All Staff"` {
		t.Fatalf("gil: failure sentence %q %v", it.Decision.FailureKey, it.Decision.FailureArgs)
	}
	if stored, err := f.st.ReviewItem(f.ctx, c.ID, gil.Index); err != nil || stored.Decision == nil ||
		stored.Decision.FailureKey != it.Decision.FailureKey || stored.Decision.FailureArgs["Email"] != "gil@example.com" {
		t.Fatalf("stored decision %+v, %v", stored, err)
	}
	if reqs, _ := f.st.List(f.ctx, approvals.ByTarget("gil@example.com"), 10); len(reqs) != 0 {
		t.Fatalf("a request was made for gil: %+v", reqs)
	}
}
