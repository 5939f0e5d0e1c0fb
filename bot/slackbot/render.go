package slackbot

import (
	"fmt"
	"strconv"

	"github.com/slack-go/slack"

	"github.com/chataccess/chataccess/bot"
)

// ContentError says a message, modal or Home cannot be rendered without
// losing meaning: an id, a value or private metadata over Slack's limit.
// Text is shortened instead; ids and values never are, because a cut
// value would route a click to the wrong place.
type ContentError struct {
	Field string
	Len   int
	Limit int
}

func (e *ContentError) Error() string {
	return fmt.Sprintf("slack render: %s is %d characters, limit %d", e.Field, e.Len, e.Limit)
}

// Is makes errors.Is(err, bot.ErrInvalidContent) true.
func (e *ContentError) Is(target error) bool { return target == bot.ErrInvalidContent }

func checkLen(field, s string, limit int) error {
	if n := runes(s); n > limit {
		return &ContentError{Field: field, Len: n, Limit: limit}
	}
	return nil
}

// RenderedMessage is a message ready for chat.postMessage and friends.
type RenderedMessage struct {
	// Text is the fallback text, always set.
	Text   string        `json:"text"`
	Blocks []slack.Block `json:"blocks,omitempty"`
}

// RenderMessage is Renderer.Message in English.
func RenderMessage(m bot.Message) (RenderedMessage, error) { return Renderer{}.Message(m) }

// Message turns a neutral message into Block Kit within Slack's message
// limits: long text is cut with an ellipsis, counts are capped, and when
// blocks must go the actions stay and a "…N more" line says so. A
// message of text alone is drawn as section blocks too: Slack reads a
// message's top-level text with its own link and mention parsing, so
// that text is only the notification fallback.
func (r Renderer) Message(m bot.Message) (RenderedMessage, error) {
	w := r.words(m.Lang)
	in := m.Blocks
	if len(in) == 0 && !m.Text.IsZero() {
		in = textSections(m.Text)
	}
	blocks, err := renderBlocks(in, maxMessageBlocks, false, w)
	if err != nil {
		return RenderedMessage{}, err
	}
	return RenderedMessage{Text: fallback(m, w), Blocks: blocks}, nil
}

// textSections splits a text into sections that each fit Slack's
// section limit, at line breaks where it can (a longer line is cut).
func textSections(t bot.Text) []bot.Block {
	var lines [][]bot.Span
	line := []bot.Span{}
	for _, s := range t.Spans() {
		if s.Kind == bot.SpanBreak {
			lines = append(lines, line)
			line = []bot.Span{}
			continue
		}
		line = append(line, s)
	}
	lines = append(lines, line)
	var out []bot.Block
	var cur []bot.Span
	for i, l := range lines {
		next := l
		if i > 0 {
			next = append(append(append([]bot.Span(nil), cur...), bot.Span{Kind: bot.SpanBreak}), l...)
		}
		if i > 0 && runes(mrkdwn(bot.FromSpans(next))) > maxSectionText {
			out = append(out, &bot.Section{Text: bot.FromSpans(cur)})
			next = l
		}
		cur = next
	}
	return append(out, &bot.Section{Text: bot.FromSpans(cur)})
}

// fallback is the message's notification text: its Text, or else the
// first header or section, or else a generic line. Never empty.
func fallback(m bot.Message, w *words) string {
	t := m.Text
	for _, b := range m.Blocks {
		if !t.IsZero() {
			break
		}
		switch b := b.(type) {
		case *bot.Header:
			t = bot.Plain(b.Text)
		case *bot.Section:
			t = b.Text
		}
	}
	if t.IsZero() {
		t = bot.Plain(w.say("adapter.new_message", "New message from chataccess"))
	}
	return cutMarkup(mrkdwn(t), maxFallbackText)
}

// RenderModal is Renderer.Modal in English.
func RenderModal(m bot.Modal) (slack.ModalViewRequest, error) { return Renderer{}.Modal(m) }

