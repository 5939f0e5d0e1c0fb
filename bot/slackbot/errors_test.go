package slackbot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/slack-go/slack"

	"github.com/chataccess/chataccess/bot"
)

// documentedErrors has one row per error code the Slack Web API
// documents for a method chataccess calls ("*": common to every method),
// taken from docs.slack.dev/reference/methods/<method> as collected in
// slack-ruby/slack-api-ref, plus the undocumented codes Slack is known
// to answer. Adding a method to the Sender means adding its codes here.
var documentedErrors = []struct {
	method string
	code   string
	class  Class
}{
	{"*", "access_denied", ClassPermanent},
	{"*", "accesslimited", ClassPermanent},
	{"*", "account_inactive", ClassPermanent},
	{"*", "deprecated_endpoint", ClassPermanent},
	{"*", "ekm_access_denied", ClassPermanent},
	{"*", "enterprise_is_restricted", ClassPermanent},
	{"*", "fatal_error", ClassUnknown},
	{"*", "invalid_arg_name", ClassPermanent},
	{"*", "invalid_array_arg", ClassPermanent},
	{"*", "invalid_charset", ClassPermanent},
	{"*", "invalid_form_data", ClassPermanent},
	{"*", "invalid_post_type", ClassPermanent},
	{"*", "is_bot", ClassPermanent},
	{"*", "method_deprecated", ClassPermanent},
	{"*", "missing_post_type", ClassPermanent},
	{"*", "missing_scope", ClassPermanent},
	{"*", "no_permission", ClassPermanent},
	{"*", "not_allowed_token_type", ClassPermanent},
	{"*", "not_authed", ClassPermanent},
	{"*", "org_login_required", ClassTransient},
	{"*", "ratelimited", ClassTransient},
	{"*", "request_timeout", ClassTransient},
	{"*", "service_unavailable", ClassTransient},
	{"*", "team_added_to_org", ClassTransient},
	{"*", "token_expired", ClassPermanent},
	{"*", "token_revoked", ClassPermanent},
	{"*", "two_factor_setup_required", ClassPermanent},
	{"*", "unknown_method", ClassPermanent},
	{"auth.test", "internal_error", ClassTransient},
	{"auth.test", "invalid_auth", ClassPermanent},
	{"chat.postMessage", "app_access_restricted", ClassPermanent},
	{"chat.postMessage", "as_user_not_supported", ClassPermanent},
	{"chat.postMessage", "attachment_payload_limit_exceeded", ClassPermanent},
	{"chat.postMessage", "cannot_reply_to_message", ClassPermanent},
	{"chat.postMessage", "channel_not_found", ClassPermanent},
	{"chat.postMessage", "draft_already_deleted", ClassPermanent},
	{"chat.postMessage", "draft_already_sent", ClassPermanent},
	{"chat.postMessage", "draft_has_conflict", ClassPermanent},
	{"chat.postMessage", "draft_not_found", ClassPermanent},
	{"chat.postMessage", "duplicate_channel_not_found", ClassPermanent},
	{"chat.postMessage", "duplicate_message_not_found", ClassPermanent},
	{"chat.postMessage", "invalid_blocks", ClassPermanent},
	{"chat.postMessage", "invalid_blocks_format", ClassPermanent},
	{"chat.postMessage", "invalid_metadata_format", ClassPermanent},
	{"chat.postMessage", "invalid_metadata_schema", ClassPermanent},
	{"chat.postMessage", "is_archived", ClassPermanent},
	{"chat.postMessage", "markdown_text_conflict", ClassPermanent},
	{"chat.postMessage", "message_limit_exceeded", ClassTransient},
	{"chat.postMessage", "messages_tab_disabled", ClassPermanent},
	{"chat.postMessage", "metadata_must_be_sent_from_app", ClassPermanent},
	{"chat.postMessage", "metadata_too_large", ClassPermanent},
	{"chat.postMessage", "missing_file_data", ClassPermanent},
	{"chat.postMessage", "msg_blocks_too_long", ClassPermanent},
	{"chat.postMessage", "no_text", ClassPermanent},
	{"chat.postMessage", "not_in_channel", ClassPermanent},
	{"chat.postMessage", "rate_limited", ClassTransient},
	{"chat.postMessage", "restricted_action", ClassPermanent},
	{"chat.postMessage", "restricted_action_non_threadable_channel", ClassPermanent},
	{"chat.postMessage", "restricted_action_read_only_channel", ClassPermanent},
	{"chat.postMessage", "restricted_action_thread_locked", ClassPermanent},
	{"chat.postMessage", "restricted_action_thread_only_channel", ClassPermanent},
	{"chat.postMessage", "send_on_behalf_not_allowed", ClassPermanent},
	{"chat.postMessage", "slack_connect_canvas_sharing_blocked", ClassPermanent},
	{"chat.postMessage", "slack_connect_file_link_sharing_blocked", ClassPermanent},
	{"chat.postMessage", "slack_connect_lists_sharing_blocked", ClassPermanent},
	{"chat.postMessage", "team_not_found", ClassPermanent},
	{"chat.postMessage", "too_many_attachments", ClassPermanent},
	{"chat.postMessage", "too_many_contact_cards", ClassPermanent},
	{"chat.update", "as_user_not_supported", ClassPermanent},
	{"chat.update", "block_mismatch", ClassPermanent},
	{"chat.update", "blocked_file_type", ClassPermanent},
	{"chat.update", "cant_broadcast_message", ClassPermanent},
	{"chat.update", "cant_update_message", ClassPermanent},
	{"chat.update", "channel_not_found", ClassPermanent},
	{"chat.update", "edit_window_closed", ClassPermanent},
	{"chat.update", "external_channel_migrating", ClassTransient},
	{"chat.update", "file_deleted", ClassPermanent},
	{"chat.update", "file_is_deleted", ClassPermanent},
	{"chat.update", "file_not_found", ClassPermanent},
	{"chat.update", "file_share_limit_reached", ClassPermanent},
	{"chat.update", "invalid_attachments", ClassPermanent},
	{"chat.update", "invalid_blocks", ClassPermanent},
	{"chat.update", "invalid_blocks_format", ClassPermanent},
	{"chat.update", "invalid_metadata_format", ClassPermanent},
	{"chat.update", "invalid_metadata_schema", ClassPermanent},
	{"chat.update", "is_inactive", ClassPermanent},
	{"chat.update", "markdown_text_conflict", ClassPermanent},
	{"chat.update", "max_file_sharing_exceeded", ClassPermanent},
	{"chat.update", "message_limit_exceeded", ClassTransient},
	{"chat.update", "message_not_found", ClassPermanent},
	{"chat.update", "metadata_must_be_sent_from_app", ClassPermanent},
	{"chat.update", "metadata_too_large", ClassPermanent},
	{"chat.update", "msg_too_long", ClassPermanent},
	{"chat.update", "no_dual_broadcast_content_update", ClassPermanent},
	{"chat.update", "no_text", ClassPermanent},
	{"chat.update", "posting_to_channel_denied", ClassPermanent},
	{"chat.update", "slack_connect_blocked_file_type", ClassPermanent},
	{"chat.update", "slack_connect_canvas_sharing_blocked", ClassPermanent},
	{"chat.update", "slack_connect_clip_sharing_blocked", ClassPermanent},
	{"chat.update", "slack_connect_file_link_sharing_blocked", ClassPermanent},
	{"chat.update", "slack_connect_file_upload_sharing_blocked", ClassPermanent},
	{"chat.update", "streaming_state_conflict", ClassTransient},
	{"chat.update", "team_not_found", ClassPermanent},
	{"chat.update", "too_many_attachments", ClassPermanent},
	{"chat.update", "unable_to_share_files", ClassUnknown},
	{"chat.update", "update_failed", ClassTransient},
	{"chat.postEphemeral", "cannot_reply_to_message", ClassPermanent},
	{"chat.postEphemeral", "channel_not_found", ClassPermanent},
	{"chat.postEphemeral", "invalid_attachments", ClassPermanent},
	{"chat.postEphemeral", "invalid_blocks", ClassPermanent},
	{"chat.postEphemeral", "invalid_blocks_format", ClassPermanent},
	{"chat.postEphemeral", "is_archived", ClassPermanent},
	{"chat.postEphemeral", "markdown_text_conflict", ClassPermanent},
	{"chat.postEphemeral", "message_limit_exceeded", ClassTransient},
	{"chat.postEphemeral", "messages_tab_disabled", ClassPermanent},
	{"chat.postEphemeral", "msg_too_long", ClassPermanent},
	{"chat.postEphemeral", "no_text", ClassPermanent},
	{"chat.postEphemeral", "not_in_channel", ClassPermanent},
	{"chat.postEphemeral", "restricted_action", ClassPermanent},
	{"chat.postEphemeral", "too_many_attachments", ClassPermanent},
	{"chat.postEphemeral", "user_not_in_channel", ClassPermanent},
	{"conversations.open", "channel_not_found", ClassPermanent},
	{"conversations.open", "invalid_user_combination", ClassPermanent},
	{"conversations.open", "method_not_supported_for_channel_type", ClassPermanent},
	{"conversations.open", "not_enough_users", ClassPermanent},
	{"conversations.open", "too_many_users", ClassPermanent},
	{"conversations.open", "user_disabled", ClassPermanent},
	{"conversations.open", "user_not_found", ClassPermanent},
	{"conversations.open", "user_not_visible", ClassPermanent},
	{"conversations.open", "users_list_not_supplied", ClassPermanent},
	{"users.info", "too_many_users", ClassPermanent},
	{"users.info", "user_not_found", ClassPermanent},
	{"users.info", "user_not_visible", ClassPermanent},
	{"users.lookupByEmail", "users_not_found", ClassPermanent},
	{"usergroups.users.list", "invalid_cursor", ClassPermanent},
	{"usergroups.users.list", "no_such_subteam", ClassPermanent},
	{"usergroups.users.list", "plan_upgrade_required", ClassPermanent},
	{"views.open", "duplicate_external_id", ClassPermanent},
	{"views.open", "exchanged_trigger_id", ClassPermanent},
	{"views.open", "expired_trigger_id", ClassPermanent},
	{"views.open", "invalid_trigger_id", ClassPermanent},
	{"views.open", "view_too_large", ClassPermanent},
	{"views.push", "duplicate_external_id", ClassPermanent},
	{"views.push", "exchanged_trigger_id", ClassPermanent},
	{"views.push", "expired_trigger_id", ClassPermanent},
	{"views.push", "invalid_trigger_id", ClassPermanent},
	{"views.push", "not_found", ClassPermanent},
	{"views.push", "push_limit_reached", ClassPermanent},
	{"views.push", "view_too_large", ClassPermanent},
	{"views.update", "duplicate_external_id", ClassPermanent},
	{"views.update", "hash_conflict", ClassTransient},
	{"views.update", "not_found", ClassPermanent},
	{"views.update", "view_too_large", ClassPermanent},
	{"views.publish", "duplicate_external_id", ClassPermanent},
	{"views.publish", "hash_conflict", ClassTransient},
	{"views.publish", "missing_profile_id", ClassPermanent},
	{"views.publish", "not_enabled", ClassPermanent},
	{"views.publish", "not_implemented", ClassPermanent},
	{"views.publish", "view_too_large", ClassPermanent},
	{"views.*", "invalid_arguments", ClassPermanent},
	{"*", "invalid_json", ClassPermanent},
	{"views.open", "trigger_exchanged", ClassPermanent},
	{"views.open", "trigger_expired", ClassPermanent},
	{"chat.postMessage", "thread_not_found", ClassPermanent},
}

