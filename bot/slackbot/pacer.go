package slackbot

import (
	"context"
	"sync"
	"time"

	"github.com/chataccess/chataccess/bot"
)

// Pacer spaces chat.postMessage calls per channel. Slack allows about
// one message per second per channel, with short bursts
// (docs.slack.dev/reference/methods/chat.postMessage, "Rate limiting").
// ChannelPacer is the in-process implementation; with several replicas
// plug in one counted in Redis.
type Pacer interface {
	// Wait blocks until a message may go to channel, or returns
	// *bot.RateLimitError when that is further away than the pacer waits.
	Wait(ctx context.Context, channel string) error
}

// ChannelPacer allows one message per interval per channel, waiting at
// most maxWait for a slot.
type ChannelPacer struct {
	interval time.Duration
	maxWait  time.Duration
	now      func() time.Time

	mu   sync.Mutex
	next map[string]time.Time
}

// NewChannelPacer returns a pacer; now nil means time.Now.
func NewChannelPacer(interval, maxWait time.Duration, now func() time.Time) *ChannelPacer {
	if now == nil {
		now = time.Now
	}
	return &ChannelPacer{interval: interval, maxWait: maxWait, now: now, next: map[string]time.Time{}}
}

// Wait implements Pacer.
func (p *ChannelPacer) Wait(ctx context.Context, channel string) error {
	p.mu.Lock()
	now := p.now()
	slot := p.next[channel]
	if slot.Before(now) {
		slot = now
	}
	wait := slot.Sub(now)
	if wait > p.maxWait {
		p.mu.Unlock()
		return &bot.RateLimitError{Method: "chat.postMessage", RetryAfter: wait}
	}
	p.next[channel] = slot.Add(p.interval)
	if len(p.next) > 10000 {
		for ch, t := range p.next {
			if t.Before(now) {
				delete(p.next, ch)
			}
		}
	}
	p.mu.Unlock()
	return sleep(ctx, wait)
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