// Modal turns a neutral modal into a Slack modal view. It fails when
// the callback id or private metadata is over the limit, rather than
// cutting state the submit handler needs.
func (r Renderer) Modal(m bot.Modal) (slack.ModalViewRequest, error) {
	var v slack.ModalViewRequest
	w := r.words(m.Lang)
	if err := checkLen("modal private_metadata", m.PrivateMetadata, maxPrivateMetadata); err != nil {
		return v, err
	}
	if err := checkLen("modal callback_id", m.CallbackID, maxIDLen); err != nil {
		return v, err
	}
	if err := checkLen("modal external_id", m.ExternalID, maxIDLen); err != nil {
		return v, err
	}
	blocks, err := renderBlocks(m.Blocks, maxViewBlocks, true, w)
	if err != nil {
		return v, err
	}
	title := m.Title
	if title == "" {
		title = "chataccess"
	}
	v = slack.ModalViewRequest{
		Type:            slack.VTModal,
		Title:           plain(title, maxViewTitle),
		Blocks:          slack.Blocks{BlockSet: blocks},
		PrivateMetadata: m.PrivateMetadata,
		CallbackID:      m.CallbackID,
		ExternalID:      m.ExternalID,
		NotifyOnClose:   m.NotifyOnClose,
	}
	if m.Close != "" {
		v.Close = plain(m.Close, maxViewTitle)
	}
	submit := m.Submit
	if submit == "" && hasInput(m.Blocks) {
		submit = w.say("adapter.submit", "Submit")
	}
	if submit != "" {
		v.Submit = plain(submit, maxViewTitle)
	}
	return v, nil
}

// RenderHome is Renderer.Home in English.
func RenderHome(h bot.Home) (slack.HomeTabViewRequest, error) { return Renderer{}.Home(h) }

// Home turns a neutral Home into a Slack Home tab view.
func (r Renderer) Home(h bot.Home) (slack.HomeTabViewRequest, error) {
	var v slack.HomeTabViewRequest
	if err := checkLen("home private_metadata", h.PrivateMetadata, maxPrivateMetadata); err != nil {
		return v, err
	}
	if err := checkLen("home callback_id", h.CallbackID, maxIDLen); err != nil {
		return v, err
	}
	blocks, err := renderBlocks(h.Blocks, maxViewBlocks, false, r.words(h.Lang))
	if err != nil {
		return v, err
	}
	return slack.HomeTabViewRequest{
		Type:            slack.VTHomeTab,
		Blocks:          slack.Blocks{BlockSet: blocks},
		PrivateMetadata: h.PrivateMetadata,
		CallbackID:      h.CallbackID,
	}, nil
}

func hasInput(bs []bot.Block) bool {
	for _, b := range bs {
		if _, ok := b.(*bot.Input); ok {
			return true
		}
	}
	return false
}

// rendered is one rendered block and whether it must survive a cut.
type rendered struct {
	block slack.Block
	keep  bool
}

func renderBlocks(in []bot.Block, limit int, inputs bool, w *words) ([]slack.Block, error) {
	seen := map[string]bool{}
	out := make([]rendered, 0, len(in))
	for i, b := range in {
		id := blockID(b)
		if id != "" {
			if err := checkLen("block_id", id, maxIDLen); err != nil {
				return nil, err
			}
			if seen[id] {
				return nil, fmt.Errorf("slack render: block %d: duplicate block_id %q: %w", i, id, bot.ErrInvalidContent)
			}
			seen[id] = true
		}
		r, err := renderBlock(b, inputs, w)
		if err != nil {
			return nil, fmt.Errorf("slack render: block %d: %w", i, err)
		}
		if r.block != nil {
			out = append(out, r)
		}
	}
	return capBlocks(out, limit, w), nil
}

// capBlocks keeps at most limit blocks. Actions and inputs are kept
// first; the other blocks are kept from the top, and a context line
// says how many were left out.
func capBlocks(in []rendered, limit int, w *words) []slack.Block {
	if len(in) <= limit {
		bs := make([]slack.Block, len(in))
		for i, r := range in {
			bs[i] = r.block
		}
		return bs
	}
	budget := limit - 1 // one for the "…N more" line
	keepers := 0
	for _, r := range in {
		if r.keep {
			keepers++
		}
	}
	keepers = min(keepers, budget)
	others := budget - keepers
	out := make([]slack.Block, 0, limit)
	dropped, noted := 0, false
	for _, r := range in {
		switch {
		case r.keep && keepers > 0:
			keepers--
		case !r.keep && others > 0:
			others--
		default:
			dropped++
			continue
		}
		if dropped > 0 && !noted {
			// Place the note where the first blocks went missing.
			out = append(out, nil)
			noted = true
		}
		out = append(out, r.block)
	}
	note := slack.NewContextBlock("", md(bot.Plain(w.count("adapter.more_not_shown", dropped, "…"+strconv.Itoa(dropped)+" more not shown")), maxContextText))
	for i, b := range out {
		if b == nil {
			out[i] = note
			return out
		}
	}
	return append(out, note)
}

