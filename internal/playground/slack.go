//go:build !nodemo

package playground

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chataccess/chataccess/bot/slackbot/slackfake"
)

// Signer signs a request body the way Slack does (v0, HMAC-SHA256 of
// "v0:<timestamp>:<body>" with the signing secret); the composition
// root passes the bot's own verifier, so the bot checks every request
// the page sends exactly as it checks Slack's.
type Signer func(ts string, body []byte) string

// SlackConfig wires a Slack stand-in.
type SlackConfig struct {
	// Fake is the fake Slack Web API the bot posts to.
	Fake *slackfake.Fake
	// BotURL is the bot's HTTP listener (http://127.0.0.1:port).
	BotURL string
	// Sign signs each request for the bot's verifier.
	Sign Signer
	// Command is the slash command, e.g. "/dynchat".
	Command string
	Cast    Cast
}

// Slack acts as people in Slack. It sends the bot what Slack would send
// when someone types a slash command, clicks a button, submits a modal
// or opens the App Home, and keeps what Slack keeps on its side: the
// answers only one person sees, and the modals open in front of each
// person.
type Slack struct {
	cfg    SlackConfig
	team   string
	client *http.Client

	mu       sync.Mutex
	seq      int
	replies  []Reply
	hooks    map[string]hook       // response_url path → who and where
	modals   map[string][]openView // per person, the stack of open modals
	local    map[string]localView  // modals the bot answered a submission with
	changes  int                   // bumped on every change to the above
	respSeen int                   // response_url posts already taken
}

// Reply is a message only one person sees: the answer to their slash
// command, or a response_url post.
type Reply struct {
	ID      string          `json:"id"`
	User    string          `json:"user"`
	Channel string          `json:"channel"`
	Text    string          `json:"text"`
	Blocks  json.RawMessage `json:"blocks,omitempty"`
	// InChannel replies are shown to everyone in the channel.
	InChannel bool `json:"in_channel,omitempty"`
	// Deleted replies were removed through their response_url.
	Deleted bool `json:"-"`
}

type hook struct{ user, channel, reply string }

type openView struct {
	id string
	// errors are the per-block errors of the last refused submission.
	errors map[string]string
}

type localView struct {
	view  map[string]any
	after int // index in the fake's views after which it was set
}

// NewSlack returns a stand-in for Slack in front of the bot.
func NewSlack(cfg SlackConfig) *Slack {
	if cfg.Command == "" {
		cfg.Command = "/dynchat"
	}
	return &Slack{cfg: cfg, team: "T0PLAYGRD1", client: &http.Client{Timeout: 15 * time.Second},
		hooks: map[string]hook{}, modals: map[string][]openView{}, local: map[string]localView{}}
}

// Changes counts changes to what the stand-in keeps (replies, modals);
// with the fake's Version it tells watchers that something moved.
func (s *Slack) Changes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changes
}

// next returns a fresh number for trigger ids and the like.
func (s *Slack) next() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	return s.seq
}

func (s *Slack) trigger(user string) string {
	return fmt.Sprintf("%d.%d.pg%s", time.Now().UnixNano(), s.next(), strings.ToLower(user))
}

// responseURL makes a response_url on the fake's hooks path for one
// person in one channel; reply names the reply it may replace.
func (s *Slack) responseURL(kind, user, channel, reply string) string {
	path := fmt.Sprintf("%s%s/%s/%d/%s", slackfake.HookPath, kind, s.team, s.next(), strings.ToLower(user))
	s.mu.Lock()
	s.hooks["/"+path] = hook{user: user, channel: channel, reply: reply}
	s.mu.Unlock()
	return s.cfg.Fake.URL() + path
}

