package teamsbot

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/chataccess/chataccess/bot"
)

// Teams' send limits per bot per conversation: 7 in 1 s, 8 in 2 s, 60
// in 30 s, 1800 in an hour (MicrosoftDocs/msteams-docs
// bots/how-to/rate-limit.md; the project's Teams reference §0). A
// bucket of 7 refilled at 0.49 a second keeps within all four.
const (
	PaceBurst = 7
	PaceRate  = 0.49 // messages per second
)

// Pacer spaces sends and conversation creations per conversation.
// ConversationPacer is the in-process implementation; with several
// replicas plug in one counted in Redis.
type Pacer interface {
	// Wait blocks until a message may go to conversation, or returns
	// *bot.RateLimitError when that is further away than the pacer waits.
	Wait(ctx context.Context, conversation string) error
}

// ConversationPacer is an in-process token bucket per conversation.
type ConversationPacer struct {
	maxWait time.Duration
	mu      sync.Mutex
	buckets map[string]*rate.Limiter
}

// NewConversationPacer returns a pacer that waits at most maxWait.
func NewConversationPacer(maxWait time.Duration) *ConversationPacer {
	return &ConversationPacer{maxWait: maxWait, buckets: map[string]*rate.Limiter{}}
}

// Wait implements Pacer.
func (p *ConversationPacer) Wait(ctx context.Context, conversation string) error {
	p.mu.Lock()
	l, ok := p.buckets[conversation]
	if !ok {
		if len(p.buckets) > 10000 {
			p.buckets = map[string]*rate.Limiter{}
		}
		l = rate.NewLimiter(rate.Limit(PaceRate), PaceBurst)
		p.buckets[conversation] = l
	}
	r := l.Reserve()
	p.mu.Unlock()
	wait := r.Delay()
	if wait > p.maxWait {
		r.Cancel()
		return &bot.RateLimitError{Method: "teams send", RetryAfter: wait}
	}
	return sleep(ctx, wait)
}
