package slackbot

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/chataccess/chataccess/bot"
)

// ErrMalformed says an inbound payload could not be parsed.
var ErrMalformed = errors.New("malformed slack payload")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// slashCommand is a slash command as Slack sends it: form fields over
// HTTP, the same names as a JSON object over Socket Mode.
type slashCommand struct {
	TeamID      string `json:"team_id"`
	ChannelID   string `json:"channel_id"`
	UserID      string `json:"user_id"`
	UserName    string `json:"user_name"`
	Command     string `json:"command"`
	Text        string `json:"text"`
	ResponseURL string `json:"response_url"`
	TriggerID   string `json:"trigger_id"`
}

// parseCommandForm parses the form body of POST /slack/commands.
func parseCommandForm(body []byte) (slashCommand, error) {
	f, err := url.ParseQuery(string(body))
	if err != nil {
		return slashCommand{}, malformed("command form: %v", err)
	}
	c := slashCommand{
		TeamID: f.Get("team_id"), ChannelID: f.Get("channel_id"), UserID: f.Get("user_id"),
		UserName: f.Get("user_name"), Command: f.Get("command"), Text: f.Get("text"),
		ResponseURL: f.Get("response_url"), TriggerID: f.Get("trigger_id"),
	}
	return c, c.check()
}

// parseCommandJSON parses a Socket Mode slash_commands payload.
func parseCommandJSON(payload []byte) (slashCommand, error) {
	var c slashCommand
	if err := json.Unmarshal(payload, &c); err != nil {
		return c, malformed("command json: %v", err)
	}
	return c, c.check()
}

func (c slashCommand) check() error {
	if !strings.HasPrefix(c.Command, "/") || len(c.Command) > 64 {
		return malformed("command name %q", truncateForLog(c.Command))
	}
	if c.UserID == "" {
		return malformed("command without user_id")
	}
	return nil
}

// interaction is the subset of an interactivity payload chataccess
// reads. Parsing only these fields keeps a malformed message block
// elsewhere in the payload from rejecting the whole click.
type interaction struct {
	Type        string `json:"type"`
	TriggerID   string `json:"trigger_id"`
	ResponseURL string `json:"response_url"`
	Team        struct {
		ID string `json:"id"`
	} `json:"team"`
	User struct {
		ID       string `json:"id"`
		Username string `json:"username"`
		Name     string `json:"name"`
		TeamID   string `json:"team_id"`
	} `json:"user"`
	Channel struct {
		ID string `json:"id"`
	} `json:"channel"`
	Container struct {
		Type        string `json:"type"`
		MessageTS   string `json:"message_ts"`
		ChannelID   string `json:"channel_id"`
		ThreadTS    string `json:"thread_ts"`
		ViewID      string `json:"view_id"`
		IsEphemeral bool   `json:"is_ephemeral"`
	} `json:"container"`
	Actions []struct {
		ActionID        string     `json:"action_id"`
		BlockID         string     `json:"block_id"`
		Type            string     `json:"type"`
		Value           string     `json:"value"`
		SelectedOption  *optValue  `json:"selected_option"`
		SelectedOptions []optValue `json:"selected_options"`
		SelectedUser    string     `json:"selected_user"`
		SelectedUsers   []string   `json:"selected_users"`
	} `json:"actions"`
	// Message is the message the click came from (Slack sends it for
	// non-ephemeral messages); View the modal or Home.
	Message *struct {
		TS     string          `json:"ts"`
		Blocks json.RawMessage `json:"blocks"`
	} `json:"message"`
	View *struct {
		ID              string `json:"id"`
		Hash            string `json:"hash"`
		Type            string `json:"type"`
		CallbackID      string `json:"callback_id"`
		PrivateMetadata string `json:"private_metadata"`
		State           struct {
			Values map[string]map[string]stateValue `json:"values"`
		} `json:"state"`
		Blocks json.RawMessage `json:"blocks"`
	} `json:"view"`
}

// sourceBlock is the part of a block of the source message or view that
// says which interactive elements it holds. Blocks are decoded one by
// one, so a block of a kind chataccess does not know (or a malformed
// one) affects only itself.
type sourceBlock struct {
	BlockID   string          `json:"block_id"`
	Elements  json.RawMessage `json:"elements"`
	Accessory *sourceElement  `json:"accessory"`
	Element   *sourceElement  `json:"element"`
}

