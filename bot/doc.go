// Package bot is the neutral chat model of chataccess: messages, blocks,
// modals and the App Home as plain Go values, the people and message
// references they point at, and the two ports every chat platform
// adapter implements or drives.
//
// Nothing here knows Slack or Teams. The commands package builds
// Messages and Modals and implements Handler; a platform adapter (today
// bot/slackbot) parses inbound requests into Command, Action and
// Submission values, calls the Handler, and renders the replies with the
// platform's own limits and escaping. Adding Teams is one more adapter.
//
// Text is split into plain text, which renderers always escape, and
// formatting built with the helpers in this package (Bold, Mention,
// Link, ...). User-supplied strings must enter a message only through
// Plain or Textf arguments, never as formatting, so "<!channel>" typed by
// a user is shown and never executed.
package bot
