package bot

import "context"

// Response is what a ResponseFunc posts: a message only the user sees
// (the default), one the channel sees, or a replacement of the message
// the interaction came from.
type Response struct {
	Message         Message
	InChannel       bool
	ReplaceOriginal bool
	DeleteOriginal  bool
}

// ResponseFunc answers an inbound request later through the platform's
// response hook (Slack response_url: up to 5 posts within 30 minutes).
// It is nil when the request has no hook.
type ResponseFunc func(ctx context.Context, r Response) error

// Command is a slash command, e.g. "/dynchat add alice@example.com agent".
type Command struct {
	User    User
	Channel string
	// Name is the command with its slash, e.g. "/dynchat".
	Name string
	// Text is everything after the command name, as typed.
	Text string
	// TriggerID opens a modal; valid only during the request.
	TriggerID string
	Respond   ResponseFunc
}

// Action is a click on a button or a choice in a select, in a message,
// a modal or the App Home.
type Action struct {
	User     User
	ActionID string
	BlockID  string
	// Value is the button's value or the chosen option's value.
	Value string
	// Channel is where the message is; empty for modals and App Home.
	Channel string
	// Message is the message holding the element, nil for views.
	Message *MessageRef
	// Ephemeral says Message was shown to the clicker only (a command's
	// reply): it was never stored, so it has no recorded ref.
	Ephemeral bool
	// TriggerID opens a modal; valid only during the request.
	TriggerID string
	// View is set when the element is inside a modal or App Home.
	View    *ViewInfo
	Respond ResponseFunc
}

// ViewInfo describes the modal or Home an action came from.
type ViewInfo struct {
	ID              string
	Hash            string
	CallbackID      string
	PrivateMetadata string
	// Values are the current input values, as in Submission.Values.
	Values Values
}

// Submission is a submitted modal.
type Submission struct {
	User            User
	CallbackID      string
	PrivateMetadata string
	ViewID          string
	Values          Values
	TriggerID       string
}

// Values are input values by block id, then element action id.
type Values map[string]map[string]Value

// Get returns the value of one element, or the zero Value.
func (v Values) Get(blockID, actionID string) Value { return v[blockID][actionID] }

// Block returns the value of the block's first element. Inputs have one
// element each, so this is the usual accessor.
func (v Values) Block(blockID string) Value {
	for _, val := range v[blockID] {
		return val
	}
	return Value{}
}

// Value is what one input holds.
type Value struct {
	// Text is the typed text of a text or email input.
	Text string
	// Selected are the chosen option values of a select or multi-select.
	Selected []string
	// Users are the chosen user ids of a user picker.
	Users []string
}

// String is the single value of the input: the text, the first chosen
// option or the first chosen user.
func (v Value) String() string {
	switch {
	case v.Text != "":
		return v.Text
	case len(v.Selected) > 0:
		return v.Selected[0]
	case len(v.Users) > 0:
		return v.Users[0]
	}
	return ""
}

// Handler is the inbound port, implemented by the commands package and
// driven by platform adapters.
//
// The adapter calls HandleCommand, HandleAction and HandleSubmission
// inside the platform's acknowledgement window (Slack: 3 s) with a ctx
// that ends at the adapter's ack budget. They must do only quick work
// (a Redis read or compare-and-swap) and return; the adapter then opens
// the reply's modal with the request's trigger id, acknowledges, and
// afterwards runs the reply's After function on its bounded background
// runner with a ctx that outlives the request. Anything slower or that
// must survive a restart goes to the job queue, not to After.
//
// HandleHomeOpened is called after the acknowledgement, on the runner.
type Handler interface {
	HandleCommand(ctx context.Context, c Command) Reply
	HandleAction(ctx context.Context, a Action) ActionReply
	HandleSubmission(ctx context.Context, s Submission) SubmissionReply
	HandleHomeOpened(ctx context.Context, u User)
}

// Later is work the adapter runs after acknowledging, on its bounded
// background runner, with a ctx that outlives the request (and carries
// the logger).
type Later func(ctx context.Context)

// Reply answers a Command. The zero Reply acknowledges silently.
type Reply struct {
	// Message, when set, is shown to the user only (ephemeral), as the
	// immediate answer.
	Message *Message
	// InChannel shows Message to the whole channel instead.
	InChannel bool
	// Modal, when set, is opened with the command's trigger id before
	// the acknowledgement. If it cannot be opened, the user is told.
	Modal *Modal
	After Later
}

// ActionReply answers an Action. The zero value acknowledges silently.
type ActionReply struct {
	// Modal is opened with the action's trigger id before the ack.
	Modal *Modal
	// PushModal, for actions inside a modal, stacks a modal on top.
	PushModal *Modal
	// UpdateView, for actions inside a modal, replaces it (by view id
	// and hash, so a concurrent change is not overwritten).
	UpdateView *Modal
	// Update replaces the message the action came from (after the ack).
	Update *Message
	// Ephemeral is shown to the clicking user only (after the ack).
	Ephemeral *Message
	After     Later
}

// SubmissionReply answers a Submission. The zero value closes the modal.
type SubmissionReply struct {
	// Errors keeps the modal open and shows a message under each input,
	// keyed by the Input's BlockID.
	Errors map[string]string
	// Update replaces the modal.
	Update *Modal
	// Push stacks a new modal on top.
	Push *Modal
	// Clear closes the whole modal stack.
	Clear bool
	After Later
}