func TestErrorClassOfEveryDocumentedCode(t *testing.T) {
	seen := map[string]bool{}
	for _, tc := range documentedErrors {
		seen[tc.code] = true
		t.Run(tc.method+"/"+tc.code, func(t *testing.T) {
			if _, listed := errorClasses[tc.code]; !listed {
				t.Fatalf("%s is documented for %s but not sorted in errorClasses", tc.code, tc.method)
			}
			err := classify(tc.method, slack.SlackErrorResponse{Err: tc.code})
			var api *APIError
			if !errors.As(err, &api) || api.Class() != tc.class || classOf(err) != tc.class {
				t.Fatalf("%s: class %v, want %v", tc.code, classOf(err), tc.class)
			}
			if got := errors.Is(err, bot.ErrPermanent); got != (tc.class == ClassPermanent) {
				t.Errorf("errors.Is(ErrPermanent) = %v", got)
			}
			if got := errors.Is(err, bot.ErrTransient); got != (tc.class == ClassTransient) {
				t.Errorf("errors.Is(ErrTransient) = %v", got)
			}
		})
	}
	for code := range errorClasses {
		if !seen[code] {
			t.Errorf("errorClasses sorts %q, which no row documents", code)
		}
	}
	if c := ClassOf("some_new_code"); c != ClassUnknown {
		t.Errorf("an undocumented code is %v, want unknown", c)
	}
}

