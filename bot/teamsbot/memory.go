package teamsbot

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Claimer records one-time claims that expire after ttl; the first
// caller of a name gets true, every later one false until it expires.
// The store's Claim satisfies it (the key is built there).
type Claimer interface {
	Claim(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
}

// Memory is the adapter's durable memory, shared by every replica so
// any of them can post, update or refresh any card: conversation
// references, the people it has met, open dialogs and the current card
// of each posted message. Documents are opaque JSON owned by this
// package; the store keeps them under its own key names.
//
// SaveTeamsDoc stores doc under (kind, key), replacing what was there,
// for ttl (0 keeps it). TeamsDoc returns the document, or nil and no
// error when there is none.
type Memory interface {
	SaveTeamsDoc(ctx context.Context, kind, key string, doc []byte, ttl time.Duration) error
	TeamsDoc(ctx context.Context, kind, key string) ([]byte, error)
}

// Document kinds and how long each is kept.
const (
	kindConversation = "conv"  // conversation id → ConversationRef
	kindUser         = "user"  // Entra object id or 29: id → Person
	kindEmail        = "email" // lower-case email → Entra object id
	kindDialog       = "dlg"   // dialog id → dialogState
	kindCard         = "card"  // conversation id + activity id → current card
	kindHome         = "home"  // Entra object id → the Home message ref

	conversationTTL = 400 * 24 * time.Hour
	userTTL         = 400 * 24 * time.Hour
	dialogTTL       = 24 * time.Hour
	cardTTL         = 120 * 24 * time.Hour
)

// ConversationRef is what a proactive message needs: the service URL
// and conversation id, and the tenant. It is refreshed from every
// inbound activity, because the service URL can change.
type ConversationRef struct {
	ServiceURL string `json:"service_url"`
	ID         string `json:"id"`
	TenantID   string `json:"tenant_id,omitempty"`
	Type       string `json:"type,omitempty"` // personal, groupChat, channel
	TeamID     string `json:"team_id,omitempty"`
	At         int64  `json:"at"` // unix seconds of the activity it came from
}

// Person is a Teams user as the adapter knows them.
type Person struct {
	// ObjectID is the Entra ID object id, the user id chataccess uses
	// (policies name people as teams:<object id>).
	ObjectID string `json:"object_id"`
	// MRI is the Teams user id ("29:…"), needed for personal chats.
	MRI      string `json:"mri,omitempty"`
	Name     string `json:"name,omitempty"`
	Email    string `json:"email,omitempty"`
	UPN      string `json:"upn,omitempty"`
	Given    string `json:"given,omitempty"`
	Surname  string `json:"surname,omitempty"`
	TenantID string `json:"tenant_id,omitempty"`
	// Locale is the language the person's Teams client last said ("en-US").
	Locale string `json:"locale,omitempty"`
	// ServiceURL and Conversation are the last conversation the person
	// was seen in (for member look-ups); Personal is their 1:1 chat with
	// the bot once known.
	ServiceURL   string `json:"service_url,omitempty"`
	Conversation string `json:"conversation,omitempty"`
	Personal     string `json:"personal,omitempty"`
	// Checked is when Email was last read from Teams (unix seconds).
	Checked int64 `json:"checked,omitempty"`
}

// keptCard is the current card of a posted message, and what kind of
// message holds it.
type keptCard struct {
	Card *card `json:"card"`
	// Private marks a reply meant for its reader only (Teams has no
	// ephemeral messages): chataccess records no ref for it, so a click
	// on it is checked against the card alone.
	Private bool `json:"private,omitempty"`
	// Home is the Home's callback id when the message is someone's Home.
	Home string `json:"home,omitempty"`
}

// memo wraps Memory with typed documents.
type memo struct{ m Memory }

func (m memo) put(ctx context.Context, kind, key string, v any, ttl time.Duration) error {
	if m.m == nil {
		return nil
	}
	doc, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("teams memory: encode %s: %w", kind, err)
	}
	if err := m.m.SaveTeamsDoc(ctx, kind, key, doc, ttl); err != nil {
		return fmt.Errorf("teams memory: save %s: %w", kind, err)
	}
	return nil
}

// get fills v and reports whether a document was there.
func (m memo) get(ctx context.Context, kind, key string, v any) (bool, error) {
	if m.m == nil {
		return false, nil
	}
	doc, err := m.m.TeamsDoc(ctx, kind, key)
	if err != nil {
		return false, fmt.Errorf("teams memory: read %s: %w", kind, err)
	}
	if doc == nil {
		return false, nil
	}
	if err := json.Unmarshal(doc, v); err != nil {
		return false, fmt.Errorf("teams memory: decode %s: %w", kind, err)
	}
	return true, nil
}

func (m memo) conversation(ctx context.Context, id string) (ConversationRef, bool, error) {
	var c ConversationRef
	ok, err := m.get(ctx, kindConversation, id, &c)
	return c, ok, err
}

func (m memo) person(ctx context.Context, id string) (Person, bool, error) {
	var p Person
	ok, err := m.get(ctx, kindUser, userKey(id), &p)
	return p, ok, err
}

// savePerson stores p under its object id (and its 29: id when it has
// no object id), and its email index.
func (m memo) savePerson(ctx context.Context, p Person) error {
	key := p.ObjectID
	if key == "" {
		key = p.MRI
	}
	if err := m.put(ctx, kindUser, userKey(key), p, userTTL); err != nil {
		return err
	}
	for _, e := range []string{p.Email, p.UPN} {
		if e = strings.ToLower(strings.TrimSpace(e)); e != "" && key != "" {
			if err := m.put(ctx, kindEmail, e, key, userTTL); err != nil {
				return err
			}
		}
	}
	return nil
}

// userKey normalises a user id: object ids are GUIDs, compared lower-case.
func userKey(id string) string {
	if isObjectID(id) {
		return strings.ToLower(id)
	}
	return id
}

// cardKey names the current card of a posted message.
func cardKey(conversation, activity string) string { return conversation + "|" + activity }