// post sends a signed request to the bot and returns the answer body.
func (s *Slack) post(ctx context.Context, path, contentType string, body []byte) ([]byte, error) {
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.BotURL+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", s.cfg.Sign(ts, body))
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("playground: post %s: %w", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("playground: read answer of %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("playground: %s answered %d: %.200s", path, resp.StatusCode, b)
	}
	return b, nil
}

// ackMessage is a slash command's immediate answer.
type ackMessage struct {
	ResponseType string          `json:"response_type"`
	Text         string          `json:"text"`
	Blocks       json.RawMessage `json:"blocks"`
}

// Command types the slash command with text as user in channel. The
// bot's immediate answer, if any, is returned (and kept as a reply only
// they see); a modal the bot opens is put in front of them.
func (s *Slack) Command(ctx context.Context, user, channel, text string) (*Reply, error) {
	p, ok := s.cfg.Cast.Person(user)
	if !ok {
		return nil, fmt.Errorf("playground: unknown person %q", user)
	}
	trig := s.trigger(user)
	form := url.Values{
		"team_id": {s.team}, "team_domain": {"playground"}, "channel_id": {channel}, "channel_name": {strings.TrimPrefix(s.cfg.Cast.ChannelName(channel), "#")},
		"user_id": {user}, "user_name": {strings.ToLower(strings.Fields(p.Name)[0])}, "command": {s.cfg.Command}, "text": {text},
		"api_app_id": {"A0PLAYGRND1"}, "trigger_id": {trig}, "response_url": {s.responseURL("commands", user, channel, "")},
	}
	body, err := s.post(ctx, "/slack/commands", "application/x-www-form-urlencoded", []byte(form.Encode()))
	if err != nil {
		return nil, err
	}
	s.openedWith(user, trig)
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil
	}
	var a ackMessage
	if err := json.Unmarshal(body, &a); err != nil {
		return nil, fmt.Errorf("playground: command answer: %w", err)
	}
	r := Reply{User: user, Channel: channel, Text: a.Text, Blocks: a.Blocks, InChannel: a.ResponseType == "in_channel"}
	return s.addReply(r), nil
}

func (s *Slack) addReply(r Reply) *Reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	r.ID = "r" + strconv.Itoa(s.seq)
	s.replies = append(s.replies, r)
	s.changes++
	return &s.replies[len(s.replies)-1]
}

// Replies returns the replies kept so far, oldest first, with the
// response_url posts folded in.
func (s *Slack) Replies() []Reply {
	s.syncResponses()
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Reply, 0, len(s.replies))
	for _, r := range s.replies {
		if !r.Deleted {
			out = append(out, r)
		}
	}
	return out
}

// syncResponses takes the response_url posts not taken yet.
func (s *Slack) syncResponses() {
	rs := s.cfg.Fake.Responses()
	s.mu.Lock()
	from := min(s.respSeen, len(rs))
	s.respSeen = len(rs)
	s.mu.Unlock()
	for _, rp := range rs[from:] {
		s.takeResponse(rp)
	}
}

// takeResponse turns a response_url post into a reply: a new one, or
// one that replaces or deletes the reply it answers.
func (s *Slack) takeResponse(rp slackfake.Response) {
	s.mu.Lock()
	h, ok := s.hooks[rp.Path]
	s.mu.Unlock()
	if !ok || rp.Status != http.StatusOK {
		return
	}
	replace, _ := rp.Body["replace_original"].(bool)
	del, _ := rp.Body["delete_original"].(bool)
	if h.reply != "" && (replace || del) {
		s.mu.Lock()
		for i := range s.replies {
			if s.replies[i].ID == h.reply {
				s.replies[i].Deleted = true
			}
		}
		s.changes++
		s.mu.Unlock()
	}
	if del {
		return
	}
	text, _ := rp.Body["text"].(string)
	var blocks json.RawMessage
	if rp.Body["blocks"] != nil {
		blocks, _ = json.Marshal(rp.Body["blocks"])
	}
	s.addReply(Reply{User: h.user, Channel: h.channel, Text: text, Blocks: blocks, InChannel: rp.Body["response_type"] == "in_channel"})
}

// errNoElement says a click names nothing the person can see.
var errNoElement = errors.New("playground: no such button or menu")
