package cli

import (
	"fmt"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/integrations/marketo"
	"github.com/chataccess/chataccess/integrations/ratelimit"
	"github.com/chataccess/chataccess/internal/logging"
	"github.com/chataccess/chataccess/reviews"
	"github.com/chataccess/chataccess/reviews/inventory"
	"github.com/chataccess/chataccess/vendormap"
	"github.com/chataccess/chataccess/workers"
)

// marketoClients builds one Marketo client per instance the policy
// serves (config.Config.MarketoInstances): each with the bot's share of
// its own instance's limits, counted in Redis under the instance's base URL
// (marketo.Config.RateKey, SemaphoreKey), so every replica shares one
// budget per instance and two instances never share one.
func (a *app) marketoClients(w wiring, limiter *ratelimit.Limiter) (map[string]*marketo.Client, error) {
	settings := w.cfg.Settings()
	prefix := settings.Redis.Prefix
	out := map[string]*marketo.Client{}
	for _, in := range w.cfg.MarketoInstances() {
		// Lines go to the caller's logger (the context's); this one is
		// for calls whose context has none.
		log := logging.WithComponent(w.log, "marketo").With().Str("instance", in.Name).Logger()
		mcfg := marketo.Config{
			BaseURL: in.BaseURL, ClientID: in.ClientID, ClientSecret: in.ClientSecret.Reveal(),
			Rate:             ratelimit.Per(in.CallsPer20s, 20*time.Second),
			MaxInFlight:      in.MaxInFlight,
			AddRolesBody:     marketo.BodyShape(settings.Marketo.AddRolesBody),
			DeleteRolesBody:  marketo.BodyShape(settings.Marketo.DeleteRolesBody),
			UserAgentVersion: Version,
		}
		mcfg.Rate.Burst = 1
		inFlight := ratelimit.NewSemaphore(w.rdb, mcfg.SemaphoreKey(prefix), max(in.MaxInFlight, 1), mcfg.SemaphoreLease())
		cl, err := marketo.New(mcfg, marketo.WithLimiter(a.metrics.Limiter("marketo", limiter)), marketo.WithObserver(a.metrics.Vendors), marketo.WithInFlight(inFlight), marketo.WithLogger(log))
		if err != nil {
			return nil, fmt.Errorf("marketo client of instance %q: %w", in.Name, err)
		}
		out[in.Name] = cl
	}
	return out, nil
}

// marketoLists is the resolver's view of the clients.
func marketoLists(cls map[string]*marketo.Client) map[string]vendormap.Lists {
	out := make(map[string]vendormap.Lists, len(cls))
	for n, c := range cls {
		out[n] = c
	}
	return out
}

// reviewMarketo is the reviews' port of the default instance (nil when
// no package uses it) and those of the named ones.
func (v vendorParts) reviewMarketo() (reviews.Marketo, map[string]reviews.Marketo) {
	var def reviews.Marketo
	named := map[string]reviews.Marketo{}
	for n, c := range v.marketos {
		m := &inventory.Marketo{Client: c, Resolver: v.mapping, Instance: n}
		if n == approvals.DefaultInstance {
			def = m
			continue
		}
		named[n] = m
	}
	return def, named
}

// inspectTimeout bounds what a request waits for the vendors' word on
// seats and Marketo when it is made (approvals.Service.WithInspector).
const inspectTimeout = 5 * time.Second

// marketoPorts are the saga's Marketo ports, one per instance, shared by
// the executor and the inspector (one user directory per instance).
func (v vendorParts) marketoPorts() map[string]workers.Marketo {
	out := make(map[string]workers.Marketo, len(v.marketos))
	for n, c := range v.marketos {
		inst := n
		if n == approvals.DefaultInstance {
			inst = ""
		}
		out[n] = &workers.MarketoUsers{Client: c, Resolver: v.mapping, Instance: inst}
	}
	return out
}

// attachInstances gives the executor the port of each named instance.
func attachInstances(exec *workers.Executor, ports map[string]workers.Marketo) {
	for n, m := range ports {
		if n != approvals.DefaultInstance {
			exec.WithMarketo(n, m)
		}
	}
}
