package slackbot

import (
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/chataccess/chataccess/bot"
)

// escaper replaces the three characters Slack's mrkdwn treats as
// control characters. Source: docs.slack.dev/messaging/formatting-message-text
// ("Escaping text").
var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// escape makes text safe inside mrkdwn: "<!channel>" and "<@U1>" are
// shown, not executed. It does not neutralise formatting; use inert for
// the text of a span.
func escape(s string) string { return escaper.Replace(s) }

// mrkdwn renders formatted text as Slack mrkdwn. The text of every span
// is inert (see inert); only the markers, mentions, links and line
// breaks we generate are markup. Text objects carrying it are sent with
// verbatim: true, so Slack adds no links or mentions of its own.
func mrkdwn(t bot.Text) string {
	var b strings.Builder
	lineStart := true
	for _, s := range t.Spans() {
		n := b.Len()
		switch s.Kind {
		case bot.SpanBreak:
			b.WriteByte('\n')
			lineStart = true
			continue
		case bot.SpanBold:
			wrap(&b, "*", inert(s.Text, false))
		case bot.SpanItalic:
			wrap(&b, "_", inert(s.Text, false))
		case bot.SpanStrike:
			wrap(&b, "~", inert(s.Text, false))
		case bot.SpanCode:
			wrap(&b, "`", inert(s.Text, false))
		case bot.SpanMention:
			if s.Platform != "" && s.Platform != bot.Slack {
				b.WriteString(inert(s.Text, lineStart))
			} else if slackID(s.Target) {
				b.WriteString("<@" + s.Target + ">")
			} else {
				b.WriteString(inert("@"+s.Target, lineStart))
			}
		case bot.SpanGroupMention:
			if slackID(s.Target) {
				b.WriteString("<!subteam^" + s.Target + ">")
			} else {
				b.WriteString(inert("@"+s.Target, lineStart))
			}
		case bot.SpanTime:
			b.WriteString(dateToken(s, lineStart))
		case bot.SpanLink:
			if safeURL(s.Target) {
				b.WriteString("<" + s.Target)
				if label := inert(s.Text, false); label != "" {
					b.WriteString("|" + label)
				}
				b.WriteString(">")
			} else {
				b.WriteString(inert(bot.Link(s.Target, s.Text).String(), lineStart))
			}
		default:
			b.WriteString(inert(s.Text, lineStart))
		}
		if b.Len() > n {
			lineStart = false
		}
	}
	return b.String()
}

// dateToken renders a moment as a Slack date token, which each viewer
// sees in their own time zone and format, with the span's text as the
// fallback for clients that cannot (docs.slack.dev/messaging/formatting-message-text,
// "Date formatting"): <!date^unix^{date_short} {time}|fallback>. The
// plain date, not the "pretty" one, so a sentence around it ("until
// …", « jusqu'au … ») reads right in every language.
func dateToken(s bot.Span, lineStart bool) string {
	format := "{date_short} {time}"
	switch s.Style {
	case bot.TimeClock:
		format = "{time}"
	case bot.TimeDay:
		format = "{date_short}"
	}
	fallback := inert(s.Text, lineStart)
	if fallback == "" {
		fallback = s.At.UTC().Format("2006-01-02 15:04 UTC")
	}
	return "<!date^" + strconv.FormatInt(s.At.Unix(), 10) + "^" + format + "|" + strings.ReplaceAll(fallback, "|", "∣") + ">"
}

