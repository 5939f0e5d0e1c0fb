package commands

import (
	"context"
	"errors"
	"strings"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/i18n"
	"github.com/chataccess/chataccess/internal/logging"
)

// LedgerGate guards against a ledger that vanished under a running bot
// (Redis lost its data): request ids start again at DC-1001 there, so a
// button left in an old card would name a different request. Request
// buttons carry the ledger's identity, and new requests wait until an
// admin acknowledged the loss. The store's LedgerWatch satisfies it.
type LedgerGate interface {
	// Accepting returns an error while new requests must wait for an
	// admin (the ledger was lost and nobody acknowledged it), nil
	// otherwise, and nil when it cannot tell.
	Accepting(ctx context.Context) error
	// Tag is the identity request buttons carry now ("" for none).
	Tag() string
	// Owns reports whether a button's tag names the current ledger; ""
	// is a button drawn before buttons carried one.
	Owns(ctx context.Context, tag string) bool
}

// tagSep joins a request id and the ledger's identity in a request
// button's value and block id: "DC-1002@3f9a1c2e7b4d".
const tagSep = "@"

// buttonValue is the value of a request button, which its block id
// repeats after the block's prefix.
func buttonValue(id, tag string) string {
	if tag == "" {
		return id
	}
	return id + tagSep + tag
}

// RequestOfButton is the request id a request button's value names,
// without the ledger identity it may carry.
func RequestOfButton(value string) string {
	id, _, _ := strings.Cut(value, tagSep)
	return id
}

// tag is the ledger identity this handler's buttons carry.
func (h *Handler) tag() string {
	if h.deps.Gate == nil {
		return ""
	}
	return h.deps.Gate.Tag()
}

// buttonRequest reads a request button's value. A value whose ledger
// identity is not the current ledger's names no request here: it comes
// from a card drawn before the ledger was lost, and its request id may
// now belong to someone else's request.
func (h *Handler) buttonRequest(ctx context.Context, value string) (string, error) {
	id, tag, _ := strings.Cut(value, tagSep)
	id, err := approvals.ParseRequestID(id)
	if err != nil {
		return "", err
	}
	if h.deps.Gate != nil && !h.deps.Gate.Owns(ctx, tag) {
		h.log.Warn().Str(logging.RequestID, id).Str("ledger", tag).Msg("click on a card of a lost ledger refused")
		return "", errStaleButton
	}
	return id, nil
}

// errStaleButton says a button names a request of a ledger that is gone.
var errStaleButton = errors.New("button of a lost ledger")

// paused is the answer to a new request while the ledger's loss waits
// for an admin; nil when requests are taken.
func (h *Handler) paused(ctx context.Context, l *i18n.Lang) *bot.Message {
	if h.deps.Gate == nil || h.deps.Gate.Accepting(ctx) == nil {
		return nil
	}
	return ephemeral(l.T("ledger.paused"))
}

// tagged puts the ledger identity into m's request buttons that carry a
// bare request id (the expiry warning's Extend), and into their blocks.
func (h *Handler) tagged(m bot.Message) bot.Message {
	tag := h.tag()
	if tag == "" {
		return m
	}
	for _, b := range m.Blocks {
		a, ok := b.(*bot.Actions)
		if !ok {
			continue
		}
		for _, e := range a.Elements {
			btn, ok := e.(*bot.Button)
			if !ok {
				continue
			}
			prefix, request := blockPrefix[btn.ActionID]
			if !request || strings.Contains(btn.Value, tagSep) || a.BlockID != prefix+btn.Value {
				continue
			}
			btn.Value = buttonValue(btn.Value, tag)
			a.BlockID = prefix + btn.Value
		}
	}
	return m
}
