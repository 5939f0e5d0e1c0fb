package slackbot

import (
	"fmt"
	"slices"

	"github.com/slack-go/slack"

	"github.com/chataccess/chataccess/bot"
)

// renderElement renders a button or select; nil means "leave it out".
func renderElement(e bot.Element, w *words) (slack.BlockElement, error) {
	switch e := e.(type) {
	case *bot.Button:
		return renderButton(e, w)
	case *bot.Select:
		s, err := renderSelect(e, w)
		if s == nil || err != nil {
			return nil, err
		}
		return s, nil
	case nil:
		return nil, nil
	}
	return nil, fmt.Errorf("unknown element type %T: %w", e, bot.ErrInvalidContent)
}

func renderButton(b *bot.Button, w *words) (*slack.ButtonBlockElement, error) {
	if err := checkLen("button action_id", b.ActionID, maxIDLen); err != nil {
		return nil, err
	}
	if err := checkLen("button value", b.Value, maxButtonValue); err != nil {
		return nil, err
	}
	label := b.Text
	if label == "" {
		label = b.ActionID
	}
	el := slack.NewButtonBlockElement(b.ActionID, b.Value, plain(label, maxButtonText))
	switch b.Style {
	case bot.StylePrimary:
		el.Style = slack.StylePrimary
	case bot.StyleDanger:
		el.Style = slack.StyleDanger
	}
	if b.URL != "" {
		if !safeURL(b.URL) {
			return nil, fmt.Errorf("button %q: url not allowed: %w", b.ActionID, bot.ErrInvalidContent)
		}
		el.URL = b.URL
	}
	el.Confirm = renderConfirm(b.Confirm, w)
	return el, nil
}

func renderConfirm(c *bot.Confirm, w *words) *slack.ConfirmationBlockObject {
	if c == nil {
		return nil
	}
	title, yes, no := c.Title, c.Confirm, c.Deny
	if title == "" {
		title = w.say("adapter.sure", "Are you sure?")
	}
	if yes == "" {
		yes = w.say("adapter.yes", "Yes")
	}
	if no == "" {
		no = w.say("modal.cancel", "Cancel")
	}
	text := c.Text
	if text.IsZero() {
		text = bot.Plain(title)
	}
	conf := slack.NewConfirmationBlockObject(plain(title, maxConfirmTitle), md(text, maxConfirmText), plain(yes, maxConfirmButton), plain(no, maxConfirmButton))
	if c.Danger {
		conf.Style = slack.StyleDanger
	}
	return conf
}

// renderOptions caps options at Slack's 100 and validates values.
func renderOptions(in []bot.Option, withDesc bool) ([]*slack.OptionBlockObject, error) {
	var out []*slack.OptionBlockObject
	for _, o := range in {
		if len(out) == maxOptions {
			break
		}
		if err := checkLen("option value", o.Value, maxOptionValue); err != nil {
			return nil, err
		}
		text := o.Text
		if text == "" {
			text = o.Value
		}
		var desc *slack.TextBlockObject
		if withDesc && o.Description != "" {
			desc = plain(o.Description, maxOptionDesc)
		}
		out = append(out, slack.NewOptionBlockObject(o.Value, plain(text, maxOptionText), desc))
	}
	return out, nil
}

func findOption(opts []*slack.OptionBlockObject, value string) *slack.OptionBlockObject {
	if value == "" {
		return nil
	}
	i := slices.IndexFunc(opts, func(o *slack.OptionBlockObject) bool { return o.Value == value })
	if i < 0 {
		return nil
	}
	return opts[i]
}

func placeholder(s string) *slack.TextBlockObject {
	if s == "" {
		return nil
	}
	return plain(s, maxPlaceholder)
}

func renderSelect(s *bot.Select, w *words) (*slack.SelectBlockElement, error) {
	if err := checkLen("select action_id", s.ActionID, maxIDLen); err != nil {
		return nil, err
	}
	opts, err := renderOptions(s.Options, true)
	if err != nil || len(opts) == 0 {
		return nil, err
	}
	ph := s.Placeholder
	if ph == "" {
		ph = w.say("adapter.choose_placeholder", "Choose…")
	}
	el := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, placeholder(ph), s.ActionID, opts...)
	el.InitialOption = findOption(opts, s.Initial)
	el.Confirm = renderConfirm(s.Confirm, w)
	return el, nil
}