func TestErrorSentinels(t *testing.T) {
	tests := []struct {
		code string
		want error
	}{
		{"user_disabled", bot.ErrUserNotFound},
		{"users_not_found", bot.ErrUserNotFound},
		{"channel_not_found", bot.ErrNotFound},
		{"exchanged_trigger_id", bot.ErrTriggerExpired},
		{"view_too_large", bot.ErrInvalidContent},
	}
	for _, tc := range tests {
		if err := classify("m", slack.SlackErrorResponse{Err: tc.code}); !errors.Is(err, tc.want) {
			t.Errorf("%s: errors.Is(%v) is false", tc.code, tc.want)
		}
	}
}

func TestCallErrorClasses(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want Class
	}{
		{"connection refused", fmt.Errorf("dial tcp: %w", errors.New("connection refused")), ClassTransient},
		{"deadline", context.DeadlineExceeded, ClassTransient},
		{"cancelled", context.Canceled, ClassUnknown},
		{"502", slack.StatusCodeError{Code: http.StatusBadGateway, Status: "502 Bad Gateway"}, ClassTransient},
		{"408", slack.StatusCodeError{Code: http.StatusRequestTimeout, Status: "408"}, ClassTransient},
		{"404", slack.StatusCodeError{Code: http.StatusNotFound, Status: "404 Not Found"}, ClassPermanent},
		{"rate limit", &bot.RateLimitError{Method: "chat.update"}, ClassTransient},
	}
	for _, tc := range tests {
		err := tc.err
		if _, ok := err.(*bot.RateLimitError); !ok {
			err = classify("chat.update", tc.err)
		}
		if got := classOf(err); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
