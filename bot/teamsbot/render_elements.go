package teamsbot

import (
	"strings"

	"github.com/chataccess/chataccess/bot"
)

// Verbs and data keys of the actions chataccess puts on cards.
const (
	// verbRefresh is the refresh action's verb: answer with the current card.
	verbRefresh = "refresh"
)

// buttonData is the data of a button: the action id (for Action.Submit;
// Action.Execute carries it as the verb), the value and the block.
type buttonData struct {
	Action  string       `json:"a,omitempty"`
	Value   string       `json:"v,omitempty"`
	Block   string       `json:"b,omitempty"`
	Confirm *confirmData `json:"cf,omitempty"`
	// Dialog names a stored dialog to open or submit.
	Dialog string `json:"dlg,omitempty"`
	// Confirmed marks the submit of a confirmation dialog.
	Confirmed bool `json:"ok,omitempty"`
	// Cancel closes a dialog without submitting it.
	Cancel bool `json:"cancel,omitempty"`
	// Select names the input whose value is the action's value (a
	// choice menu in a message).
	Select  string        `json:"sel,omitempty"`
	MSTeams *msteamsFetch `json:"msteams,omitempty"`
}

// confirmData is a button's "are you sure?" text, shown as a dialog.
type confirmData struct {
	Title   string `json:"t,omitempty"`
	Text    string `json:"x,omitempty"`
	Confirm string `json:"y,omitempty"`
	Deny    string `json:"n,omitempty"`
	Danger  bool   `json:"d,omitempty"`
}

// msteamsFetch makes an Action.Submit open a dialog (task/fetch).
type msteamsFetch struct {
	Type string `json:"type"`
}

func taskFetch() *msteamsFetch { return &msteamsFetch{Type: "task/fetch"} }

func actionStyle(s bot.ButtonStyle) string {
	switch s {
	case bot.StylePrimary:
		return "positive"
	case bot.StyleDanger:
		return "destructive"
	}
	return ""
}

// element renders a message element: actions for the ActionSet and any
// body elements it needs; the bool says an Action.Execute is among them.
func (r renderer) element(blockID string, el bot.Element) ([]*action, []*element, bool) {
	switch el := el.(type) {
	case *bot.Button:
		return r.button(blockID, el)
	case *bot.Select:
		if len(el.Options) == 0 || el.ActionID == "" {
			return nil, nil, false
		}
		id := "sel:" + el.ActionID
		in := &element{Type: "Input.ChoiceSet", ID: id, Style: "compact", Placeholder: clip(el.Placeholder, maxTitle), Value: el.Initial}
		in.Choices = choices(el.Options)
		go1 := &action{Type: "Action.Execute", Title: r.w.say("adapter.choose", "Choose"), Verb: el.ActionID, Data: buttonData{Block: blockID, Select: id}}
		return []*action{go1}, []*element{in}, true
	}
	return nil, nil, false
}

func (r renderer) button(blockID string, b *bot.Button) ([]*action, []*element, bool) {
	title := clip(orStr(inert(b.Text), r.w.say("adapter.open", "Open")), maxTitle)
	if b.URL != "" {
		if u, ok := safeURL(b.URL); ok && !strings.HasPrefix(u, "mailto:") {
			return []*action{{Type: "Action.OpenUrl", Title: title, URL: u}}, nil, false
		}
	}
	if b.ActionID == "" || len(b.Value) > maxData || len(b.ActionID) > 255 || len(blockID) > 255 {
		return nil, nil, false
	}
	if b.Confirm != nil {
		c := b.Confirm
		data := buttonData{Action: b.ActionID, Value: b.Value, Block: blockID, MSTeams: taskFetch(), Confirm: &confirmData{
			Title: clip(inert(c.Title), maxDialogTitle), Text: clip(plainString(c.Text), 300),
			Confirm: clip(inert(c.Confirm), maxTitle), Deny: clip(inert(c.Deny), maxTitle), Danger: c.Danger,
		}}
		return []*action{{Type: "Action.Submit", Title: title, Data: data, Style: actionStyle(b.Style)}}, nil, false
	}
	return []*action{{Type: "Action.Execute", Title: title, Verb: b.ActionID, Style: actionStyle(b.Style),
		Data: buttonData{Value: b.Value, Block: blockID}}}, nil, true
}

