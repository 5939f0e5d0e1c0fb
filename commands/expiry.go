package commands

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/i18n"
	"github.com/chataccess/chataccess/internal/logging"
)

// ExpiryWarning is the message the workers send to a grant holder (and
// its requester) before the grant ends, with a "Request extension"
// button that opens the Add modal pre-filled from the original request.
// pkg may be nil; now and loc set how the end is shown. It is in
// English; ExpiryWarningIn says it in another language.
func ExpiryWarning(g approvals.Grant, pkg *approvals.Package, now time.Time, loc *time.Location) bot.Message {
	return ExpiryWarningIn(nil, g, pkg, now, loc)
}

// ExpiryWarningIn is ExpiryWarning in language l (English when nil).
func ExpiryWarningIn(l *i18n.Lang, g approvals.Grant, pkg *approvals.Package, now time.Time, loc *time.Location) bot.Message {
	l = english(l)
	if loc == nil {
		loc = time.UTC
	}
	left := l.T("expiry.soon")
	if d := g.Until.Sub(now); d > 0 {
		left = l.T("expiry.in", i18n.M{"Duration": l.Rough(d)})
	}
	what := bot.Bold(g.Package)
	if pkg != nil {
		if s := packageSummary(l, pkg); s != "" {
			what = l.T("expiry.package", i18n.M{"Package": bot.Bold(g.Package), "Summary": s})
		}
	}
	text := l.T("expiry.text", i18n.M{"Package": what, "User": g.Email, "Left": left, "Until": at(l, g.Until, loc, true)})
	blocks := []bot.Block{
		&bot.Section{Text: text},
		&bot.Context{Elements: []bot.Text{l.T("expiry.granted_by", i18n.M{"ID": bot.Code(g.RequestID), "Approvers": orText(strings.Join(g.ApprovedBy, ", "), "—")})}},
	}
	if g.RequestID != "" {
		blocks = append(blocks, &bot.Actions{BlockID: "extend:" + g.RequestID, Elements: []bot.Element{
			&bot.Button{ActionID: ActionExtend, Text: l.S("expiry.extend"), Value: g.RequestID, Style: bot.StylePrimary},
		}})
	}
	return bot.Message{Text: text, Blocks: blocks, Lang: l.Name()}
}

// WarnExpiry sends ExpiryWarning by DM to the holder and to whoever
// requested the grant (once each), so either can ask for an extension.
// It implements the workers' ExpiryNotifier port.
func (h *Handler) WarnExpiry(ctx context.Context, g approvals.Grant) error {
	pkg, _ := h.svc.Policy().Package(g.Package)
	now := h.deps.Clock.Now()
	var ids []approvals.PlatformID
	if g.RequestID != "" {
		if r, err := h.ledger.Get(ctx, g.RequestID); err == nil {
			requester := h.chatUser(r.Requester)
			target := approvals.PlatformID{Platform: r.Target.Platform, ID: r.Target.PlatformID}
			if target.Platform == "" {
				target.Platform = requester.Platform
			}
			ids = append(ids, requester, target)
		}
	}
	for _, p := range h.chat.Platforms() {
		if u, err := h.chat.On(p).LookupUserByEmail(ctx, g.Email); err == nil {
			ids = append(ids, approvals.PlatformID{Platform: approvals.Platform(p), ID: u.ID})
		}
	}
	var errs []error
	sent := map[approvals.PlatformID]bool{}
	for _, id := range ids {
		if id.ID == "" || id.Platform == "" || sent[id] {
			continue
		}
		sent[id] = true
		msg := h.tagged(ExpiryWarningIn(h.userLang(ctx, id.Platform, id.ID, g.Package), g, pkg, now, h.deps.Location))
		if _, err := h.on(id.Platform).DM(ctx, id.ID, msg); err != nil {
			errs = append(errs, err)
		}
	}
	if len(sent) == 0 {
		h.log.Warn().Str("email", g.Email).Str(logging.Package, g.Package).Msg("nobody to warn about an expiring grant")
	}
	return errors.Join(errs...)
}
