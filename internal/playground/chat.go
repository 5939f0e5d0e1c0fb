//go:build !nodemo

package playground

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/chataccess/chataccess/bot/slackbot/slackfake"
)

// Chat is a chat platform as the story's steps act on it: people type
// commands and press buttons on approval cards and review pages, and
// the platform shows what the bot sent. Slack (slackChat) and Teams
// (Teams) implement it, so one story is told on either.
type Chat interface {
	// Command types text as person where commands are typed.
	Command(ctx context.Context, person, text string) error
	// HasCard reports whether request id's approval card is in its
	// channel; ClickCard presses the button action on it as person.
	HasCard(id string) bool
	ClickCard(ctx context.Context, person, id, action string) error
	// HasReviewButton reports whether a reviewer's review page offers
	// action for the holder email; ClickReview presses it as the page's
	// reviewer (Dana's page first).
	HasReviewButton(email, action string) bool
	ClickReview(ctx context.Context, email, action string) error
	// Answers counts the answers only one person saw so far.
	Answers() int
	// LastAnswer is the text of the latest answer only person saw
	// ("" when there is none).
	LastAnswer(person string) string
	// Version changes whenever the bot posts or updates a message.
	Version() int
}

// slackChat is Slack as the story acts on it: slash commands typed in
// the cast's home channel, clicks sent as block_actions.
type slackChat struct {
	slack *Slack
	fake  *slackfake.Fake
	cast  Cast
}

var _ Chat = slackChat{}

func (c slackChat) Command(ctx context.Context, person, text string) error {
	_, err := c.slack.Command(ctx, person, c.cast.Home, text)
	return err
}

func (c slackChat) HasCard(id string) bool { _, ok := c.card(id); return ok }

// card returns the approval card of request id (the channel copy).
func (c slackChat) card(id string) (slackfake.Message, bool) {
	for _, m := range c.fake.Messages() {
		if _, dm := DMOwner(m.Channel); !dm && m.ThreadTS == "" && strings.Contains(m.Blocks, "`"+id+"`") {
			return m, true
		}
	}
	return slackfake.Message{}, false
}

func (c slackChat) ClickCard(ctx context.Context, person, id, action string) error {
	m, ok := c.card(id)
	if !ok {
		return fmt.Errorf("playground: no card for %s", id)
	}
	block, ok := buttonBlock(m.Blocks, action, "")
	if !ok {
		return fmt.Errorf("playground: the card of %s has no %s button", id, action)
	}
	return c.slack.Click(ctx, person, Target{Channel: m.Channel, TS: m.TS, BlockID: block, ActionID: action})
}

func (c slackChat) HasReviewButton(email, action string) bool {
	_, _, ok := c.reviewButton(email, action)
	return ok
}

func (c slackChat) ClickReview(ctx context.Context, email, action string) error {
	m, blockID, ok := c.reviewButton(email, action)
	if !ok {
		return errors.New("playground: no review page offers " + action + " for " + email + "; run the review step first")
	}
	owner, _ := DMOwner(m.Channel)
	return c.slack.Click(ctx, owner, Target{Channel: m.Channel, TS: m.TS, BlockID: blockID, ActionID: action})
}

// reviewButton finds, in a reviewer's review page, the button action
// below the section naming email; Dana's page first.
func (c slackChat) reviewButton(email, action string) (slackfake.Message, string, bool) {
	msgs := c.fake.Messages()
	slices.SortStableFunc(msgs, func(a, b slackfake.Message) int {
		return boolOrder(a.Channel != "D"+Dana) - boolOrder(b.Channel != "D"+Dana)
	})
	for _, m := range msgs {
		if _, dm := DMOwner(m.Channel); !dm || !strings.Contains(m.Blocks, email) {
			continue
		}
		if block, ok := buttonBlock(m.Blocks, action, email); ok {
			return m, block, true
		}
	}
	return slackfake.Message{}, "", false
}

func (c slackChat) Answers() int { return len(c.slack.Replies()) + len(c.fake.Ephemerals()) }

func (c slackChat) Version() int { return c.fake.Version() }

// LastAnswer implements Chat: the person's latest ephemeral message,
// else their latest reply to a command.
func (c slackChat) LastAnswer(person string) string {
	eph := c.fake.Ephemerals()
	for i := len(eph) - 1; i >= 0; i-- {
		if eph[i].User == person {
			return eph[i].Text
		}
	}
	rs := c.slack.Replies()
	for i := len(rs) - 1; i >= 0; i-- {
		if rs[i].User == person {
			return rs[i].Text
		}
	}
	return ""
}
