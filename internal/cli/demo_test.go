package cli

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/chataccess/chataccess/bot/slackbot/slackfake"
	"github.com/chataccess/chataccess/internal/redistest"
)

// TestDemoEndToEnd runs the demo's story through the composition root
// that `serve` uses (build), against the real Redis server: a slash
// command over signed HTTP, cards in Slack, a refused click, an
// approval, the workers provisioning through the Adobe and Marketo
// emulators, an access review that finds access granted outside the bot
// and revokes it through the workers, an auto-approved removal, and an
// intact audit trail; printed with names, one line each, and a summary.
func TestDemoEndToEnd(t *testing.T) {
	out, logs := runDemoStory(t, platformSlack)
	for _, want := range []string{
		"1. Lea Lead (team lead) types /dynchat add alice@example.com agent 30d",
		"only Lea Lead sees: Request DC-1001 sent",
		"only Eve Stone sees: You are not an approver of agent, so you cannot decide DC-1001.",
		`DM "Access request DC-1001 · add agent" to Dana Lee, Lea Lead, Sam Support`,
		"Approved by Dana Lee at",
		// alice is new to Marketo: the package adds each subscription's
		// Marketo Engage profile, which brings her in (Adobe's link).
		"Admin Console: added to Live Agent, Live Agent (EMEA), Marketo Engage, Marketo Engage - emea",
		// One approval executes on both subscriptions.
		"The agent package spans two Marketo subscriptions",
		`Admin Console: added to Live Agent, Live Agent (EMEA)`,
		`Marketo emea: role DC Agent assigned in Default on Marketo instance "emea"`,
		`Marketo emea: no Marketo user with this email on Marketo instance "emea"`,
		"Done: alice@example.com has agent until",
		`now Admin Console profile "Live Agent": alice@example.com, bob@example.com, profile "Live Agent (EMEA)": alice@example.com; Marketo role "DC Agent": alice@example.com, bob@example.com, in emea: alice@example.com`,
		"Review R-1 started for agent",
		`"Access review R-1: drift report": bob@example.com (Bob Hand): granted outside chataccess`,
		`now Admin Console profile "Live Agent": alice@example.com, profile "Live Agent (EMEA)": alice@example.com; Marketo role "DC Agent": alice@example.com, in emea: alice@example.com`,
		"was approved right away",
		`now Admin Console profile "Live Agent": nobody, profile "Live Agent (EMEA)": nobody; Marketo role "DC Agent": nobody, in emea: nobody`,
		"chain intact (",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	// The summary table: one row per request, names instead of ids.
	for _, row := range []string{
		`DC-1001\s+add agent for alice@example.com\s+Lea Lead\s+approved by Dana Lee\s+revoked`,
		`DC-1002\s+remove agent for bob@example.com\s+chataccess \(revoked in review R-1 by Dana Lee\)\s+approved by chataccess \(its own request\)\s+completed`,
		`DC-1003\s+remove agent for alice@example.com\s+Lea Lead\s+approved by policy\s+completed`,
	} {
		if !regexp.MustCompile(row).MatchString(out) {
			t.Errorf("summary lacks a row matching %s", row)
		}
	}
	// Readable: no raw Slack ids or markup, no card lines unless --verbose.
	for _, noise := range []string{`<@U`, `<#C`, `<!date`, "U0DANALEE01", "C0DCAPPROV1", "*agent*", "`DC-1001`", "      | "} {
		if strings.Contains(out, noise) {
			t.Errorf("demo output has %q", noise)
		}
	}
	checkDemoLogs(t, out, logs)
}

// runDemoStory runs the demo's story on platform through the composition
// root that `serve` uses (build), against the real Redis server, with
// the example policy, and returns what it printed and the bot's logs
// (at debug level, so the secret check covers every log line).
func runDemoStory(t *testing.T, platform string) (out string, logs *lockedBuffer) {
	t.Helper()
	return runDemoStoryIn(t, platform, "en")
}

// runDemoStoryIn is runDemoStory with the policy's language set to lang.
func runDemoStoryIn(t *testing.T, platform, lang string) (out string, logs *lockedBuffer) {
	t.Helper()
	rdb, prefix := redistest.Client(t)
	policy, err := os.ReadFile("../../chataccess.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	policy = bytes.Replace(policy, []byte(`prefix: "chataccess:v1:"`), []byte(`prefix: "`+prefix+`"`), 1)
	if !bytes.Contains(policy, []byte(prefix)) {
		t.Fatal("could not point the policy at the test prefix")
	}
	policy = bytes.Replace(policy, []byte("\nlanguage: en\n"), []byte("\nlanguage: "+lang+"\n"), 1)
	if !bytes.Contains(policy, []byte("\nlanguage: "+lang+"\n")) {
		t.Fatal("could not set the policy's language")
	}
	var stdout bytes.Buffer
	logs = &lockedBuffer{}
	env := Env{Stdout: &stdout, Stderr: logs, DemoPolicy: policy}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	d, err := startDemoOn(ctx, env, demoSetup{level: "debug", rdb: rdb, platform: platform})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = asynq.NewInspectorFromRedisClient(rdb).DeleteQueue(d.app.queueName, true)
	})
	err = d.script(ctx)
	d.stop()
	if err != nil {
		t.Fatalf("demo: %v\n%s\nlogs:\n%s", err, stdout.String(), logs.String())
	}
	return stdout.String(), logs
}

// checkDemoLogs: logs were written, and no secret reached them or the
// output; on failure the output is shown.
func checkDemoLogs(t *testing.T, out string, logs *lockedBuffer) {
	t.Helper()
	if t.Failed() {
		t.Logf("output:\n%s", out)
	}
	if logs.Len() == 0 {
		t.Error("no debug logs were written; the secret check below would prove nothing")
	}
	for _, secret := range []string{demoSigningSecret, demoAuditKey, "demo-secret", slackfakeToken, demoTeamsPassword} {
		if strings.Contains(logs.String(), secret) || strings.Contains(out, secret) {
			t.Errorf("secret %.6s… reached the output or the logs", secret)
		}
	}
}

const slackfakeToken = slackfake.Token

// lockedBuffer collects logs written from many goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *lockedBuffer) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Len()
}

// TestDemoInFrench: with the policy in French, the channel cards are
// French and the one-line summaries still carry each card's status and
// the drift report's first finding with whom it is about.
func TestDemoInFrench(t *testing.T) {
	out, logs := runDemoStoryIn(t, platformSlack, "fr")
	for _, want := range []string{
		`#dc-approvals: new "Demande d’accès DC-1001 · ajouter agent" (status: en attente d’approbation)`,
		`#dc-approvals: "Demande d’accès DC-1001 · ajouter agent" updated (status: terminée)`,
		`bob@example.com (Bob Hand): `,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	checkDemoLogs(t, out, logs)
}

// TestGistWords: the words the summaries look for come from the
// catalog of the policy's language.
func TestGistWords(t *testing.T) {
	for lang, want := range map[string]gistWords{"en": {status: "Status ", item: " · item "}, "fr": {status: "Statut ", item: " · élément "}} {
		if got := gistWordsIn(lang); got != want {
			t.Errorf("%s: %+v, want %+v", lang, got, want)
		}
	}
}
