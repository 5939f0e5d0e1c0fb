package commands

import (
	"errors"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/i18n"
)

// Verb is the first word of a command.
type Verb string

// Verbs of the command grammar.
const (
	VerbHelp    Verb = "help"
	VerbAdd     Verb = "add"
	VerbRemove  Verb = "remove"
	VerbStatus  Verb = "status"
	VerbList    Verb = "list"
	VerbPending Verb = "pending"
	VerbCancel  Verb = "cancel"
	VerbReview  Verb = "review"
)

// verbAliases maps what people type to a verb.
var verbAliases = map[string]Verb{
	"help": VerbHelp, "?": VerbHelp,
	"add": VerbAdd, "grant": VerbAdd, "request": VerbAdd,
	"remove": VerbRemove, "rm": VerbRemove, "revoke": VerbRemove,
	"status": VerbStatus, "show": VerbStatus,
	"list": VerbList, "ls": VerbList, "mine": VerbList,
	"pending": VerbPending, "inbox": VerbPending,
	"cancel": VerbCancel, "withdraw": VerbCancel,
	"review": VerbReview, "reviews": VerbReview,
}

// MaxCommandText bounds the text Parse reads. Slack's slash command
// text is far shorter in practice; the bound keeps a hostile payload
// from costing more than a quick refusal.
const MaxCommandText = 4000

// maxPackageName bounds a package name token.
const maxPackageName = 64

// UserRef is a user as typed: an email address or a chat mention. It
// is never trusted as an identity; mentions are resolved to the
// verified email through the chat platform.
type UserRef struct {
	// Email is the lower-cased address when an email was typed.
	Email string
	// MentionID is the platform user id of a mention ("U123").
	MentionID string
	// Group is an Admin Console user group typed as group:NAME or
	// group:"NAME WITH SPACES" (see target.go).
	Group string
}

// IsZero reports whether no user was given.
func (u UserRef) IsZero() bool { return u.Email == "" && u.MentionID == "" && u.Group == "" }

// Parsed is one parsed command. Fields a verb does not use stay zero.
type Parsed struct {
	Verb    Verb
	User    UserRef
	Package string
	// Duration is the asked duration; HasDuration says one was typed,
	// Permanent that it was "permanent".
	Duration    time.Duration
	Permanent   bool
	HasDuration bool
	Reason      string
	// ID is the canonical request id of status and cancel.
	ID string
	// Sub is the review sub-command ("start").
	Sub string
	// Stray is the first word of an add that is neither a user nor a
	// known package ("add bob"): the slots go on after it, and the form
	// asks for what is missing.
	Stray string
}

// UsageError is a grammar mistake: what was wrong (a message of the
// catalog with its arguments) and which verb's usage to show.
type UsageError struct {
	Verb Verb
	Key  string
	Args i18n.M
}

// Error is the mistake in English.
func (e *UsageError) Error() string { return e.In(english(nil)).String() }

// In is the mistake in language l.
func (e *UsageError) In(l *i18n.Lang) bot.Text { return l.T(e.Key, e.Args) }

// ErrUsage matches every *UsageError with errors.Is.
var ErrUsage = errors.New("usage")

// Is makes errors.Is(err, ErrUsage) true.
func (e *UsageError) Is(target error) bool { return target == ErrUsage }

func usageErr(v Verb, key string, args i18n.M) error {
	return &UsageError{Verb: v, Key: key, Args: args}
}

// Parse reads the text after the command name. Grammar:
//
//	add [user] [package] [duration] [reason…]
//	remove [user] [package] [reason…]
//	status [id] | list | pending | cancel <id>
//	review start [package] | help
//
// A user is an email (also Slack's <mailto:a@b.c|a@b.c>) or a mention
// <@U123> / <@U123|name>. Pieces are optional from the right and may be
// skipped when the next token cannot fill the slot (a duration is never
// a package). The reason is the rest of the line; surrounding quotes,
// straight or curly, are removed, and a quoted word ends the slots.
// Parse is pure: it does not know the policy's packages.
func Parse(text string) (Parsed, error) { return ParseFor(text, nil) }

