package teamsbot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/bot/teamsbot"
	"github.com/chataccess/chataccess/internal/npmtest"
	"github.com/chataccess/chataccess/internal/redistest"
	"github.com/chataccess/chataccess/store"
)

// playgroundVersion is the Microsoft 365 Agents Playground the local
// development mode is tested against.
const playgroundVersion = "0.2.28"

// playgroundCLI installs the Agents Playground from npm (once per
// machine) and returns its cli.js.
func playgroundCLI(t *testing.T) string {
	t.Helper()
	modules := npmtest.Install(t, "the Agents Playground test", "@microsoft/m365agentsplayground@"+playgroundVersion)
	return filepath.Join(modules, "@microsoft", "m365agentsplayground", "cli.js")
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestAgentsPlayground runs the bot in local development mode against
// Microsoft's Agents Playground: a message typed in the playground's
// personal chat reaches the handler as a command from the playground's
// user, and the bot's card answer is accepted by the playground's
// connector.
func TestAgentsPlayground(t *testing.T) {
	cli := playgroundCLI(t)
	rdb, prefix := redistest.Client(t)
	st := store.New(rdb, prefix)
	h := newRecorder()
	h.reply = bot.Reply{Message: &bot.Message{Text: bot.Plain("help"), Blocks: []bot.Block{
		&bot.Header{Text: "chataccess"}, &bot.Section{Text: bot.Textf("Type %s to request access.", bot.Code("add"))}}}}
	sender := teamsbot.NewSender(teamsbot.SenderConfig{Anonymous: true, Memory: st})
	botLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a, err := teamsbot.New(context.Background(), teamsbot.Config{Handler: h, Sender: sender, Claims: st, Memory: st,
		Command: "/dynchat", LocalDev: true, Listen: botLn.Addr().String(), Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	a.Register(mux)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(botLn) }()
	t.Cleanup(func() { _ = srv.Close() })

	port := freePort(t)
	cmd := exec.Command("node", cli, "-e", "http://"+botLn.Addr().String()+"/api/messages", "-c", "msteams",
		"-p", fmt.Sprint(port), "--dt")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	cmd.Dir = t.TempDir() // the playground writes its logs under the working directory
	// No browser: where no opener (xdg-open) is installed, the playground
	// exits when it cannot launch one.
	cmd.Env = append(os.Environ(), "TEAMSAPPTESTER_BROWSER=none")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	var cfg struct {
		Config struct {
			CurrentUser  struct{ ID, AadObjectID string } `json:"currentUser"`
			PersonalChat struct{ ID string }              `json:"personalChat"`
		} `json:"config"`
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(base + "/_internal/v1/testConfig")
		if err == nil {
			err = json.NewDecoder(resp.Body).Decode(&cfg)
			resp.Body.Close()
		}
		if err == nil && cfg.Config.PersonalChat.ID != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the Agents Playground did not start: %v\n%s", err, logs.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	conv := cfg.Config.PersonalChat.ID
	body, _ := json.Marshal(map[string]any{"from": map[string]string{"id": cfg.Config.CurrentUser.ID}, "text": "help", "textFormat": "plain"})
	resp, err := http.Post(base+"/_conversation/v1/conversations/"+conv+"/messages", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("playground refused the message: %d\n%s", resp.StatusCode, logs.String())
	}
	h.wait(t, 1)
	c := h.commands[0]
	if c.Text != "help" || !strings.EqualFold(c.User.ID, cfg.Config.CurrentUser.AadObjectID) || c.Channel != conv {
		t.Fatalf("command %+v", c)
	}
	// The answer's card is kept once the playground's connector took it.
	waitFor(t, "the playground to take the answer", func() bool {
		keys, _ := rdb.Keys(context.Background(), prefix+"*teams:card:"+conv+"|*").Result()
		return len(keys) == 1
	})
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
