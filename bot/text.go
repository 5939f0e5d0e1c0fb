package bot

import (
	"fmt"
	"strings"
	"time"
)

// SpanKind says how a Span is formatted.
type SpanKind uint8

// Span kinds. The Text of every kind is inert: renderers show it
// literally (no markup, links, mentions, invisible or direction-changing
// characters, and no line breaks of its own); only the formatting around
// it (bold markers, mention and link syntax, SpanBreak) is theirs.
const (
	// SpanPlain is text shown as typed, on one line.
	SpanPlain SpanKind = iota
	// SpanBold is bold text.
	SpanBold
	// SpanItalic is italic text.
	SpanItalic
	// SpanCode is inline code.
	SpanCode
	// SpanStrike is struck-through text.
	SpanStrike
	// SpanMention mentions the user whose platform id is in Target.
	SpanMention
	// SpanGroupMention mentions the user group whose id is in Target.
	SpanGroupMention
	// SpanLink links Target (an http, https or mailto URL) with Text as label.
	SpanLink
	// SpanBreak is a line break the program put there (Lines, or a "\n"
	// in a Textf format). It is the only way text starts a new line:
	// line breaks inside any span's Text are shown collapsed, so user
	// input cannot draw a layout of its own.
	SpanBreak
	// SpanTime is a moment (At, shown as Style says) that renderers show
	// in each viewer's own time zone and format where the platform can
	// (Slack date tokens, Adaptive Card DATE and TIME functions); Text is
	// the fallback for plain text and platforms that cannot.
	SpanTime
)

// TimeStyle says which parts of a SpanTime are shown.
type TimeStyle uint8

// Time styles.
const (
	// TimeDayAndClock shows the date and the time of day.
	TimeDayAndClock TimeStyle = iota
	// TimeClock shows the time of day.
	TimeClock
	// TimeDay shows the date.
	TimeDay
)

// Span is one run of text with one format.
type Span struct {
	Kind SpanKind
	// Text is the visible text, never markup.
	Text string
	// Target is the user or group id of a mention, or the URL of a link.
	Target string
	// Platform is the platform a mention's Target belongs to; empty means
	// the platform the text is rendered for. A renderer for another
	// platform shows Text (the person's name) instead of a mention.
	Platform Platform
	// At and Style are the moment and the parts shown of a SpanTime.
	At    time.Time
	Style TimeStyle
}

// Text is formatted text: a sequence of spans. The zero value is empty.
// Build it with Plain, Bold, Mention, Link, Textf, Lines and Join; user
// input goes in through Plain or a Textf argument, so renderers always
// show it inert (see SpanKind).
type Text struct {
	spans []Span
}

// Plain is text shown as given, inert and on one line. Use it for
// anything a user typed or a platform profile supplied.
func Plain(s string) Text { return span(SpanPlain, s, "") }

// Break is a line break.
func Break() Text { return Text{spans: []Span{{Kind: SpanBreak}}} }

// Bold is bold text; s is escaped like Plain.
func Bold(s string) Text { return span(SpanBold, s, "") }

// Italic is italic text; s is escaped like Plain.
func Italic(s string) Text { return span(SpanItalic, s, "") }

// Code is inline code; s is escaped like Plain.
func Code(s string) Text { return span(SpanCode, s, "") }

// Strike is struck-through text; s is escaped like Plain.
func Strike(s string) Text { return span(SpanStrike, s, "") }

// Mention mentions a user by platform user id (Slack "U123ABC"). A
// renderer shows an id it cannot trust as plain text.
func Mention(userID string) Text { return span(SpanMention, "", userID) }

// MentionOn mentions a user of platform p by id; renderers for other
// platforms show name (escaped like Plain) instead.
func MentionOn(p Platform, userID, name string) Text {
	if userID == "" {
		return Plain(name)
	}
	return Text{spans: []Span{{Kind: SpanMention, Text: name, Target: userID, Platform: p}}}
}

// Time is the moment t, shown in each viewer's own time zone and
// format where the platform can; fallback (escaped like Plain) is the
// text shown everywhere else, formatted by the caller.
func Time(t time.Time, style TimeStyle, fallback string) Text {
	if t.IsZero() {
		return Plain(fallback)
	}
	return Text{spans: []Span{{Kind: SpanTime, Text: fallback, At: t, Style: style}}}
}

