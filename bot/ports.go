package bot

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// MessageRef names a posted message so it can be updated or replied to.
// Store it as is; only the adapter that made it reads its fields.
type MessageRef struct {
	// Platform is the platform that posted the message.
	Platform Platform `json:"platform"`
	// Channel is the conversation id.
	Channel string `json:"channel"`
	// ID is the message id (Slack "ts").
	ID string `json:"id"`
	// Thread is the id of the thread's parent when the message is a reply.
	Thread string `json:"thread,omitempty"`
}

// IsZero reports whether the ref names nothing.
func (r MessageRef) IsZero() bool { return r.Channel == "" || r.ID == "" }

// User is a chat user. Inbound requests carry only ID, Name and
// Platform; Sender.LookupUser adds the verified Email, and
// ResolveGroups fills Groups.
type User struct {
	Platform Platform
	// ID is the platform user id (Slack "U123ABC").
	ID string
	// TeamID is the workspace (Slack "T123").
	TeamID string
	// Email is the verified profile email, lower-cased; empty until looked up.
	Email string
	// Name is the display name.
	Name string
	// FirstName and LastName come from the platform profile when it has
	// them (Adobe needs both to create a user).
	FirstName string
	LastName  string
	// Groups are the platform user group ids the user is known to be in.
	Groups []string
	// Locale is the language the person reads the platform in, as the
	// platform says it ("fr-FR", "en-US"); empty when it did not say.
	Locale string
}

// Sender is the outbound port: everything the rest of chataccess does to
// a chat platform. Every method takes ctx first; errors wrap the
// sentinel errors below where they apply (errors.Is), and rate limits
// that the adapter will not wait out come back as *RateLimitError.
type Sender interface {
	// Post posts m to a channel (in m.Thread when set) and returns its ref.
	Post(ctx context.Context, channel string, m Message) (MessageRef, error)
	// Update replaces the message at ref with m.
	Update(ctx context.Context, ref MessageRef, m Message) error
	// Reply posts m in the thread of parent.
	Reply(ctx context.Context, parent MessageRef, m Message) (MessageRef, error)
	// DM sends m to the user in a direct conversation with the bot.
	DM(ctx context.Context, userID string, m Message) (MessageRef, error)
	// Ephemeral shows m to one user in a channel, only to them.
	Ephemeral(ctx context.Context, channel, userID string, m Message) error
	// OpenModal opens a modal. triggerID comes from the inbound request
	// and is only valid for a few seconds (Slack: 3 s, once), so call
	// it inside the request; a handler usually returns the modal in its
	// reply instead.
	OpenModal(ctx context.Context, triggerID string, m Modal) error
	// PublishHome sets the user's App Home tab.
	PublishHome(ctx context.Context, userID string, h Home) error
	// LookupUser returns the user with verified email. It fails with
	// ErrUserNotFound for unknown or deactivated users and ErrNoEmail
	// for users (bots, guests) without an email address.
	LookupUser(ctx context.Context, userID string) (User, error)
	// LookupUserByEmail finds the platform user with this verified email
	// (to reach approvers named by email). Errors as LookupUser.
	LookupUserByEmail(ctx context.Context, email string) (User, error)
	// GroupMembers returns the user ids in a platform user group.
	GroupMembers(ctx context.Context, groupID string) ([]string, error)
}

// Phrases are the few sentences and words a platform adapter says on
// its own — when the handler failed or its answer could not be shown,
// or when a message had to be shortened to fit — in a person's or a
// message's language. The i18n catalog satisfies it; nil means English.
type Phrases interface {
	// Phrase is message id in the language of locale ("fr-FR", "fr";
	// "" or one without a catalog: the default language).
	Phrase(locale, id string) string
	// PhraseN is message id in the plural form the language of locale
	// uses for n, which the message writes as {{.Count}}.
	PhraseN(locale, id string, n int) string
}

// Say is message id of p in the language of locale, or english when p
// is nil.
func Say(p Phrases, locale, id, english string) string {
	if p == nil {
		return english
	}
	return p.Phrase(locale, id)
}

// SayN is Say in the plural form for n.
func SayN(p Phrases, locale, id string, n int, english string) string {
	if p == nil {
		return english
	}
	return p.PhraseN(locale, id, n)
}

// Sentinel errors of the ports; match with errors.Is.
var (
	ErrNoEmail        = errors.New("user has no email address")
	ErrUserNotFound   = errors.New("user not found")
	ErrNotFound       = errors.New("channel, message or user group not found")
	ErrTriggerExpired = errors.New("trigger id expired or already used")
	ErrRateLimited    = errors.New("rate limited")
	ErrInvalidContent = errors.New("content breaks a platform limit")
	// ErrPermanent marks a refusal that repeating the call cannot change
	// (a deactivated user, a revoked token, a missing scope): skip that
	// recipient and tell a person. ErrNotFound, ErrUserNotFound,
	// ErrNoEmail and ErrInvalidContent are permanent too.
	ErrPermanent = errors.New("refused for good")
	// ErrTransient marks a failure that may pass (an outage, a timeout,
	// a rate limit): try again later, a bounded number of times. An error
	// that is neither permanent nor transient is unknown: retry it a few
	// times too, then hand it to a person.
	ErrTransient = errors.New("temporary failure")
)

// RateLimitError says the platform asked to wait longer than the adapter
// waits inline. Reschedule the work RetryAfter from now (for example by
// returning it to the queue); do not sleep in a request handler.
type RateLimitError struct {
	Method     string
	RetryAfter time.Duration
}

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("%s: rate limited, retry after %s", e.Method, e.RetryAfter)
}

// Is makes errors.Is(err, ErrRateLimited) and errors.Is(err,
// ErrTransient) true.
func (e *RateLimitError) Is(target error) bool {
	return target == ErrRateLimited || target == ErrTransient
}

// ResolveGroups returns u with Groups set to those of candidates that
// have u as a member, asking s for each group's members. Use it with the
// approver groups of a package before an authorisation check.
func ResolveGroups(ctx context.Context, s Sender, u User, candidates []string) (User, error) {
	u.Groups = nil
	for _, g := range candidates {
		members, err := s.GroupMembers(ctx, g)
		if errors.Is(err, ErrNotFound) {
			// A group the policy names but the platform does not have
			// (deleted, mistyped) has no members; it must not lock
			// everyone out. `chataccess check` reports it.
			continue
		}
		if err != nil {
			return u, fmt.Errorf("resolve groups of %s: group %s: %w", u.ID, g, err)
		}
		for _, m := range members {
			if m == u.ID {
				u.Groups = append(u.Groups, g)
				break
			}
		}
	}
	return u, nil
}
