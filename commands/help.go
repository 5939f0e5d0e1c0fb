package commands

import (
	"github.com/chataccess/chataccess/bot"
)

// usageLines is the grammar, one line per verb.
var usageLines = []struct {
	verb Verb
	args string
	what string
}{
	{VerbAdd, `add [user] [package] [duration] [reason…]`, "request access; missing pieces open a form"},
	{VerbRemove, `remove [user] [package] [reason…]`, "request removal of a package (or all)"},
	{VerbStatus, `status [id]`, "show one request, or your requests"},
	{VerbList, `list`, "your requests"},
	{VerbPending, `pending`, "requests waiting for your decision"},
	{VerbCancel, `cancel <id>`, "withdraw your pending request"},
	{VerbReview, `review start [package]`, "start an access review (admins)"},
	{VerbHelp, `help`, "this help"},
}

// HelpMessage is the help text of the command.
func HelpMessage(command string) bot.Message {
	lines := []bot.Text{bot.Bold("Dynamic Chat access")}
	for _, u := range usageLines {
		lines = append(lines, bot.Textf("%s  %s", bot.Code(command+" "+u.args), bot.Plain(u.what)))
	}
	lines = append(lines,
		bot.Plain(""),
		bot.Textf("A user is an email or a mention: type @ and pick the person from the list Slack shows. Durations look like %s, %s, %s or %s. Example:", bot.Code("30d"), bot.Code("2w"), bot.Code("12h"), bot.Code("permanent")),
		bot.Code(command+` add alice@example.com agent 30d "covering EMEA"`),
	)
	return bot.Message{Text: bot.Plain("How to use " + command), Blocks: []bot.Block{&bot.Section{Text: bot.Lines(lines...)}}}
}

// usageMessage explains a grammar mistake with the right usage.
func usageMessage(command string, e *UsageError) *bot.Message {
	if e.Verb == VerbHelp {
		m := HelpMessage(command)
		m.Blocks = append([]bot.Block{&bot.Section{Text: bot.Plain(e.Msg)}}, m.Blocks...)
		m.Text = bot.Plain(e.Msg)
		return &m
	}
	for _, u := range usageLines {
		if u.verb == e.Verb {
			t := bot.Lines(bot.Plain(e.Msg), bot.Textf("Usage: %s  %s", bot.Code(command+" "+u.args), bot.Plain(u.what)))
			return &bot.Message{Text: t}
		}
	}
	return &bot.Message{Text: bot.Plain(e.Msg)}
}
