//go:build !nodemo

package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot/slackbot/slackfake"
	"github.com/chataccess/chataccess/reviews/reviewchat"
	"github.com/chataccess/chataccess/store"
)

// script plays the story: a request, a refused click, an approval, the
// provisioning with its progress, a removal, and the audit trail.
func (d *demo) script(ctx context.Context) error {
	d.say("chataccess demo: the bot as `serve` runs it, on an in-process Redis, the Adobe Admin Console and")
	d.say("Marketo emulators and a fake Slack, using the embedded example policy. Nothing leaves this machine.")

	if err := d.command(demoLead, `add alice@example.com agent 30d "covering EMEA live chat"`); err != nil {
		return err
	}
	r, err := d.lastRequest(ctx)
	if err != nil {
		return err
	}
	var card bool
	d.waitFor(5*time.Second, func() bool { _, card = d.card(r.ID); return card })
	d.showChanges()
	if !card {
		return fmt.Errorf("no approval card for %s appeared", r.ID)
	}
	msg, _ := d.card(r.ID)

	if err := d.click(demoEve, "dc_approve", r.ID, msg); err != nil {
		return err
	}
	if err := d.click(demoDana, "dc_approve", r.ID, msg); err != nil {
		return err
	}
	d.say("\nWorkers: Admin Console add through the batcher, a confirming read, then the Marketo role")
	d.say("(the emulated user appears in Marketo 3 s after the Admin Console add, as real users do later):")
	r, err = d.follow(ctx, r.ID, 45*time.Second, approvals.StateCompleted, approvals.StateFailed)
	if err != nil {
		return err
	}
	if r.State != approvals.StateCompleted {
		return fmt.Errorf("%s failed: %s", r.ID, r.Failure)
	}
	d.showVendors("after the add")

	if err := d.review(ctx); err != nil {
		return err
	}

	if err := d.command(demoLead, `remove alice@example.com agent "moved to the partner team"`); err != nil {
		return err
	}
	rm, err := d.lastRequest(ctx)
	if err != nil {
		return err
	}
	d.say("  (removals of \"agent\" are auto-approved by the policy; the workers take the Marketo role first)")
	if rm, err = d.follow(ctx, rm.ID, 45*time.Second, approvals.StateCompleted, approvals.StateFailed); err != nil {
		return err
	}
	if rm.State != approvals.StateCompleted {
		return fmt.Errorf("%s failed: %s", rm.ID, rm.Failure)
	}
	d.showVendors("after the removal")

	res, err := d.app.store.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	d.say("\nAudit trail (hash-chained; `chataccess audit verify` recomputes it): %d entries, intact=%v", res.Entries, res.OK())
	n := 0
	err = d.app.store.AuditEntries(ctx, func(e store.AuditEntry) error {
		if e.Action == string(approvals.EventProgress) {
			return nil
		}
		n++
		var det struct{ Detail string }
		_ = json.Unmarshal([]byte(e.Details), &det)
		d.say("  %s  %-8s %-18s %-28s %s", e.At[11:19], e.RequestID, e.Action, e.Actor, clipText(det.Detail, 60))
		return nil
	})
	if err != nil {
		return err
	}
	d.say("  (%d progress entries not shown)", res.Entries-n)
	d.say("\nDone. Next: `chataccess config check --config chataccess.example.yaml`, docs/slack.md to create the app,")
	d.say("and `make test` for the suite.")
	return nil
}

// review has an admin start an access review of "agent": the snapshot
// finds bob@example.com, added by hand outside chataccess, and a
// reviewer revokes that access through the same workers.
func (d *demo) review(ctx context.Context) error {
	d.say("\nAccess review (the policy also schedules one every quarter). bob@example.com was added to")
	d.say("\"Live Agent\" and given the Marketo role by hand, outside chataccess.")
	if err := d.command("U0ADMIN0001", "review start agent"); err != nil {
		return err
	}
	var owner, block, value string
	var msg slackfake.Message
	var found bool
	d.waitFor(15*time.Second, func() bool {
		owner, block, value, msg, found = d.reviewButton("bob@example.com", reviewchat.ActionRevoke)
		return found
	})
	d.showChanges()
	if !found {
		return fmt.Errorf("no review message offered to revoke bob@example.com")
	}
	d.say("\n$ %s clicks \"Revoke\" next to bob@example.com in their review", d.name(owner))
	if err := d.press(owner, reviewchat.ActionRevoke, block, value, msg); err != nil {
		return err
	}
	var rm *approvals.Request
	d.waitFor(10*time.Second, func() bool {
		rs, err := d.app.store.List(ctx, approvals.ByTarget("bob@example.com"), 1)
		if err == nil && len(rs) == 1 {
			rm = rs[0]
		}
		return rm != nil
	})
	if rm == nil {
		return fmt.Errorf("the review's revoke created no remove request")
	}
	d.say("  The review submitted %s (%s), approved by the system; the workers run it:", rm.ID, clipText(rm.Justification, 60))
	rm, err := d.follow(ctx, rm.ID, 45*time.Second, approvals.StateCompleted, approvals.StateFailed)
	if err != nil {
		return err
	}
	if rm.State != approvals.StateCompleted {
		return fmt.Errorf("%s failed: %s", rm.ID, rm.Failure)
	}
	d.showChanges()
	d.say("\n  Adobe Admin Console after the review: bob@example.com in \"Live Agent\": %v", slices.Contains(d.sb.Adobe.Members("Live Agent"), "bob@example.com"))
	return nil
}

