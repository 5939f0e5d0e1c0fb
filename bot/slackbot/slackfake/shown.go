package slackfake

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// Shown is how Slack would show one text object of a message: what
// people read and what in it is live. It follows Slack's mrkdwn rules
// (docs.slack.dev/messaging/formatting-message-text): *bold*, _italic_,
// ~strike~ at word edges, `code`, a line starting with > as a quote,
// <url|label> links, <@U…>, <!here> and <!subteam^S…> mentions, and,
// unless the object is verbatim, links and mentions Slack finds on its
// own in bare URLs, www. addresses, email addresses and @here-style
// words. It errs on the side of finding markup, so a test that finds
// none can trust the answer.
type Shown struct {
	// Path locates the object, e.g. "blocks[3].text".
	Path string
	// Type is plain_text or mrkdwn; Verbatim its verbatim flag.
	Type     string
	Verbatim bool
	// Lines are the lines people read (entities decoded).
	Lines []string
	// Bold, Italic, Strike and Code are the formatted runs.
	Bold, Italic, Strike, Code []string
	// Quotes are the lines shown as a block quote.
	Quotes []string
	// Links are link targets, Mentions the people and groups notified.
	Links, Mentions []string
	// Invisible are format and control characters in the text (bidi
	// overrides, zero-width characters).
	Invisible []string
}

// Live reports whether the object carries any formatting, link, mention,
// quote or invisible character.
func (s Shown) Live() bool {
	return len(s.Bold)+len(s.Italic)+len(s.Strike)+len(s.Code)+len(s.Quotes)+len(s.Links)+len(s.Mentions)+len(s.Invisible) > 0
}

// Shown returns how Slack would show each text object of the message's
// blocks (and, when it has none, its top-level text, which Slack always
// parses for links).
func (m Message) Shown() []Shown { return ShownBlocks(m.Blocks, m.Text) }

// ShownBlocks is Shown for a raw blocks JSON array and fallback text.
func ShownBlocks(blocksJSON, text string) []Shown {
	var blocks []any
	if blocksJSON != "" {
		_ = json.Unmarshal([]byte(blocksJSON), &blocks)
	}
	if len(blocks) == 0 {
		if text == "" {
			return nil
		}
		return []Shown{show("text", "mrkdwn", text, false)}
	}
	var out []Shown
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if t, ok := v["type"].(string); ok && (t == "mrkdwn" || t == "plain_text") {
				if s, ok := v["text"].(string); ok {
					verbatim, _ := v["verbatim"].(bool)
					out = append(out, show(path, t, s, verbatim))
					return
				}
			}
			keys := make([]string, 0, len(v))
			for k := range v {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				walk(path+"."+k, v[k])
			}
		case []any:
			for i, e := range v {
				walk(fmt.Sprintf("%s[%d]", path, i), e)
			}
		}
	}
	walk("blocks", blocks)
	return out
}

var (
	tokenRE    = regexp.MustCompile(`<([^<>]*)>`)
	bareURLRE  = regexp.MustCompile(`(?i)\b(?:[a-z][a-z0-9+.-]*://|www\.)[^\s<>]+`)
	emailRE    = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`)
	domainRE   = regexp.MustCompile(`(?i)\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|io|test|example|co|dev|app)\b(?:/[^\s<>]*)?`)
	atWordRE   = regexp.MustCompile(`(?i)(?:^|[^\w])[@!](here|channel|everyone)\b`)
	codeRE     = regexp.MustCompile("`([^`]+)`")
	entityRepl = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")
)

func show(path, typ, raw string, verbatim bool) Shown {
	s := Shown{Path: path, Type: typ, Verbatim: verbatim}
	for _, r := range raw {
		if r != '\n' && r != '\t' && (unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Cc, r)) {
			s.Invisible = append(s.Invisible, fmt.Sprintf("%U", r))
		}
	}
	if typ == "plain_text" {
		s.Lines = strings.Split(raw, "\n")
		return s
	}
	for _, line := range strings.Split(raw, "\n") {
		if strings.HasPrefix(line, "&gt;") || strings.HasPrefix(line, ">") {
			s.Quotes = append(s.Quotes, line)
		}
		// Explicit tokens first; what they hold is not formatted further.
		line = tokenRE.ReplaceAllStringFunc(line, func(tok string) string {
			inner := tok[1 : len(tok)-1]
			target, label, _ := strings.Cut(inner, "|")
			switch {
			case strings.HasPrefix(target, "!date^"):
				// A date token: clients show the moment in the
				// reader's zone and format; the label is its fallback.
				return label
			case strings.HasPrefix(target, "@"), strings.HasPrefix(target, "!"):
				s.Mentions = append(s.Mentions, target)
				return "@" + strings.TrimLeft(target, "@!")
			case strings.HasPrefix(target, "#"):
				s.Links = append(s.Links, target)
				return target
			case strings.Contains(target, ":"):
				s.Links = append(s.Links, target)
				if label != "" {
					return label
				}
				return target
			}
			return tok
		})
		for _, m := range codeRE.FindAllStringSubmatch(line, -1) {
			s.Code = append(s.Code, entityRepl.Replace(m[1]))
		}
		plainPart := codeRE.ReplaceAllString(line, " ")
		s.Bold = append(s.Bold, runs(plainPart, '*')...)
		s.Italic = append(s.Italic, runs(plainPart, '_')...)
		s.Strike = append(s.Strike, runs(plainPart, '~')...)
		if !verbatim {
			decoded := entityRepl.Replace(plainPart)
			s.Links = append(s.Links, bareURLRE.FindAllString(decoded, -1)...)
			s.Links = append(s.Links, emailRE.FindAllString(decoded, -1)...)
			s.Links = append(s.Links, domainRE.FindAllString(decoded, -1)...)
			for _, m := range atWordRE.FindAllStringSubmatch(decoded, -1) {
				s.Mentions = append(s.Mentions, m[1])
			}
		}
		s.Lines = append(s.Lines, entityRepl.Replace(line))
	}
	return s
}

// runs finds marker-delimited runs the way Slack formats them: the
// opening marker at the start or after a non-word character and before
// a non-space, the closing one after a non-space and before the end or
// a non-word character, on one line.
func runs(line string, marker rune) []string {
	rs := []rune(line)
	word := func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
	var out []string
	for i := 0; i < len(rs); i++ {
		if rs[i] != marker || (i > 0 && word(rs[i-1])) || i+1 >= len(rs) || unicode.IsSpace(rs[i+1]) {
			continue
		}
		for j := i + 2; j < len(rs); j++ {
			if rs[j] == marker && !unicode.IsSpace(rs[j-1]) && (j+1 == len(rs) || !word(rs[j+1])) {
				out = append(out, string(rs[i+1:j]))
				i = j
				break
			}
		}
	}
	return out
}
