package teamsbot

import (
	"net/url"
	"regexp"
	"strings"
	"unicode"

	"github.com/chataccess/chataccess/bot"
)

// Text rendering. Teams draws a subset of Markdown in TextBlocks and
// FactSets (learn.microsoft.com microsoftteams/platform/task-modules-and-cards/cards/cards-format):
// bold, italic, links, lists. Every string that is not chataccess's own
// formatting is made inert: control and invisible characters removed,
// line breaks collapsed, and each character that could start Markdown or
// a <at> mention escaped with a backslash. Mentions are <at>name</at>
// with a matching msteams entity, which only the renderer writes.

// mentions collects the mention entities of one card.
type mentions struct {
	byText map[string]*Entity
	order  []*Entity
	// name gives a display name for a user id when a span has none.
	name func(id string) string
}

func newMentions(name func(string) string) *mentions {
	return &mentions{byText: map[string]*Entity{}, name: name}
}

// entities returns the collected entities, nil when none.
func (m *mentions) entities() []*Entity { return m.order }

var (
	objectIDRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	mriRE      = regexp.MustCompile(`^29:[0-9A-Za-z_\-]{1,300}$`)
)

// isObjectID reports whether id is an Entra ID object id (a GUID).
func isObjectID(id string) bool { return objectIDRE.MatchString(id) }

// isUserID reports whether id is a Teams user id chataccess may mention:
// an Entra object id or a "29:" id.
func isUserID(id string) bool { return isObjectID(id) || mriRE.MatchString(id) }

// mention returns the text of a mention of id, adding its entity, or
// false when the id cannot be mentioned safely.
func (m *mentions) mention(id, name string) (string, bool) {
	if !isUserID(id) {
		return "", false
	}
	name = mentionName(name)
	if name == "" && m.name != nil {
		name = mentionName(m.name(id))
	}
	if name == "" {
		name = "user"
	}
	text := "<at>" + name + "</at>"
	if e, ok := m.byText[text]; ok {
		if e.Mentioned.ID != id {
			return "", false // two people with one name: show the name plainly
		}
		return text, true
	}
	e := &Entity{Type: "mention", Text: text, Mentioned: &Account{ID: id, Name: name}}
	m.byText[text] = e
	m.order = append(m.order, e)
	return text, true
}

// mentionName keeps letters, digits, spaces and . - ' @ of a display
// name (or email), so the mention text needs no escaping.
func mentionName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '-' || r == '\'' || r == '@':
			b.WriteRune(r)
		case r == ' ' || unicode.IsSpace(r):
			b.WriteRune(' ')
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// inert removes control and invisible (format) characters and turns
// line breaks and tabs into spaces.
func inert(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r), r == '\u2028', r == '\u2029':
			return -1
		}
		return r
	}, s)
}

// mdSpecial are the characters escaped anywhere in user text.
const mdSpecial = "\\*_[]<>`~"

