package slackbot

import (
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/chataccess/chataccess/bot"
)

// escaper replaces the three characters Slack's mrkdwn treats as
// control characters. Source: docs.slack.dev/messaging/formatting-message-text
// ("Escaping text").
var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// escape makes user text safe inside mrkdwn: "<!channel>" and "<@U1>"
// are shown, not executed.
func escape(s string) string { return escaper.Replace(s) }

// mrkdwn renders formatted text as Slack mrkdwn. Every span's text is
// escaped; only the markers, mentions and links we generate are markup.
func mrkdwn(t bot.Text) string {
	var b strings.Builder
	for _, s := range t.Spans() {
		switch s.Kind {
		case bot.SpanBold:
			wrap(&b, "*", s.Text)
		case bot.SpanItalic:
			wrap(&b, "_", s.Text)
		case bot.SpanStrike:
			wrap(&b, "~", s.Text)
		case bot.SpanCode:
			wrap(&b, "`", strings.ReplaceAll(s.Text, "`", "'"))
		case bot.SpanMention:
			if s.Platform != "" && s.Platform != bot.Slack {
				b.WriteString(escape(s.Text))
			} else if slackID(s.Target) {
				b.WriteString("<@" + s.Target + ">")
			} else {
				b.WriteString(escape("@" + s.Target))
			}
		case bot.SpanGroupMention:
			if slackID(s.Target) {
				b.WriteString("<!subteam^" + s.Target + ">")
			} else {
				b.WriteString(escape("@" + s.Target))
			}
		case bot.SpanLink:
			if safeURL(s.Target) {
				b.WriteString("<" + s.Target)
				if s.Text != "" {
					b.WriteString("|" + escape(s.Text))
				}
				b.WriteString(">")
			} else {
				b.WriteString(escape(bot.Link(s.Target, s.Text).String()))
			}
		default:
			b.WriteString(escape(s.Text))
		}
	}
	return b.String()
}

func wrap(b *strings.Builder, marker, s string) {
	if s == "" {
		return
	}
	b.WriteString(marker + escape(s) + marker)
}

// slackID reports whether s looks like a Slack user or group id, so it
// can be placed inside <@...> without smuggling markup.
func slackID(s string) bool {
	if len(s) < 2 || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// safeURL accepts http, https and mailto URLs that cannot break out of
// Slack's <url|label> syntax.
func safeURL(s string) bool {
	if s == "" || utf8.RuneCountInString(s) > maxURL || strings.ContainsAny(s, "<>|& \t\r\n\"") {
		return false
	}
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	switch u.Scheme {
	case "https", "http":
		return u.Host != ""
	case "mailto":
		return u.Opaque != ""
	}
	return false
}

const ellipsis = "…"

// cut shortens plain text to at most n runes, ending in an ellipsis.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + ellipsis
}

// cutMarkup shortens rendered mrkdwn to at most n runes without leaving
// half an entity (&amp;) or half a <...> token behind.
func cutMarkup(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	c := string([]rune(s)[:n-1])
	if i := strings.LastIndexByte(c, '<'); i >= 0 && !strings.Contains(c[i:], ">") {
		c = c[:i]
	}
	if i := strings.LastIndexByte(c, '&'); i >= 0 && !strings.Contains(c[i:], ";") {
		c = c[:i]
	}
	return c + ellipsis
}

// runes counts characters the way Slack's limits do.
func runes(s string) int { return utf8.RuneCountInString(s) }
