package bot

// Message is a chat message: fallback text plus optional blocks.
// Renderers always send Text as the notification and screen-reader
// fallback; when it is empty they derive it from the first header or
// section.
type Message struct {
	// Text is the fallback text (and the whole message when there are
	// no blocks).
	Text Text
	// Blocks is the rich layout, top to bottom.
	Blocks []Block
	// Thread, when set, posts the message as a reply in that thread.
	Thread *MessageRef
	// Lang is the catalog language the message is written in ("fr"),
	// so the renderer writes its own few words (an overflow marker, a
	// generic fallback line, a default button label) in it too. Empty:
	// the language of the one person it is for (a DM, an ephemeral
	// answer), else the adapter's default.
	Lang string
}

// Block is one layout block of a Message, Modal or Home: *Header,
// *Section, *Context, *Divider, *Actions or (in modals) *Input.
type Block interface {
	isBlock()
}

// Header is a large bold title line. Text is plain and short (Slack cuts
// it at 150 characters).
type Header struct {
	BlockID string
	Text    string
}

// Section is a block of text, optionally with two-column fields and one
// element (a Button or Select) on the right.
type Section struct {
	BlockID   string
	Text      Text
	Fields    []Text
	Accessory Element
}

// Context is a line of small, grey text items.
type Context struct {
	BlockID  string
	Elements []Text
}

// Divider is a horizontal rule.
type Divider struct {
	BlockID string
}

// Actions is a row of interactive elements (buttons and selects).
type Actions struct {
	BlockID  string
	Elements []Element
}

func (*Header) isBlock()  {}
func (*Section) isBlock() {}
func (*Context) isBlock() {}
func (*Divider) isBlock() {}
func (*Actions) isBlock() {}
func (*Input) isBlock()   {}

// Element is an interactive element of an Actions block or a Section
// accessory: *Button or *Select.
type Element interface {
	isElement()
}

// ButtonStyle colours a button.
type ButtonStyle string

// Button styles. The default is neutral.
const (
	StyleDefault ButtonStyle = ""
	StylePrimary ButtonStyle = "primary"
	StyleDanger  ButtonStyle = "danger"
)

// Button is a clickable button. Clicking it sends an Action with the
// button's ActionID and Value.
type Button struct {
	ActionID string
	// Text is the plain label.
	Text  string
	Value string
	Style ButtonStyle
	// URL, when set, opens a link as well as sending the Action.
	URL string
	// Confirm, when set, asks the user before the click is sent.
	Confirm *Confirm
}

// Confirm is a "are you sure?" dialog shown before an action is sent.
type Confirm struct {
	Title   string
	Text    Text
	Confirm string
	Deny    string
	// Danger shows the confirm button in red.
	Danger bool
}

// Option is one choice of a Select or MultiSelect.
type Option struct {
	Value string
	// Text is the plain label.
	Text string
	// Description is a plain second line (modals only).
	Description string
}

// Select is a single-choice menu of static options. In messages,
// choosing sends an Action whose Value is the chosen option's Value; in
// modals, use it as an Input element.
type Select struct {
	ActionID    string
	Placeholder string
	Options     []Option
	// Initial is the Value of the preselected option, if any.
	Initial string
	Confirm *Confirm
}

func (*Button) isElement() {}
func (*Select) isElement() {}

// Modal is a dialog with inputs. Submitting it sends a Submission with
// CallbackID, PrivateMetadata and the input values.
type Modal struct {
	CallbackID string
	// Title, Submit and Close are plain labels (Slack cuts them at 24
	// characters). Submit is required when the modal has inputs.
	Title  string
	Submit string
	Close  string
	// PrivateMetadata travels with the modal and comes back on submit.
	// Keep it small (an id); renderers refuse metadata over the platform
	// limit rather than cut it.
	PrivateMetadata string
	// ExternalID is an optional unique id to update the modal by.
	ExternalID string
	// NotifyOnClose asks for a notification when the user closes it.
	NotifyOnClose bool
	Blocks        []Block
	// Lang is the catalog language of the modal (see Message.Lang).
	Lang string
}

// Home is the bot's App Home tab for one user.
type Home struct {
	CallbackID      string
	PrivateMetadata string
	Blocks          []Block
	// Lang is the catalog language of the Home (see Message.Lang).
	Lang string
}

// Input is a labelled form field of a Modal. Its value comes back in
// Submission.Values[BlockID][element action id].
type Input struct {
	BlockID string
	Label   string
	// Hint is optional plain help text under the field.
	Hint     string
	Optional bool
	Element  InputElement
}

// InputElement is the field of an Input: *TextInput, *EmailInput,
// *UserSelect, *Select or *MultiSelect.
type InputElement interface {
	isInput()
}

// TextInput is a free-text field.
type TextInput struct {
	ActionID    string
	Placeholder string
	Initial     string
	Multiline   bool
	MinLength   int
	MaxLength   int
}

// EmailInput is a text field that only accepts an email address.
type EmailInput struct {
	ActionID    string
	Placeholder string
	Initial     string
}

// UserSelect picks one person of the workspace; its value is the
// platform user id.
type UserSelect struct {
	ActionID    string
	Placeholder string
	Initial     string
}

// MultiSelect picks several static options.
type MultiSelect struct {
	ActionID    string
	Placeholder string
	Options     []Option
	// Initial are the Values of the preselected options.
	Initial     []string
	MaxSelected int
}

func (*TextInput) isInput()   {}
func (*EmailInput) isInput()  {}
func (*UserSelect) isInput()  {}
func (*Select) isInput()      {}
func (*MultiSelect) isInput() {}
