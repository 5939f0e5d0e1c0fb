package slackbot

import (
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/bot/slackbot/slackfake"
)

func newFake(t *testing.T) *slackfake.Fake {
	t.Helper()
	f := slackfake.New()
	t.Cleanup(f.Close)
	f.AddUser(slackfake.User{ID: "U1", Name: "Alice", Email: "Alice@Example.com"})
	f.AddUser(slackfake.User{ID: "U2", Name: "Bob", Email: "bob@example.com"})
	f.AddUser(slackfake.User{ID: "UBOT2", Name: "Some Bot", IsBot: true})
	f.AddUser(slackfake.User{ID: "UGONE", Name: "Gone", Email: "gone@example.com", Deleted: true})
	f.AddGroup("S1", "U1", "U2")
	return f
}

func newTestSender(t *testing.T, f *slackfake.Fake) *Sender {
	t.Helper()
	return NewSender(SenderConfig{
		BotToken:     slackfake.Token,
		APIURL:       f.URL(),
		MaxRetryWait: 2 * time.Second,
		Pacer:        NewChannelPacer(time.Millisecond, time.Second, nil),
		Metrics:      NewMetrics(nil),
		Logger:       zerolog.Nop(),
	})
}

// approvalCard is a representative request card, like the ones the
// commands package sends to approvers.
func approvalCard() bot.Message {
	return bot.Message{
		Text: bot.Textf("%s asks for %s for %s", bot.Mention("U1"), bot.Bold("agent"), bot.Plain("carol@example.com")),
		Blocks: []bot.Block{
			&bot.Header{Text: "Access request DC-1042"},
			&bot.Section{
				Text: bot.Textf("%s asks to %s %s for %s", bot.Mention("U1"), bot.Plain("add"), bot.Bold("agent"), bot.Code("carol@example.com")),
				Fields: []bot.Text{
					bot.Lines(bot.Bold("Package"), bot.Plain("agent — Live Agent + DC Agent")),
					bot.Lines(bot.Bold("Duration"), bot.Plain("30 days")),
					bot.Lines(bot.Bold("Justification"), bot.Plain("covering EMEA <!channel> & friends")),
					bot.Lines(bot.Bold("Approvers"), bot.GroupMention("S1")),
				},
			},
			&bot.Context{Elements: []bot.Text{bot.Plain("Needs 1 of 2 approvals"), bot.Link("https://example.com/requests/DC-1042", "details")}},
			&bot.Divider{},
			&bot.Actions{BlockID: "decide:DC-1042", Elements: []bot.Element{
				&bot.Button{ActionID: "approve", Text: "Approve", Value: "DC-1042", Style: bot.StylePrimary},
				&bot.Button{ActionID: "deny", Text: "Deny", Value: "DC-1042", Style: bot.StyleDanger,
					Confirm: &bot.Confirm{Title: "Deny this request?", Text: bot.Plain("The requester is told."), Confirm: "Deny", Deny: "Back", Danger: true}},
				&bot.Select{ActionID: "snooze", Placeholder: "Remind me", Options: []bot.Option{{Value: "1h", Text: "In an hour"}, {Value: "1d", Text: "Tomorrow"}}, Initial: "1d"},
			}},
		},
	}
}

func requestModal() bot.Modal {
	return bot.Modal{
		CallbackID: "request_add", Title: "Request Dynamic Chat", Submit: "Request", Close: "Cancel",
		PrivateMetadata: `{"channel":"C1"}`,
		Blocks: []bot.Block{
			&bot.Section{Text: bot.Plain("Who needs access, and to what?")},
			&bot.Input{BlockID: "target", Label: "Email", Element: &bot.EmailInput{ActionID: "email", Placeholder: "name@example.com", Initial: "carol@example.com"}},
			&bot.Input{BlockID: "user", Label: "Or pick a person", Optional: true, Element: &bot.UserSelect{ActionID: "user", Initial: "U2"}},
			&bot.Input{BlockID: "package", Label: "Package", Hint: "What the package grants is shown under each name.", Element: &bot.Select{ActionID: "pkg",
				Options: []bot.Option{{Value: "agent", Text: "Agent", Description: "Live Agent profile + DC Agent role"}, {Value: "admin", Text: "Admin", Description: "Dynamic Chat admin"}}, Initial: "agent"}},
			&bot.Input{BlockID: "regions", Label: "Regions", Optional: true, Element: &bot.MultiSelect{ActionID: "regions",
				Options: []bot.Option{{Value: "emea", Text: "EMEA"}, {Value: "amer", Text: "AMER"}, {Value: "apac", Text: "APAC"}}, Initial: []string{"emea"}, MaxSelected: 2}},
			&bot.Input{BlockID: "why", Label: "Justification", Element: &bot.TextInput{ActionID: "why", Multiline: true, MaxLength: 500, Initial: "covering EMEA"}},
		},
	}
}

func homeView() bot.Home {
	return bot.Home{CallbackID: "home", Blocks: []bot.Block{
		&bot.Header{Text: "chataccess"},
		&bot.Section{Text: bot.Textf("You hold %s until %s.", bot.Bold("agent"), bot.Plain("2026-12-31")),
			Accessory: &bot.Button{ActionID: "request", Text: "Request access", Style: bot.StylePrimary}},
		&bot.Divider{},
		&bot.Context{Elements: []bot.Text{bot.Plain("2 requests wait for your decision.")}},
	}}
}
