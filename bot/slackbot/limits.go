package slackbot

import "time"

// Block Kit limits. Source: docs.slack.dev/reference/block-kit/blocks,
// .../block-kit/block-elements and .../block-kit/composition-objects
// (collected in the project's Slack reference, §1.7). Lengths count
// characters (runes), as Slack and slack-go's TextBlockObject.Validate do.
const (
	maxMessageBlocks   = 50   // blocks per message
	maxViewBlocks      = 100  // blocks per modal or Home tab
	maxIDLen           = 255  // block_id, action_id, callback_id, external_id
	maxPrivateMetadata = 3000 // view private_metadata
	maxViewTitle       = 24   // modal title, submit, close (plain_text)
	maxSectionText     = 3000 // section text
	maxFields          = 10   // section fields
	maxFieldText       = 2000 // each section field
	maxHeaderText      = 150  // header (plain_text)
	maxContextElements = 10   // context block elements
	maxContextText     = 3000 // text object
	maxActionElements  = 25   // actions block elements
	maxButtonText      = 75   // button text
	maxButtonValue     = 2000 // button value
	maxURL             = 3000 // button url
	maxOptions         = 100  // static_select / multi_static_select options
	maxOptionText      = 75   // option text
	maxOptionValue     = 150  // option value
	maxOptionDesc      = 75   // option description
	maxPlaceholder     = 150  // placeholders
	maxLabel           = 2000 // input label and hint
	maxInputLength     = 3000 // plain_text_input max_length
	maxConfirmTitle    = 100  // confirm dialog title
	maxConfirmText     = 300  // confirm dialog text
	maxConfirmButton   = 30   // confirm dialog confirm/deny
	maxFallbackText    = 4000 // message text: "best ≤ 4000" (chat.postMessage reference)
)

// Slack timing rules. Source: docs.slack.dev/tools/bolt-js/concepts/acknowledge
// (3 s ack), docs.slack.dev/authentication/verifying-requests-from-slack
// (5 min window), api.slack.com/apis/events-api (retries up to ~6 min).
const (
	slackAckDeadline    = 3 * time.Second
	signatureWindow     = 5 * time.Minute
	defaultEventDedupe  = time.Hour
	defaultAckBudget    = 2500 * time.Millisecond
	socketAckMaxPayload = 20 * 1024 // Socket Mode drops responses ≥ 20 KB (slack-go socketmode.go)
)
