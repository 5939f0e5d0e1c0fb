package slackbot

import (
	"errors"
	"fmt"

	"github.com/slack-go/slack"

	"github.com/chataccess/chataccess/bot"
)

// APIError is an ok:false answer of the Slack Web API. Code is Slack's
// error string (e.g. "channel_not_found"); errors.Is maps the codes
// chataccess reacts to onto the bot sentinel errors.
type APIError struct {
	Method string
	Code   string
}

func (e *APIError) Error() string { return e.Method + ": " + e.Code }

// Is maps Slack error codes to bot sentinels.
func (e *APIError) Is(target error) bool {
	switch e.Code {
	case "user_not_found", "users_not_found", "user_not_visible":
		return target == bot.ErrUserNotFound
	case "channel_not_found", "message_not_found", "thread_not_found", "not_in_channel", "is_archived", "no_such_subteam", "subteam_not_found":
		return target == bot.ErrNotFound
	case "expired_trigger_id", "trigger_expired", "trigger_exchanged":
		return target == bot.ErrTriggerExpired
	case "invalid_blocks", "invalid_blocks_format", "msg_blocks_too_long", "msg_too_long":
		return target == bot.ErrInvalidContent
	}
	return false
}

// classify turns slack-go errors into APIError or a wrapped error.
func classify(method string, err error) error {
	if err == nil {
		return nil
	}
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return &APIError{Method: method, Code: se.Err}
	}
	return fmt.Errorf("%s: %w", method, err)
}
