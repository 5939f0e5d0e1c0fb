package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/internal/logging"
)

// ExpiryWarning is the message the workers send to a grant holder (and
// its requester) before the grant ends, with a "Request extension"
// button that opens the Add modal pre-filled from the original request.
// pkg may be nil; now and loc set how the end is shown.
func ExpiryWarning(g approvals.Grant, pkg *approvals.Package, now time.Time, loc *time.Location) bot.Message {
	if loc == nil {
		loc = time.UTC
	}
	left := "soon"
	if d := g.Until.Sub(now); d > 0 {
		left = "in " + humanDuration(d)
	}
	what := bot.Bold(g.Package)
	if pkg != nil {
		if s := packageSummary(pkg); s != "" {
			what = bot.Textf("%s (%s)", bot.Bold(g.Package), bot.Plain(s))
		}
	}
	text := bot.Textf("Dynamic Chat access %s of %s ends %s, on %s.", what, bot.Plain(g.Email), bot.Plain(left), bot.Plain(clock(g.Until, loc, true)))
	blocks := []bot.Block{
		&bot.Section{Text: text},
		&bot.Context{Elements: []bot.Text{bot.Textf("Granted by %s · approved by %s", bot.Code(g.RequestID), bot.Plain(orText(strings.Join(g.ApprovedBy, ", "), "—")))}},
	}
	if g.RequestID != "" {
		blocks = append(blocks, &bot.Actions{BlockID: "extend:" + g.RequestID, Elements: []bot.Element{
			&bot.Button{ActionID: ActionExtend, Text: "Request extension", Value: g.RequestID, Style: bot.StylePrimary},
		}})
	}
	return bot.Message{Text: text, Blocks: blocks}
}

// humanDuration renders a positive duration roughly: "3 days", "5 hours".
func humanDuration(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%d days", int(d.Hours()/24))
	case d >= 2*time.Hour:
		return fmt.Sprintf("%d hours", int(d.Hours()))
	case d >= 2*time.Minute:
		return fmt.Sprintf("%d minutes", int(d.Minutes()))
	}
	return "a moment"
}

// WarnExpiry sends ExpiryWarning by DM to the holder and to whoever
// requested the grant (once each), so either can ask for an extension.
// It implements the workers' ExpiryNotifier port.
func (h *Handler) WarnExpiry(ctx context.Context, g approvals.Grant) error {
	pkg, _ := h.svc.Policy().Package(g.Package)
	msg := ExpiryWarning(g, pkg, h.deps.Clock.Now(), h.deps.Location)
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
		if _, err := h.on(id.Platform).DM(ctx, id.ID, msg); err != nil {
			errs = append(errs, err)
		}
	}
	if len(sent) == 0 {
		h.log.Warn().Str("email", g.Email).Str(logging.Package, g.Package).Msg("nobody to warn about an expiring grant")
	}
	return errors.Join(errs...)
}
