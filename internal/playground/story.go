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
	"github.com/chataccess/chataccess/bot/slackbot/slackfake"
	"github.com/chataccess/chataccess/commands"
	"github.com/chataccess/chataccess/reviews/reviewchat"
)

// Step is one step of the story: someone does one thing in Slack, and
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

// Stage is what the story's steps act through.
type Stage struct {
	Slack   *Slack
	Fake    *slackfake.Fake
	Records Records
	Cast    Cast

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

// The story's texts, typed as in the README.
const (
	addText    = `add alice@example.com agent 30d "covering EMEA live chat"`
	reviewText = "review start agent"
	removeText = `remove alice@example.com agent "moved to the partner team"`
	bobEmail   = "bob@example.com"
)

// Story is the demo's story: a request, a click refused, an approval and
// the provisioning, an access review that finds access granted outside
// chataccess and revokes it, and an auto-approved removal.
func Story() []Step {
	return []Step{
		{Title: `Lea Lead (team lead) types /dynchat ` + addText, Actor: Lea, Where: Approvals, Run: stepRequest},
		{Title: "Eve Stone (not an approver) clicks Approve on the card", Actor: Eve, Where: Approvals, Run: stepOutsider},
		{Title: "Dana Lee (approver) clicks Approve; the workers apply the change", Actor: Dana, Where: Approvals, Run: stepApprove},
		{Title: "Ada Admin types /dynchat " + reviewText, Actor: Ada, Where: Admins, Run: stepReview},
		{Title: "Dana Lee revokes bob@example.com, who was given access by hand outside chataccess", Actor: Dana, Where: "D" + Dana, Run: stepRevoke},
		{Title: `Lea Lead types /dynchat ` + removeText, Actor: Lea, Where: Approvals, Run: stepRemove},
	}
}

func stepRequest(ctx context.Context, st *Stage) error {
	id, err := st.commandRequest(ctx, Lea, addText)
	if err != nil {
		return err
	}
	st.remember("add", id)
	if err := st.waitFor(ctx, 10*time.Second, "the approval card of "+id, func() bool { _, ok := st.Card(id); return ok }); err != nil {
		return err
	}
	return st.settle(ctx)
}

func stepOutsider(ctx context.Context, st *Stage) error {
	id, err := st.needs("add")
	if err != nil {
		return err
	}
	before := len(st.Fake.Ephemerals())
	if err := st.clickCard(ctx, Eve, id, commands.ActionApprove); err != nil {
		return err
	}
	if err := st.waitFor(ctx, 5*time.Second, "the answer to Eve", func() bool { return len(st.Fake.Ephemerals()) > before }); err != nil {
		return err
	}
	return st.settle(ctx)
}

func stepApprove(ctx context.Context, st *Stage) error {
	id, err := st.needs("add")
	if err != nil {
		return err
	}
	if err := st.clickCard(ctx, Dana, id, commands.ActionApprove); err != nil {
		return err
	}
	return st.finish(ctx, id)
}

func stepReview(ctx context.Context, st *Stage) error {
	if _, err := st.Slack.Command(ctx, Ada, General, reviewText); err != nil {
		return err
	}
	err := st.waitFor(ctx, 20*time.Second, "a review page offering to revoke "+bobEmail, func() bool {
		_, _, ok := st.reviewButton(bobEmail, reviewchat.ActionRevoke)
		return ok
	})
	if err != nil {
		return err
	}
	return st.settle(ctx)
}

func stepRevoke(ctx context.Context, st *Stage) error {
	m, blockID, ok := st.reviewButton(bobEmail, reviewchat.ActionRevoke)
	if !ok {
		return errors.New("playground: no review page offers to revoke " + bobEmail + "; run the review step first")
	}
	owner, _ := DMOwner(m.Channel)
	before, _ := st.newest(ctx)
	if err := st.Slack.Click(ctx, owner, Target{Channel: m.Channel, TS: m.TS, BlockID: blockID, ActionID: reviewchat.ActionRevoke}); err != nil {
		return err
	}
	id, err := st.newRequest(ctx, before)
	if err != nil {
		return err
	}
	st.remember("revoke", id)
	return st.finish(ctx, id)
}

func stepRemove(ctx context.Context, st *Stage) error {
	id, err := st.commandRequest(ctx, Lea, removeText)
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
func (st *Stage) commandRequest(ctx context.Context, user, text string) (string, error) {
	before, err := st.newest(ctx)
	if err != nil {
		return "", err
	}
	if _, err := st.Slack.Command(ctx, user, st.Cast.Home, text); err != nil {
		return "", err
	}
	return st.newRequest(ctx, before)
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

// Card returns the approval card of request id (the channel copy).
func (st *Stage) Card(id string) (slackfake.Message, bool) {
	for _, m := range st.Fake.Messages() {
		if _, dm := DMOwner(m.Channel); !dm && m.ThreadTS == "" && strings.Contains(m.Blocks, "`"+id+"`") {
			return m, true
		}
	}
	return slackfake.Message{}, false
}

// clickCard presses a button of the channel card of request id.
func (st *Stage) clickCard(ctx context.Context, user, id, action string) error {
	m, ok := st.Card(id)
	if !ok {
		return fmt.Errorf("playground: no card for %s", id)
	}
	block, ok := buttonBlock(m.Blocks, action, "")
	if !ok {
		return fmt.Errorf("playground: the card of %s has no %s button", id, action)
	}
	return st.Slack.Click(ctx, user, Target{Channel: m.Channel, TS: m.TS, BlockID: block, ActionID: action})
}

// reviewButton finds, in a reviewer's review page, the button action
// below the section naming email; Dana's page first.
func (st *Stage) reviewButton(email, action string) (slackfake.Message, string, bool) {
	msgs := st.Fake.Messages()
	slices.SortStableFunc(msgs, func(a, b slackfake.Message) int {
		return boolOrder(a.Channel != "D"+Dana) - boolOrder(b.Channel != "D"+Dana)
	})
	for _, m := range msgs {
		if _, dm := DMOwner(m.Channel); !dm || !strings.Contains(m.Blocks, email) {
			continue
		}
		if block, ok := buttonBlock(m.Blocks, action, email); ok {
			return m, block, true
		}
	}
	return slackfake.Message{}, "", false
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

// settle waits until neither Slack nor the audit trail moved for a
// while (at most 10 s), so late card redraws and DMs are in.
func (st *Stage) settle(ctx context.Context) error {
	const quiet = 1200 * time.Millisecond
	mark := func() string {
		n, _ := st.Records.AuditCount(ctx)
		return fmt.Sprint(st.Fake.Version(), "/", n)
	}
	last, since := mark(), time.Now()
	deadline := time.Now().Add(10 * time.Second)
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
