package commands

import (
	"context"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/internal/logging"
)

// homeCallback is the callback id of the App Home view; clicks on
// request buttons in a view must come from it.
const homeCallback = "dc_home"

// Home view budget: Slack allows 100 blocks in a Home tab
// (docs.slack.dev/reference/block-kit/blocks, Slack reference §1.7).
const (
	maxHomeBlocks   = 100
	homeOpenLimit   = 20
	homeWaitLimit   = 20
	homeRecentLimit = 10
)

// HandleHomeOpened implements bot.Handler: it publishes the user's App
// Home with their open requests (with Cancel buttons), the requests
// waiting for their decision (with Approve and Deny) and their recent
// decisions. It is a read path: the actor may come from the actor cache
// (every button in it checks again, fresh, when clicked). Failures are
// logged; the Home is best effort.
func (h *Handler) HandleHomeOpened(ctx context.Context, u bot.User) {
	actor, err := h.actor(readPath(ctx), u)
	var home bot.Home
	if err != nil {
		h.log.Warn().Err(err).Str(logging.User, u.ID).Msg("resolve actor for home")
		home = bot.Home{CallbackID: homeCallback, Blocks: []bot.Block{&bot.Header{Text: "Dynamic Chat access"}, &bot.Section{Text: h.actorProblem(err)}}}
	} else if home, err = h.Home(ctx, actor); err != nil {
		h.log.Error().Err(err).Str(logging.User, u.ID).Msg("build home")
		return
	}
	if err := h.chat.On(h.platformOf(u.Platform)).PublishHome(ctx, u.ID, home); err != nil {
		h.log.Error().Err(err).Str(logging.User, u.ID).Msg("publish home")
	}
}

// Home builds the App Home of one actor, within the Home block limit.
func (h *Handler) Home(ctx context.Context, actor approvals.Actor) (bot.Home, error) {
	mine, err := h.ledger.List(ctx, approvals.ByRequester(actor), 50)
	if err != nil {
		return bot.Home{}, err
	}
	waiting, err := h.awaiting(ctx, actor, homeWaitLimit)
	if err != nil {
		return bot.Home{}, err
	}
	decided, err := h.ledger.List(ctx, approvals.ByApprover(actor), homeRecentLimit)
	if err != nil {
		return bot.Home{}, err
	}
	// Only what the actor may see (requester, target, approver, admin).
	mine, waiting, decided = h.viewable(mine, actor), h.viewable(waiting, actor), h.viewable(decided, actor)
	b := &homeBuilder{limit: maxHomeBlocks - 1}
	b.add(&bot.Header{Text: "Dynamic Chat access"})
	b.add(&bot.Actions{BlockID: "home_actions", Elements: []bot.Element{
		&bot.Button{ActionID: ActionHomeAdd, Text: "Request access", Style: bot.StylePrimary},
		&bot.Button{ActionID: ActionHomeRemove, Text: "Remove access"},
	}})
	b.add(&bot.Context{Elements: []bot.Text{bot.Textf("Or type %s in any channel.", bot.Code(h.deps.CommandName+" help"))}})

	b.add(&bot.Divider{}, &bot.Header{Text: "Your open requests"})
	n := 0
	for _, r := range mine {
		if !r.State.Open() || n == homeOpenLimit {
			continue
		}
		if !b.add(h.summaryBlock(r, actor, true)) {
			break
		}
		n++
	}
	if n == 0 {
		b.add(&bot.Section{Text: bot.Plain("Nothing open.")})
	}

	b.add(&bot.Divider{}, &bot.Header{Text: "Waiting for your decision"})
	for _, r := range waiting {
		if !b.add(h.summaryBlock(r, actor, false), decideActions(r, h.tag())) {
			break
		}
	}
	if len(waiting) == 0 {
		b.add(&bot.Section{Text: bot.Plain("Nothing is waiting for you.")})
	}

	b.add(&bot.Divider{}, &bot.Header{Text: "Your recent decisions"})
	var lines []bot.Text
	for _, r := range decided {
		for _, d := range r.Decisions {
			if d.Approver.Same(actor) {
				lines = append(lines, bot.Textf("%s %s %s for %s · %s %s · now %s", bot.Code(r.ID), bot.Plain(string(r.Kind)), bot.Bold(r.Package),
					bot.Plain(r.Target.Email), bot.Plain(string(d.Verdict)+"d"), bot.Plain(clock(d.At, h.deps.Location, true)), bot.Plain(stateWord(r.State))))
			}
		}
	}
	if len(lines) == 0 {
		b.add(&bot.Section{Text: bot.Plain("No decisions yet.")})
	} else {
		b.add(&bot.Section{Text: bot.Lines(lines...)})
	}
	if b.dropped > 0 {
		b.blocks = append(b.blocks, &bot.Context{Elements: []bot.Text{bot.Textf("%d more not shown; use %s or %s.", b.dropped,
			bot.Code(h.deps.CommandName+" list"), bot.Code(h.deps.CommandName+" pending"))}})
	}
	return bot.Home{CallbackID: homeCallback, Blocks: b.blocks}, nil
}

// homeBuilder appends blocks in groups that fit the limit, counting
// what it had to leave out.
type homeBuilder struct {
	blocks  []bot.Block
	limit   int
	dropped int
}

// add appends all of bs or none; it reports whether they fit.
func (b *homeBuilder) add(bs ...bot.Block) bool {
	if len(b.blocks)+len(bs) > b.limit {
		b.dropped++
		return false
	}
	b.blocks = append(b.blocks, bs...)
	return true
}
