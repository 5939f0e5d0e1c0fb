package teamsbot

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/chataccess/chataccess/bot"
)

// Teams limits. Sources: learn.microsoft.com microsoftteams/platform
// bots/how-to/format-your-bot-messages (message size 100 KB, 413
// MessageSizeTooBig; older documents say 40 KB) and the project's
// Teams reference (§0, keep ≤ 80 KB).
const (
	// maxCardBytes is the budget of one card's JSON. It keeps a message
	// under the oldest documented limit (40 KB) with room for the
	// activity around it, so 413 never happens.
	maxCardBytes   = 36 << 10
	maxTextBlock   = 4000 // characters of one TextBlock
	maxFactValue   = 1000
	maxTitle       = 120 // button, dialog and choice titles
	maxDialogTitle = 60
	maxChoices     = 100
	maxData        = 1024 // bytes of a button's value
)

// ErrTooLarge says a card cannot be made to fit Teams' size limit.
var ErrTooLarge = fmt.Errorf("adaptive card too large: %w", bot.ErrInvalidContent)

// renderer turns the bot model into Adaptive Cards.
type renderer struct {
	m *mentions
	// hasEmail says the dialog being drawn has an email input.
	hasEmail bool
	// w says the renderer's own words (a default button label, the
	// note of a shortened card) in the language of what it draws.
	w words
}

// words are the renderer's own words in one language: Phrases in lang
// (a message's Lang; "" is the Phrases' default, the policy's
// language), English without Phrases.
type words struct {
	p    bot.Phrases
	lang string
}

func (w words) say(id, english string) string { return bot.Say(w.p, w.lang, id, english) }

// Rendered is a message ready for the Bot Connector: the fallback text
// and the card (nil for a text-only message).
type Rendered struct {
	Text string
	Card *card
}

// Activity returns the outbound message activity. A card goes without
// text (Teams would show the text above the card as a second copy); the
// fallback text is its summary, which notifications show.
func (r Rendered) Activity() *Activity {
	if r.Card == nil {
		return &Activity{Type: typeMessage, Text: r.Text}
	}
	return &Activity{Type: typeMessage, Summary: r.Text,
		Attachments: []Attachment{{ContentType: contentTypeCard, Content: r.Card}}}
}

// MarshalCard returns the card's JSON (for golden files and tests).
func (r Rendered) MarshalCard() ([]byte, error) { return json.MarshalIndent(r.Card, "", "  ") }

// RenderMessage renders a message as an Adaptive Card with fallback
// text, its own words in English (see renderMessage). names gives
// display names for mentions without one (nil: none). Cards with
// buttons carry a refresh action, so Teams asks the bot for the current
// card whenever someone views it.
func RenderMessage(msg bot.Message, names func(string) string) (Rendered, error) {
	return renderMessage(msg, names, nil)
}

// renderMessage is RenderMessage with its own words from p in the
// message's language.
func renderMessage(msg bot.Message, names func(string) string, p bot.Phrases) (Rendered, error) {
	r := renderer{m: newMentions(names), w: words{p: p, lang: msg.Lang}}
	fallback := plainString(msg.Text)
	if len(msg.Blocks) == 0 {
		c := newCard()
		for i, line := range textLines(msg.Text, r.m) {
			c.Body = append(c.Body, r.line(line, i > 0))
		}
		return r.finish(c, fallback, false)
	}
	c := newCard()
	executes := false
	sep := false
	for _, b := range msg.Blocks {
		if _, ok := b.(*bot.Divider); ok {
			sep = true
			continue
		}
		els, exec := r.block(b)
		executes = executes || exec
		if sep && len(els) > 0 {
			els[0].Separator, els[0].Spacing = true, "Medium"
			sep = false
		}
		c.Body = append(c.Body, els...)
	}
	if fallback == "" {
		fallback = firstText(msg.Blocks)
	}
	return r.finish(c, fallback, executes)
}

// finish adds mentions, fallback and refresh, and keeps the card under
// the size budget by dropping trailing body elements.
func (r renderer) finish(c *card, fallback string, refreshable bool) (Rendered, error) {
	fallback = clip(fallback, 1000)
	c.FallbackText = fallback
	c.MSTeams = &cardTeams{Width: "Full"}
	if refreshable {
		c.Refresh = &refresh{Action: &action{Type: "Action.Execute", Verb: verbRefresh}}
	}
	if err := fit(c, r.m, r.w); err != nil {
		return Rendered{}, err
	}
	return Rendered{Text: fallback, Card: c}, nil
}