// ParseFor is Parse knowing which package names exist (known, given a
// lower-case name): the first word of an add that is neither a user nor
// a known package is then Stray instead of the package, so that
// "add bob" opens the form rather than refusing package "bob".
func ParseFor(text string, known func(string) bool) (Parsed, error) {
	if len(text) > MaxCommandText {
		return Parsed{}, usageErr(VerbHelp, "usage.too_long", i18n.M{"Length": len(text), "Max": MaxCommandText})
	}
	if !utf8.ValidString(text) {
		return Parsed{}, usageErr(VerbHelp, "usage.not_text", nil)
	}
	s := scanner{text: text}
	word, _ := s.next()
	if word == "" {
		return Parsed{Verb: VerbHelp}, nil
	}
	v, ok := verbAliases[strings.ToLower(word)]
	if !ok {
		return Parsed{}, usageErr(VerbHelp, "usage.unknown_command", i18n.M{"Word": clip(word, 40)})
	}
	p := Parsed{Verb: v}
	var err error
	switch v {
	case VerbHelp, VerbList, VerbPending:
		err = s.end(v)
	case VerbAdd:
		err = parseChange(&s, &p, true, known)
	case VerbRemove:
		err = parseChange(&s, &p, false, nil)
	case VerbStatus:
		if tok, q := s.next(); tok != "" || q {
			if p.ID, err = approvals.ParseRequestID(tok); err != nil {
				return Parsed{}, usageErr(v, "usage.not_request_id", i18n.M{"Token": clip(tok, 40)})
			}
			err = s.end(v)
		}
	case VerbCancel:
		tok, _ := s.next()
		if tok == "" {
			return Parsed{}, usageErr(v, "usage.which_request", nil)
		}
		if p.ID, err = approvals.ParseRequestID(tok); err != nil {
			return Parsed{}, usageErr(v, "usage.not_request_id", i18n.M{"Token": clip(tok, 40)})
		}
		err = s.end(v)
	case VerbReview:
		sub, _ := s.next()
		if !strings.EqualFold(sub, "start") {
			return Parsed{}, usageErr(v, "usage.review_start", nil)
		}
		p.Sub = "start"
		if tok, q := s.next(); tok != "" || q {
			if q || !isPackageName(tok) {
				return Parsed{}, usageErr(v, "usage.not_package", i18n.M{"Token": clip(tok, 40)})
			}
			p.Package = strings.ToLower(tok)
		}
		err = s.end(v)
	}
	if err != nil {
		return Parsed{}, err
	}
	return p, nil
}

// parseChange fills user, package, duration (add only) and reason;
// known is nil or says which packages exist (see ParseFor).
func parseChange(s *scanner, p *Parsed, add bool, known func(string) bool) error {
	v := p.Verb
	// User slot.
	save := s.pos
	tok, quoted := s.next()
	if g, ok := s.groupTarget(save, tok, quoted); ok {
		p.User = UserRef{Group: g}
	} else if tok != "" && !quoted && looksLikeUser(tok) {
		u, err := parseUser(tok)
		if err != nil {
			if ue, ok := err.(*UsageError); ok {
				ue.Verb = v
			}
			return err
		}
		p.User = u
	} else {
		s.pos = save
	}
	if !packageSlot(s, p, known) && add && known != nil && p.User.IsZero() {
		// A stray first word: the package may come after it.
		save := s.pos
		if tok, quoted := s.next(); !quoted && isPackageName(tok) && !looksLikeDuration(tok) {
			p.Stray = tok
			packageSlot(s, p, known)
		} else {
			s.pos = save
		}
	}
	// Duration slot (add only).
	if add {
		save = s.pos
		tok, quoted = s.next()
		if tok != "" && !quoted && looksLikeDuration(tok) {
			d, perm, err := approvals.ParseDuration(tok)
			if err != nil {
				return usageErr(v, "usage.not_duration", i18n.M{"Token": clip(tok, 40)})
			}
			p.Duration, p.Permanent, p.HasDuration = d, perm, true
		} else {
			s.pos = save
		}
	}
	if p.User.IsZero() {
		save = s.pos
		if tok, quoted := s.next(); !quoted && looksLikeUser(tok) {
			return usageErr(v, "usage.user_first", i18n.M{"Token": clip(tok, 40)})
		}
		s.pos = save
	}
	p.Reason = slackText(unquote(strings.TrimSpace(s.text[s.pos:])))
	return nil
}

// packageSlot reads a package name into p and reports whether it did;
// when the next token is no package the scanner stays where it was (the
// reason starts there). With known set, a name of no package counts as
// a package only after a user, so that it is refused by name.
func packageSlot(s *scanner, p *Parsed, known func(string) bool) bool {
	save := s.pos
	tok, quoted := s.next()
	if tok == "" || quoted || looksLikeDuration(tok) || !isPackageName(tok) ||
		known != nil && p.User.IsZero() && !known(strings.ToLower(tok)) {
		s.pos = save
		return false
	}
	p.Package = strings.ToLower(tok)
	return true
}

// looksLikeUser says the token is meant as a user: an email or a
// mention, valid or not.
func looksLikeUser(tok string) bool {
	return strings.Contains(tok, "@") || strings.HasPrefix(strings.ToLower(tok), "<mailto:")
}

// parseUser reads an email, a mailto link or a user mention.
func parseUser(tok string) (UserRef, error) {
	if strings.HasPrefix(tok, "<@") && strings.HasSuffix(tok, ">") {
		id := tok[2 : len(tok)-1]
		if i := strings.IndexByte(id, '|'); i >= 0 {
			id = id[:i]
		}
		if !isUserID(id) {
			return UserRef{}, usageErr("", "usage.bad_mention", i18n.M{"Token": clip(tok, 40)})
		}
		return UserRef{MentionID: id}, nil
	}
	if strings.HasPrefix(tok, "<") && !strings.HasPrefix(strings.ToLower(tok), "<mailto:") {
		return UserRef{}, usageErr("", "usage.not_person", i18n.M{"Token": clip(tok, 40)})
	}
	if isPlainMention(tok) {
		return UserRef{}, usageErr("", "usage.plain_mention", i18n.M{"Token": clip(tok, 40)})
	}
	email, err := approvals.ParseEmail(tok)
	if err != nil {
		return UserRef{}, usageErr("", "usage.bad_email", i18n.M{"Token": clip(tok, 60)})
	}
	return UserRef{Email: email}, nil
}

