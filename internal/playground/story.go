//go:build !nodemo

package playground

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/bot/slackbot/slackfake"
	"github.com/chataccess/chataccess/commands"
	"github.com/chataccess/chataccess/reviews/reviewchat"
)

// Step is one step of the story: someone does one thing in a chat, and
// Run returns once what it sets off has settled (cards redrawn, workers
// done), so whoever watches sees a finished picture.
type Step struct {
	// Title says what happens, with names.
	Title string
	// Actor is who acts; the page switches to them.
	Actor string
	// Where is the conversation worth looking at afterwards.
	Where string
	Run   func(ctx context.Context, st *Stage) error
}

// Stage is what the story's steps act through: Slack (Slack and Fake),
// Teams, or both.
type Stage struct {
	Slack *Slack
	Fake  *slackfake.Fake
	// Teams acts in Teams; nil when the story is told on Slack only.
	Teams   *Teams
	Records Records
	Cast    Cast
	// Quiet is how long nothing may move before a step counts as
	// settled (default 1.2 s). Teams paces a conversation's sends one
	// every 2 s once its burst is spent, so a story told there needs
	// longer.
	Quiet time.Duration

	mu   sync.Mutex
	made map[string]string // requests the steps made, by name
}

// Made returns the id of a request a step made ("add", "revoke",
// "remove"), "" when it has not run.
func (st *Stage) Made(name string) string {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.made[name]
}

func (st *Stage) remember(name, id string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.made == nil {
		st.made = map[string]string{}
	}
	st.made[name] = id
}

// on is the chat a step acts in.
func (st *Stage) on(p bot.Platform) Chat {
	if p == bot.Teams && st.Teams != nil {
		return st.Teams
	}
	return slackChat{slack: st.Slack, fake: st.Fake, cast: st.Cast}
}

// chats are the chats the stage acts in.
func (st *Stage) chats() []Chat {
	var out []Chat
	if st.Slack != nil {
		out = append(out, st.on(bot.Slack))
	}
	if st.Teams != nil {
		out = append(out, st.Teams)
	}
	return out
}

// The story's texts, typed as in the README.
const (
	addText    = `add alice@example.com agent 30d "covering EMEA live chat"`
	reviewText = "review start agent"
	removeText = `remove alice@example.com agent "moved to the partner team"`
	bobEmail   = "bob@example.com"
)

// Story is the demo's story told on Slack: a request, a click refused,
// an approval and the provisioning, an access review that finds access
// granted outside chataccess and revokes it, and an auto-approved
// removal.
func Story() []Step { return StoryOn(bot.Slack) }

// StoryOn is the story with each step acted on a platform: step i on
// on[i mod len(on)] (Slack when on is empty). When the steps use more
// than one platform, or any but Slack, each title says where it happens.
func StoryOn(on ...bot.Platform) []Step {
	if len(on) == 0 {
		on = []bot.Platform{bot.Slack}
	}
	named := slices.ContainsFunc(on, func(p bot.Platform) bool { return p != on[0] }) || on[0] != bot.Slack
	steps := []struct {
		title        func(p bot.Platform) string
		actor, where string
		run          func(ctx context.Context, st *Stage, c Chat) error
	}{
		{func(p bot.Platform) string { return "Lea Lead (team lead) " + typed(p, addText) }, Lea, Approvals, stepRequest},
		{func(bot.Platform) string { return "Eve Stone (not an approver) clicks Approve on the card" }, Eve, Approvals, stepOutsider},
		{func(bot.Platform) string { return "Dana Lee (approver) clicks Approve; the workers apply the change" }, Dana, Approvals, stepApprove},
		{func(p bot.Platform) string { return "Ada Admin " + typed(p, reviewText) }, Ada, Admins, stepReview},
		{func(bot.Platform) string {
			return "Dana Lee revokes bob@example.com, who was given access by hand outside chataccess"
		}, Dana, "D" + Dana, stepRevoke},
		{func(p bot.Platform) string { return "Lea Lead " + typed(p, removeText) }, Lea, Approvals, stepRemove},
	}
	out := make([]Step, len(steps))
	for i, s := range steps {
		p := on[i%len(on)]
		title := s.title(p)
		if named {
			title = "In " + PlatformName(p) + ", " + title
		}
		out[i] = Step{Title: title, Actor: s.actor, Where: s.where,
			Run: func(ctx context.Context, st *Stage) error { return s.run(ctx, st, st.on(p)) }}
	}
	return out
}

