package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// Platform names a chat platform. Every platform id (user, group,
// channel, message) is only meaningful together with its Platform.
type Platform string

// Chat platforms.
const (
	Slack Platform = "slack"
	Teams Platform = "teams"
)

// ErrNoPlatform says a message or user belongs to a platform that is not
// configured in this process.
var ErrNoPlatform = errors.New("chat platform not configured")

// Senders gives the Sender of each configured platform. The composition
// root builds one Mux and hands it to every neutral part (commands,
// reviews); each platform adapter adds its Sender.
type Senders interface {
	// On returns the Sender of platform p. For a platform that is not
	// configured it returns a Sender whose every call fails with
	// ErrNoPlatform.
	On(p Platform) Sender
	// Platforms lists the configured platforms in the order they were
	// added.
	Platforms() []Platform
}

// Mux is the Senders of a process. Add every platform before the first
// message is sent; Mux is not safe for Add during use.
type Mux struct {
	order   []Platform
	senders map[Platform]Sender
}

var _ Senders = (*Mux)(nil)

// NewMux returns an empty Mux.
func NewMux() *Mux { return &Mux{senders: map[Platform]Sender{}} }

// Add registers the Sender of platform p, replacing an earlier one.
func (m *Mux) Add(p Platform, s Sender) *Mux {
	if _, ok := m.senders[p]; !ok {
		m.order = append(m.order, p)
	}
	m.senders[p] = s
	return m
}

// On returns the Sender of p.
func (m *Mux) On(p Platform) Sender {
	if s, ok := m.senders[p]; ok {
		return s
	}
	return missing(p)
}

// Platforms lists the configured platforms.
func (m *Mux) Platforms() []Platform { return slices.Clone(m.order) }

// Update replaces the message at ref on the platform that posted it.
func (m *Mux) Update(ctx context.Context, ref MessageRef, msg Message) error {
	return m.On(ref.Platform).Update(ctx, ref, msg)
}

// Reply posts msg in the thread of parent on the platform that posted it.
func (m *Mux) Reply(ctx context.Context, parent MessageRef, msg Message) (MessageRef, error) {
	return m.On(parent.Platform).Reply(ctx, parent, msg)
}

// missing is the Sender of a platform that is not configured.
type missing Platform

func (p missing) err() error { return fmt.Errorf("%s: %w", string(p), ErrNoPlatform) }

func (p missing) Post(context.Context, string, Message) (MessageRef, error) {
	return MessageRef{}, p.err()
}
func (p missing) Update(context.Context, MessageRef, Message) error { return p.err() }
func (p missing) Reply(context.Context, MessageRef, Message) (MessageRef, error) {
	return MessageRef{}, p.err()
}
func (p missing) DM(context.Context, string, Message) (MessageRef, error) {
	return MessageRef{}, p.err()
}
func (p missing) Ephemeral(context.Context, string, string, Message) error { return p.err() }
func (p missing) OpenModal(context.Context, string, Modal) error           { return p.err() }
func (p missing) PublishHome(context.Context, string, Home) error          { return p.err() }
func (p missing) LookupUser(context.Context, string) (User, error)         { return User{}, p.err() }
func (p missing) LookupUserByEmail(context.Context, string) (User, error) {
	return User{}, p.err()
}
func (p missing) GroupMembers(context.Context, string) ([]string, error) { return nil, p.err() }