// fit drops body elements from the end (but never the first) until the
// card's JSON fits maxCardBytes, and says so in a last line.
func fit(c *card, m *mentions, w words) error {
	c.MSTeams.Entities = usedEntities(c, m)
	for {
		data, err := json.Marshal(c)
		if err != nil {
			return fmt.Errorf("encode card: %w", err)
		}
		if len(data) <= maxCardBytes {
			return nil
		}
		if len(c.Body) <= 2 {
			return ErrTooLarge
		}
		c.Body = c.Body[:len(c.Body)-2]
		c.Body = append(c.Body, &element{Type: "TextBlock", Text: w.say("adapter.shortened", "Shortened to fit in Teams."), Wrap: true, IsSubtle: true, Size: "Small"})
		c.MSTeams.Entities = usedEntities(c, m)
	}
}

// usedEntities keeps the mention entities whose text the card still shows.
func usedEntities(c *card, m *mentions) []*Entity {
	if len(m.entities()) == 0 {
		return nil
	}
	data, _ := json.Marshal(c.Body)
	var out []*Entity
	for _, e := range m.entities() {
		enc, _ := json.Marshal(e.Text)
		if containsJSON(data, enc[1:len(enc)-1]) {
			out = append(out, e)
		}
	}
	return out
}

func containsJSON(hay, needle []byte) bool {
	return len(needle) > 0 && bytes.Contains(hay, needle)
}

func (r renderer) line(text string, follow bool) *element {
	tb := textBlock(clip(text, maxTextBlock))
	if follow {
		tb.Spacing = "None"
	}
	return tb
}

// block renders one block; the bool says it holds Action.Execute buttons.
func (r renderer) block(b bot.Block) ([]*element, bool) {
	switch b := b.(type) {
	case *bot.Header:
		return []*element{{Type: "TextBlock", Text: escape(clip(b.Text, 150), true), Wrap: true, Size: "Large", Weight: "Bolder", Style: "heading"}}, false
	case *bot.Section:
		return r.section(b)
	case *bot.Context:
		var out []*element
		for _, t := range b.Elements {
			tb := textBlock(clip(textString(t, r.m), maxTextBlock))
			tb.Size, tb.IsSubtle, tb.Spacing = "Small", true, "Small"
			out = append(out, tb)
		}
		return out, false
	case *bot.Actions:
		set := &element{Type: "ActionSet"}
		exec := false
		var extra []*element
		for _, el := range b.Elements {
			acts, els, e := r.element(b.BlockID, el)
			set.Actions = append(set.Actions, acts...)
			extra = append(extra, els...)
			exec = exec || e
		}
		if len(set.Actions) == 0 {
			return extra, exec
		}
		return append(extra, set), exec
	case *bot.Input:
		return r.input(b), false
	}
	return nil, false
}

func (r renderer) section(s *bot.Section) ([]*element, bool) {
	var out []*element
	if !s.Text.IsZero() {
		for i, line := range textLines(s.Text, r.m) {
			out = append(out, r.line(line, i > 0))
		}
	}
	if len(s.Fields) > 0 {
		fs := &element{Type: "FactSet"}
		for _, f := range s.Fields {
			fs.Facts = append(fs.Facts, r.fact(f))
		}
		out = append(out, fs)
	}
	exec := false
	if s.Accessory != nil {
		acts, els, e := r.element(s.BlockID, s.Accessory)
		out = append(out, els...)
		if len(acts) > 0 {
			out = append(out, &element{Type: "ActionSet", Actions: acts})
		}
		exec = e
	}
	return out, exec
}

// fact splits a field "label\nvalue" into a FactSet row.
func (r renderer) fact(t bot.Text) *fact {
	lines := textLines(t, r.m)
	title := ""
	if len(lines) > 1 {
		title = plainLabel(t)
		lines = lines[1:]
	}
	v := ""
	for i, l := range lines {
		if i > 0 {
			v += " "
		}
		v += l
	}
	return &fact{Title: clip(title, maxTitle), Value: clip(orStr(v, "—"), maxFactValue)}
}

// plainLabel is the first line of t, escaped (field labels are
// chataccess's own words, but stay inert anyway).
func plainLabel(t bot.Text) string {
	var first bot.Text
	for _, s := range t.Spans() {
		if s.Kind == bot.SpanBreak {
			break
		}
		first = first.Append(bot.Plain(s.Text))
	}
	return escape(first.String(), true)
}

func firstText(blocks []bot.Block) string {
	for _, b := range blocks {
		switch b := b.(type) {
		case *bot.Header:
			return inert(b.Text)
		case *bot.Section:
			if !b.Text.IsZero() {
				return plainString(b.Text)
			}
		}
	}
	return ""
}

// clip cuts s to n characters (runes), marking the cut with "…".
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
