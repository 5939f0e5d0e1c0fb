//go:build !nodemo

package cli

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/bot/slackbot/slackfake"
	"github.com/chataccess/chataccess/i18n"
	"github.com/chataccess/chataccess/internal/playground"
)

// shown is a message the bot posted, on either platform, as the demo
// narrates it: where it is, which message it answers in a thread, how
// often it was updated, and its lines as a person reads them.
type shown struct {
	platform bot.Platform
	key      string
	// place is the cast channel it is in, or the person whose DM (Slack)
	// or 1:1 chat (Teams) it is in, with personal set.
	place    string
	personal bool
	// reply marks a thread reply; parent is the title of the message it
	// answers.
	reply  bool
	parent string
	edits  int
	lines  []string
	// header is set when the first line is a headline.
	header bool
	// text is the message's text on one line (Slack's fallback text).
	text string
}

// messages are the messages on the demo's platforms, Slack's first,
// each platform in the order posted.
func (d *demo) messages() []shown {
	var out []shown
	if d.on(bot.Slack) {
		out = append(out, d.slackMessages()...)
	}
	if d.on(bot.Teams) {
		out = append(out, d.teamsMessages()...)
	}
	return out
}

func (d *demo) slackMessages() []shown {
	var out []shown
	for _, m := range d.slack.Messages() {
		s := shown{platform: bot.Slack, key: "slack/" + m.Channel + "/" + m.TS, place: m.Channel, edits: m.Edits, lines: d.linesOf(m),
			header: strings.Contains(m.Blocks, `"type":"header"`), reply: m.ThreadTS != "", text: d.readable(m.Text, 160)}
		if owner, dm := playground.DMOwner(m.Channel); dm {
			s.place, s.personal = owner, true
		}
		if s.reply {
			parent, _ := d.slack.Message(m.Channel, m.ThreadTS)
			s.parent = title(shown{lines: d.linesOf(parent), header: strings.Contains(parent.Blocks, `"type":"header"`)})
		}
		out = append(out, s)
	}
	return out
}

// tag starts a line about platform p: "[Teams] " when the demo runs on
// both platforms, nothing otherwise.
func (d *demo) tag(p bot.Platform) string {
	if d.platform != platformBoth {
		return ""
	}
	return "[" + playground.PlatformName(p) + "] "
}

// dmWord is what a platform calls a message to one person.
func dmWord(p bot.Platform) string {
	if p == bot.Teams {
		return "personal message"
	}
	return "DM"
}

// channelLines describes new and edited channel messages, platform by
// platform and channel by channel, then thread replies.
func (d *demo) channelLines(msgs []shown, before demoState) []string {
	var posts, threads []string
	slices.SortStableFunc(msgs, func(a, b shown) int {
		return strings.Compare(string(a.platform)+d.cast.ChannelName(a.place), string(b.platform)+d.cast.ChannelName(b.place))
	})
	for _, m := range msgs {
		if m.personal {
			continue
		}
		old, seen := before.edits[m.key]
		where := d.tag(m.platform) + d.cast.ChannelName(m.place)
		switch {
		case m.reply && !seen:
			threads = append(threads, fmt.Sprintf("%s, thread of %q: %s", where, m.parent, strings.Join(m.lines, " ")))
		case !seen:
			posts = append(posts, fmt.Sprintf("%s: new %q%s", where, title(m), d.words.gist(m.lines)))
		case old != m.edits && !m.reply:
			posts = append(posts, fmt.Sprintf("%s: %q updated%s", where, title(m), d.words.gist(m.lines)))
		}
	}
	return append(posts, threads...)
}

// dmLines describes new and edited messages to one person: a message
// with a header sent to several people on one line (by header), then
// the others person by person, oldest first.
func (d *demo) dmLines(msgs []shown, before demoState) []string {
	shared := map[string][]string{}
	var single []shown
	for _, m := range msgs {
		if !m.personal {
			continue
		}
		old, seen := before.edits[m.key]
		h := headline(m)
		word := d.tag(m.platform) + dmWord(m.platform)
		switch {
		case !seen && h != "":
			k := fmt.Sprintf("%s %q to", word, h)
			shared[k] = append(shared[k], d.cast.Name(m.place))
		case !seen:
			single = append(single, m)
		case old != m.edits && h != "":
			k := fmt.Sprintf("%s %q updated for", word, h)
			shared[k] = append(shared[k], d.cast.Name(m.place))
		}
	}
	var out []string
	for what, who := range shared {
		slices.Sort(who)
		out = append(out, what+" "+strings.Join(slices.Compact(who), ", "))
	}
	slices.Sort(out)
	slices.SortStableFunc(single, func(a, b shown) int {
		return strings.Compare(string(a.platform)+d.cast.Name(a.place), string(b.platform)+d.cast.Name(b.place))
	})
	for _, m := range single {
		out = append(out, d.tag(m.platform)+dmWord(m.platform)+" to "+d.cast.Name(m.place)+": "+m.text)
	}
	return out
}