// wrap writes s (already inert) between two markers.
func wrap(b *strings.Builder, marker, s string) {
	if s == "" {
		return
	}
	b.WriteString(marker + s + marker)
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

// Lookalikes that Slack shows literally, for the characters its mrkdwn
// reads as formatting and for the colon of a URL scheme. They are
// visible characters, not zero-width tricks, so what people see is what
// is stored (apart from the glyph) and nothing invisible is added.
const (
	lookStar     = '\u2217' // ∗ asterisk operator, for * (bold)
	lookUnder    = '\u02CD' // ˍ modifier letter low macron, for _ (italic)
	lookTilde    = '\u223C' // ∼ tilde operator, for ~ (strike)
	lookBacktick = '\u02CB' // ˋ modifier letter grave accent, for ` (code)
	lookQuote    = '\u203A' // › single right-pointing angle quotation mark, for a leading > (quote)
	lookColon    = '\u2236' // ∶ ratio, for the colon of a URL scheme
	// lineMark stands for line breaks inside a span, which is shown on
	// one line: the reader sees that the writer broke the line, but the
	// text cannot start a line that looks like a section of its own.
	lineMark = " \u21B5 " // ↵
)

// breakRune reports whether r ends a line in some client: LF, CR, VT,
// FF, NEL and the Unicode line and paragraph separators.
func breakRune(r rune) bool {
	switch r {
	case '\n', '\r', '\v', '\f', '\u0085', '\u2028', '\u2029':
		return true
	}
	return false
}

// invisible reports whether r is shown as nothing or changes how the
// text around it is shown: control and format characters (bidi
// overrides and isolates such as U+202E, zero-width spaces and joiners,
// the byte order mark, soft hyphen, tag characters) and the blank
// fillers and joiners that render as nothing. Tabs and line breaks are
// not invisible; callers turn them into spaces or marks.
func invisible(r rune) bool {
	switch {
	case r == '\t' || breakRune(r):
		return false
	case unicode.Is(unicode.Cc, r), unicode.Is(unicode.Cf, r):
		return true
	case r == '\u034F', // combining grapheme joiner
		r == '\u115F', r == '\u1160', r == '\u3164', r == '\uFFA0', // Hangul fillers
		r == '\u17B4', r == '\u17B5', // Khmer inherent vowels (invisible)
		r >= '\u180B' && r <= '\u180F': // Mongolian variation selectors
		return true
	}
	return false
}

// visible drops invisible characters and turns every run of line breaks
// (and the blanks around it) into sep; tabs become spaces. Breaks at
// either end are dropped.
func visible(s string, sep string) string {
	var b strings.Builder
	b.Grow(len(s))
	pending := false // a break run waits to be written
	for _, r := range s {
		switch {
		case breakRune(r):
			pending = true
			continue
		case invisible(r):
			continue
		case r == '\t':
			r = ' '
		}
		if pending {
			if r == ' ' {
				continue // blanks after a break belong to it
			}
			if b.Len() > 0 {
				trimmed := strings.TrimRight(b.String(), " ")
				b.Reset()
				b.WriteString(trimmed)
				b.WriteString(sep)
			}
			pending = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// oneLine is text for a plain_text object (labels, options, headers,
// titles): nothing invisible, no line breaks.
func oneLine(s string) string { return visible(s, " ") }

// multiLine is text for a multi-line input's initial value: nothing
// invisible, every kind of line break written as "\n", tabs as spaces.
func multiLine(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	afterCR := false
	for _, r := range s {
		if breakRune(r) {
			if !(r == '\n' && afterCR) {
				b.WriteByte('\n')
			}
			afterCR = r == '\r'
			continue
		}
		afterCR = false
		switch {
		case invisible(r):
			continue
		case r == '\t':
			r = ' '
		}
		b.WriteRune(r)
	}
	return b.String()
}

// inert renders the text of a span for mrkdwn so that Slack shows it
// literally: no invisible or direction-changing characters; line breaks
// collapsed to a mark; *, _ and ~ that could open or close formatting
// (at a word edge) and every ` replaced by lookalikes; a > that would
// start a quote (at the start of a line) replaced; the colon of a URL
// scheme replaced so nothing is turned into a link; and &, < and >
// escaped, so no mention, link or command syntax survives. Intra-word
// _ * ~ stay (Slack formats only at word edges), so addresses such as
// first_last@example.com read as typed.
func inert(s string, lineStart bool) string {
	rs := []rune(visible(s, lineMark))
	for i, r := range rs {
		switch r {
		case '*', '_', '~':
			if i == 0 || i == len(rs)-1 || !wordRune(rs[i-1]) || !wordRune(rs[i+1]) {
				rs[i] = lookalike(r)
			}
		case '`':
			rs[i] = lookBacktick
		case ':':
			if schemeColon(rs, i) {
				rs[i] = lookColon
			}
		}
	}
	if lineStart {
		for i, r := range rs {
			if r == '>' {
				rs[i] = lookQuote
				continue
			}
			if r != ' ' {
				break
			}
		}
	}
	return escape(string(rs))
}

func lookalike(marker rune) rune {
	switch marker {
	case '*':
		return lookStar
	case '_':
		return lookUnder
	}
	return lookTilde
}

func wordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// linkSchemes are schemes Slack clients may turn into links even
// without "//" after the colon.
var linkSchemes = map[string]bool{"mailto": true, "tel": true, "sms": true, "slack": true, "javascript": true, "data": true, "file": true}

// schemeColon reports whether the colon at rs[i] ends a URL scheme: a
// letter followed by letters, digits, +, - or ., then "://", or one of
// linkSchemes.
func schemeColon(rs []rune, i int) bool {
	j := i
	for j > 0 && schemeRune(rs[j-1]) {
		j--
	}
	// The scheme starts with a letter; skip leading digits and signs.
	for j < i && !isASCIILetter(rs[j]) {
		j++
	}
	if j == i {
		return false
	}
	if i+2 < len(rs) && rs[i+1] == '/' && rs[i+2] == '/' {
		return true
	}
	return linkSchemes[strings.ToLower(string(rs[j:i]))]
}

func isASCIILetter(r rune) bool { return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') }

func schemeRune(r rune) bool {
	return isASCIILetter(r) || (r >= '0' && r <= '9') || r == '+' || r == '-' || r == '.'
}
