package slackbot

import (
	"context"
	"errors"
	"net/http"

	"github.com/slack-go/slack"

	"github.com/chataccess/chataccess/bot"
)

// Class says whether repeating a failed Slack call can help.
type Class int

const (
	// ClassUnknown is a code that is not in errorClasses: the caller
	// retries it a bounded number of times, then hands it to a person.
	ClassUnknown Class = iota
	// ClassTransient may pass: retry later (bounded).
	ClassTransient
	// ClassPermanent will not pass by repeating the call: skip that
	// recipient and tell a person.
	ClassPermanent
)

func (c Class) String() string {
	switch c {
	case ClassTransient:
		return "transient"
	case ClassPermanent:
		return "permanent"
	}
	return "unknown"
}

// errorClasses sorts every error code the Slack Web API documents for
// the methods chataccess calls (auth.test, chat.postMessage, chat.update,
// chat.postEphemeral, conversations.open, users.info,
// users.lookupByEmail, usergroups.users.list, views.open, views.push,
// views.update, views.publish) and the errors common to every method.
// Source: the "Errors" table of each method on
// docs.slack.dev/reference/methods/<method>, as collected in
// slack-ruby/slack-api-ref methods/*.json and methods/_errors/common.json.
// A few codes Slack answers without documenting them on those pages
// (invalid_arguments, invalid_json, trigger_exchanged, thread_not_found)
// are sorted too. A code missing here is ClassUnknown.
var errorClasses = map[string]Class{
	// Slack is busy, down or migrating: later calls may pass.
	"ratelimited":                ClassTransient,
	"rate_limited":               ClassTransient,
	"message_limit_exceeded":     ClassTransient, // workspace usage limit, per period
	"service_unavailable":        ClassTransient,
	"internal_error":             ClassTransient,
	"request_timeout":            ClassTransient, // POST data missing or truncated in transit
	"team_added_to_org":          ClassTransient, // enterprise migration in progress
	"org_login_required":         ClassTransient, // enterprise migration in progress
	"external_channel_migrating": ClassTransient,
	"update_failed":              ClassTransient, // "internal update failure"
	"streaming_state_conflict":   ClassTransient,
	"hash_conflict":              ClassTransient, // the view changed meanwhile; render again

	// Slack's own doubt: "it's possible some aspect of the operation
	// succeeded" (fatal_error), or a file step that may or may not pass.
	"fatal_error":           ClassUnknown,
	"unable_to_share_files": ClassUnknown,

	// The app's token, scopes or the workspace's settings: an admin must act.
	"not_authed":                ClassPermanent,
	"invalid_auth":              ClassPermanent,
	"account_inactive":          ClassPermanent,
	"token_revoked":             ClassPermanent,
	"token_expired":             ClassPermanent,
	"no_permission":             ClassPermanent,
	"missing_scope":             ClassPermanent,
	"not_allowed_token_type":    ClassPermanent,
	"access_denied":             ClassPermanent,
	"accesslimited":             ClassPermanent, // IP allow-list of the workspace
	"ekm_access_denied":         ClassPermanent,
	"enterprise_is_restricted":  ClassPermanent,
	"is_bot":                    ClassPermanent,
	"two_factor_setup_required": ClassPermanent,
	"app_access_restricted":     ClassPermanent,
	"plan_upgrade_required":     ClassPermanent,
	"messages_tab_disabled":     ClassPermanent,
	"not_enabled":               ClassPermanent, // Home tab off in the app settings
	"not_implemented":           ClassPermanent,

	// The request itself is malformed: the same bytes fail again.
	"invalid_arg_name":                 ClassPermanent,
	"invalid_array_arg":                ClassPermanent,
	"invalid_charset":                  ClassPermanent,
	"invalid_form_data":                ClassPermanent,
	"invalid_post_type":                ClassPermanent,
	"missing_post_type":                ClassPermanent,
	"invalid_json":                     ClassPermanent,
	"invalid_arguments":                ClassPermanent,
	"deprecated_endpoint":              ClassPermanent,
	"method_deprecated":                ClassPermanent,
	"unknown_method":                   ClassPermanent,
	"as_user_not_supported":            ClassPermanent,
	"markdown_text_conflict":           ClassPermanent,
	"send_on_behalf_not_allowed":       ClassPermanent,
	"team_not_found":                   ClassPermanent,
	"invalid_cursor":                   ClassPermanent,
	"missing_profile_id":               ClassPermanent,
	"duplicate_external_id":            ClassPermanent,
	"no_dual_broadcast_content_update": ClassPermanent,
	"cant_broadcast_message":           ClassPermanent,

	// The content breaks a Block Kit or message limit.
	"invalid_blocks":                    ClassPermanent,
	"invalid_blocks_format":             ClassPermanent,
	"msg_blocks_too_long":               ClassPermanent,
	"msg_too_long":                      ClassPermanent,
	"no_text":                           ClassPermanent,
	"too_many_attachments":              ClassPermanent,
	"too_many_contact_cards":            ClassPermanent,
	"invalid_attachments":               ClassPermanent,
	"attachment_payload_limit_exceeded": ClassPermanent,
	"invalid_metadata_format":           ClassPermanent,
	"invalid_metadata_schema":           ClassPermanent,
	"metadata_too_large":                ClassPermanent,
	"metadata_must_be_sent_from_app":    ClassPermanent,
	"block_mismatch":                    ClassPermanent,
	"view_too_large":                    ClassPermanent,

	// The recipient, channel or message is gone or closed to the bot.
	"channel_not_found":                        ClassPermanent,
	"not_in_channel":                           ClassPermanent,
	"is_archived":                              ClassPermanent,
	"is_inactive":                              ClassPermanent,
	"message_not_found":                        ClassPermanent,
	"thread_not_found":                         ClassPermanent,
	"cant_update_message":                      ClassPermanent,
	"edit_window_closed":                       ClassPermanent,
	"cannot_reply_to_message":                  ClassPermanent,
	"restricted_action":                        ClassPermanent,
	"restricted_action_non_threadable_channel": ClassPermanent,
	"restricted_action_read_only_channel":      ClassPermanent,
	"restricted_action_thread_locked":          ClassPermanent,
	"restricted_action_thread_only_channel":    ClassPermanent,
	"posting_to_channel_denied":                ClassPermanent,
	"user_not_found":                           ClassPermanent,
	"users_not_found":                          ClassPermanent,
	"user_not_visible":                         ClassPermanent,
	"user_disabled":                            ClassPermanent, // deactivated in Slack
	"user_not_in_channel":                      ClassPermanent,
	"invalid_user_combination":                 ClassPermanent,
	"method_not_supported_for_channel_type":    ClassPermanent,
	"not_enough_users":                         ClassPermanent,
	"too_many_users":                           ClassPermanent,
	"users_list_not_supplied":                  ClassPermanent,
	"no_such_subteam":                          ClassPermanent,
	"not_found":                                ClassPermanent, // views.update/push: no such view
	"push_limit_reached":                       ClassPermanent,
	"invalid_trigger_id":                       ClassPermanent,
	"expired_trigger_id":                       ClassPermanent,
	"exchanged_trigger_id":                     ClassPermanent,
	"trigger_expired":                          ClassPermanent,
	"trigger_exchanged":                        ClassPermanent,
	"duplicate_channel_not_found":              ClassPermanent,
	"duplicate_message_not_found":              ClassPermanent,

	// Drafts and files: chataccess sends neither; refused for good.
	"draft_already_deleted":                     ClassPermanent,
	"draft_already_sent":                        ClassPermanent,
	"draft_has_conflict":                        ClassPermanent,
	"draft_not_found":                           ClassPermanent,
	"missing_file_data":                         ClassPermanent,
	"blocked_file_type":                         ClassPermanent,
	"file_deleted":                              ClassPermanent,
	"file_is_deleted":                           ClassPermanent,
	"file_not_found":                            ClassPermanent,
	"file_share_limit_reached":                  ClassPermanent,
	"max_file_sharing_exceeded":                 ClassPermanent,
	"slack_connect_blocked_file_type":           ClassPermanent,
	"slack_connect_canvas_sharing_blocked":      ClassPermanent,
	"slack_connect_clip_sharing_blocked":        ClassPermanent,
	"slack_connect_file_link_sharing_blocked":   ClassPermanent,
	"slack_connect_file_upload_sharing_blocked": ClassPermanent,
	"slack_connect_lists_sharing_blocked":       ClassPermanent,
}

