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
//   - Events API de-duplication by event_id in Redis;
//   - the Block Kit renderer, which escapes user text and keeps every
//     payload inside Slack's Block Kit limits;
//   - the Web API Sender (bot.Sender) with 429 Retry-After handling and
//     a per-channel posting pace;
//   - Prometheus metrics of all of the above.
//
// The fake Slack Web API used by the tests is in slackfake.
package slackbot
