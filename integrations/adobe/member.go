package adobe

import (
	"context"
	"fmt"
	"strings"

	"github.com/chataccess/chataccess/integrations/failure"
)

// Apply sends one change as its own action call, without batching.
func (c *Client) Apply(ctx context.Context, ch UserChange) (Result, error) {
	cmd := NewCommand(ch.User, ch.RequestID, ch.Add, ch.Remove)
	r, err := c.Action(ctx, []Command{cmd}, ch.TestOnly)
	if err != nil {
		return Result{}, err
	}
	return resultFor(r, 0, ch)
}

// IsMember reads the user and says whether they are a direct member of
// profile. A user Adobe does not know is not a member.
func (c *Client) IsMember(ctx context.Context, email, profile string) (bool, error) {
	u, err := c.GetUser(ctx, email, "")
	if err != nil {
		if failure.ReasonOf(err) == failure.ReasonNotFound {
			return false, nil
		}
		return false, fmt.Errorf("adobe: is %s in %q: %w", email, profile, err)
	}
	return u.InGroup(profile), nil
}

// MemberProfiles returns which of profiles the user is a direct member of
// (for a removal that must cover every Dynamic Chat profile).
func (c *Client) MemberProfiles(ctx context.Context, email string, profiles []string) ([]string, error) {
	u, err := c.GetUser(ctx, email, "")
	if err != nil {
		if failure.ReasonOf(err) == failure.ReasonNotFound {
			return nil, nil
		}
		return nil, err
	}
	var out []string
	for _, p := range profiles {
		if u.InGroup(p) {
			out = append(out, p)
		}
	}
	return out, nil
}

// GroupMembers calls fn for every member of profile, all pages.
func (c *Client) GroupMembers(ctx context.Context, profile string, fn func(User) error) error {
	if strings.TrimSpace(profile) == "" {
		e := newError(opUsers, failure.ReasonInvalid)
		e.Code, e.Message = codeValidation, "empty profile name"
		return e
	}
	return c.EachUser(ctx, profile, fn)
}