// GroupMention mentions a user group by platform id (Slack "S123ABC").
func GroupMention(groupID string) Text { return span(SpanGroupMention, "", groupID) }

// Link links url with label (escaped like Plain). Only http, https and
// mailto URLs become links; renderers show anything else as plain text.
func Link(url, label string) Text { return span(SpanLink, label, url) }

func span(k SpanKind, text, target string) Text {
	if text == "" && target == "" {
		return Text{}
	}
	return Text{spans: []Span{{Kind: k, Text: text, Target: target}}}
}

// Join concatenates texts.
func Join(parts ...Text) Text {
	var n int
	for _, p := range parts {
		n += len(p.spans)
	}
	out := make([]Span, 0, n)
	for _, p := range parts {
		out = append(out, p.spans...)
	}
	return Text{spans: out}
}

// Lines joins texts with line breaks.
func Lines(lines ...Text) Text {
	parts := make([]Text, 0, 2*len(lines))
	for i, l := range lines {
		if i > 0 {
			parts = append(parts, Break())
		}
		parts = append(parts, l)
	}
	return Join(parts...)
}

// Append returns t followed by parts.
func (t Text) Append(parts ...Text) Text {
	return Join(append([]Text{t}, parts...)...)
}

// Textf formats like fmt.Sprintf, but the result keeps formatting: the
// literal parts of format are plain text (a "\n" in format is a Break),
// a Text argument keeps its spans, and any other argument becomes
// Plain(fmt.Sprintf(verb, arg)), so a line break inside it is collapsed.
// Example: Textf("%s asks for %s", Mention(id), Bold(pkg)).
func Textf(format string, args ...any) Text {
	var out []Text
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			out = append(out, Plain(lit.String()))
			lit.Reset()
		}
	}
	argi := 0
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c == '\n' {
			flush()
			out = append(out, Break())
			continue
		}
		if c != '%' {
			lit.WriteByte(c)
			continue
		}
		// Read a verb: flags, width and precision up to a letter.
		j := i + 1
		for j < len(format) && strings.IndexByte("+-# 0123456789.", format[j]) >= 0 {
			j++
		}
		if j >= len(format) {
			lit.WriteString(format[i:])
			break
		}
		verb := format[i : j+1]
		i = j
		if format[j] == '%' {
			lit.WriteByte('%')
			continue
		}
		if argi >= len(args) {
			lit.WriteString("%!" + string(format[j]) + "(MISSING)")
			continue
		}
		arg := args[argi]
		argi++
		if t, ok := arg.(Text); ok && (format[j] == 's' || format[j] == 'v') {
			flush()
			out = append(out, t)
			continue
		}
		lit.WriteString(fmt.Sprintf(verb, arg))
	}
	flush()
	return Join(out...)
}

// FromSpans is the text made of spans (a copy), for renderers that
// split a text; renderers check every span's target again.
func FromSpans(spans []Span) Text {
	return Text{spans: append([]Span(nil), spans...)}
}

// Spans returns a copy of the spans, for renderers.
func (t Text) Spans() []Span {
	return append([]Span(nil), t.spans...)
}

// IsZero reports whether the text shows nothing (line breaks alone
// count as nothing).
func (t Text) IsZero() bool {
	for _, s := range t.spans {
		if s.Text != "" || s.Target != "" {
			return false
		}
	}
	return true
}

// String is the text without formatting, for logs, tests and platforms
// without markup: mentions become "@id", links "label (url)".
func (t Text) String() string {
	var b strings.Builder
	for _, s := range t.spans {
		switch s.Kind {
		case SpanBreak:
			b.WriteByte('\n')
		case SpanMention, SpanGroupMention:
			b.WriteString("@" + s.Target)
		case SpanLink:
			if s.Text == "" || s.Text == s.Target {
				b.WriteString(s.Target)
			} else {
				b.WriteString(s.Text + " (" + s.Target + ")")
			}
		default:
			b.WriteString(s.Text)
		}
	}
	return b.String()
}