// isPlainMention says tok is an @name that reached us as plain text: the
// person typed it without picking from Slack's list, or Slack found no
// member of that name (a real mention arrives as <@U123|name>).
func isPlainMention(tok string) bool {
	return len(tok) > 1 && tok[0] == '@' && !strings.Contains(tok[1:], "@")
}

// isUserID accepts Slack user ids: U or W then upper-case letters and
// digits.
func isUserID(id string) bool {
	if len(id) < 3 || len(id) > 32 || (id[0] != 'U' && id[0] != 'W') {
		return false
	}
	for i := 1; i < len(id); i++ {
		c := id[i]
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// looksLikeDuration says the token is meant as a duration.
func looksLikeDuration(tok string) bool {
	switch strings.ToLower(tok) {
	case "permanent", "perm", "forever", "indefinite":
		return true
	}
	return tok != "" && tok[0] >= '0' && tok[0] <= '9'
}

// isPackageName accepts the shape of package names: a letter, then
// letters, digits, '-' or '_'.
func isPackageName(tok string) bool {
	if tok == "" || len(tok) > maxPackageName {
		return false
	}
	for i, r := range strings.ToLower(tok) {
		switch {
		case r >= 'a' && r <= 'z':
		case i > 0 && (r >= '0' && r <= '9' || r == '-' || r == '_'):
		default:
			return false
		}
	}
	return true
}

// quote pairs: straight and the curly quotes Slack clients substitute.
var quotes = map[rune]rune{'"': '"', '“': '”', '”': '”', '\'': '\'', '‘': '’'}

// unquote removes one pair of surrounding quotes.
// slackTokenRE matches the tokens Slack writes into command text when the
// command escapes (manifest should_escape: true): links <url|label>,
// channels <#C…|name>, user groups <!subteam^S…|@name>, specials <!here>.
var slackTokenRE = regexp.MustCompile(`<(#[A-Z0-9]+|!subteam\^[A-Z0-9]+|![a-z]+|(?:https?|mailto|tel):[^|>]*)(?:\|([^>]*))?>`)

// slackText turns free text as Slack sends it (entities &amp; &lt; &gt;
// and the tokens above) back into what the person typed, so a reason
// reads as written. A mention typed inside a reason stays a mention's
// text, never a target. Tokens first, entities last: what a person typed
// as "&lt;" never becomes a token.
func slackText(s string) string {
	s = slackTokenRE.ReplaceAllStringFunc(s, func(tok string) string {
		m := slackTokenRE.FindStringSubmatch(tok)
		id, label := m[1], m[2]
		switch {
		case label != "" && strings.HasPrefix(id, "#"):
			return "#" + strings.TrimPrefix(label, "#")
		case label != "":
			return label
		case strings.HasPrefix(id, "!subteam^"):
			return "@" + strings.TrimPrefix(id, "!subteam^")
		case strings.HasPrefix(id, "!"):
			return "@" + id[1:]
		}
		return id
	})
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}

func unquote(s string) string {
	first, n := utf8.DecodeRuneInString(s)
	closing, ok := quotes[first]
	if !ok || len(s) <= n {
		return s
	}
	last, m := utf8.DecodeLastRuneInString(s)
	if last == closing || (closing == '”' && last == '"') || (first == '"' && last == '”') {
		if len(s)-m >= n {
			return strings.TrimSpace(s[n : len(s)-m])
		}
	}
	return s
}

// scanner splits command text into whitespace-separated tokens and
// tracks where it is, so the reason keeps its original spacing.
type scanner struct {
	text string
	pos  int
}

// next returns the next token and whether it starts with a quote. A
// quoted token is not consumed as a word: callers treat it as the
// start of the reason.
func (s *scanner) next() (string, bool) {
	for s.pos < len(s.text) {
		r, n := utf8.DecodeRuneInString(s.text[s.pos:])
		if !isSpace(r) {
			break
		}
		s.pos += n
	}
	if s.pos >= len(s.text) {
		return "", false
	}
	start := s.pos
	r, _ := utf8.DecodeRuneInString(s.text[start:])
	if _, ok := quotes[r]; ok && r != '\'' {
		return s.text[start:], true
	}
	for s.pos < len(s.text) {
		r, n := utf8.DecodeRuneInString(s.text[s.pos:])
		if isSpace(r) {
			break
		}
		s.pos += n
	}
	return s.text[start:s.pos], false
}

// end fails when anything but spaces is left.
func (s *scanner) end(v Verb) error {
	if rest := strings.TrimSpace(s.text[s.pos:]); rest != "" {
		return usageErr(v, "usage.unexpected", i18n.M{"Token": clip(rest, 40)})
	}
	return nil
}

func isSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\u00a0'
}

// clip shortens s to n runes for messages.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