func blockID(b bot.Block) string {
	switch b := b.(type) {
	case *bot.Header:
		return b.BlockID
	case *bot.Section:
		return b.BlockID
	case *bot.Context:
		return b.BlockID
	case *bot.Divider:
		return b.BlockID
	case *bot.Actions:
		return b.BlockID
	case *bot.Input:
		return b.BlockID
	}
	return ""
}

// plain is a plain_text object: Slack shows no markup in it; invisible
// characters and line breaks are taken out here.
func plain(s string, limit int) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, cut(oneLine(s), limit), true, false)
}

// md is a mrkdwn object with verbatim: true, so Slack does not turn
// URLs, channel names or @words into links and mentions; the only
// markup is what mrkdwn generated.
func md(t bot.Text, limit int) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, cutMarkup(mrkdwn(t), limit), false, true)
}

func renderBlock(b bot.Block, inputs bool, w *words) (rendered, error) {
	switch b := b.(type) {
	case *bot.Header:
		if b.Text == "" {
			return rendered{}, nil
		}
		h := slack.NewHeaderBlock(plain(b.Text, maxHeaderText))
		h.BlockID = b.BlockID
		return rendered{block: h}, nil
	case *bot.Section:
		return renderSection(b, w)
	case *bot.Context:
		var els []slack.MixedElement
		texts := capTexts(b.Elements, maxContextElements, w)
		for _, t := range texts {
			els = append(els, md(t, maxContextText))
		}
		if len(els) == 0 {
			return rendered{}, nil
		}
		return rendered{block: slack.NewContextBlock(b.BlockID, els...)}, nil
	case *bot.Divider:
		d := slack.NewDividerBlock()
		d.BlockID = b.BlockID
		return rendered{block: d}, nil
	case *bot.Actions:
		var els []slack.BlockElement
		for _, e := range b.Elements {
			if len(els) == maxActionElements {
				break
			}
			el, err := renderElement(e, w)
			if err != nil {
				return rendered{}, err
			}
			if el != nil {
				els = append(els, el)
			}
		}
		if len(els) == 0 {
			return rendered{}, nil
		}
		return rendered{block: slack.NewActionBlock(b.BlockID, els...), keep: true}, nil
	case *bot.Input:
		if !inputs {
			return rendered{}, fmt.Errorf("input block %q outside a modal: %w", b.BlockID, bot.ErrInvalidContent)
		}
		return renderInput(b, w)
	case nil:
		return rendered{}, nil
	}
	return rendered{}, fmt.Errorf("unknown block type %T: %w", b, bot.ErrInvalidContent)
}

// capTexts keeps at most limit non-empty texts; when there are more,
// the last kept one says how many were left out.
func capTexts(in []bot.Text, limit int, w *words) []bot.Text {
	var out []bot.Text
	for _, t := range in {
		if !t.IsZero() {
			out = append(out, t)
		}
	}
	if len(out) > limit {
		more := len(out) - (limit - 1)
		out = append(out[:limit-1], bot.Plain(w.count("adapter.more", more, "…"+strconv.Itoa(more)+" more")))
	}
	return out
}

func renderSection(b *bot.Section, w *words) (rendered, error) {
	var text *slack.TextBlockObject
	if !b.Text.IsZero() {
		text = md(b.Text, maxSectionText)
	}
	var fields []*slack.TextBlockObject
	for _, f := range capTexts(b.Fields, maxFields, w) {
		fields = append(fields, md(f, maxFieldText))
	}
	if text == nil && len(fields) == 0 {
		return rendered{}, nil
	}
	var acc *slack.Accessory
	if b.Accessory != nil {
		el, err := renderElement(b.Accessory, w)
		if err != nil {
			return rendered{}, err
		}
		if el != nil {
			acc = slack.NewAccessory(el)
		}
	}
	s := slack.NewSectionBlock(text, fields, acc)
	s.BlockID = b.BlockID
	return rendered{block: s, keep: acc != nil}, nil
}
