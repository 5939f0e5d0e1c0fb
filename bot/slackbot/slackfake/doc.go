// Package slackfake is a fake Slack Web API on httptest for tests.
//
// It records every call (method plus the parsed form or JSON body),
// answers the way Slack does (HTTP 200 with {"ok":false,"error":...};
// HTTP 429 with Retry-After when a test asks for it or a per-method rate
// is exceeded), keeps posted messages so chat.update edits them and
// thread replies can be read back, knows users (some without an email),
// user groups and DM channels, and rejects payloads that break Block Kit
// limits with invalid_blocks. The limits are checked here independently
// of the renderer in package slackbot, so a renderer bug shows up as a
// rejected call.
//
// Point a slack-go client at it with slack.OptionAPIURL(f.URL()).
package slackfake
