package approvals

import (
	"strings"
	"unicode"
)

// CleanText is free text from people (a justification, a deny reason, a
// note) as the ledger keeps it: characters that show as nothing or
// change how the text around them is shown are removed (bidi overrides
// and isolates such as U+202E, zero-width spaces and joiners, the byte
// order mark, soft hyphens, control characters, blank fillers); every
// kind of line break becomes "\n" and tabs become spaces. What remains
// is what people see. Chat renderers show it inert again on their side.
func CleanText(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	afterCR := false
	for _, r := range s {
		switch {
		case lineBreak(r):
			if !(r == '\n' && afterCR) {
				b.WriteByte('\n')
			}
			afterCR = r == '\r'
			continue
		case r == '\t':
			r = ' '
		case Invisible(r):
			afterCR = false
			continue
		}
		afterCR = false
		b.WriteRune(r)
	}
	return b.String()
}

// CleanName is a person's name (a chat display name, a profile's first
// or last name) as the ledger keeps it: CleanText on one line, with runs
// of blanks collapsed and the ends trimmed.
func CleanName(s string) string {
	return strings.Join(strings.Fields(CleanText(s)), " ")
}

func lineBreak(r rune) bool {
	switch r {
	case '\n', '\r', '\v', '\f', '\u0085', '\u2028', '\u2029':
		return true
	}
	return false
}

// Invisible reports whether r shows as nothing or changes how the text
// around it is shown: control and format characters (Unicode Cc and Cf:
// bidi controls, zero-width characters, BOM, soft hyphen, tags) and
// characters that render as blank space of no width (Hangul fillers,
// the combining grapheme joiner, Khmer inherent vowels, Mongolian
// variation selectors). Tab and line breaks are handled by the callers.
func Invisible(r rune) bool {
	switch {
	case r == '\t' || lineBreak(r):
		return false
	case unicode.Is(unicode.Cc, r), unicode.Is(unicode.Cf, r):
		return true
	case r == '\u034F', r == '\u115F', r == '\u1160', r == '\u3164', r == '\uFFA0',
		r == '\u17B4', r == '\u17B5', r >= '\u180B' && r <= '\u180F':
		return true
	}
	return false
}
