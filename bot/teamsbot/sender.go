package teamsbot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/internal/logging"
)

// DefaultServiceURL is the Bot Connector used for a conversation no
// activity has come from yet (Microsoft's global proactive endpoint).
// A conversation's own serviceUrl, remembered from its activities, is
// preferred.
const DefaultServiceURL = "https://smba.trafficmanager.net/teams/"

// SenderConfig configures the Bot Connector sender.
type SenderConfig struct {
	// AppID (TEAMS_APP_ID), AppPassword (TEAMS_APP_PASSWORD) and
	// TenantID (TEAMS_TENANT_ID) are the single-tenant bot's credentials.
	AppID, AppPassword, TenantID string
	// LoginURL overrides DefaultLoginURL (TEAMS_LOGIN_URL).
	LoginURL string
	// ServiceURL overrides DefaultServiceURL.
	ServiceURL string
	// GraphURL overrides DefaultGraphURL. Graph is used only when
	// Groups is set (the admin granted GroupMember.Read.All).
	GraphURL string
	Groups   bool
	// Anonymous sends without a token: only for a local emulator (the
	// adapter's LocalDev mode), so no credential ever leaves for it.
	Anonymous bool
	// Conversations are conversation ids (the configured channels) where
	// people are looked up when they have not written to the bot yet.
	Conversations []string
	// Memory keeps references, people, cards and the Home messages.
	Memory Memory
	// Pacer spaces sends per conversation (default in-process).
	Pacer Pacer
	// HTTPClient defaults to a client with a 10 s timeout.
	HTTPClient *http.Client
	// MaxRetryWait is the longest wait retried inline (default 5 s) and
	// MaxRetries caps inline retries (default 2).
	MaxRetryWait time.Duration
	MaxRetries   int
	Metrics      *Metrics
	Logger       zerolog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Phrases say the renderer's own words (a default button label, the
	// note of a shortened card) in each message's language; nil:
	// English.
	Phrases bot.Phrases
}

// Sender implements bot.Sender on the Bot Connector REST API.
type Sender struct {
	cfg    SenderConfig
	api    *client
	bot    *tokens
	graph  *tokens
	mem    memo
	pacer  Pacer
	log    zerolog.Logger
	groups ttlCache
}

var _ bot.Sender = (*Sender)(nil)