// reviewButton finds, in any review message, the button with action id
// that sits below a section naming email.
func (d *demo) reviewButton(email, action string) (owner, block, value string, msg slackfake.Message, ok bool) {
	for _, m := range d.slack.Messages() {
		if !strings.HasPrefix(m.Channel, "D") || !strings.Contains(m.Blocks, email) {
			continue
		}
		var bs []map[string]any
		if json.Unmarshal([]byte(m.Blocks), &bs) != nil {
			continue
		}
		near := false
		for _, b := range bs {
			if b["type"] == "section" {
				raw, _ := json.Marshal(b)
				near = strings.Contains(string(raw), email)
				continue
			}
			if b["type"] != "actions" || !near {
				continue
			}
			es, _ := b["elements"].([]any)
			for _, e := range es {
				el, _ := e.(map[string]any)
				if el["action_id"] == action {
					block, _ = b["block_id"].(string)
					value, _ = el["value"].(string)
					return strings.TrimPrefix(m.Channel, "D"), block, value, m, true
				}
			}
		}
	}
	return "", "", "", slackfake.Message{}, false
}

// showVendors prints what the emulated Adobe and Marketo now hold.
func (d *demo) showVendors(when string) {
	members := d.sb.Adobe.Members("Live Agent")
	in := slices.Contains(members, "alice@example.com")
	d.say("\n  Adobe Admin Console %s: alice@example.com in \"Live Agent\": %v", when, in)
	roles := "none"
	if u, ok := d.sb.Marketo.User("alice@example.com"); ok {
		var names []string
		for _, a := range d.sb.Marketo.Roles(u.UserID) {
			name := fmt.Sprintf("role #%d", a.RoleID)
			for _, r := range sandboxRoleNames {
				if d.sb.RoleID(r) == a.RoleID {
					name = fmt.Sprintf("%q", r)
				}
			}
			names = append(names, name+" in workspace Default")
		}
		if len(names) > 0 {
			roles = strings.Join(names, ", ")
		}
		d.say("  Marketo %s: alice@example.com holds %s", when, roles)
	}
}

// sandboxRoleNames are the Marketo roles the sandbox seeds.
var sandboxRoleNames = []string{"DC Marketing User", "DC Agent", "DC Admin", "DC Sales Admin"}

// replyText pulls the text out of a slash-command response body.
func replyText(body string) string {
	var r struct {
		Text   string            `json:"text"`
		Blocks []json.RawMessage `json:"blocks"`
	}
	if json.Unmarshal([]byte(body), &r) != nil {
		return oneLine(body)
	}
	return oneLine(r.Text)
}

// blockLines renders Block Kit JSON as plain lines for the terminal.
func blockLines(blocks, fallback string) []string {
	var bs []map[string]any
	if blocks == "" || json.Unmarshal([]byte(blocks), &bs) != nil {
		return []string{oneLine(fallback)}
	}
	var out []string
	text := func(v any) string {
		if m, ok := v.(map[string]any); ok {
			s, _ := m["text"].(string)
			return s
		}
		return ""
	}
	for _, b := range bs {
		switch b["type"] {
		case "header", "section":
			if t := text(b["text"]); t != "" {
				out = append(out, strings.Split(unescape(t), "\n")...)
			}
			if fs, ok := b["fields"].([]any); ok {
				for _, f := range fs {
					out = append(out, strings.ReplaceAll(unescape(text(f)), "\n", " "))
				}
			}
		case "context":
			if es, ok := b["elements"].([]any); ok {
				var parts []string
				for _, e := range es {
					parts = append(parts, unescape(text(e)))
				}
				out = append(out, strings.Join(parts, " "))
			}
		case "actions":
			if es, ok := b["elements"].([]any); ok {
				var parts []string
				for _, e := range es {
					if m, ok := e.(map[string]any); ok {
						parts = append(parts, "["+text(m["text"])+"]")
					}
				}
				out = append(out, strings.Join(parts, " "))
			}
		}
	}
	return out
}

func unescape(s string) string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}

func oneLine(s string) string { return strings.Join(strings.Fields(unescape(s)), " ") }

func clipText(s string, n int) string {
	r := []rune(oneLine(s))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n-1]) + "…"
}
