package teamsbot

// The Adaptive Card object model chataccess writes, schema 1.5
// (adaptivecards.io/explorer; Teams: learn.microsoft.com
// microsoftteams/platform/task-modules-and-cards/cards/cards-reference).
// One struct per kind of object, each field omitted when empty, so a
// card survives a JSON round trip unchanged (dialogs are stored and
// redrawn with their errors).

// cardVersion is the schema version: Universal Actions in Teams need 1.4,
// user-specific views and Action.Execute refresh are documented for 1.5.
const cardVersion = "1.5"

const cardSchema = "http://adaptivecards.io/schemas/adaptive-card.json"

// card is an AdaptiveCard.
type card struct {
	Type         string     `json:"type"`
	Schema       string     `json:"$schema,omitempty"`
	Version      string     `json:"version"`
	FallbackText string     `json:"fallbackText,omitempty"`
	Speak        string     `json:"speak,omitempty"`
	Refresh      *refresh   `json:"refresh,omitempty"`
	Body         []*element `json:"body"`
	Actions      []*action  `json:"actions,omitempty"`
	MSTeams      *cardTeams `json:"msteams,omitempty"`
}

// cardTeams holds Teams' card extensions: full width and mentions.
type cardTeams struct {
	Width    string    `json:"width,omitempty"`
	Entities []*Entity `json:"entities,omitempty"`
}

// refresh makes Teams ask the bot for the current card when a user
// views it (Universal Actions, "refresh model"). Without UserIDs every
// member of a conversation of at most 60 people refreshes automatically.
type refresh struct {
	Action  *action  `json:"action"`
	UserIDs []string `json:"userIds,omitempty"`
}

// element is a body element: TextBlock, Container, ColumnSet, Column,
// FactSet, ActionSet or one of the inputs.
type element struct {
	Type      string `json:"type"`
	ID        string `json:"id,omitempty"`
	IsVisible *bool  `json:"isVisible,omitempty"`
	Spacing   string `json:"spacing,omitempty"`
	Separator bool   `json:"separator,omitempty"`

	// TextBlock
	Text     string `json:"text,omitempty"`
	Wrap     bool   `json:"wrap,omitempty"`
	Size     string `json:"size,omitempty"`
	Weight   string `json:"weight,omitempty"`
	Color    string `json:"color,omitempty"`
	IsSubtle bool   `json:"isSubtle,omitempty"`
	Style    string `json:"style,omitempty"` // TextBlock "heading", Container "emphasis", Input.Text "email"

	// Container, Column
	Items []*element `json:"items,omitempty"`
	Width string     `json:"width,omitempty"`

	// ColumnSet
	Columns []*element `json:"columns,omitempty"`

	// FactSet
	Facts []*fact `json:"facts,omitempty"`

	// ActionSet
	Actions []*action `json:"actions,omitempty"`

	// Inputs
	Label         string    `json:"label,omitempty"`
	IsRequired    bool      `json:"isRequired,omitempty"`
	ErrorMessage  string    `json:"errorMessage,omitempty"`
	Placeholder   string    `json:"placeholder,omitempty"`
	Value         string    `json:"value,omitempty"`
	IsMultiline   bool      `json:"isMultiline,omitempty"`
	MaxLength     int       `json:"maxLength,omitempty"`
	Regex         string    `json:"regex,omitempty"`
	Choices       []*choice `json:"choices,omitempty"`
	IsMultiSelect bool      `json:"isMultiSelect,omitempty"`
}

// fact is one title/value pair of a FactSet.
type fact struct {
	Title string `json:"title"`
	Value string `json:"value"`
}

// choice is one option of an Input.ChoiceSet.
type choice struct {
	Title string `json:"title"`
	Value string `json:"value"`
}

// action is a card action: Action.Execute (Universal Actions),
// Action.Submit (dialogs and task/fetch), Action.OpenUrl or
// Action.ShowCard (confirmations).
type action struct {
	Type  string `json:"type"`
	Title string `json:"title,omitempty"`
	ID    string `json:"id,omitempty"`
	Verb  string `json:"verb,omitempty"`
	Data  any    `json:"data,omitempty"`
	URL   string `json:"url,omitempty"`
	Style string `json:"style,omitempty"`
	Card  *card  `json:"card,omitempty"`
	// AssociatedInputs "none" keeps a Back or Cancel from validating
	// the dialog's inputs.
	AssociatedInputs string `json:"associatedInputs,omitempty"`
}

func textBlock(text string) *element {
	return &element{Type: "TextBlock", Text: text, Wrap: true}
}

func newCard() *card {
	return &card{Type: "AdaptiveCard", Schema: cardSchema, Version: cardVersion, Body: []*element{}}
}

func boolp(b bool) *bool { return &b }
