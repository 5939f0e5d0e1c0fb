package teamsbot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/chataccess/chataccess/bot"
)

// People. The Bot Connector's member API gives a person's email, UPN
// and Entra object id: GET {serviceUrl}/v3/conversations/{id}/members/{user}
// and the paged list …/pagedmembers (the unpaged list is throttled).
// Source: the project's Teams reference §3.4. A person's chataccess id
// is their Entra object id.

const (
	userCacheTTL   = 5 * time.Minute
	maxMemberPages = 20
	memberPageSize = 500
	maxGraphPages  = 50
)

// member is a TeamsChannelAccount.
type member struct {
	ID                string `json:"id"`
	Name              string `json:"name"`
	AADObjectID       string `json:"aadObjectId"`
	Email             string `json:"email"`
	UserPrincipalName string `json:"userPrincipalName"`
	GivenName         string `json:"givenName"`
	Surname           string `json:"surname"`
	TenantID          string `json:"tenantId"`
	UserRole          string `json:"userRole"`
}

func (m member) person(service, conversation string, now time.Time) Person {
	return Person{ObjectID: strings.ToLower(m.AADObjectID), MRI: m.ID, Name: inert(m.Name),
		Email: strings.ToLower(strings.TrimSpace(m.Email)), UPN: strings.ToLower(strings.TrimSpace(m.UserPrincipalName)),
		Given: inert(m.GivenName), Surname: inert(m.Surname), TenantID: m.TenantID,
		ServiceURL: service, Conversation: conversation, Checked: now.Unix()}
}

// user turns a person into a bot.User, refusing people without an
// email address (guests without one, bots).
func (p Person) user() (bot.User, error) {
	email := p.Email
	if email == "" && strings.Contains(p.UPN, "@") && !strings.Contains(p.UPN, "#ext#") {
		email = p.UPN
	}
	id := orStr(p.ObjectID, p.MRI)
	if email == "" {
		return bot.User{}, fmt.Errorf("teams lookup user %s: no email or UPN in the Teams profile: %w", id, bot.ErrNoEmail)
	}
	return bot.User{Platform: bot.Teams, ID: id, TeamID: p.TenantID, Email: email, Name: orStr(p.Name, email),
		FirstName: p.Given, LastName: p.Surname, Locale: p.Locale}, nil
}

// LookupUser implements bot.Sender: id is an Entra object id or a Teams
// user id. Answers are kept in Memory for 5 minutes, unless ctx is
// bot.Fresh.
func (s *Sender) LookupUser(ctx context.Context, userID string) (bot.User, error) {
	p, found, err := s.mem.person(ctx, userID)
	if err != nil {
		return bot.User{}, fmt.Errorf("teams lookup user %s: %w", userID, err)
	}
	now := s.cfg.Now()
	if found && p.Email != "" && !bot.IsFresh(ctx) && now.Sub(time.Unix(p.Checked, 0)) < userCacheTTL {
		return p.user()
	}
	memberID := userID
	if found && p.MRI != "" {
		memberID = p.MRI
	}
	var lastErr error = bot.ErrUserNotFound
	for _, conv := range s.searchIn(ctx, p) {
		var m member
		u := conv.service + "v3/conversations/" + url.PathEscape(conv.id) + "/members/" + url.PathEscape(memberID)
		err := s.api.do(ctx, s.bot, "get_member", http.MethodGet, u, nil, &m)
		if errors.Is(err, bot.ErrNotFound) {
			continue
		}
		if err != nil {
			lastErr = err
			continue
		}
		next := m.person(conv.service, conv.id, now)
		next.Personal, next.Locale = p.Personal, p.Locale
		if err := s.mem.savePerson(ctx, next); err != nil {
			s.log.Warn().Err(err).Msg("remember person")
		}
		return next.user()
	}
	return bot.User{}, fmt.Errorf("teams lookup user %s: %w", userID, lastErr)
}

type convAt struct{ service, id string }

// searchIn lists the conversations to look a person up in: their last
// one, then the configured channels.
func (s *Sender) searchIn(ctx context.Context, p Person) []convAt {
	var out []convAt
	if p.Conversation != "" && p.ServiceURL != "" {
		out = append(out, convAt{p.ServiceURL, p.Conversation})
	}
	for _, c := range s.cfg.Conversations {
		if !slices.ContainsFunc(out, func(x convAt) bool { return x.id == c }) {
			out = append(out, convAt{s.serviceFor(ctx, c), c})
		}
	}
	return out
}

