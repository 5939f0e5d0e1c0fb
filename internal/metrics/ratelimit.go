package metrics

import (
	"context"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/chataccess/chataccess/integrations/ratelimit"
)

// rateLimits counts the slots the vendor clients take of the bot's share
// of each vendor limit, so the budget used is a ratio in PromQL:
//
//	sum by (vendor, limit) (rate(chataccess_ratelimit_slots_taken_total[2m]))
//	  / max by (vendor, limit) (chataccess_ratelimit_slots_per_second)
//
// (every replica takes from the same budget in Redis, hence sum; the
// recording rule chataccess:ratelimit_budget_used:ratio2m in
// deploy/prometheus is that expression).
//
//   - chataccess_ratelimit_slots_taken_total{vendor,limit}
//   - chataccess_ratelimit_slots_per_second{vendor,limit}: the budget.
//
// limit is the bucket: action, user_read, group_read (Adobe), calls
// (Marketo; the instances of several subscriptions add up).
type rateLimits struct {
	taken  *prometheus.CounterVec
	budget *prometheus.GaugeVec
}

func newRateLimits() *rateLimits {
	return &rateLimits{
		taken: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chataccess_ratelimit_slots_taken_total",
			Help: "Slots taken of the bot's share of a vendor rate limit (one per request the vendor sees), by vendor and limit.",
		}, []string{"vendor", "limit"}),
		budget: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "chataccess_ratelimit_slots_per_second",
			Help: "The bot's share of a vendor rate limit, in slots per second, by vendor and limit.",
		}, []string{"vendor", "limit"}),
	}
}

func (r *rateLimits) register(reg prometheus.Registerer) { reg.MustRegister(r.taken, r.budget) }

// Limiter is the shared rate limiter as one vendor's client uses it:
// the same slots, counted. It satisfies adobe.Limiter and
// marketo.RateLimiter.
type Limiter struct {
	inner  *ratelimit.Limiter
	vendor string
	m      *rateLimits
}

// Limiter wraps lim for vendor's clients ("adobe", "marketo").
func (m *Metrics) Limiter(vendor string, lim *ratelimit.Limiter) *Limiter {
	return &Limiter{inner: lim, vendor: token(vendor), m: m.limits}
}

// Reserve takes a slot if one is free now (ratelimit.Limiter.Reserve).
func (l *Limiter) Reserve(ctx context.Context, key string, lim ratelimit.Limit) (time.Duration, error) {
	d, err := l.inner.Reserve(ctx, key, lim)
	if err == nil && d == 0 {
		l.took(key, lim)
	}
	return d, err
}

// Wait takes a slot, waiting at most maxWait (ratelimit.Limiter.Wait).
func (l *Limiter) Wait(ctx context.Context, key string, lim ratelimit.Limit, maxWait time.Duration) error {
	err := l.inner.Wait(ctx, key, lim, maxWait)
	if err == nil {
		l.took(key, lim)
	}
	return err
}

// took counts a slot of key's limit. The limit's label is the key's last
// part, the bucket ("adobe:<client>:action" → action), never the client
// id or host before it.
func (l *Limiter) took(key string, lim ratelimit.Limit) {
	name := token(key[strings.LastIndexByte(key, ':')+1:])
	l.m.taken.WithLabelValues(l.vendor, name).Inc()
	if lim.Rate > 0 && lim.Period > 0 {
		l.m.budget.WithLabelValues(l.vendor, name).Set(float64(lim.Rate) / lim.Period.Seconds())
	}
}
