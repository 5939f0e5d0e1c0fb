package slackbot

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"

	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/internal/logging"
)

// SenderConfig configures the Web API sender.
type SenderConfig struct {
	// BotToken is the xoxb- token. It is sent only to APIURL.
	BotToken string
	// AppToken is the xapp- token, needed only for Socket Mode.
	AppToken string
	// APIURL overrides https://slack.com/api/ (SLACK_API_URL); a trailing
	// slash is added when missing.
	APIURL string
	// HTTPClient defaults to a client with a 10 s timeout.
	HTTPClient *http.Client
	// MaxRetryWait is the longest Retry-After waited inline (default
	// 5 s); longer waits return *bot.RateLimitError.
	MaxRetryWait time.Duration
	// MaxRetries caps inline retries after a 429 (default 2).
	MaxRetries int
	// Pacer spaces chat.postMessage per channel; default one message a
	// second per channel, waiting at most MaxRetryWait.
	Pacer Pacer
	// UserCacheTTL and GroupCacheTTL cache users.info (default 5 min)
	// and usergroups.users.list (default 1 min) answers.
	UserCacheTTL  time.Duration
	GroupCacheTTL time.Duration
	// Rendered, when set, remembers what each message and App Home
	// shows, so an update that would change nothing is not sent and
	// updates of one message run one at a time across replicas.
	// *store.Store satisfies it.
	Rendered RenderMemory
	Metrics  *Metrics
	Logger   zerolog.Logger
	// Phrases say the renderer's own words (an overflow marker, a
	// generic fallback line) in each message's language; nil: English.
	Phrases bot.Phrases
}

// RenderMemory remembers the hash of what each message and App Home
// shows (see store.ClaimRender).
type RenderMemory interface {
	// ClaimRender returns what key showed last and, when the caller
	// should send, a lease token; token "" with prev == hash means the
	// update changes nothing, token "" otherwise that another update of
	// key is in flight.
	ClaimRender(ctx context.Context, key, hash string, lease time.Duration) (prev, token string, err error)
	// FinishRender releases the lease and records what key shows now
	// ("" when unknown).
	FinishRender(ctx context.Context, key, token, shows string) error
	// RememberRender records what a just posted message shows.
	RememberRender(ctx context.Context, key, hash string) error
}

// Sender implements bot.Sender on the Slack Web API.
type Sender struct {
	api        *slack.Client
	apiURL     string // SLACK_API_URL override; "" is slack.com
	httpClient *http.Client
	maxWait    time.Duration
	maxRetries int
	pacer      Pacer
	rendered   RenderMemory
	phrases    bot.Phrases
	metrics    *Metrics
	log        zerolog.Logger

	users  ttlCache[bot.User]
	groups ttlCache[[]string]
	dms    ttlCache[string] // DM channel by user id
}

var _ bot.Sender = (*Sender)(nil)