// typed says in a step title that someone typed text (the /dynchat
// grammar) on platform p: the slash command in Slack, a message to the
// bot in Teams.
func typed(p bot.Platform, text string) string {
	if p == bot.Teams {
		return "writes to chataccess: " + text
	}
	return "types /dynchat " + text
}

// PlatformName is a platform's name for people: "Slack", "Teams".
func PlatformName(p bot.Platform) string {
	if p == bot.Teams {
		return "Teams"
	}
	return "Slack"
}

func stepRequest(ctx context.Context, st *Stage, c Chat) error {
	id, err := st.commandRequest(ctx, c, Lea, addText)
	if err != nil {
		return err
	}
	st.remember("add", id)
	if err := st.waitFor(ctx, 10*time.Second, "the approval card of "+id, func() bool { return c.HasCard(id) }); err != nil {
		return err
	}
	return st.settle(ctx)
}

func stepOutsider(ctx context.Context, st *Stage, c Chat) error {
	id, err := st.needs("add")
	if err != nil {
		return err
	}
	before := c.Answers()
	if err := c.ClickCard(ctx, Eve, id, commands.ActionApprove); err != nil {
		return err
	}
	if err := st.waitFor(ctx, 5*time.Second, "the answer to Eve", func() bool { return c.Answers() > before }); err != nil {
		return err
	}
	return st.settle(ctx)
}

func stepApprove(ctx context.Context, st *Stage, c Chat) error {
	id, err := st.needs("add")
	if err != nil {
		return err
	}
	if err := c.ClickCard(ctx, Dana, id, commands.ActionApprove); err != nil {
		return err
	}
	return st.finish(ctx, id)
}

func stepReview(ctx context.Context, st *Stage, c Chat) error {
	if err := c.Command(ctx, Ada, reviewText); err != nil {
		return err
	}
	// The pages go where the reviewers are, which need not be where
	// the review was started.
	err := st.waitFor(ctx, 20*time.Second, "a review page offering to revoke "+bobEmail, func() bool {
		return slices.ContainsFunc(st.chats(), func(c Chat) bool { return c.HasReviewButton(bobEmail, reviewchat.ActionRevoke) })
	})
	if err != nil {
		return err
	}
	return st.settle(ctx)
}

func stepRevoke(ctx context.Context, st *Stage, c Chat) error {
	if !c.HasReviewButton(bobEmail, reviewchat.ActionRevoke) {
		return errors.New("playground: no review page offers to revoke " + bobEmail + "; run the review step first")
	}
	before, _ := st.newest(ctx)
	if err := c.ClickReview(ctx, bobEmail, reviewchat.ActionRevoke); err != nil {
		return err
	}
	id, err := st.newRequest(ctx, before)
	if err != nil {
		return err
	}
	st.remember("revoke", id)
	return st.finish(ctx, id)
}

func stepRemove(ctx context.Context, st *Stage, c Chat) error {
	id, err := st.commandRequest(ctx, c, Lea, removeText)
	if err != nil {
		return err
	}
	st.remember("remove", id)
	return st.finish(ctx, id)
}

// needs returns the id of a request an earlier step made.
func (st *Stage) needs(name string) (string, error) {
	if id := st.Made(name); id != "" {
		return id, nil
	}
	return "", fmt.Errorf("playground: run the earlier steps first (no %q request yet)", name)
}

