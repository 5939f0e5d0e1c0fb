package logging_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/internal/logging"
	"github.com/chataccess/chataccess/internal/logging/logtest"
)

// TestFieldNamesDistinct: two constants with one spelling would let two
// meanings share a key, and a line that carries both repeat it.
func TestFieldNamesDistinct(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range []string{
		logging.RequestID, logging.Requester, logging.Approver, logging.Package, logging.Platform,
		logging.TaskID, logging.Attempt, logging.Component, logging.Subcomponent, logging.Vendor,
		logging.User, logging.Reviewer, logging.ReviewID, logging.Item, logging.Schedule,
		logging.Step, logging.StepAttempt, logging.CallAttempt, logging.Op, logging.Endpoint,
		logging.Status, logging.Code, logging.Reason, logging.RetryIn, logging.Panic,
	} {
		if seen[k] || k == "" || strings.ToLower(k) != k || strings.ContainsAny(k, " -.") {
			t.Errorf("field name %q is repeated or not snake_case", k)
		}
		seen[k] = true
	}
}

// TestNestedPartsRepeatNoKey follows the logger through the process the
// way the parts pass it on, and decodes every line: the workers' task
// logger, the saga under it (subcomponent), a vendor client logging
// through the saga's context logger (vendor, call_attempt) and a step
// retry (step_attempt); commands and its notifier; the Slack adapter's
// post-ack context.
func TestNestedPartsRepeatNoKey(t *testing.T) {
	var buf logtest.Buffer
	root := logging.New(&buf, false, "debug")

	workers := logging.WithComponent(root, "workers")
	task := workers.With().Str(logging.TaskID, "t1").Int(logging.Attempt, 2).Logger()
	ctx := task.WithContext(context.Background())
	saga := logging.WithSubcomponent(zerolog.Ctx(ctx).With().Str(logging.RequestID, "DC-1").Logger(), "saga")
	ctx = saga.WithContext(ctx)
	zerolog.Ctx(ctx).Warn().Str(logging.Vendor, "marketo").Str(logging.Op, "add roles").Int(logging.CallAttempt, 1).
		Str(logging.Reason, "rate_limited").Int(logging.Status, 429).Str(logging.Code, "606").Msg("vendor call retry")
	saga.Debug().Err(errors.New("busy")).Int(logging.StepAttempt, 3).Str(logging.Step, "adobe").Msg("step will be retried")

	commands := logging.WithComponent(root, "commands")
	notifier := logging.WithSubcomponent(commands, "notifier")
	notifier.Warn().Str(logging.RequestID, "DC-2").Str(logging.Approver, "ann@example.com").Str(logging.Platform, "slack").Msg("no chat account")

	slack := logging.WithComponent(root, "slackbot").With().Str(logging.Platform, "slack").Logger()
	user := slack.With().Str(logging.User, "U1").Logger()
	user.Error().Interface(logging.Panic, "boom").Msg("handler panicked")

	if n := logtest.CheckLines(t, buf.String()); n != 4 {
		t.Fatalf("%d lines:\n%s", n, buf.String())
	}
	var first map[string]any
	if err := json.Unmarshal([]byte(strings.SplitN(buf.String(), "\n", 2)[0]), &first); err != nil {
		t.Fatal(err)
	}
	if first[logging.Component] != "workers" || first[logging.Subcomponent] != "saga" || first[logging.Vendor] != "marketo" ||
		first[logging.Attempt] != 2.0 || first[logging.CallAttempt] != 1.0 {
		t.Errorf("first line = %v", first)
	}
}