func choices(opts []bot.Option) []*choice {
	out := make([]*choice, 0, min(len(opts), maxChoices))
	for _, o := range opts {
		if len(out) == maxChoices {
			break
		}
		t := inert(o.Text)
		if d := inert(o.Description); d != "" {
			t += " · " + d
		}
		out = append(out, &choice{Title: clip(t, maxTitle), Value: o.Value})
	}
	return out
}

// inputID names an input in dialog data: block id and element action id.
func inputID(blockID, actionID string) string { return "in:" + blockID + "/" + actionID }

// parseInputID splits an input id; ok is false for other keys.
func parseInputID(key string) (blockID, actionID string, ok bool) {
	rest, ok := strings.CutPrefix(key, "in:")
	if !ok {
		return "", "", false
	}
	i := strings.LastIndexByte(rest, '/')
	if i < 0 {
		return "", "", false
	}
	return rest[:i], rest[i+1:], true
}

// errorID names the hidden line under an input that shows its error.
func errorID(blockID string) string { return "err:" + blockID }

// input renders a modal input: the field, its hint, and a hidden error
// line that a failed submission fills in.
func (r renderer) input(in *bot.Input) []*element {
	label := clip(inert(in.Label), maxTitle)
	var f *element
	switch el := in.Element.(type) {
	case *bot.TextInput:
		f = &element{Type: "Input.Text", ID: inputID(in.BlockID, el.ActionID), Placeholder: clip(inert(el.Placeholder), maxTitle),
			Value: el.Initial, IsMultiline: el.Multiline, MaxLength: el.MaxLength}
	case *bot.EmailInput:
		f = &element{Type: "Input.Text", ID: inputID(in.BlockID, el.ActionID), Style: "email", Placeholder: clip(inert(el.Placeholder), maxTitle), Value: el.Initial}
	case *bot.UserSelect:
		// Adaptive Cards 1.5 has no people picker Microsoft's own parser
		// accepts (Data.Query is 1.6), so a person is typed as an email;
		// submitDialog resolves it to their id. Next to an email input
		// (the "pick someone or type an email" form) it is left out.
		if r.hasEmail {
			return nil
		}
		f = &element{Type: "Input.Text", ID: inputID(in.BlockID, el.ActionID), Style: "email",
			Placeholder: clip(orStr(inert(el.Placeholder), "name@example.com"), maxTitle)}
	case *bot.Select:
		f = &element{Type: "Input.ChoiceSet", ID: inputID(in.BlockID, el.ActionID), Style: "compact", Placeholder: clip(inert(el.Placeholder), maxTitle),
			Choices: choices(el.Options), Value: el.Initial}
	case *bot.MultiSelect:
		f = &element{Type: "Input.ChoiceSet", ID: inputID(in.BlockID, el.ActionID), IsMultiSelect: true, Style: "compact",
			Placeholder: clip(inert(el.Placeholder), maxTitle), Choices: choices(el.Options), Value: strings.Join(el.Initial, ",")}
	default:
		return nil
	}
	f.Label = label
	if !in.Optional {
		f.IsRequired, f.ErrorMessage = true, clip(label+" is required.", maxTitle)
	}
	out := []*element{f}
	if h := inert(in.Hint); h != "" {
		out = append(out, &element{Type: "TextBlock", Text: escape(h, true), Wrap: true, Size: "Small", IsSubtle: true, Spacing: "None"})
	}
	return append(out, &element{Type: "TextBlock", ID: errorID(in.BlockID), Text: " ", Wrap: true, Color: "Attention",
		Size: "Small", Spacing: "None", IsVisible: boolp(false)})
}
