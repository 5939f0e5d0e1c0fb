package reviews

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/internal/logging"
)

// Inherited access: a person holds Dynamic Chat when a user group they
// are in holds the profile (umapi-doc:docs/en/api/usergroupActionCommands.md),
// and a listing of the profile's direct members does not show them.
// Reviews list every holder with how they hold the access: directly,
// through which user group, and (the item's grant) through the ledger.

// HolderLister is the optional part of an Adobe port that lists every
// holder of a profile, direct or through user groups, each with how they
// hold it. Without it reviews see direct members only.
type HolderLister interface {
	ProfileHolders(ctx context.Context, profile string, fn func(Member) error) error
}

// GroupRemover is the optional part of an Adobe port that takes a person
// out of a user group (a revoke of access inherited through a group used
// for Dynamic Chat only).
type GroupRemover interface {
	RemoveFromGroup(ctx context.Context, group, email, requestID string) error
}

// eachHolder lists a profile's holders through the Adobe port: every
// holder when it can say how (HolderLister), else the direct members.
func (r *Reviews) eachHolder(ctx context.Context, profile string, fn func(Member) error) error {
	if hl, ok := r.adobe.(HolderLister); ok {
		return hl.ProfileHolders(ctx, profile, fn)
	}
	return r.adobe.ProfileMembers(ctx, profile, fn)
}

// holdings joins how one person holds a package's profiles.
type holdings map[string]*holding

type holding struct {
	direct bool
	via    []string
}

func (h holdings) add(m Member) {
	x := h[m.Email]
	if x == nil {
		x = &holding{}
		h[m.Email] = x
	}
	if !m.Inherited {
		x.direct = true
	}
	for _, g := range m.Via {
		if !slices.Contains(x.via, g) {
			x.via = append(x.via, g)
		}
	}
	slices.Sort(x.via)
}

func (h holdings) via(email string) []string {
	if x := h[email]; x != nil {
		return x.via
	}
	return nil
}

func (h holdings) inheritedOnly(email string) bool {
	x := h[email]
	return x != nil && !x.direct
}

// dynamicChatOnly says whether every group is one the policy marks as
// used for Dynamic Chat only.
func (r *Reviews) dynamicChatOnly(groups []string) bool {
	if len(groups) == 0 {
		return false
	}
	for _, g := range groups {
		if !slices.ContainsFunc(r.dcGroups, func(d string) bool { return strings.EqualFold(strings.TrimSpace(d), strings.TrimSpace(g)) }) {
			return false
		}
	}
	return true
}

// revokeInherited handles a revoke of access the person holds only
// through user groups. Groups used for Dynamic Chat only (policy) are
// left by the person; the removal request that follows takes the
// Marketo role. Any other group is never edited: the decision records
// which group an admin must change, and nothing is changed. done says
// the caller should go on with the removal request.
func (r *Reviews) revokeInherited(ctx context.Context, c *Campaign, it *Item) (failure approvals.Sentence, done bool) {
	groups := quoteAll(it.Via)
	who := map[string]string{"Email": it.Email, "Package": it.Package}
	gr, ok := r.adobe.(GroupRemover)
	if !ok || !r.dynamicChatOnly(it.Via) {
		if len(it.Via) == 0 {
			return approvals.Say(it.Email+" holds "+it.Package+" through a user group the Admin Console did not name; an admin must find and change that group. Nothing was changed.",
				"reviewpage.failure.unnamed_group", who), false
		}
		who["Groups"] = groups
		return approvals.Say(fmt.Sprintf("%s holds %s through user group %s, which is not marked as used for Dynamic Chat only; "+
			"an admin must remove them from that group, or take the profile off the group, in the Admin Console. Nothing was changed.",
			it.Email, it.Package, groups), "reviewpage.failure.shared_group", who), false
	}
	for _, g := range it.Via {
		ref := fmt.Sprintf("%s/%d", c.ID, it.Index)
		if err := gr.RemoveFromGroup(ctx, g, it.Email, ref); err != nil {
			r.log.Error().Err(err).Str(logging.ReviewID, c.ID).Int(logging.Item, it.Index).Str("group", g).Msg("review revoke: leave group")
			cause := errSentence(err, 200)
			args := cause.Nest("Cause", map[string]string{"Email": it.Email, "Group": strconv.Quote(g)})
			return approvals.Say(fmt.Sprintf("%s could not be removed from user group %s: %s", it.Email, strconv.Quote(g), cause.Text),
				"reviewpage.failure.leave_group", args), false
		}
	}
	return approvals.Sentence{}, true
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}