// NewSender returns a sender; it fetches no token until the first call.
func NewSender(cfg SenderConfig) *Sender {
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.MaxRetryWait <= 0 {
		cfg.MaxRetryWait = 5 * time.Second
	}
	if cfg.MaxRetries <= 0 {
		cfg.MaxRetries = 2
	}
	if cfg.Pacer == nil {
		cfg.Pacer = NewConversationPacer(cfg.MaxRetryWait)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.ServiceURL = orStr(cfg.ServiceURL, DefaultServiceURL)
	cfg.GraphURL = strings.TrimRight(orStr(cfg.GraphURL, DefaultGraphURL), "/")
	s := &Sender{cfg: cfg, mem: memo{cfg.Memory}, pacer: cfg.Pacer,
		api: &client{hc: cfg.HTTPClient, maxWait: cfg.MaxRetryWait, maxRetries: cfg.MaxRetries, metrics: cfg.Metrics},
		bot: newTokens(cfg.HTTPClient, cfg.LoginURL, cfg.TenantID, cfg.AppID, cfg.AppPassword, botScope),
		log: logging.WithComponent(cfg.Logger, "teamsbot"), groups: newTTLCache(time.Minute)}
	if cfg.Groups {
		s.graph = newTokens(cfg.HTTPClient, cfg.LoginURL, cfg.TenantID, cfg.AppID, cfg.AppPassword, graphScope)
	}
	if cfg.Anonymous {
		s.bot, s.graph = nil, nil
	}
	return s
}

// CheckToken fetches a Bot Connector token, for `chataccess check`.
func (s *Sender) CheckToken(context.Context) error {
	if s.bot == nil {
		return nil
	}
	_, err := s.bot.token()
	return err
}

// render renders m with display names from Memory for bare mentions.
func (s *Sender) render(m bot.Message) (Rendered, error) {
	return renderMessage(m, nil, s.cfg.Phrases)
}

// serviceFor is the serviceUrl of a conversation.
func (s *Sender) serviceFor(ctx context.Context, conversation string) string {
	c, found, err := s.mem.conversation(ctx, conversation)
	if err != nil {
		s.log.Warn().Err(err).Msg("read conversation reference")
	}
	if found && c.ServiceURL != "" {
		return c.ServiceURL
	}
	su, _ := serviceURL(s.cfg.ServiceURL)
	return su
}

func activitiesURL(service, conversation string) string {
	return service + "v3/conversations/" + url.PathEscape(conversation) + "/activities"
}

type resourceID struct {
	ID string `json:"id"`
}

// send posts a rendered message (as a reply to replyTo when set) and
// remembers its card for refreshes.
func (s *Sender) send(ctx context.Context, conversation, replyTo string, r Rendered, meta keptCard) (bot.MessageRef, error) {
	if err := s.pacer.Wait(ctx, conversation); err != nil {
		return bot.MessageRef{}, fmt.Errorf("teams post to %s: %w", conversation, err)
	}
	u := activitiesURL(s.serviceFor(ctx, conversation), conversation)
	if replyTo != "" {
		u += "/" + url.PathEscape(replyTo)
	}
	var got resourceID
	if err := s.api.do(ctx, s.bot, "send", http.MethodPost, u, r.Activity(), &got); err != nil {
		return bot.MessageRef{}, fmt.Errorf("teams post to %s: %w", conversation, err)
	}
	if got.ID == "" {
		return bot.MessageRef{}, fmt.Errorf("teams post to %s: the connector returned no activity id", conversation)
	}
	s.keepCard(ctx, conversation, got.ID, r, meta)
	return bot.MessageRef{Platform: bot.Teams, Channel: conversation, ID: got.ID, Thread: replyTo}, nil
}

func (s *Sender) keepCard(ctx context.Context, conversation, id string, r Rendered, meta keptCard) {
	if r.Card == nil {
		return
	}
	meta.Card = r.Card
	if err := s.mem.put(ctx, kindCard, cardKey(conversation, id), meta, cardTTL); err != nil {
		s.log.Warn().Err(err).Msg("remember card")
	}
}

// Post implements bot.Sender: a new message (a new thread in a channel),
// or a reply when m.Thread is set.
func (s *Sender) Post(ctx context.Context, channel string, m bot.Message) (bot.MessageRef, error) {
	r, err := s.render(m)
	if err != nil {
		return bot.MessageRef{}, fmt.Errorf("teams post to %s: %w", channel, err)
	}
	thread := ""
	if m.Thread != nil {
		thread = orStr(m.Thread.Thread, m.Thread.ID)
	}
	return s.send(ctx, channel, thread, r, keptCard{})
}

// Reply implements bot.Sender.
func (s *Sender) Reply(ctx context.Context, parent bot.MessageRef, m bot.Message) (bot.MessageRef, error) {
	root := parent
	if parent.Thread != "" {
		root.ID = parent.Thread
	}
	m.Thread = &root
	return s.Post(ctx, parent.Channel, m)
}

// Update implements bot.Sender (PUT the activity).
func (s *Sender) Update(ctx context.Context, ref bot.MessageRef, m bot.Message) error {
	r, err := s.render(m)
	if err != nil {
		return fmt.Errorf("teams update %s: %w", ref.ID, err)
	}
	a := r.Activity()
	a.ID = ref.ID
	// Updates count against the conversation's send limits too.
	if err := s.pacer.Wait(ctx, ref.Channel); err != nil {
		return fmt.Errorf("teams update %s: %w", ref.ID, err)
	}
	u := activitiesURL(s.serviceFor(ctx, ref.Channel), ref.Channel) + "/" + url.PathEscape(ref.ID)
	if err := s.api.do(ctx, s.bot, "update", http.MethodPut, u, a, nil); err != nil {
		return fmt.Errorf("teams update %s: %w", ref.ID, err)
	}
	// The message stays what it was (a private reply, a Home).
	var meta keptCard
	if _, err := s.mem.get(ctx, kindCard, cardKey(ref.Channel, ref.ID), &meta); err != nil {
		s.log.Warn().Err(err).Msg("read card")
	}
	s.keepCard(ctx, ref.Channel, ref.ID, r, meta)
	return nil
}

// DM implements bot.Sender: it posts in the person's personal chat with
// the bot, creating it when needed (the app must be installed for them).
func (s *Sender) DM(ctx context.Context, userID string, m bot.Message) (bot.MessageRef, error) {
	conv, err := s.personalChat(ctx, userID)
	if err != nil {
		return bot.MessageRef{}, fmt.Errorf("teams dm %s: %w", userID, err)
	}
	m.Thread = nil
	return s.Post(ctx, conv, m)
}

// personalChat returns the 1:1 conversation with a person.
func (s *Sender) personalChat(ctx context.Context, userID string) (string, error) {
	p, found, err := s.mem.person(ctx, userID)
	if err != nil {
		return "", err
	}
	if found && p.Personal != "" {
		return p.Personal, nil
	}
	if !found || p.MRI == "" {
		if _, err := s.LookupUser(ctx, userID); err != nil && !errors.Is(err, bot.ErrNoEmail) {
			return "", err
		}
		if p, _, err = s.mem.person(ctx, userID); err != nil {
			return "", err
		}
	}
	if p.MRI == "" {
		return "", fmt.Errorf("no Teams user id known for %s: %w", userID, bot.ErrUserNotFound)
	}
	service := orStr(p.ServiceURL, s.serviceFor(ctx, ""))
	tenant := orStr(p.TenantID, s.cfg.TenantID)
	body := map[string]any{
		"bot": Account{ID: "28:" + s.cfg.AppID}, "members": []Account{{ID: p.MRI}}, "isGroup": false,
		"tenantId": tenant, "channelData": ChannelData{Tenant: &IDName{ID: tenant}},
	}
	if err := s.pacer.Wait(ctx, "create:"+p.MRI); err != nil {
		return "", err
	}
	var got resourceID
	if err := s.api.do(ctx, s.bot, "create_conversation", http.MethodPost, service+"v3/conversations", body, &got); err != nil {
		return "", err
	}
	if got.ID == "" {
		return "", errors.New("the connector returned no conversation id")
	}
	p.Personal = got.ID
	if err := s.mem.savePerson(ctx, p); err != nil {
		s.log.Warn().Err(err).Msg("remember personal chat")
	}
	_ = s.mem.put(ctx, kindConversation, got.ID, ConversationRef{ServiceURL: service, ID: got.ID, TenantID: tenant, Type: "personal", At: s.cfg.Now().Unix()}, conversationTTL)
	return got.ID, nil
}

// Ephemeral implements bot.Sender. Teams has no message only one person
// sees in a channel, so it goes to the person's personal chat.
func (s *Sender) Ephemeral(ctx context.Context, _, userID string, m bot.Message) error {
	_, err := s.DM(ctx, userID, m)
	return err
}

// ErrNoDialogHere says Teams opens dialogs only from a button; return
// the modal in the handler's reply and the adapter offers it.
var ErrNoDialogHere = fmt.Errorf("teams opens dialogs only from a card button: %w", bot.ErrTriggerExpired)

// OpenModal implements bot.Sender; see ErrNoDialogHere.
func (s *Sender) OpenModal(context.Context, string, bot.Modal) error { return ErrNoDialogHere }

// PublishHome implements bot.Sender: Teams has no App Home tab, so the
// Home is one personal message, updated in place.
func (s *Sender) PublishHome(ctx context.Context, userID string, h bot.Home) error {
	m := bot.Message{Text: bot.Plain("chataccess"), Blocks: h.Blocks, Lang: h.Lang}
	var ref bot.MessageRef
	found, err := s.mem.get(ctx, kindHome, userKey(userID), &ref)
	if err != nil {
		return fmt.Errorf("teams home for %s: %w", userID, err)
	}
	if found {
		err := s.Update(ctx, ref, m)
		if err == nil || !errors.Is(err, bot.ErrNotFound) {
			return err
		}
	}
	conv, err := s.personalChat(ctx, userID)
	if err != nil {
		return fmt.Errorf("teams home for %s: %w", userID, err)
	}
	r, err := s.render(m)
	if err != nil {
		return fmt.Errorf("teams home for %s: %w", userID, err)
	}
	if ref, err = s.send(ctx, conv, "", r, keptCard{Home: orStr(h.CallbackID, "home")}); err != nil {
		return fmt.Errorf("teams home for %s: %w", userID, err)
	}
	return s.mem.put(ctx, kindHome, userKey(userID), ref, userTTL)
}

// CheckConversation asks the Bot Connector for one member of a
// conversation, for `chataccess check`: it fails when the bot is not in
// the channel or the app is not installed in its team.
func (s *Sender) CheckConversation(ctx context.Context, conversation string) error {
	u := s.serviceFor(ctx, conversation) + "v3/conversations/" + url.PathEscape(conversation) + "/pagedmembers?pageSize=1"
	var got struct {
		Members []member `json:"members"`
	}
	if err := s.api.do(ctx, s.bot, "get_paged_members", http.MethodGet, u, nil, &got); err != nil {
		return fmt.Errorf("teams conversation %s: %w", conversation, err)
	}
	return nil
}
