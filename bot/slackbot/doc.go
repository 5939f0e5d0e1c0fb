// Package slackbot is the Slack adapter of chataccess and the only
// package that imports github.com/slack-go/slack.
//
// It owns:
//   - ingress: Socket Mode (when an app-level token is configured) or
//     the HTTP endpoints POST /slack/commands, /slack/interactions and
//     /slack/events, with v0 request signatures checked against an
//     injectable clock; both feed one Dispatcher that calls bot.Handler;
//   - acknowledgement within Slack's 3 s: the Handler runs inside the
//     request with an ack budget, modals are opened before the ack, and
//     each reply's After work runs afterwards on a bounded Runner;
//   - Events API de-duplication by event_id, and one handling of each
//     signed command, click and submission (its trigger_id claimed for
//     the signature window), through the store's claims;
//   - checks of what a payload names: a click must match the message or
//     view it came from, and response_url must be Slack's hooks host;
//   - the Block Kit renderer, which shows user text inert (verbatim
//     mrkdwn, no markup, links, mentions, invisible characters or line
//     breaks of its own) and keeps every payload inside Slack's limits;
//   - the Web API Sender (bot.Sender) with 429 Retry-After handling, a
//     per-channel posting pace and bounded caches that decisions
//     (bot.Fresh) bypass;
//   - Prometheus metrics of all of the above.
//
// The fake Slack Web API used by the tests is in slackfake.
package slackbot
