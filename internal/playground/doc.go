// Package playground is a local web page that stands in for Slack in
// front of the real bot: a channel list, direct messages and the App
// Home drawn from the Block Kit JSON the bot sends to the fake Slack Web
// API, modals with their inputs, a switcher to act as each person of the
// story, a command box for the slash command, and a side panel with what
// the Adobe Admin Console and Marketo emulators hold, the requests with
// their steps and the audit trail.
//
// Everything a person does in the page reaches the bot the way Slack
// would send it: a signed slash command, block_actions or
// view_submission payload posted to the bot's own HTTP endpoints, or an
// app_home_opened event. The page never calls the bot's parts directly.
//
// The page is served on loopback only; it answers no other host name
// (DNS rebinding) and takes JSON bodies only (no cross-site form posts).
// Everything typed by people is drawn as text (textContent), never as
// HTML.
//
// The story the page replays step by step (Story) is also what
// `chataccess demo` prints, so both show the same thing.
//
// The package is linked only into builds with the zero-setup commands
// (no nodemo tag).
package playground
