package slackbot

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// slackHooksHost is the host of every response_url Slack sends
// (https://hooks.slack.com/commands/…, …/actions/…, …/app/…; Slack
// reference §1.3 and the signing example in §1.4).
const slackHooksHost = "hooks.slack.com"

// ErrResponseURL says a response_url names a host other than Slack's
// hooks host (or the configured SLACK_API_URL host); nothing is posted
// to it.
var ErrResponseURL = errors.New("response_url is not a Slack hooks URL")

// checkResponseURL accepts https://hooks.slack.com/… and, when the
// Slack API URL is overridden (SLACK_API_URL: a proxy or a test fake),
// URLs on that same scheme and host. A response_url comes inside a
// signed payload, but it is still outside input: posting wherever it
// points would let a forged or mangled payload make the bot call
// loopback or internal addresses.
func checkResponseURL(raw, apiURL string) error {
	u, err := url.Parse(raw)
	if err != nil || u.User != nil || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") || u.Path == "/" || u.Fragment != "" {
		return fmt.Errorf("%w: %q", ErrResponseURL, truncateForLog(raw))
	}
	if u.Scheme == "https" && strings.EqualFold(u.Host, slackHooksHost) {
		return nil
	}
	if apiURL != "" {
		if api, err := url.Parse(apiURL); err == nil && api.Host != "" && u.Scheme == api.Scheme && strings.EqualFold(u.Host, api.Host) {
			return nil
		}
	}
	return fmt.Errorf("%w: host %q", ErrResponseURL, truncateForLog(u.Host))
}
