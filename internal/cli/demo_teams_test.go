package cli

import (
	"regexp"
	"strings"
	"testing"
)

// TestDemoTeamsEndToEnd runs the demo's story with --platform teams
// (Slack off) and --platform both through the composition root that
// `serve` uses, against the real Redis server: messages and clicks as
// activities signed by the fake Bot Framework issuer, cards in Teams
// channels and personal chats (and in Slack), the refused click
// answered to the outsider only, an approval in one platform updating
// the cards on both, the review's revoke through its confirmation
// dialog, the auto-approved removal and an intact audit trail; printed
// with names, one line each, and the summary.
func TestDemoTeamsEndToEnd(t *testing.T) {
	tests := []struct {
		platform    string
		want, rows  []string
		forbidLines []string
	}{{
		platform: platformTeams,
		want: []string{
			"1. In Teams, Lea Lead (team lead) writes to chataccess: add alice@example.com agent 30d",
			`#dc-approvals: new "Access request DC-1001 · add agent" (status: waiting for approval)`,
			`personal message "Access request DC-1001 · add agent" to Dana Lee, Lea Lead, Sam Support`,
			"personal message to Lea Lead: Request DC-1001 sent",
			"2. In Teams, Eve Stone (not an approver) clicks Approve on the card",
			"only Eve Stone sees: You are not an approver of agent, so you cannot decide DC-1001.",
			`#dc-approvals: "Access request DC-1001 · add agent" updated (status: completed) Done: alice@example.com has agent until`,
			`thread of "Access request DC-1001 · add agent": Approved by Dana Lee at`,
			"personal message to Lea Lead: Your request DC-1001 (add agent for alice@example.com) is done",
			"Marketo Engage - emea → Admin Console check",
			`now Admin Console profile "Live Agent": alice@example.com, bob@example.com, profile "Live Agent (EMEA)": alice@example.com; Marketo role "DC Agent": alice@example.com, bob@example.com, in emea: alice@example.com`,
			"personal message to Ada Admin: Review R-1 started for agent",
			`#dc-admins: new "Access review R-1: drift report": bob@example.com (Bob Hand): granted outside chataccess`,
			`personal message "Access review R-1" to Dana Lee, Lea Lead, Sam Support`,
			`#dc-approvals: new "Access request DC-1002 · remove agent" (status: completed)`,
			`now Admin Console profile "Live Agent": alice@example.com, profile "Live Agent (EMEA)": alice@example.com; Marketo role "DC Agent": alice@example.com, in emea: alice@example.com`,
			"personal message to Lea Lead: Request DC-1003 was approved right away",
			`now Admin Console profile "Live Agent": nobody, profile "Live Agent (EMEA)": nobody; Marketo role "DC Agent": nobody, in emea: nobody`,
			"chain intact (",
			"docs/teams.md",
		},
		rows: []string{
			`DC-1001\s+add agent for alice@example.com\s+Lea Lead\s+approved by Dana Lee\s+revoked`,
			`DC-1002\s+remove agent for bob@example.com\s+chataccess \(revoked in review R-1 by Dana Lee\)\s+approved by chataccess \(its own request\)\s+completed`,
			`DC-1003\s+remove agent for alice@example.com\s+Lea Lead\s+approved by policy\s+completed`,
		},
		forbidLines: []string{"[Slack]", "[Teams]", "→ DM ", "only Lea Lead sees"},
	}, {
		platform: platformBoth,
		want: []string{
			"1. In Teams, Lea Lead (team lead) writes to chataccess: add alice@example.com agent 30d",
			`[Slack] #dc-approvals: new "Access request DC-1001 · add agent" (status: waiting for approval)`,
			`[Teams] #dc-approvals: new "Access request DC-1001 · add agent" (status: waiting for approval)`,
			`[Slack] DM "Access request DC-1001 · add agent" to Dana Lee, Lea Lead, Sam Support`,
			`[Teams] personal message "Access request DC-1001 · add agent" to Dana Lee, Lea Lead, Sam Support`,
			"[Teams] only Eve Stone sees: You are not an approver of agent, so you cannot decide DC-1001.",
			"3. In Slack, Dana Lee (approver) clicks Approve; the workers apply the change",
			`[Teams] #dc-approvals: "Access request DC-1001 · add agent" updated (status: completed) Done: alice@example.com has agent until`,
			`[Slack] #dc-approvals: "Access request DC-1001 · add agent" updated (status: completed) Done: alice@example.com has agent until`,
			"[Teams] personal message to Lea Lead: Your request DC-1001 (add agent for alice@example.com) is done",
			"4. In Teams, Ada Admin writes to chataccess: review start agent",
			`[Slack] DM "Access review R-1" to Dana Lee, Lea Lead, Sam Support`,
			"5. In Slack, Dana Lee revokes bob@example.com",
			`[Teams] #dc-approvals: new "Access request DC-1002 · remove agent" (status: completed)`,
			"6. In Slack, Lea Lead types /dynchat remove alice@example.com agent",
			`[Teams] #dc-approvals: "Access request DC-1001 · add agent" updated (status: revoked)`,
			`now Admin Console profile "Live Agent": nobody, profile "Live Agent (EMEA)": nobody; Marketo role "DC Agent": nobody, in emea: nobody`,
			"chain intact (",
		},
		rows: []string{
			`DC-1001\s+add agent for alice@example.com\s+Lea Lead in Teams\s+approved by Dana Lee in Slack\s+revoked`,
			`DC-1002\s+remove agent for bob@example.com\s+chataccess \(revoked in review R-1 by Dana Lee\)\s+approved by chataccess \(its own request\)\s+completed`,
			`DC-1003\s+remove agent for alice@example.com\s+Lea Lead in Slack\s+approved by policy\s+completed`,
		},
	}}
	for _, tc := range tests {
		t.Run(tc.platform, func(t *testing.T) {
			out, logs := runDemoStory(t, tc.platform)
			for _, want := range tc.want {
				if !strings.Contains(out, want) {
					t.Errorf("demo output lacks %q", want)
				}
			}
			for _, row := range tc.rows {
				if !regexp.MustCompile(row).MatchString(out) {
					t.Errorf("summary lacks a row matching %s", row)
				}
			}
			// Readable: no raw ids, mention or date markup, Markdown or
			// escapes, no card lines unless --verbose.
			noise := []string{"<at>", "{{DATE", "{{TIME", "**", `\*`, "dc000000-", "19:", "a:1-1-", "<@U", "<!date", "      | "}
			for _, n := range append(noise, tc.forbidLines...) {
				if strings.Contains(out, n) {
					t.Errorf("demo output has %q", n)
				}
			}
			checkDemoLogs(t, out, logs)
		})
	}
}
