package slackbot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
)

// replayTTL is how long a claimed request stays claimed: a signed
// request is accepted while its timestamp is within 5 minutes of the
// clock on either side (docs.slack.dev/authentication/verifying-requests-from-slack),
// so a copy can be replayed for up to 10 minutes after the first
// delivery is seen.
const replayTTL = 2 * signatureWindow

// ErrClaim says a request could not be checked against earlier
// deliveries (the claim store failed); it is refused, not handled.
var ErrClaim = errors.New("request could not be checked for replay")

// FirstRequest claims one signed command, click or submission, so the
// exact bytes sent again within the signature window have no effect.
// Slack gives every slash command, click and submission a trigger_id it
// never repeats (docs.slack.dev/interactivity/handling-user-interaction,
// reference §1.2); payloads without one (view_closed) are claimed by a
// hash of the signed body. Each claim is "slack:request:<key>" in the
// claim store for replayTTL.
func (d *Dedupe) FirstRequest(ctx context.Context, triggerID string, body []byte) (bool, error) {
	name := "slack:request:trigger:" + triggerID
	if !triggerLike(triggerID) {
		sum := sha256.Sum256(body)
		name = "slack:request:body:" + hex.EncodeToString(sum[:])
	}
	ok, err := d.claims.Claim(ctx, name, "slackbot", replayTTL)
	if err != nil {
		return false, fmt.Errorf("%w: %w", ErrClaim, err)
	}
	return ok, nil
}

// triggerLike accepts what Slack's trigger ids look like
// ("398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"):
// digits, letters, dots and dashes, at most 128 of them. Anything else
// is claimed by body hash, so the key stays short and printable.
func triggerLike(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
