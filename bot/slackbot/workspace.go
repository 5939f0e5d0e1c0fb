package slackbot

import (
	"context"
	"fmt"
	"strings"

	"github.com/slack-go/slack"
)

// Reading the workspace, for `chataccess check` and readiness: who the
// bot token is, which scopes it has, the channels and user groups the
// policy names.

// Scope is a bot scope manifest.yaml asks for and what needs it.
// CheckOnly scopes are used by `chataccess check` alone: the bot serves
// without them.
type Scope struct {
	Name, For string
	CheckOnly bool
}

// Scopes are the bot scopes of manifest.yaml, in its order.
var Scopes = []Scope{
	{Name: "commands", For: "the /dynchat slash command"},
	{Name: "chat:write", For: "approval cards, their updates, thread replies and ephemeral messages"},
	{Name: "im:write", For: "direct messages to approvers and requesters (conversations.open)"},
	{Name: "users:read", For: "who clicked or typed (users.info)"},
	{Name: "users:read.email", For: "the verified email of requesters and approvers"},
	{Name: "usergroups:read", For: "approvers and requesters named by user group"},
	{Name: "channels:read", For: "checking that the bot is in each public channel", CheckOnly: true},
	{Name: "groups:read", For: "checking that the bot is in each private channel", CheckOnly: true},
}

// BotIdentity is what auth.test says of the bot token.
type BotIdentity struct {
	UserID, User, TeamID, Team, URL string
	// Scopes are the token's OAuth scopes, from the x-oauth-scopes
	// header Slack adds to every Web API answer.
	Scopes []string
}

// AuthTest calls auth.test: an error when the token is wrong, revoked or
// Slack cannot be reached.
func (s *Sender) AuthTest(ctx context.Context) (BotIdentity, error) {
	var res *slack.AuthTestResponse
	err := s.call(ctx, "auth.test", func() (err error) {
		res, err = s.api.AuthTestContext(ctx)
		return err
	})
	if err != nil {
		return BotIdentity{}, fmt.Errorf("slack auth.test: %w", err)
	}
	id := BotIdentity{UserID: res.UserID, User: res.User, TeamID: res.TeamID, Team: res.Team, URL: res.URL}
	for _, sc := range strings.Split(res.Header.Get("X-OAuth-Scopes"), ",") {
		if sc = strings.TrimSpace(sc); sc != "" {
			id.Scopes = append(id.Scopes, sc)
		}
	}
	return id, nil
}

// ChannelInfo is what conversations.info says of a channel.
type ChannelInfo struct {
	ID, Name                  string
	Private, Member, Archived bool
}

// ConversationInfo calls conversations.info (scope channels:read for
// public channels, groups:read for private ones; a private channel the
// bot is not in answers channel_not_found).
func (s *Sender) ConversationInfo(ctx context.Context, channel string) (ChannelInfo, error) {
	var ch *slack.Channel
	err := s.call(ctx, "conversations.info", func() (err error) {
		ch, err = s.api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: channel})
		return err
	})
	if err != nil {
		return ChannelInfo{}, fmt.Errorf("slack conversations.info %s: %w", channel, err)
	}
	return ChannelInfo{ID: ch.ID, Name: ch.Name, Private: ch.IsPrivate, Member: ch.IsMember, Archived: ch.IsArchived}, nil
}

// UserGroup is one entry of usergroups.list.
type UserGroup struct {
	ID, Handle, Name string
	Disabled         bool
	Users            int
}

// UserGroups lists the workspace's user groups, disabled ones included
// (usergroups.list, scope usergroups:read).
func (s *Sender) UserGroups(ctx context.Context) ([]UserGroup, error) {
	var gs []slack.UserGroup
	err := s.call(ctx, "usergroups.list", func() (err error) {
		gs, err = s.api.GetUserGroupsContext(ctx, slack.GetUserGroupsOptionIncludeDisabled(true), slack.GetUserGroupsOptionIncludeCount(true))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("slack usergroups.list: %w", err)
	}
	out := make([]UserGroup, 0, len(gs))
	for _, g := range gs {
		out = append(out, UserGroup{ID: g.ID, Handle: g.Handle, Name: g.Name, Disabled: g.DateDelete.Time().Unix() > 0, Users: g.UserCount})
	}
	return out, nil
}
