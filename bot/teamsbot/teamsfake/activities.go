package teamsfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Claims returns the claims of a valid Bot Connector token for appID:
// issuer, audience, an hour of validity and the fake's serviceurl.
func (s *Server) Claims(appID string) jwt.MapClaims {
	now := time.Now()
	return jwt.MapClaims{"iss": Issuer, "aud": appID, "exp": now.Add(time.Hour).Unix(), "nbf": now.Add(-time.Minute).Unix(),
		"iat": now.Unix(), "serviceurl": s.ServiceURL()}
}

// Sign signs claims with the msteams key.
func (s *Server) Sign(claims jwt.MapClaims) string { return s.SignWith(KeyTeams, claims) }

// SignWith signs claims RS256 with the key kid (KeyTeams, KeySkype or
// one added by RotateIn), writing kid in the header.
func (s *Server) SignWith(kid string, claims jwt.MapClaims) string {
	s.mu.Lock()
	k, ok := s.keys[kid]
	if !ok {
		k = s.extraKeys[kid]
	}
	s.mu.Unlock()
	if k == nil {
		panic("teamsfake: unknown key " + kid)
	}
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	t.Header["kid"] = kid
	out, err := t.SignedString(k)
	if err != nil {
		panic(err)
	}
	return out
}

// Token is a valid token for appID.
func (s *Server) Token(appID string) string { return s.Sign(s.Claims(appID)) }

var activitySeq atomic.Int64

func nextID() string { return fmt.Sprintf("f:%d-%d", time.Now().UnixNano(), activitySeq.Add(1)) }

// Conversation is where a fake activity happens.
type Conversation struct {
	ID   string
	Type string // personal, groupChat or channel
	Team string // team id of a channel
}

// Activity builds an inbound activity from user in conv, addressed to
// the bot appID.
func (s *Server) Activity(appID string, from User, conv Conversation, typ string) map[string]any {
	a := map[string]any{
		"type": typ, "id": nextID(), "timestamp": time.Now().UTC().Format(time.RFC3339Nano),
		"serviceUrl": s.ServiceURL(), "channelId": "msteams",
		"from":         map[string]any{"id": from.MRI, "name": from.Name, "aadObjectId": from.ObjectID},
		"conversation": map[string]any{"id": conv.ID, "conversationType": orDefault(conv.Type, "personal"), "tenantId": s.cfg.TenantID},
		"recipient":    map[string]any{"id": "28:" + appID, "name": "chataccess"},
		"channelData":  map[string]any{"tenant": map[string]string{"id": s.cfg.TenantID}},
	}
	if conv.Team != "" {
		a["channelData"] = map[string]any{"tenant": map[string]string{"id": s.cfg.TenantID},
			"team": map[string]string{"id": conv.Team}, "channel": map[string]string{"id": conv.ID}}
	}
	return a
}

// Message is a message activity with text. In a channel the bot is
// @mentioned first, as Teams requires.
func (s *Server) Message(appID string, from User, conv Conversation, text string) map[string]any {
	a := s.Activity(appID, from, conv, "message")
	if conv.Type == "channel" {
		mention := "<at>chataccess</at>"
		text = mention + " " + text
		a["entities"] = []any{map[string]any{"type": "mention", "text": mention,
			"mentioned": map[string]string{"id": "28:" + appID, "name": "chataccess"}}}
	}
	a["text"] = text
	a["textFormat"] = "plain"
	return a
}

// Invoke is an invoke activity (adaptiveCard/action, task/fetch,
// task/submit) clicked on the card with activity id replyTo.
func (s *Server) Invoke(appID string, from User, conv Conversation, name string, value any, replyTo string) map[string]any {
	a := s.Activity(appID, from, conv, "invoke")
	a["name"] = name
	a["value"] = value
	if replyTo != "" {
		a["replyToId"] = replyTo
	}
	return a
}

// Execute is the value of an adaptiveCard/action invoke for a button
// with verb and data.
func Execute(verb string, data map[string]any) map[string]any {
	return map[string]any{"action": map[string]any{"type": "Action.Execute", "verb": verb, "data": data}, "trigger": "manual"}
}

// TaskData is the value of a task/fetch or task/submit invoke.
func TaskData(data map[string]any) map[string]any {
	return map[string]any{"data": data, "context": map[string]string{"theme": "default"}}
}

// Request is a signed POST of activity to url (the bot's
// /api/messages); token "" sends no Authorization header.
func Request(url string, activity any, token string) *http.Request {
	body, err := json.Marshal(activity)
	if err != nil {
		panic(err)
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		panic(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
