package inventory

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/chataccess/chataccess/integrations/adobe"
	"github.com/chataccess/chataccess/integrations/failure"
	"github.com/chataccess/chataccess/reviews"
	"github.com/chataccess/chataccess/vendormap"
)

// AdobeHolders is the part of *adobe.Client that lists a profile's
// holders with how they hold it, and changes user groups.
type AdobeHolders interface {
	MembersPage(ctx context.Context, group string, page int, directOnly bool) (*adobe.UserPage, error)
	ChangeUserGroup(ctx context.Context, ch adobe.GroupChange, testOnly bool) (*adobe.ActionResult, error)
}

var (
	_ AdobeHolders         = (*adobe.Client)(nil)
	_ reviews.HolderLister = (*Adobe)(nil)
	_ reviews.GroupRemover = (*Adobe)(nil)
)

// ProfileHolders implements reviews.HolderLister: everyone who holds the
// profile, directly or through user groups, in two paged walks of the
// profile (directOnly true, then false: getUsersByGroup.md) and the
// group listing the Resolver keeps, so the reads are pages, never one
// per member: ceil(direct/2000) + ceil(holders/2000) user reads.
//
// UMAPI does not list a user group's product profiles (no read in
// umapi-doc:docs/en/api names them; UNCONFIRMED negative), so the groups
// a holder has it through are inferred: a user group holds the profile
// when every one of its members (memberCount, group.md) is among the
// holders. A holder in several such groups is listed with all of them.
// Without a Client that reads directOnly, or a Resolver, it lists the
// direct members (ProfileMembers).
func (a *Adobe) ProfileHolders(ctx context.Context, profile string, fn func(reviews.Member) error) error {
	hc, ok := a.Client.(AdobeHolders)
	if !ok || a.Resolver == nil {
		return a.ProfileMembers(ctx, profile, fn)
	}
	names, err := a.Resolver.ProfileNames(ctx, []string{profile})
	if err != nil {
		return fmt.Errorf("inventory: profile %q: %w", profile, err)
	}
	profile = names[0]
	direct := map[string]bool{}
	if err := a.walk(ctx, hc, profile, true, func(u adobe.User) error {
		direct[strings.ToLower(u.Email)] = true
		return nil
	}); err != nil {
		return err
	}
	var all []adobe.User
	inGroup := map[string]int{} // holders per group name (NameKey)
	if err := a.walk(ctx, hc, profile, false, func(u adobe.User) error {
		all = append(all, adobe.User{Email: u.Email, FirstName: u.FirstName, LastName: u.LastName, Groups: u.Groups})
		for _, g := range u.Groups {
			inGroup[vendormap.NameKey(g)]++
		}
		return nil
	}); err != nil {
		return err
	}
	groups, err := a.Resolver.UserGroups(ctx)
	if err != nil {
		return fmt.Errorf("inventory: user groups: %w", err)
	}
	for _, u := range all {
		m := reviews.Member{Email: u.Email, FirstName: u.FirstName, LastName: u.LastName, Inherited: !direct[strings.ToLower(u.Email)]}
		for _, g := range u.Groups {
			ug, isGroup := groups[vendormap.NameKey(g)]
			if isGroup && ug.MemberCount > 0 && inGroup[vendormap.NameKey(g)] == ug.MemberCount {
				m.Via = append(m.Via, ug.GroupName)
			}
		}
		if err := fn(m); err != nil {
			return err
		}
	}
	return nil
}

// walk reads every page of a group's members with directOnly, reading a
// page again after a Retry-After (up to MaxWait in all).
func (a *Adobe) walk(ctx context.Context, c AdobeHolders, group string, directOnly bool, fn func(adobe.User) error) error {
	maxWait := a.MaxWait
	if maxWait <= 0 {
		maxWait = time.Hour
	}
	sleep := a.Sleep
	if sleep == nil {
		sleep = failure.Sleep
	}
	var waited time.Duration
	for page := 0; page < maxPages; page++ {
		p, err := c.MembersPage(ctx, group, page, directOnly)
		var fe *failure.Error
		if errors.As(err, &fe) && fe.Reason == failure.ReasonRateLimited && fe.RetryAfter > 0 && waited+fe.RetryAfter <= maxWait {
			waited += fe.RetryAfter
			if err := sleep(ctx, fe.RetryAfter); err != nil {
				return err
			}
			page--
			continue
		}
		if err != nil {
			return fmt.Errorf("inventory: members of %q page %d: %w", group, page, err)
		}
		if p.Info.Current >= 0 && p.Info.Current < page {
			return nil
		}
		for _, u := range p.Users {
			if err := fn(u); err != nil {
				return err
			}
		}
		if p.LastPage || len(p.Users) == 0 || (p.Info.Count >= 0 && page >= p.Info.Count-1) {
			return nil
		}
	}
	return nil
}

// RemoveFromGroup implements reviews.GroupRemover with one user-group
// command (usergroupActionCommands.md: remove user).
func (a *Adobe) RemoveFromGroup(ctx context.Context, group, email, requestID string) error {
	hc, ok := a.Client.(AdobeHolders)
	if !ok {
		return fmt.Errorf("inventory: the Adobe client cannot change user groups")
	}
	_, err := hc.ChangeUserGroup(ctx, adobe.GroupChange{Group: group, RequestID: requestID, RemoveUsers: []string{email}}, false)
	return err
}