func renderInput(in *bot.Input, w *words) (rendered, error) {
	if in.BlockID == "" {
		return rendered{}, fmt.Errorf("input %q without block_id: %w", in.Label, bot.ErrInvalidContent)
	}
	el, err := inputElement(in, w)
	if err != nil {
		return rendered{}, err
	}
	label := in.Label
	if label == "" {
		label = in.BlockID
	}
	var hint *slack.TextBlockObject
	if in.Hint != "" {
		hint = plain(in.Hint, maxLabel)
	}
	ib := slack.NewInputBlock(in.BlockID, plain(label, maxLabel), hint, el)
	ib.Optional = in.Optional
	return rendered{block: ib, keep: true}, nil
}

// inputElement renders the element of an input block.
func inputElement(in *bot.Input, w *words) (slack.BlockElement, error) {
	switch e := in.Element.(type) {
	case *bot.TextInput:
		if err := checkLen("input action_id", e.ActionID, maxIDLen); err != nil {
			return nil, err
		}
		return textInput(e), nil
	case *bot.EmailInput:
		if err := checkLen("input action_id", e.ActionID, maxIDLen); err != nil {
			return nil, err
		}
		t := slack.NewEmailTextInputBlockElement(placeholder(e.Placeholder), e.ActionID)
		t.InitialValue = cut(oneLine(e.Initial), maxInputLength)
		return t, nil
	case *bot.UserSelect:
		if err := checkLen("input action_id", e.ActionID, maxIDLen); err != nil {
			return nil, err
		}
		u := slack.NewOptionsSelectBlockElement(slack.OptTypeUser, placeholder(e.Placeholder), e.ActionID)
		if slackID(e.Initial) {
			u.InitialUser = e.Initial
		}
		return u, nil
	case *bot.Select:
		s, err := renderSelect(e, w)
		if err != nil {
			return nil, err
		}
		if s == nil {
			return nil, fmt.Errorf("input %q: select without options: %w", in.BlockID, bot.ErrInvalidContent)
		}
		return s, nil
	case *bot.MultiSelect:
		return multiSelectInput(in.BlockID, e)
	}
	return nil, fmt.Errorf("input %q: unknown element %T: %w", in.BlockID, in.Element, bot.ErrInvalidContent)
}

// textInput renders a plain-text input within Slack's length limits.
func textInput(e *bot.TextInput) *slack.PlainTextInputBlockElement {
	t := slack.NewPlainTextInputBlockElement(placeholder(e.Placeholder), e.ActionID)
	t.Multiline = e.Multiline
	t.MaxLength = min(max(e.MaxLength, 0), maxInputLength)
	t.MinLength = min(max(e.MinLength, 0), maxInputLength)
	if t.MaxLength > 0 && t.MinLength > t.MaxLength {
		t.MinLength = t.MaxLength
	}
	limit := maxInputLength
	if t.MaxLength > 0 {
		limit = t.MaxLength
	}
	initial := oneLine(e.Initial)
	if e.Multiline {
		initial = multiLine(e.Initial)
	}
	t.InitialValue = cut(initial, limit)
	return t
}

// multiSelectInput renders a static multi-select.
func multiSelectInput(blockID string, e *bot.MultiSelect) (*slack.MultiSelectBlockElement, error) {
	if err := checkLen("input action_id", e.ActionID, maxIDLen); err != nil {
		return nil, err
	}
	opts, err := renderOptions(e.Options, true)
	if err != nil {
		return nil, err
	}
	if len(opts) == 0 {
		return nil, fmt.Errorf("input %q: multi-select without options: %w", blockID, bot.ErrInvalidContent)
	}
	m := slack.NewOptionsMultiSelectBlockElement(slack.MultiOptTypeStatic, placeholder(e.Placeholder), e.ActionID, opts...)
	for _, v := range e.Initial {
		if o := findOption(opts, v); o != nil {
			m.InitialOptions = append(m.InitialOptions, o)
		}
	}
	if e.MaxSelected > 0 {
		n := e.MaxSelected
		m.MaxSelectedItems = &n
	}
	return m, nil
}