// ClassOf is the class of a Slack error code.
func ClassOf(code string) Class { return errorClasses[code] }

// APIError is an ok:false answer of the Slack Web API. Code is Slack's
// error string (e.g. "channel_not_found"); errors.Is maps the codes
// chataccess reacts to onto the bot sentinel errors, and every code onto
// bot.ErrPermanent or bot.ErrTransient by its class (unknown codes onto
// neither).
type APIError struct {
	Method string
	Code   string
}

func (e *APIError) Error() string { return e.Method + ": " + e.Code }

// Class is the class of the code.
func (e *APIError) Class() Class { return ClassOf(e.Code) }

// Is maps Slack error codes to bot sentinels.
func (e *APIError) Is(target error) bool {
	switch target {
	case bot.ErrPermanent:
		return e.Class() == ClassPermanent
	case bot.ErrTransient:
		return e.Class() == ClassTransient
	}
	switch e.Code {
	case "user_not_found", "users_not_found", "user_not_visible", "user_disabled":
		return target == bot.ErrUserNotFound
	case "channel_not_found", "message_not_found", "thread_not_found", "not_in_channel", "is_archived", "no_such_subteam", "subteam_not_found":
		return target == bot.ErrNotFound
	case "expired_trigger_id", "trigger_expired", "trigger_exchanged", "exchanged_trigger_id":
		return target == bot.ErrTriggerExpired
	case "invalid_blocks", "invalid_blocks_format", "msg_blocks_too_long", "msg_too_long", "view_too_large":
		return target == bot.ErrInvalidContent
	}
	return false
}

