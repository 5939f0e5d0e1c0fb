package commands

import (
	"strings"

	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/i18n"
)

// usageLines is the grammar, one line per verb; what is the message id
// of what the verb does.
var usageLines = []struct {
	verb Verb
	args string
	what string
}{
	{VerbAdd, `add [{user}] [{package}] [{duration}] [{reason}…]`, "help.add"},
	{VerbRemove, `remove [{user}] [{package}] [{reason}…]`, "help.remove"},
	{VerbStatus, `status [{id}]`, "help.status"},
	{VerbList, `list`, "help.list"},
	{VerbPending, `pending`, "help.pending"},
	{VerbCancel, `cancel <{id}>`, "help.cancel"},
	{VerbReview, `review start [{package}]`, "help.review"},
	{VerbHelp, `help`, "help.help"},
}

// usageArgs are the message ids of the placeholders of usageLines:
// the grammar's keywords stay as they are, what a reader fills in is
// named in their language.
var usageArgs = []struct{ mark, id string }{
	{"{user}", "help.arg.user"},
	{"{package}", "help.arg.package"},
	{"{duration}", "help.arg.duration"},
	{"{reason}", "help.arg.reason"},
	{"{id}", "help.arg.request"},
}

// usage is the usage line of a verb in language l: command, verb and
// placeholders.
func usage(l *i18n.Lang, command, args string) string {
	for _, a := range usageArgs {
		args = strings.ReplaceAll(args, a.mark, l.S(a.id))
	}
	return command + " " + args
}

// HelpMessage is the help text of the command, in English.
func HelpMessage(command string) bot.Message { return HelpMessageIn(nil, command) }

// HelpMessageIn is the help text of the command in language l (English
// when nil).
func HelpMessageIn(l *i18n.Lang, command string) bot.Message {
	l = english(l)
	lines := []bot.Text{bot.Bold(l.S("help.title"))}
	for _, u := range usageLines {
		lines = append(lines, bot.Textf("%s  %s", bot.Code(usage(l, command, u.args)), l.T(u.what)))
	}
	lines = append(lines,
		bot.Plain(""),
		l.T("help.users", i18n.M{"D30": bot.Code("30d"), "W2": bot.Code("2w"), "H12": bot.Code("12h"), "Permanent": bot.Code("permanent")}),
		bot.Code(command+` add alice@example.com agent 30d "`+l.S("help.example_reason")+`"`),
	)
	return bot.Message{Text: l.T("help.fallback", i18n.M{"Command": command}), Blocks: []bot.Block{&bot.Section{Text: bot.Lines(lines...)}}, Lang: l.Name()}
}

// usageMessage explains a grammar mistake with the right usage.
func usageMessage(l *i18n.Lang, command string, e *UsageError) *bot.Message {
	msg := e.In(l)
	if e.Verb == VerbHelp {
		m := HelpMessageIn(l, command)
		m.Blocks = append([]bot.Block{&bot.Section{Text: msg}}, m.Blocks...)
		m.Text = msg
		return &m
	}
	for _, u := range usageLines {
		if u.verb == e.Verb {
			t := bot.Lines(msg, l.T("help.usage", i18n.M{"Usage": bot.Code(usage(l, command, u.args)), "What": l.T(u.what)}))
			return &bot.Message{Text: t, Lang: l.Name()}
		}
	}
	return &bot.Message{Text: msg, Lang: l.Name()}
}
