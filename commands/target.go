package commands

import (
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/i18n"
)

// groupPrefix types a user group as the target: group:NAME, or
// group:"NAME WITH SPACES" (straight or curly quotes).
const groupPrefix = "group:"

// groupTarget reads a user group target at the token that started at
// start: group:NAME, or group:"…" up to the closing quote, which may lie
// past the token's spaces. ok is false when the token is no group.
func (s *scanner) groupTarget(start int, tok string, quoted bool) (string, bool) {
	if quoted || len(tok) < len(groupPrefix) || !strings.EqualFold(tok[:len(groupPrefix)], groupPrefix) {
		return "", false
	}
	rest := s.text[start:]
	rest = rest[strings.Index(strings.ToLower(rest), groupPrefix)+len(groupPrefix):]
	open, n := utf8.DecodeRuneInString(rest)
	closing, isQuote := map[rune]rune{'"': '"', '“': '”', '”': '”'}[open]
	if !isQuote {
		return strings.TrimSpace(tok[len(groupPrefix):]), true
	}
	end := strings.IndexRune(rest[n:], closing)
	if end < 0 {
		s.pos = len(s.text) // unclosed: the rest is the name
		return strings.TrimSpace(rest[n:]), true
	}
	name := rest[n : n+end]
	s.pos = len(s.text) - len(rest) + n + end + utf8.RuneLen(closing)
	return strings.TrimSpace(name), true
}

// groupTargetText is the sentence of a refused user group target, in
// l when it has a message id (the vendors' refusals), else the domain's
// English (see approvals.GroupTargetError).
func groupTargetText(l *i18n.Lang, err error) bot.Text {
	var ge *approvals.GroupTargetError
	if errors.As(err, &ge) {
		return l.Sentence(ge.Key, ge.Args, ge.Human())
	}
	return bot.Plain(err.Error())
}