// CallError is a Slack call that got no ok:false answer: the connection
// failed, the call timed out, or Slack answered with an HTTP error
// status. Network failures, timeouts and 5xx are transient; other HTTP
// statuses (a 404 for a method, a 400) are permanent.
type CallError struct {
	Method string
	Err    error
	class  Class
}

func (e *CallError) Error() string { return e.Method + ": " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *CallError) Unwrap() error { return e.Err }

// Class is the failure's class.
func (e *CallError) Class() Class { return e.class }

// Is makes errors.Is(err, bot.ErrPermanent / bot.ErrTransient) follow
// the class.
func (e *CallError) Is(target error) bool {
	return (target == bot.ErrPermanent && e.class == ClassPermanent) || (target == bot.ErrTransient && e.class == ClassTransient)
}

// classify turns slack-go errors into an *APIError (ok:false) or a
// *CallError.
func classify(method string, err error) error {
	if err == nil {
		return nil
	}
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return &APIError{Method: method, Code: se.Err}
	}
	class := ClassTransient // dial errors, resets, timeouts, a cancelled wait
	var sc slack.StatusCodeError
	if errors.As(err, &sc) && sc.Code < http.StatusInternalServerError && sc.Code != http.StatusTooManyRequests &&
		sc.Code != http.StatusRequestTimeout {
		class = ClassPermanent
	}
	if errors.Is(err, context.Canceled) {
		class = ClassUnknown // our own shutdown, not Slack's answer
	}
	return &CallError{Method: method, Err: err, class: class}
}

// classOf is the class of any error a Sender method returned.
func classOf(err error) Class {
	switch {
	case err == nil:
		return ClassUnknown
	case errors.Is(err, bot.ErrPermanent):
		return ClassPermanent
	case errors.Is(err, bot.ErrTransient):
		return ClassTransient
	}
	return ClassUnknown
}