type sourceElement struct {
	Type         string     `json:"type"`
	ActionID     string     `json:"action_id"`
	Value        string     `json:"value"`
	Options      []optValue `json:"options"`
	OptionGroups []struct {
		Options []optValue `json:"options"`
	} `json:"option_groups"`
}

// findSource returns the element with actionID in the block with
// blockID among the raw blocks array.
func findSource(blocks json.RawMessage, blockID, actionID string) (*sourceElement, bool) {
	var raw []json.RawMessage
	if json.Unmarshal(blocks, &raw) != nil {
		return nil, false
	}
	for _, r := range raw {
		var b sourceBlock
		if json.Unmarshal(r, &b) != nil || b.BlockID != blockID {
			continue
		}
		var els []sourceElement
		if len(b.Elements) > 0 {
			_ = json.Unmarshal(b.Elements, &els)
		}
		for _, e := range []*sourceElement{b.Accessory, b.Element} {
			if e != nil {
				els = append(els, *e)
			}
		}
		for i := range els {
			if els[i].ActionID == actionID {
				return &els[i], true
			}
		}
	}
	return nil, false
}

// offers reports whether a select element offers value.
func (e *sourceElement) offers(value string) bool {
	for _, o := range e.Options {
		if o.Value == value {
			return true
		}
	}
	for _, g := range e.OptionGroups {
		for _, o := range g.Options {
			if o.Value == value {
				return true
			}
		}
	}
	return false
}

type optValue struct {
	Value string `json:"value"`
}

type stateValue struct {
	Type            string     `json:"type"`
	Value           *string    `json:"value"`
	SelectedOption  *optValue  `json:"selected_option"`
	SelectedOptions []optValue `json:"selected_options"`
	SelectedUser    string     `json:"selected_user"`
	SelectedUsers   []string   `json:"selected_users"`
}

// parseInteractionForm parses the form body of POST /slack/interactions:
// one field, payload, holding JSON.
func parseInteractionForm(body []byte) (*interaction, error) {
	f, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, malformed("interaction form: %v", err)
	}
	p := f.Get("payload")
	if p == "" {
		return nil, malformed("interaction without payload")
	}
	return parseInteraction([]byte(p))
}

// parseInteraction parses an interactivity payload (JSON).
func parseInteraction(payload []byte) (*interaction, error) {
	var ic interaction
	if err := json.Unmarshal(payload, &ic); err != nil {
		return nil, malformed("interaction json: %v", err)
	}
	if ic.Type == "" {
		return nil, malformed("interaction without type")
	}
	if ic.User.ID == "" {
		return nil, malformed("interaction %q without user", truncateForLog(ic.Type))
	}
	return &ic, nil
}

// values converts view state to the neutral form.
func values(in map[string]map[string]stateValue) bot.Values {
	out := make(bot.Values, len(in))
	for block, actions := range in {
		m := make(map[string]bot.Value, len(actions))
		for id, sv := range actions {
			var v bot.Value
			if sv.Value != nil {
				v.Text = *sv.Value
			}
			if sv.SelectedOption != nil {
				v.Selected = []string{sv.SelectedOption.Value}
			}
			for _, o := range sv.SelectedOptions {
				v.Selected = append(v.Selected, o.Value)
			}
			if sv.SelectedUser != "" {
				v.Users = []string{sv.SelectedUser}
			}
			v.Users = append(v.Users, sv.SelectedUsers...)
			m[id] = v
		}
		out[block] = m
	}
	return out
}

// eventEnvelope is an Events API body (HTTP) or events_api payload
// (Socket Mode).
type eventEnvelope struct {
	Type      string `json:"type"`
	Challenge string `json:"challenge"`
	TeamID    string `json:"team_id"`
	EventID   string `json:"event_id"`
	Event     struct {
		Type string `json:"type"`
		User string `json:"user"`
		Tab  string `json:"tab"`
	} `json:"event"`
}

func parseEvent(body []byte) (*eventEnvelope, error) {
	var ev eventEnvelope
	if err := json.Unmarshal(body, &ev); err != nil {
		return nil, malformed("event json: %v", err)
	}
	switch ev.Type {
	case "url_verification":
		if ev.Challenge == "" {
			return nil, malformed("url_verification without challenge")
		}
	case "event_callback":
		if ev.EventID == "" {
			return nil, malformed("event_callback without event_id")
		}
	case "":
		return nil, malformed("event without type")
	}
	return &ev, nil
}

// truncateForLog keeps attacker-controlled strings short in errors.
func truncateForLog(s string) string { return cut(s, 40) }
