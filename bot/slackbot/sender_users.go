package slackbot

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/chataccess/chataccess/bot"
	"github.com/slack-go/slack"
)

// Who is who: users.info, users.lookupByEmail and user groups.

// LookupUser implements bot.Sender (users.info, scope users:read.email).
// Deactivated users fail with bot.ErrUserNotFound, users without an
// email address (bots, some guests) with bot.ErrNoEmail.
func (s *Sender) LookupUser(ctx context.Context, userID string) (bot.User, error) {
	if u, ok := s.users.get(ctx, userID); ok {
		return u, nil
	}
	var su *slack.User
	err := s.call(ctx, "users.info", func() (err error) {
		su, err = s.api.GetUserInfoContext(ctx, userID)
		return err
	})
	if err != nil {
		return bot.User{}, fmt.Errorf("slack lookup user %s: %w", userID, err)
	}
	u, err := userOf(su, userID)
	if err != nil {
		return bot.User{}, err
	}
	s.users.put(userID, u)
	return u, nil
}

// LookupUserByEmail finds a user by verified email (users.lookupByEmail,
// scope users:read.email).
func (s *Sender) LookupUserByEmail(ctx context.Context, email string) (bot.User, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	key := "email:" + email
	if u, ok := s.users.get(ctx, key); ok {
		return u, nil
	}
	var su *slack.User
	err := s.call(ctx, "users.lookupByEmail", func() (err error) {
		su, err = s.api.GetUserByEmailContext(ctx, email)
		return err
	})
	if err != nil {
		var api *APIError
		if errors.As(err, &api) && api.Code == "users_not_found" {
			return bot.User{}, fmt.Errorf("slack lookup %s: %w", email, bot.ErrUserNotFound)
		}
		return bot.User{}, fmt.Errorf("slack lookup %s: %w", email, err)
	}
	u, err := userOf(su, su.ID)
	if err != nil {
		return bot.User{}, err
	}
	s.users.put(key, u)
	s.users.put(u.ID, u)
	return u, nil
}

// userOf turns a Slack profile into a bot.User, refusing deactivated
// users and users without an email.
func userOf(su *slack.User, userID string) (bot.User, error) {
	if su.Deleted {
		return bot.User{}, fmt.Errorf("slack lookup user %s: deactivated: %w", userID, bot.ErrUserNotFound)
	}
	email := strings.ToLower(strings.TrimSpace(su.Profile.Email))
	if email == "" {
		return bot.User{}, fmt.Errorf("slack lookup user %s: no email in the Slack profile (bot or guest?): %w", userID, bot.ErrNoEmail)
	}
	name := su.Profile.DisplayName
	if name == "" {
		name = su.RealName
	}
	if name == "" {
		name = su.Name
	}
	first, last := profileNames(su)
	return bot.User{Platform: "slack", ID: su.ID, TeamID: su.TeamID, Email: email, Name: name,
		FirstName: first, LastName: last, Locale: su.Locale}, nil
}

// profileNames are the person's first and last name (Adobe needs both
// to create a user): the profile's first_name and last_name when set,
// else the profile's real name split at its first space ("Rita
// Requester" → Rita, Requester). The display name is never split: it is
// often a nickname or lower-case handle ("rita").
func profileNames(su *slack.User) (first, last string) {
	first, last = strings.TrimSpace(su.Profile.FirstName), strings.TrimSpace(su.Profile.LastName)
	if first != "" || last != "" {
		return first, last
	}
	full := strings.TrimSpace(su.Profile.RealName)
	if full == "" {
		full = strings.TrimSpace(su.RealName)
	}
	first, last, _ = strings.Cut(full, " ")
	return first, strings.TrimSpace(last)
}

// GroupMembers implements bot.Sender (usergroups.users.list, scope
// usergroups:read).
func (s *Sender) GroupMembers(ctx context.Context, groupID string) ([]string, error) {
	if m, ok := s.groups.get(ctx, groupID); ok {
		return append([]string(nil), m...), nil
	}
	var members []string
	err := s.call(ctx, "usergroups.users.list", func() (err error) {
		members, err = s.api.GetUserGroupMembersContext(ctx, groupID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("slack group members %s: %w", groupID, err)
	}
	s.groups.put(groupID, members)
	return append([]string(nil), members...), nil
}
