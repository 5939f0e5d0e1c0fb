//go:build !nodemo

package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/integrations/marketo/marketofake"
	"github.com/chataccess/chataccess/internal/playground"
	"github.com/chataccess/chataccess/internal/redistest"
	"github.com/chataccess/chataccess/reviews/reviewchat"
)

// startPlayground runs the playground as `chataccess playground` does,
// on the test Redis, and returns it with the page's URL.
func startPlayground(t *testing.T) (*demo, string) {
	t.Helper()
	rdb, prefix := redistest.Client(t)
	policy, err := os.ReadFile("../../chataccess.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	policy = bytes.Replace(policy, []byte(`prefix: "chataccess:v1:"`), []byte(`prefix: "`+prefix+`"`), 1)
	ctx, cancel := context.WithCancel(context.Background())
	errs := &lockedBuffer{}
	d, err := startDemo(ctx, Env{Stdout: &bytes.Buffer{}, Stderr: errs, DemoPolicy: policy}, "warn", "", rdb)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := listenLoopback("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- servePage(ctx, d.playground(zerolog.Nop()), ln) }()
	t.Cleanup(func() {
		cancel()
		<-served
		d.stop()
		_ = asynq.NewInspectorFromRedisClient(rdb).DeleteQueue(d.app.queueName, true)
		if t.Failed() {
			t.Logf("bot logs:\n%s", errs.String())
		}
	})
	return d, "http://" + ln.Addr().String() + "/"
}

// browser starts a headless Chromium (Debian's package; make test
// installs it with scripts/chromium.sh). Without one the test fails in
// CI and is skipped elsewhere.
func browser(t *testing.T) context.Context {
	t.Helper()
	var path string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("no chromium found; scripts/chromium.sh installs it (apt-get install chromium)")
		}
		t.Skip("no chromium found; install it with scripts/chromium.sh to run the browser tests")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1440, 900),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("force-color-profile", "srgb"),
		chromedp.Flag("hide-scrollbars", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	return ctx
}

// page drives the playground page as a person would.
type page struct {
	t     *testing.T
	ctx   context.Context
	shots string
}

func (p *page) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, actions...); err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
}