// LookupUserByEmail implements bot.Sender: a person met before is found
// through Memory; anyone else is searched in the configured channels'
// member lists (email or UPN).
func (s *Sender) LookupUserByEmail(ctx context.Context, email string) (bot.User, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	var id string
	found, err := s.mem.get(ctx, kindEmail, email, &id)
	if err != nil {
		return bot.User{}, fmt.Errorf("teams lookup %s: %w", email, err)
	}
	if found {
		u, err := s.LookupUser(ctx, id)
		if err == nil && strings.EqualFold(u.Email, email) {
			return u, nil
		}
	}
	for _, conv := range s.searchIn(ctx, Person{}) {
		p, ok, err := s.scanMembers(ctx, conv, email)
		if err != nil {
			return bot.User{}, fmt.Errorf("teams lookup %s: %w", email, err)
		}
		if ok {
			return p.user()
		}
	}
	return bot.User{}, fmt.Errorf("teams lookup %s: %w", email, bot.ErrUserNotFound)
}

// scanMembers pages through a conversation's members for an email or UPN.
func (s *Sender) scanMembers(ctx context.Context, conv convAt, email string) (Person, bool, error) {
	token := ""
	for page := 0; page < maxMemberPages; page++ {
		q := url.Values{"pageSize": {fmt.Sprint(memberPageSize)}}
		if token != "" {
			q.Set("continuationToken", token)
		}
		var got struct {
			ContinuationToken string   `json:"continuationToken"`
			Members           []member `json:"members"`
		}
		u := conv.service + "v3/conversations/" + url.PathEscape(conv.id) + "/pagedmembers?" + q.Encode()
		err := s.api.do(ctx, s.bot, "get_paged_members", http.MethodGet, u, nil, &got)
		if errors.Is(err, bot.ErrNotFound) {
			return Person{}, false, nil
		}
		if err != nil {
			return Person{}, false, err
		}
		for _, m := range got.Members {
			if strings.EqualFold(m.Email, email) || strings.EqualFold(m.UserPrincipalName, email) {
				p := m.person(conv.service, conv.id, s.cfg.Now())
				if err := s.mem.savePerson(ctx, p); err != nil {
					s.log.Warn().Err(err).Msg("remember person")
				}
				return p, true, nil
			}
		}
		if token = got.ContinuationToken; token == "" {
			break
		}
	}
	return Person{}, false, nil
}

// GroupMembers implements bot.Sender: the Entra object ids of a group's
// users, nested groups included, through Microsoft Graph
// (GET /v1.0/groups/{id}/transitiveMembers/microsoft.graph.user, needs
// GroupMember.Read.All). Without Graph every group is unknown
// (bot.ErrNotFound), so it grants nothing.
func (s *Sender) GroupMembers(ctx context.Context, groupID string) ([]string, error) {
	if s.graph == nil {
		return nil, fmt.Errorf("teams group %s: Microsoft Graph groups are not enabled: %w", groupID, bot.ErrNotFound)
	}
	if !isObjectID(groupID) {
		return nil, fmt.Errorf("teams group %s: not an Entra object id: %w", groupID, bot.ErrNotFound)
	}
	key := strings.ToLower(groupID)
	if m, ok := s.groups.get(key); ok && !bot.IsFresh(ctx) {
		return slices.Clone(m), nil
	}
	next := s.cfg.GraphURL + "/v1.0/groups/" + key + "/transitiveMembers/microsoft.graph.user?$select=id&$top=999"
	var out []string
	for page := 0; next != "" && page < maxGraphPages; page++ {
		if !strings.HasPrefix(next, s.cfg.GraphURL+"/") {
			return nil, fmt.Errorf("teams group %s: next page is not on Microsoft Graph", groupID)
		}
		var got struct {
			Value []struct {
				ID string `json:"id"`
			} `json:"value"`
			Next string `json:"@odata.nextLink"`
		}
		if err := s.api.do(ctx, s.graph, "graph_group_members", http.MethodGet, next, nil, &got); err != nil {
			return nil, fmt.Errorf("teams group %s: %w", groupID, err)
		}
		for _, v := range got.Value {
			out = append(out, strings.ToLower(v.ID))
		}
		next = got.Next
	}
	s.groups.put(key, out)
	return slices.Clone(out), nil
}

// ttlCache keeps group member lists for a short time.
type ttlCache struct {
	ttl time.Duration
	mu  sync.Mutex
	m   map[string]ttlEntry
}

type ttlEntry struct {
	v   []string
	exp time.Time
}

func newTTLCache(ttl time.Duration) ttlCache { return ttlCache{ttl: ttl, m: map[string]ttlEntry{}} }

func (c *ttlCache) get(k string) ([]string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok || time.Now().After(e.exp) {
		return nil, false
	}
	return e.v, true
}

func (c *ttlCache) put(k string, v []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) > 1000 {
		c.m = map[string]ttlEntry{}
	}
	c.m[k] = ttlEntry{v: v, exp: time.Now().Add(c.ttl)}
}
