package commands

import (
	"context"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/i18n"
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
	actor, l, err := h.actor(readPath(ctx), u)
	var home bot.Home
	if err != nil {
		h.log.Warn().Err(err).Str(logging.User, u.ID).Msg("resolve actor for home")
		home = bot.Home{CallbackID: homeCallback, Blocks: []bot.Block{&bot.Header{Text: l.S("home.title")}, &bot.Section{Text: h.actorProblem(l, err)}}, Lang: l.Name()}
	} else if home, err = h.HomeIn(ctx, l, actor); err != nil {
		h.log.Error().Err(err).Str(logging.User, u.ID).Msg("build home")
		return
	}
	if err := h.chat.On(h.platformOf(u.Platform)).PublishHome(ctx, u.ID, home); err != nil {
		h.log.Error().Err(err).Str(logging.User, u.ID).Msg("publish home")
	}
}

// Home builds the App Home of one actor in English.
func (h *Handler) Home(ctx context.Context, actor approvals.Actor) (bot.Home, error) {
	return h.HomeIn(ctx, h.cat.Lang(i18n.Default), actor)
}

// HomeIn builds the App Home of one actor in language l, within the
// Home block limit.
func (h *Handler) HomeIn(ctx context.Context, l *i18n.Lang, actor approvals.Actor) (bot.Home, error) {
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
	b.add(&bot.Header{Text: l.S("home.title")})
	b.add(&bot.Actions{BlockID: "home_actions", Elements: []bot.Element{
		&bot.Button{ActionID: ActionHomeAdd, Text: l.S("home.request"), Style: bot.StylePrimary},
		&bot.Button{ActionID: ActionHomeRemove, Text: l.S("home.remove")},
	}})
	b.add(&bot.Context{Elements: []bot.Text{l.T("home.or_type", i18n.M{"Command": bot.Code(h.deps.CommandName + " help")})}})

	b.add(&bot.Divider{}, &bot.Header{Text: l.S("home.open")})
	n := 0
	for _, r := range mine {
		if !r.State.Open() || n == homeOpenLimit {
			continue
		}
		if !b.add(h.summaryBlock(l, r, actor, true)) {
			break
		}
		n++
	}
	if n == 0 {
		b.add(&bot.Section{Text: l.T("home.nothing_open")})
	}

	b.add(&bot.Divider{}, &bot.Header{Text: l.S("pending.title")})
	for _, r := range waiting {
		if !b.add(h.summaryBlock(l, r, actor, false), decideActions(l, r, h.tag())) {
			break
		}
	}
	if len(waiting) == 0 {
		b.add(&bot.Section{Text: l.T("home.nothing_waiting")})
	}

	b.add(&bot.Divider{}, &bot.Header{Text: l.S("home.recent")})
	if lines := h.recentDecisions(l, decided, actor); len(lines) == 0 {
		b.add(&bot.Section{Text: l.T("home.no_decisions")})
	} else {
		b.add(&bot.Section{Text: bot.Lines(lines...)})
	}
	if b.dropped > 0 {
		b.blocks = append(b.blocks, &bot.Context{Elements: []bot.Text{l.N("home.more", b.dropped, i18n.M{
			"List": bot.Code(h.deps.CommandName + " list"), "Pending": bot.Code(h.deps.CommandName + " pending")})}})
	}
	return bot.Home{CallbackID: homeCallback, Blocks: b.blocks, Lang: l.Name()}, nil
}

// recentDecisions are the actor's own decisions on requests, one line
// each.
func (h *Handler) recentDecisions(l *i18n.Lang, decided []*approvals.Request, actor approvals.Actor) []bot.Text {
	var lines []bot.Text
	for _, r := range decided {
		for _, d := range r.Decisions {
			if !d.Approver.Same(actor) {
				continue
			}
			key := "home.decision.approved"
			if d.Verdict == approvals.Deny {
				key = "home.decision.denied"
			}
			lines = append(lines, l.T(key, i18n.M{"ID": bot.Code(r.ID), "What": what(l, r), "At": at(l, d.At, h.deps.Location, true),
				"State": stateWord(l, r.State)}))
		}
	}
	return lines
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
