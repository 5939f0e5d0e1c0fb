package teamsbot

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Activity is a Bot Framework activity, inbound or outbound, with the
// fields chataccess reads or writes. Source: Bot Framework Activity
// schema (MicrosoftDocs/bot-docs, rest-api/bot-framework-rest-connector-api-reference)
// and the Teams additions (channelData, aadObjectId).
type Activity struct {
	Type         string          `json:"type"`
	ID           string          `json:"id,omitempty"`
	Name         string          `json:"name,omitempty"`
	Timestamp    string          `json:"timestamp,omitempty"`
	ServiceURL   string          `json:"serviceUrl,omitempty"`
	ChannelID    string          `json:"channelId,omitempty"`
	From         *Account        `json:"from,omitempty"`
	Conversation *Conversation   `json:"conversation,omitempty"`
	Recipient    *Account        `json:"recipient,omitempty"`
	Text         string          `json:"text,omitempty"`
	TextFormat   string          `json:"textFormat,omitempty"`
	Locale       string          `json:"locale,omitempty"`
	Summary      string          `json:"summary,omitempty"`
	Value        json.RawMessage `json:"value,omitempty"`
	ReplyToID    string          `json:"replyToId,omitempty"`
	Action       string          `json:"action,omitempty"`
	Entities     []Entity        `json:"entities,omitempty"`
	ChannelData  *ChannelData    `json:"channelData,omitempty"`
	Attachments  []Attachment    `json:"attachments,omitempty"`
	MembersAdded []Account       `json:"membersAdded,omitempty"`
}

// Account is a user or bot in a conversation. Teams user ids start with
// "29:", bot ids with "28:"; AADObjectID is the Entra ID object id.
type Account struct {
	ID          string `json:"id"`
	Name        string `json:"name,omitempty"`
	AADObjectID string `json:"aadObjectId,omitempty"`
	Role        string `json:"role,omitempty"`
}

// Conversation is where an activity happened: personal, groupChat or
// channel.
type Conversation struct {
	ID               string `json:"id"`
	ConversationType string `json:"conversationType,omitempty"`
	TenantID         string `json:"tenantId,omitempty"`
	IsGroup          bool   `json:"isGroup,omitempty"`
	Name             string `json:"name,omitempty"`
}

// Entity is an activity entity; chataccess reads and writes mentions.
type Entity struct {
	Type      string   `json:"type"`
	Text      string   `json:"text,omitempty"`
	Mentioned *Account `json:"mentioned,omitempty"`
}

// ChannelData is Teams' channelData: tenant, team and channel.
type ChannelData struct {
	Tenant  *IDName `json:"tenant,omitempty"`
	Team    *IDName `json:"team,omitempty"`
	Channel *IDName `json:"channel,omitempty"`
}

// IDName is an id with an optional display name.
type IDName struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// Attachment carries an Adaptive Card in a message.
type Attachment struct {
	ContentType string `json:"contentType"`
	Content     any    `json:"content,omitempty"`
}

// Activity types and invoke names chataccess handles.
const (
	typeMessage            = "message"
	typeInvoke             = "invoke"
	typeConversationUpdate = "conversationUpdate"
	typeInstallationUpdate = "installationUpdate"

	invokeAction     = "adaptiveCard/action"
	invokeTaskFetch  = "task/fetch"
	invokeTaskSubmit = "task/submit"

	contentTypeCard = "application/vnd.microsoft.card.adaptive"
)

// Limits of what ParseActivity accepts. Teams ids are a few hundred
// characters at most; anything longer is not a real activity.
const (
	maxIDLen   = 1024
	maxTextLen = 28 << 10 // Teams message text limit is about 28 KB
)

// ErrMalformed says a request body is not a usable activity.
var ErrMalformed = errors.New("malformed activity")

// ParseActivity decodes and checks an inbound activity: a JSON object
// with a type, an id, an absolute http(s) serviceUrl, a channelId, a
// conversation id and a sender, every id of bounded length. It never
// returns a partly checked activity.
func ParseActivity(body []byte) (*Activity, error) {
	if !utf8.Valid(body) {
		return nil, fmt.Errorf("%w: not UTF-8", ErrMalformed)
	}
	var a Activity
	if err := json.Unmarshal(body, &a); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, jsonReason(err))
	}
	if err := a.check(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return &a, nil
}

func jsonReason(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("JSON syntax error at byte %d", se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("field %q has the wrong type", te.Field)
	}
	return "not a JSON object"
}

func (a *Activity) check() error {
	switch {
	case a.Type == "" || len(a.Type) > 64:
		return errors.New("no type")
	case a.ID == "" || len(a.ID) > maxIDLen:
		return errors.New("no id")
	case a.ChannelID == "" || len(a.ChannelID) > 64:
		return errors.New("no channelId")
	case a.Conversation == nil || a.Conversation.ID == "" || len(a.Conversation.ID) > maxIDLen:
		return errors.New("no conversation id")
	case a.From == nil || a.From.ID == "" || len(a.From.ID) > maxIDLen || len(a.From.AADObjectID) > 64:
		return errors.New("no sender")
	case len(a.Name) > 64 || len(a.ReplyToID) > maxIDLen || len(a.Text) > maxTextLen || len(a.Locale) > 35:
		return errors.New("a field is too long")
	}
	if _, err := serviceURL(a.ServiceURL); err != nil {
		return err
	}
	return nil
}

// serviceURL checks a serviceUrl and returns it with one trailing slash.
func serviceURL(s string) (string, error) {
	if s == "" || len(s) > 512 {
		return "", errors.New("no serviceUrl")
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", errors.New("serviceUrl is not an absolute http(s) URL")
	}
	return strings.TrimRight(s, "/") + "/", nil
}

// tenant is the tenant id of an activity: channelData.tenant.id, which
// Teams always sets, else conversation.tenantId.
func (a *Activity) tenant() string {
	if a.ChannelData != nil && a.ChannelData.Tenant != nil && a.ChannelData.Tenant.ID != "" {
		return a.ChannelData.Tenant.ID
	}
	if a.Conversation != nil {
		return a.Conversation.TenantID
	}
	return ""
}

// personal reports whether the activity is in a 1:1 chat with the bot.
func (a *Activity) personal() bool {
	return a.Conversation != nil && (a.Conversation.ConversationType == "personal" ||
		(a.Conversation.ConversationType == "" && !a.Conversation.IsGroup))
}