// click clicks the element sel; a click that lands while the page
// redraws that element is tried again.
func (p *page) click(what, sel string) {
	p.t.Helper()
	var err error
	for range 5 {
		if err = chromedp.Do(p.ctx, chromedp.Click(chromedp.CSS(sel))); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.t.Fatalf("%s: %v", what, err)
}

// wait polls a JavaScript condition.
func (p *page) wait(what, cond string) {
	p.t.Helper()
	if _, err := chromedp.Run(p.ctx, chromedp.Poll[bool](cond, chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(60*time.Second))); err != nil {
		body, _ := chromedp.Run(p.ctx, chromedp.Evaluate[string](`"command box: " + document.getElementById("command").value + "\n" + document.body.innerText.slice(0, 3000)`))
		p.t.Fatalf("waiting for %s: %v\npage:\n%s", what, err, body)
	}
}

// as switches the person the page acts as.
func (p *page) as(id string) {
	p.t.Helper()
	p.do("act as "+id, chromedp.SetValue(chromedp.CSS("#as"), id),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("as").dispatchEvent(new Event("change"))`))
	p.wait("the page to act as "+id, fmt.Sprintf(`location.hash.includes("as=%s")`, id))
}

// open shows a conversation ("home" for the App Home).
func (p *page) open(conv string) {
	p.t.Helper()
	p.click("open "+conv, fmt.Sprintf(`button.conv[data-conv=%q]`, conv))
	p.wait("conversation "+conv, fmt.Sprintf(`location.hash.endsWith("c=%s")`, conv))
}

// command types a slash command in the command box and presses Enter.
func (p *page) command(text string) {
	p.t.Helper()
	p.do("type "+text, chromedp.Evaluate[chromedp.Void](`document.getElementById("command").value = ""`),
		chromedp.SendKeys(chromedp.CSS("#command"), "/dynchat "+text+"\r"))
}

// messageWith returns a CSS selector for the message whose text has s.
func (p *page) messageWith(s string) string {
	p.t.Helper()
	p.wait("a message with "+s, fmt.Sprintf(`[...document.querySelectorAll(".msg")].some(m => m.textContent.includes(%q))`, s))
	key, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](fmt.Sprintf(`[...document.querySelectorAll(".msg")].find(m => m.textContent.includes(%q)).dataset.key`, s)))
	if err != nil {
		p.t.Fatal(err)
	}
	return fmt.Sprintf(`.msg[data-key=%q]`, key)
}

// shot saves a PNG of the element sel (the viewport when sel is "").
func (p *page) shot(name, sel string) {
	p.t.Helper()
	var png []byte
	var err error
	if sel == "" {
		png, err = chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
	} else {
		png, err = chromedp.Run(p.ctx, chromedp.Screenshot(chromedp.CSS(sel)))
	}
	if err != nil {
		p.t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(p.shots, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		p.t.Fatal(err)
	}
	p.t.Logf("screenshot %s (%d bytes)", path, len(png))
}

// screenshotDir is where the browser tests save their PNGs:
// PLAYGROUND_SCREENSHOTS (docs/img to refresh the docs' pictures), or a
// directory under the system's temporary one.
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("PLAYGROUND_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "chataccess-playground-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestPlaygroundInBrowser drives the page in a real headless browser:
// a command typed in the command box reaches the bot as a signed slash
// command and its card appears; an outsider's click is refused; an
// approver's click changes the card and what the Adobe and Marketo
// emulators hold (in the side panel too); a modal opens, is filled and
// submitted; an access review finds the access granted by hand and a
// reviewer revokes it through the button's confirm dialog; the App Home
// opens and its button opens the form. Text people typed stays text. It
// saves screenshots.
func TestPlaygroundInBrowser(t *testing.T) {
	d, url := startPlayground(t)
	p := &page{t: t, ctx: browser(t), shots: screenshotDir(t)}
	p.do("load the page", chromedp.Navigate(url+"#as="+playground.Lea+"&c="+playground.General))
	p.wait("the person switcher", `document.querySelectorAll("#as option").length === 6`)

	// Lea asks.
	p.command(`add alice@example.com agent 30d "covering EMEA live chat"`)
	p.messageWith("Request DC-1001 sent")
	p.open(playground.Approvals)
	card := p.messageWith("Access request DC-1001")
	p.wait("the pending card", fmt.Sprintf(`document.querySelector(%q).textContent.includes("waiting for approval")`, card))
	p.shot("card-pending", card)

	// An outsider clicks Approve: refused, nothing changes.
	p.as(playground.Eve)
	p.click("Eve clicks Approve", card+` button[data-action="dc_approve"]`)
	p.messageWith("You are not an approver of")
	if r, err := d.app.store.Get(context.Background(), "DC-1001"); err != nil || r.State != approvals.StatePending {
		t.Fatalf("after the outsider's click: %v %v", r, err)
	}

	// Dana approves: the card changes and the emulators hold alice.
	p.as(playground.Dana)
	p.click("Dana clicks Approve", card+` button[data-action="dc_approve"]`)
	p.wait("the completed card", fmt.Sprintf(`document.querySelector(%q).textContent.includes("Done: alice@example.com has")`, card))
	p.wait("alice in the side panel", `document.getElementById("adobe").textContent.includes("alice@example.com")`)
	if !slices.Contains(d.sb.Adobe.Members("Live Agent"), "alice@example.com") {
		t.Error("the Admin Console emulator does not list alice in Live Agent")
	}
	if u, ok := d.sb.Marketo.User("alice@example.com"); !ok || !slices.ContainsFunc(u.Roles, func(a marketofake.Assignment) bool { return a.RoleID == d.sb.RoleID("DC Agent") }) {
		t.Error("the Marketo emulator does not give alice the DC Agent role")
	}
	p.shot("card-completed", card)
	p.shot("playground", "")

	p.modal(d)
	p.review(d)

	// The App Home.
	p.as(playground.Lea)
	p.open("home")
	p.wait("the App Home", `document.querySelector(".home") && document.querySelector(".home").textContent.includes("Dynamic Chat access")`)
	p.shot("home", ".home")
	p.click("Request access on the Home tab", `.home button[data-action="dc_home_add"]`)
	p.wait("the form opened from the Home tab", `document.querySelector(".dialog.modal") !== null`)
	p.click("cancel it", ".dialog.modal .dialog-buttons .bk-button")
	p.wait("the form to close", `document.querySelector(".dialog.modal") === null`)
	if title, _ := chromedp.Run(p.ctx, chromedp.Title()); title != "chataccess playground" {
		t.Errorf("page title %q: typed text ran as script", title)
	}
}

// hostile is a justification that would run script or make a link if
// the page drew text as HTML.
const hostile = `<img src=x onerror="document.title='owned'"> <script>document.title='owned'</script> see <https://evil.example|here>`

// modal opens the request form with /dynchat add, submits it without a
// justification (the bot answers with an error, what was typed stays),
// completes it and submits it again.
func (p *page) modal(d *demo) {
	p.t.Helper()
	p.as(playground.Lea)
	p.open(playground.General)
	p.command("add")
	p.wait("the request form", `document.querySelector(".dialog.modal") !== null`)
	p.do("fill the form",
		chromedp.SetValue(chromedp.CSS(`.dialog.modal [data-block="email"]`), "carol@example.com"),
		chromedp.SetValue(chromedp.CSS(`.dialog.modal [data-block="package"]`), "calendar-agent"),
	)
	p.shot("modal", ".dialog.modal")
	p.click("submit without a justification", "#modal-submit")
	p.wait("the bot's error under the justification", `document.querySelector(".dialog.modal .bk-error") !== null`)
	p.wait("what was typed kept", `document.querySelector('.dialog.modal [data-block="email"]').value === "carol@example.com"`)
	// The justification tries to be HTML and a link: it must stay text.
	p.do("fill the justification", chromedp.SetValue(chromedp.CSS(`.dialog.modal [data-block="justification"]`), hostile))
	p.click("submit", "#modal-submit")
	p.wait("the form to say the request was sent", `document.querySelector(".dialog.modal").textContent.includes("add calendar-agent for carol@example.com")`)
	p.click("close it", ".dialog.modal .dialog-buttons .bk-button")
	p.wait("the form to close", `document.querySelector(".dialog.modal") === null`)
	rs, err := d.app.store.List(context.Background(), approvals.ByTarget("carol@example.com"), 1)
	if err != nil || len(rs) != 1 || rs[0].Package != "calendar-agent" {
		p.t.Fatalf("the submitted form made no request for carol: %v %v", rs, err)
	}
	p.open(playground.Approvals)
	card := p.messageWith("Access request " + rs[0].ID)
	p.wait("the typed HTML shown as text", fmt.Sprintf(`document.querySelector(%q).textContent.includes("<img src=x onerror=")`, card))
	made, err := chromedp.Run(p.ctx, chromedp.Evaluate[int](`document.querySelectorAll("#messages img, #messages script, #messages a").length`))
	if err != nil || made != 0 {
		p.t.Errorf("the page made %d img, script or link elements out of typed text (%v)", made, err)
	}
}

// review has Ada start an access review of agent; Dana's review page
// lists bob, added by hand, and Dana revokes him.
func (p *page) review(d *demo) {
	p.t.Helper()
	p.as(playground.Ada)
	p.command("review start agent")
	p.open(playground.Admins)
	p.messageWith("drift report")
	p.as(playground.Dana)
	p.open("D" + playground.Dana)
	page := p.messageWith("Please keep or revoke")
	p.shot("review", page)
	// The Revoke button of the first actions block below bob's section.
	p.do("click Revoke next to bob", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
		const bs = [...document.querySelectorAll(%q)];
		const at = bs.findIndex(b => b.textContent.includes("bob@example.com"));
		bs.slice(at).map(b => b.querySelector('button[data-action=%q]')).find(b => b).click();
	})()`, page+" .bk > *", reviewchat.ActionRevoke)))
	p.wait("the confirm dialog", `document.querySelector(".dialog.confirm") !== null`)
	p.click("confirm", ".dialog.confirm .bk-button.primary")
	p.wait("bob gone from the side panel", `!document.getElementById("adobe").textContent.includes("bob@example.com")`)
	if slices.Contains(d.sb.Adobe.Members("Live Agent"), "bob@example.com") {
		p.t.Error("the Admin Console emulator still lists bob in Live Agent")
	}
}

// TestPlaygroundScenario plays the scenario menu: one step, then the
// rest, in the browser, and checks where the story ends in the
// emulators and on the page.
func TestPlaygroundScenario(t *testing.T) {
	d, url := startPlayground(t)
	p := &page{t: t, ctx: browser(t), shots: screenshotDir(t)}
	p.do("load the page", chromedp.Navigate(url))
	p.wait("the scenario menu", `document.querySelectorAll("#story li").length === 6`)
	p.click("next step", "#next-step")
	p.wait("step 1 done", `document.querySelectorAll("#story li.story-done").length === 1`)
	p.messageWith("Access request DC-1001")
	p.click("play all", "#play-all")
	p.wait("every step done", `document.querySelectorAll("#story li.story-done").length === 6`)
	if got := d.sb.Adobe.Members("Live Agent"); len(got) != 0 {
		t.Errorf("Live Agent members after the story: %v", got)
	}
	p.wait("an empty Live Agent profile in the side panel", `document.getElementById("adobe").textContent.includes("Live Agentnobody")`)
	p.shot("scenario", "")
}