// commandRequest types a command that submits a request and returns
// the new request's id.
func (st *Stage) commandRequest(ctx context.Context, c Chat, user, text string) (string, error) {
	before, err := st.newest(ctx)
	if err != nil {
		return "", err
	}
	said := c.LastAnswer(user)
	if err := c.Command(ctx, user, text); err != nil {
		return "", err
	}
	// A request is filed, or the bot answers something else and no
	// request follows within a second (it refused: an open request for
	// the same person and package, say).
	var id, answer string
	var answered time.Time
	err = st.waitFor(ctx, 10*time.Second, "a new request", func() bool {
		if id, _ = st.newest(ctx); id != "" && id != before {
			return true
		}
		if answer = c.LastAnswer(user); answer == said {
			return false
		}
		if answered.IsZero() {
			answered = time.Now()
		}
		return time.Since(answered) > time.Second
	})
	switch {
	case err != nil:
		return "", err
	case id == "" || id == before:
		return "", fmt.Errorf("playground: no request was filed; %s was told: %q. Settle that (an open request: /dynchat cancel <its id>) or restart the playground, then run the step again",
			st.Cast.Name(user), clip(answer, 300))
	}
	return id, nil
}

// newest is the id of the newest request, "" when there is none.
func (st *Stage) newest(ctx context.Context) (string, error) {
	rs, err := st.Records.Requests(ctx, 1)
	if err != nil || len(rs) == 0 {
		return "", err
	}
	return rs[0].ID, nil
}

// newRequest waits for a request newer than before.
func (st *Stage) newRequest(ctx context.Context, before string) (string, error) {
	var id string
	err := st.waitFor(ctx, 10*time.Second, "a new request", func() bool {
		id, _ = st.newest(ctx)
		return id != "" && id != before
	})
	return id, err
}

// finish waits until request id is completed (or failed), then for
// Slack to settle.
func (st *Stage) finish(ctx context.Context, id string) error {
	var r *approvals.Request
	err := st.waitFor(ctx, 60*time.Second, id+" to be applied", func() bool {
		var err error
		r, err = st.Records.Request(ctx, id)
		return err == nil && (r.State == approvals.StateCompleted || r.State == approvals.StateFailed || r.State == approvals.StateDenied)
	})
	if err != nil {
		return err
	}
	if r.State != approvals.StateCompleted {
		return fmt.Errorf("playground: %s ended %s: %s", id, r.State, r.Failure)
	}
	return st.settle(ctx)
}

func boolOrder(b bool) int {
	if b {
		return 1
	}
	return 0
}

// buttonBlock returns the block id of the actions block holding action;
// with near set, only one right below a section that mentions near.
func buttonBlock(blocksJSON, action, near string) (string, bool) {
	var bs []any
	if json.Unmarshal([]byte(blocksJSON), &bs) != nil {
		return "", false
	}
	below := near == ""
	for _, raw := range bs {
		b, _ := raw.(map[string]any)
		if b["type"] == "section" && near != "" {
			text, _ := json.Marshal(b)
			below = strings.Contains(string(text), near)
			continue
		}
		if b["type"] != "actions" || !below {
			continue
		}
		id, _ := b["block_id"].(string)
		if _, ok := findElement([]any{raw}, id, action); ok {
			return id, true
		}
	}
	return "", false
}

// waitFor polls cond until it holds, ctx ends or timeout passes.
func (st *Stage) waitFor(ctx context.Context, timeout time.Duration, what string, cond func() bool) error {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return fmt.Errorf("playground: waited %s for %s", timeout, what)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return nil
}

// settle waits until neither the chats nor the audit trail moved for
// st.Quiet (at most ten times that, and at least 10 s), so late card
// redraws and DMs are in.
func (st *Stage) settle(ctx context.Context) error {
	quiet := st.Quiet
	if quiet <= 0 {
		quiet = 1200 * time.Millisecond
	}
	mark := func() string {
		n, _ := st.Records.AuditCount(ctx)
		v := 0
		if st.Fake != nil {
			v += st.Fake.Version()
		}
		if st.Teams != nil {
			v += st.Teams.Version()
		}
		return fmt.Sprint(v, "/", n)
	}
	last, since := mark(), time.Now()
	deadline := time.Now().Add(max(10*time.Second, 10*quiet))
	for time.Since(since) < quiet && time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if m := mark(); m != last {
			last, since = m, time.Now()
		}
	}
	return nil
}

// clip cuts s to at most n runes, marking the cut.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