// escape makes s inert Markdown. lineStart says s begins a line, where
// list and heading markers ("- ", "+ ", "1. ", "#") are escaped as well.
func escape(s string, lineStart bool) string {
	// "{{" would start a Teams date function ({{DATE(…)}}): the second
	// brace becomes a visible lookalike.
	s = strings.ReplaceAll(inert(s), "{{", "{\uFF5B")
	var b strings.Builder
	b.Grow(len(s) + 8)
	if lineStart {
		trimmed := strings.TrimLeft(s, " ")
		b.WriteString(s[:len(s)-len(trimmed)])
		s = trimmed
		if len(s) > 0 && (s[0] == '-' || s[0] == '+' || s[0] == '#') {
			b.WriteByte('\\')
		} else if i := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }); i > 0 && (s[i] == '.' || s[i] == ')') {
			b.WriteString(s[:i])
			b.WriteByte('\\')
			s = s[i:]
		}
	}
	for _, r := range s {
		if strings.ContainsRune(mdSpecial, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// textLines renders t as Markdown lines (one per TextBlock); the line
// breaks are chataccess's (SpanBreak), never the user's.
func textLines(t bot.Text, m *mentions) []string {
	var lines []string
	var cur strings.Builder
	for _, s := range t.Spans() {
		if s.Kind == bot.SpanBreak {
			lines = append(lines, cur.String())
			cur.Reset()
			continue
		}
		cur.WriteString(spanMarkdown(s, cur.Len() == 0, m))
	}
	return append(lines, cur.String())
}

// textString renders t as one Markdown line (breaks become spaces).
func textString(t bot.Text, m *mentions) string {
	return strings.TrimSpace(strings.Join(textLines(t, m), " "))
}

// plainString is t without any formatting, inert, for fallback text,
// dialog data and invoke messages: a mention is the person's name.
func plainString(t bot.Text) string {
	var b strings.Builder
	for _, s := range t.Spans() {
		switch s.Kind {
		case bot.SpanBreak:
			b.WriteByte(' ')
		case bot.SpanMention, bot.SpanGroupMention:
			b.WriteString(orStr(s.Text, "@"+s.Target))
		case bot.SpanLink:
			b.WriteString(orStr(s.Text, s.Target))
		default:
			b.WriteString(s.Text)
		}
	}
	return strings.Join(strings.Fields(inert(b.String())), " ")
}

func spanMarkdown(s bot.Span, lineStart bool, m *mentions) string {
	switch s.Kind {
	case bot.SpanBold, bot.SpanItalic:
		txt := escape(s.Text, false)
		if strings.TrimSpace(txt) == "" {
			return txt
		}
		mark := "**"
		if s.Kind == bot.SpanItalic {
			mark = "_"
		}
		// Markdown emphasis must not start or end with a space.
		lead, trail := txt[:len(txt)-len(strings.TrimLeft(txt, " "))], txt[len(strings.TrimRight(txt, " ")):]
		return lead + mark + strings.TrimSpace(txt) + mark + trail
	case bot.SpanMention:
		if s.Platform == "" || s.Platform == bot.Teams {
			if at, ok := m.mention(s.Target, s.Text); ok {
				return at
			}
		}
		if s.Text != "" {
			return escape(s.Text, lineStart)
		}
		return escape("@"+s.Target, lineStart)
	case bot.SpanGroupMention:
		return escape("@"+orStr(s.Text, s.Target), lineStart)
	case bot.SpanTime:
		return dateFunctions(s)
	case bot.SpanLink:
		label := escape(orStr(s.Text, s.Target), false)
		if u, ok := safeURL(s.Target); ok {
			return "[" + label + "](" + u + ")"
		}
		return escape(orStr(s.Text, s.Target), lineStart)
	}
	return escape(s.Text, lineStart)
}

// dateFunctions renders a moment with the Adaptive Card DATE and TIME
// functions, which Teams shows in each viewer's own time zone and
// format (learn.microsoft.com microsoftteams/platform/task-modules-and-cards/cards/cards-format,
// "Date and time formatting and localization"); plain text shows the
// span's fallback instead.
func dateFunctions(s bot.Span) string {
	at := s.At.UTC().Format("2006-01-02T15:04:05Z")
	switch s.Style {
	case bot.TimeClock:
		return "{{TIME(" + at + ")}}"
	case bot.TimeDay:
		return "{{DATE(" + at + ", SHORT)}}"
	}
	return "{{DATE(" + at + ", SHORT)}} {{TIME(" + at + ")}}"
}

// safeURL accepts absolute http, https and mailto URLs and percent-
// encodes the characters that would end a Markdown link target.
func safeURL(raw string) (string, bool) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil || len(raw) > 2000 {
		return "", false
	}
	switch u.Scheme {
	case "http", "https":
		if u.Host == "" {
			return "", false
		}
	case "mailto":
		if u.Opaque == "" {
			return "", false
		}
	default:
		return "", false
	}
	r := strings.NewReplacer(" ", "%20", "(", "%28", ")", "%29", "<", "%3C", ">", "%3E", "\\", "%5C", "\n", "", "\r", "")
	return r.Replace(raw), true
}

func orStr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
