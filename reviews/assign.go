package reviews

import (
	"context"
	"fmt"
	"strings"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/internal/logging"
)

// assign resolves the reviewers of each package and assigns every item
// to them, leaving out the holder: nobody reviews their own access.
// An item whose only reviewer is its holder goes to the admins (minus
// the holder); when nobody is left its Assignees stay empty and any
// admin other than the holder may decide it.
func (r *Reviews) assign(ctx context.Context, c *Campaign, packages []*approvals.Package, override approvals.Audience, items []Item) error {
	byPkg := map[string][]int{}
	for _, p := range packages {
		aud := override
		if aud.Empty() {
			aud = p.Approvers
		}
		idx, err := r.resolveInto(ctx, c, aud)
		if err != nil {
			return fmt.Errorf("review reviewers of %s: %w", p.Name, err)
		}
		byPkg[p.Name] = idx
	}
	var admins []int
	adminsDone := false
	for i := range items {
		it := &items[i]
		it.Assignees = others(c, byPkg[it.Package], it.Email)
		if len(it.Assignees) > 0 {
			continue
		}
		if !adminsDone {
			var err error
			if admins, err = r.resolveInto(ctx, c, r.access.Policy().Admins); err != nil {
				return fmt.Errorf("review admins: %w", err)
			}
			adminsDone = true
		}
		it.Assignees = others(c, admins, it.Email)
	}
	return nil
}

// others returns the reviewer indexes that are not the holder.
func others(c *Campaign, idx []int, holder string) []int {
	out := make([]int, 0, len(idx))
	for _, i := range idx {
		if !isHolder(c.Reviewers[i], holder) {
			out = append(out, i)
		}
	}
	return out
}

func isHolder(a approvals.Actor, holder string) bool {
	return a.Email != "" && strings.EqualFold(a.Email, holder)
}

// resolveInto resolves an audience to people, adds new ones to
// c.Reviewers and returns their indexes. People without a verified
// email are left out: without it self-review cannot be ruled out.
func (r *Reviews) resolveInto(ctx context.Context, c *Campaign, a approvals.Audience) ([]int, error) {
	people, err := r.notify.Resolve(ctx, a)
	if err != nil {
		return nil, err
	}
	var out []int
	for _, p := range people {
		if p.Email == "" {
			r.log.Warn().Str(logging.User, p.ID).Msg("reviewer without email left out")
			continue
		}
		p = stripGroups(p)
		p.Email = strings.ToLower(p.Email)
		at := -1
		for i, have := range c.Reviewers {
			if have.Same(p) {
				at = i
				break
			}
		}
		if at < 0 {
			c.Reviewers = append(c.Reviewers, p)
			at = len(c.Reviewers) - 1
		}
		dup := false
		for _, i := range out {
			dup = dup || i == at
		}
		if !dup {
			out = append(out, at)
		}
	}
	return out, nil
}

// reviewerIndex returns the index of the actor in c.Reviewers, or -1.
func reviewerIndex(c *Campaign, a approvals.Actor) int {
	for i, rv := range c.Reviewers {
		if rv.Same(a) {
			return i
		}
	}
	return -1
}