// NewSender returns a Web API sender.
func NewSender(cfg SenderConfig) *Sender {
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.MaxRetryWait <= 0 {
		cfg.MaxRetryWait = 5 * time.Second
	}
	if cfg.MaxRetries <= 0 {
		cfg.MaxRetries = 2
	}
	if cfg.Pacer == nil {
		cfg.Pacer = NewChannelPacer(time.Second, cfg.MaxRetryWait, nil)
	}
	if cfg.Metrics == nil {
		cfg.Metrics = NewMetrics(nil)
	}
	hc = withCharset(hc)
	opts := []slack.Option{slack.OptionHTTPClient(hc)}
	if cfg.APIURL != "" {
		u := cfg.APIURL
		if !strings.HasSuffix(u, "/") {
			u += "/"
		}
		opts = append(opts, slack.OptionAPIURL(u))
	}
	if cfg.AppToken != "" {
		opts = append(opts, slack.OptionAppLevelToken(cfg.AppToken))
	}
	return &Sender{
		api: slack.New(cfg.BotToken, opts...), apiURL: cfg.APIURL, httpClient: hc,
		maxWait: cfg.MaxRetryWait, maxRetries: cfg.MaxRetries, pacer: cfg.Pacer, rendered: cfg.Rendered, phrases: cfg.Phrases,
		metrics: cfg.Metrics, log: logging.WithComponent(cfg.Logger, "slackbot"),
		users:  newTTLCache[bot.User](orDefault(cfg.UserCacheTTL, 5*time.Minute)),
		groups: newTTLCache[[]string](orDefault(cfg.GroupCacheTTL, time.Minute)),
		dms:    newTTLCache[string](24 * time.Hour),
	}
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// API is the underlying slack-go client (for Socket Mode).
func (s *Sender) API() *slack.Client { return s.api }

// Post implements bot.Sender.
func (s *Sender) Post(ctx context.Context, channel string, m bot.Message) (bot.MessageRef, error) {
	return s.post(ctx, channel, m, s.renderer(ctx, ""))
}

// post posts m drawn by rr.
func (s *Sender) post(ctx context.Context, channel string, m bot.Message, rr Renderer) (bot.MessageRef, error) {
	r, err := rr.Message(m)
	if err != nil {
		return bot.MessageRef{}, fmt.Errorf("slack post to %s: %w", channel, err)
	}
	opts := []slack.MsgOption{slack.MsgOptionText(r.Text, false)}
	if len(r.Blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(r.Blocks...))
	}
	thread := ""
	if m.Thread != nil {
		thread = m.Thread.ID
		opts = append(opts, slack.MsgOptionTS(thread))
	}
	if err := s.pacer.Wait(ctx, channel); err != nil {
		return bot.MessageRef{}, fmt.Errorf("slack post to %s: %w", channel, err)
	}
	var ch, ts string
	err = s.call(ctx, "chat.postMessage", func() (err error) {
		ch, ts, err = s.api.PostMessageContext(ctx, channel, opts...)
		return err
	})
	if err != nil {
		return bot.MessageRef{}, fmt.Errorf("slack post to %s: %w", channel, err)
	}
	if s.rendered != nil && thread == "" {
		// Cards are posted, then updated: remember what the post shows.
		if blocks, err := json.Marshal(r.Blocks); err == nil {
			if err := s.rendered.RememberRender(ctx, messageKey(ch, ts), contentHash(r.Text, string(blocks))); err != nil {
				s.log.Debug().Err(err).Msg("could not record what the message shows")
			}
		}
	}
	return bot.MessageRef{Platform: "slack", Channel: ch, ID: ts, Thread: thread}, nil
}

// Reply implements bot.Sender.
func (s *Sender) Reply(ctx context.Context, parent bot.MessageRef, m bot.Message) (bot.MessageRef, error) {
	root := parent
	if parent.Thread != "" {
		root.ID = parent.Thread // reply to the thread, not to a reply
	}
	m.Thread = &root
	return s.Post(ctx, parent.Channel, m)
}

// Update implements bot.Sender.
func (s *Sender) Update(ctx context.Context, ref bot.MessageRef, m bot.Message) error {
	r, err := s.renderer(ctx, "").Message(m)
	if err != nil {
		return fmt.Errorf("slack update %s/%s: %w", ref.Channel, ref.ID, err)
	}
	blocks, err := json.Marshal(r.Blocks)
	if err != nil {
		return fmt.Errorf("slack update %s/%s: %w", ref.Channel, ref.ID, err)
	}
	err = s.unlessUnchanged(ctx, "chat.update", messageKey(ref.Channel, ref.ID), contentHash(r.Text, string(blocks)), func() error {
		return s.call(ctx, "chat.update", func() error {
			_, _, _, err := s.api.UpdateMessageContext(ctx, ref.Channel, ref.ID,
				slack.MsgOptionText(r.Text, false), slack.MsgOptionBlocks(r.Blocks...))
			return err
		})
	})
	if err != nil {
		return fmt.Errorf("slack update %s/%s: %w", ref.Channel, ref.ID, err)
	}
	return nil
}

// DM implements bot.Sender: it opens (or reuses) the direct
// conversation with the user and posts there.
func (s *Sender) DM(ctx context.Context, userID string, m bot.Message) (bot.MessageRef, error) {
	ch, ok := s.dms.get(ctx, userID)
	if !ok {
		err := s.call(ctx, "conversations.open", func() error {
			c, _, _, err := s.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{userID}})
			if err == nil {
				ch = c.ID
			}
			return err
		})
		if err != nil {
			return bot.MessageRef{}, fmt.Errorf("slack dm %s: %w", userID, err)
		}
		s.dms.put(userID, ch)
	}
	m.Thread = nil
	return s.post(ctx, ch, m, s.renderer(ctx, userID))
}