// linesOf is a Slack message as plain readable lines.
func (d *demo) linesOf(m slackfake.Message) []string {
	var out []string
	for _, l := range blockLines(m.Blocks, m.Text) {
		if l = d.readable(l, 200); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// headline is the first line of a message with a header, "" for one
// without.
func headline(m shown) string {
	if m.header && len(m.lines) > 0 {
		return m.lines[0]
	}
	return ""
}

// title is a message's headline, or its first line.
func title(m shown) string {
	if h := headline(m); h != "" {
		return h
	}
	if len(m.lines) > 0 {
		return clipText(m.lines[0], 100)
	}
	return ""
}

// gistWords are the card words gist looks for, in the language of the
// channel messages: the status field's label and the review item's
// marker (" · item ").
type gistWords struct{ status, item string }

// gistWordsIn reads them from the catalog of lang.
func gistWordsIn(lang string) gistWords {
	l := i18n.MustLoad().Lang(lang)
	item := l.S("reviewpage.item", i18n.M{"Who": "\x00", "Package": "\x01", "Index": "\x02"})
	_, rest, _ := strings.Cut(item, "\x01")
	marker, _, _ := strings.Cut(rest, "\x02")
	return gistWords{status: l.S("card.field.status") + " ", item: marker}
}

// gist is a card's status line and last sentence, or a report's first
// warning, when the message has them.
func (w gistWords) gist(lines []string) string {
	var status, last, warning, item string
	for _, l := range lines {
		if s, ok := strings.CutPrefix(l, w.status); ok {
			status = s
		}
		if who, _, ok := strings.Cut(l, " · "); ok && w.item != "" && strings.Contains(l, w.item) {
			item = who + ": "
		}
		if w, ok := strings.CutPrefix(l, "⚠ "); ok && warning == "" {
			warning = item + w
		}
		if !strings.HasPrefix(l, "[") {
			last = l
		}
	}
	switch {
	case status != "" && last != "" && !strings.HasPrefix(last, w.status):
		return fmt.Sprintf(" (status: %s) %s", status, clipText(last, 120))
	case status != "":
		return fmt.Sprintf(" (status: %s)", status)
	case warning != "":
		return ": " + clipText(warning, 100)
	}
	return ""
}

var (
	mentionRE   = regexp.MustCompile(`<@([UW][A-Z0-9]+)(?:\|[^>]*)?>`)
	channelRE   = regexp.MustCompile(`<#([CGD][A-Z0-9]+)(?:\|[^>]*)?>`)
	slackDateRE = regexp.MustCompile(`<!date\^[0-9]+\^[^|>]*\|([^>]*)>`)
	codeRE      = regexp.MustCompile("`([^`\n]+)`")
	markRE      = regexp.MustCompile(`(^|[^\pL\pN])[*_~]([^*_~\s](?:[^*_~\n]*[^*_~\s])?)[*_~]($|[^\pL\pN])`)
)

// readable is Slack text as a person reads it, on one line: names for
// user and channel ids, dates as Slack shows them to someone whose
// client cannot (the fallback), no formatting marks, cut at n
// characters.
func (d *demo) readable(s string, n int) string {
	s = mentionRE.ReplaceAllStringFunc(s, func(t string) string { return d.cast.Name(mentionRE.FindStringSubmatch(t)[1]) })
	s = channelRE.ReplaceAllStringFunc(s, func(t string) string { return d.cast.ChannelName(channelRE.FindStringSubmatch(t)[1]) })
	s = slackDateRE.ReplaceAllString(s, "$1")
	s = codeRE.ReplaceAllString(s, "$1")
	for range 2 { // adjacent runs share their edge characters
		s = markRE.ReplaceAllString(s, "$1$2$3")
	}
	return clipText(s, n)
}
