package teamsbot

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"regexp"
	"strings"
)

// inbound is a verified activity sorted into what chataccess does with
// it, with its invoke value decoded. Classification happens before
// anything is stored, so an activity chataccess does not handle leaves
// no trace.
type inbound struct {
	kind string // message, action, refresh, task_fetch, task_submit, update, other
	act  *Activity
	// verb and data of an adaptiveCard/action; data of task/fetch and
	// task/submit (button data plus dialog inputs).
	verb   string
	button buttonData
	data   map[string]any
	// card is the current card of the message a click came from, and
	// dialog the stored dialog a dialog invoke names, once admitted.
	card   *card
	kept   keptCard
	dialog *dialogState
}

// Inbound kinds.
const (
	kindMessage    = "message"
	kindAction     = "action"
	kindRefresh    = "refresh"
	kindTaskFetch  = "task_fetch"
	kindTaskSubmit = "task_submit"
	kindUpdate     = "update"
	kindOther      = "other"
)

// ErrUnknownInvoke says an invoke names an operation chataccess does not
// offer; it is answered 501 like the Bot Framework SDKs do.
var ErrUnknownInvoke = errors.New("unknown invoke")

// maxDataKeys bounds the keys of an invoke's data object.
const maxDataKeys = 64

// classify sorts a verified activity and decodes its invoke value.
func classify(a *Activity) (*inbound, error) {
	in := &inbound{act: a, kind: kindOther}
	switch a.Type {
	case typeMessage:
		// A message with a value is an Action.Submit of a card;
		// chataccess's cards send Action.Execute and task/fetch instead.
		if len(a.Value) == 0 {
			in.kind = kindMessage
		}
		return in, nil
	case typeConversationUpdate, typeInstallationUpdate:
		in.kind = kindUpdate
		return in, nil
	case typeInvoke:
	default:
		return in, nil
	}
	switch a.Name {
	case invokeAction:
		var v struct {
			Action *struct {
				Type string          `json:"type"`
				Verb string          `json:"verb"`
				Data json.RawMessage `json:"data"`
			} `json:"action"`
		}
		if err := json.Unmarshal(a.Value, &v); err != nil || v.Action == nil || v.Action.Type != "Action.Execute" {
			return nil, fmt.Errorf("%w: adaptiveCard/action without an Action.Execute", ErrMalformed)
		}
		if v.Action.Verb == "" || len(v.Action.Verb) > 255 {
			return nil, fmt.Errorf("%w: adaptiveCard/action without a verb", ErrMalformed)
		}
		in.kind, in.verb = kindAction, v.Action.Verb
		if v.Action.Verb == verbRefresh {
			in.kind = kindRefresh
		}
		return in, in.decodeData(v.Action.Data)
	case invokeTaskFetch, invokeTaskSubmit:
		var v struct {
			Data json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(a.Value, &v); err != nil {
			return nil, fmt.Errorf("%w: %s without data", ErrMalformed, a.Name)
		}
		in.kind = kindTaskFetch
		if a.Name == invokeTaskSubmit {
			in.kind = kindTaskSubmit
		}
		return in, in.decodeData(v.Data)
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownInvoke, clip(inert(a.Name), 64))
}

// decodeData reads the data object of an action: chataccess's keys into
// button, everything (inputs too) into data.
func (in *inbound) decodeData(raw json.RawMessage) error {
	in.data = map[string]any{}
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if err := json.Unmarshal(raw, &in.data); err != nil {
		return fmt.Errorf("%w: action data is not an object", ErrMalformed)
	}
	if len(in.data) > maxDataKeys {
		return fmt.Errorf("%w: action data has too many keys", ErrMalformed)
	}
	if err := json.Unmarshal(raw, &in.button); err != nil {
		return fmt.Errorf("%w: action data has the wrong shape", ErrMalformed)
	}
	b := in.button
	if len(b.Action) > 255 || len(b.Value) > maxData || len(b.Block) > 255 || len(b.Dialog) > 64 || len(b.Select) > 300 {
		return fmt.Errorf("%w: action data too long", ErrMalformed)
	}
	return nil
}

var (
	tagRE    = regexp.MustCompile(`<[^>]{0,500}>`)
	spacesRE = regexp.MustCompile(`\s+`)
)

// commandText is the text of a message without the bot's @mention, with
// other mentions replaced by resolve(id) (their email; "" leaves
// "@name"), HTML tags removed and entities decoded. The command name
// ("/dynchat" or "dynchat") is removed from the front.
func commandText(a *Activity, command string, resolve func(id string) string) string {
	text := a.Text
	for _, e := range a.Entities {
		if e.Type != "mention" || e.Mentioned == nil || e.Text == "" {
			continue
		}
		repl := ""
		if a.Recipient == nil || e.Mentioned.ID != a.Recipient.ID {
			repl = "@" + strings.ReplaceAll(inert(e.Mentioned.Name), " ", "")
			if resolve != nil {
				if email := resolve(e.Mentioned.ID); email != "" {
					repl = email
				}
			}
		}
		text = strings.Replace(text, e.Text, " "+repl+" ", 1)
	}
	text = tagRE.ReplaceAllString(text, " ")
	text = html.UnescapeString(text)
	text = strings.TrimSpace(spacesRE.ReplaceAllString(inert(text), " "))
	name := strings.TrimPrefix(command, "/")
	for _, prefix := range []string{"/" + name, name} {
		if name == "" {
			break
		}
		if len(text) >= len(prefix) && strings.EqualFold(text[:len(prefix)], prefix) &&
			(len(text) == len(prefix) || text[len(prefix)] == ' ') {
			text = strings.TrimSpace(text[len(prefix):])
			break
		}
	}
	return text
}