// Ephemeral implements bot.Sender.
func (s *Sender) Ephemeral(ctx context.Context, channel, userID string, m bot.Message) error {
	r, err := s.renderer(ctx, userID).Message(m)
	if err != nil {
		return fmt.Errorf("slack ephemeral to %s in %s: %w", userID, channel, err)
	}
	opts := []slack.MsgOption{slack.MsgOptionText(r.Text, false)}
	if len(r.Blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(r.Blocks...))
	}
	err = s.call(ctx, "chat.postEphemeral", func() error {
		_, err := s.api.PostEphemeralContext(ctx, channel, userID, opts...)
		return err
	})
	if err != nil {
		return fmt.Errorf("slack ephemeral to %s in %s: %w", userID, channel, err)
	}
	return nil
}

// OpenModal implements bot.Sender (views.open). It does not retry: the
// trigger id is valid for 3 s and only once.
func (s *Sender) OpenModal(ctx context.Context, triggerID string, m bot.Modal) error {
	v, err := s.renderer(ctx, "").Modal(m)
	if err != nil {
		return fmt.Errorf("slack open modal %q: %w", m.CallbackID, err)
	}
	err = s.once(ctx, "views.open", func() error {
		_, err := s.api.OpenViewContext(ctx, triggerID, v)
		return err
	})
	if err != nil {
		return fmt.Errorf("slack open modal %q: %w", m.CallbackID, err)
	}
	return nil
}

// PushModal stacks a modal on the open one (views.push), with a trigger
// id from an interaction inside the open modal.
func (s *Sender) PushModal(ctx context.Context, triggerID string, m bot.Modal) error {
	v, err := s.renderer(ctx, "").Modal(m)
	if err != nil {
		return fmt.Errorf("slack push modal %q: %w", m.CallbackID, err)
	}
	err = s.once(ctx, "views.push", func() error {
		_, err := s.api.PushViewContext(ctx, triggerID, v)
		return err
	})
	if err != nil {
		return fmt.Errorf("slack push modal %q: %w", m.CallbackID, err)
	}
	return nil
}

// UpdateModal replaces an open modal (views.update). A non-empty hash
// makes Slack refuse the update if the view changed meanwhile.
func (s *Sender) UpdateModal(ctx context.Context, viewID, hash string, m bot.Modal) error {
	v, err := s.renderer(ctx, "").Modal(m)
	if err != nil {
		return fmt.Errorf("slack update modal %s: %w", viewID, err)
	}
	err = s.call(ctx, "views.update", func() error {
		_, err := s.api.UpdateViewContext(ctx, v, "", hash, viewID)
		return err
	})
	if err != nil {
		return fmt.Errorf("slack update modal %s: %w", viewID, err)
	}
	return nil
}

// PublishHome implements bot.Sender (views.publish).
func (s *Sender) PublishHome(ctx context.Context, userID string, h bot.Home) error {
	v, err := s.renderer(ctx, userID).Home(h)
	if err != nil {
		return fmt.Errorf("slack publish home for %s: %w", userID, err)
	}
	view, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("slack publish home for %s: %w", userID, err)
	}
	err = s.unlessUnchanged(ctx, "views.publish", "home|slack|"+userID, contentHash(string(view)), func() error {
		return s.call(ctx, "views.publish", func() error {
			_, err := s.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: userID, View: v})
			return err
		})
	})
	if err != nil {
		return fmt.Errorf("slack publish home for %s: %w", userID, err)
	}
	return nil
}

// Respond posts to an interaction's response_url (no token needed).
func (s *Sender) Respond(ctx context.Context, responseURL string, r bot.Response) error {
	if err := checkResponseURL(responseURL, s.apiURL); err != nil {
		return fmt.Errorf("slack respond: %w", err)
	}
	msg, err := s.renderer(ctx, "").Message(r.Message)
	if err != nil {
		return fmt.Errorf("slack respond: %w", err)
	}
	wm := &slack.WebhookMessage{Text: msg.Text, ReplaceOriginal: r.ReplaceOriginal, DeleteOriginal: r.DeleteOriginal, ResponseType: slack.ResponseTypeEphemeral}
	if r.InChannel {
		wm.ResponseType = slack.ResponseTypeInChannel
	}
	if len(msg.Blocks) > 0 {
		wm.Blocks = &slack.Blocks{BlockSet: msg.Blocks}
	}
	err = s.once(ctx, "response_url", func() error {
		return slack.PostWebhookCustomHTTPContext(ctx, responseURL, s.httpClient, wm)
	})
	if err != nil {
		return fmt.Errorf("slack respond: %w", err)
	}
	return nil
}

// renderLease bounds how long one update of a message holds its turn;
// renderWaits and renderPause bound how long another update waits for
// it (about a second) before sending anyway.
const (
	renderLease = 10 * time.Second
	renderWaits = 20
	renderPause = 50 * time.Millisecond
)
