package metrics

import (
	"runtime"
	"runtime/debug"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Options tune the metrics; the zero value is usable.
type Options struct {
	// Version is the binary's version, for chataccess_build_info.
	Version string
	// ReadTimeout bounds each read of Redis at scrape time (default 2 s):
	// a scrape never waits longer than that for the ledger or the queue.
	ReadTimeout time.Duration
	// MinReadInterval is how long one read of Redis answers every scrape
	// (default 5 s), so several Prometheus servers, or a scrape interval
	// shorter than this, do not multiply the reads.
	MinReadInterval time.Duration
	// Now is the clock for ages (default time.Now).
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.ReadTimeout <= 0 {
		o.ReadTimeout = 2 * time.Second
	}
	if o.MinReadInterval <= 0 {
		o.MinReadInterval = 5 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Version == "" {
		o.Version = "unknown"
	}
	return o
}

// Metrics is every metric of this package, registered on one registry.
type Metrics struct {
	reg  prometheus.Registerer
	opts Options
	// Vendors counts the vendor clients' calls (their failure.Observer).
	Vendors *VendorCalls
	// Provisioning counts the saga's steps and executions (its
	// workers.Observer).
	Provisioning *Provisioning
	limits       *rateLimits
	readErrors   *prometheus.CounterVec
}

// New creates the event metrics and chataccess_build_info and registers
// them on reg. The state read at scrape time is added by WatchLedger and
// WatchQueue.
func New(reg prometheus.Registerer, opts Options) *Metrics {
	opts = opts.withDefaults()
	m := &Metrics{
		reg: reg, opts: opts,
		Vendors:      newVendorCalls(),
		Provisioning: newProvisioning(),
		limits:       newRateLimits(),
		readErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chataccess_metrics_read_errors_total",
			Help: "Reads of Redis for a scrape that failed or ran out of time, by what was read (ledger, queue).",
		}, []string{"source"}),
	}
	for _, s := range []string{sourceLedger, sourceQueue} {
		m.readErrors.WithLabelValues(s)
	}
	reg.MustRegister(buildInfo(opts.Version), m.readErrors)
	m.Vendors.register(reg)
	m.Provisioning.register(reg)
	m.limits.register(reg)
	return m
}

// buildInfo is chataccess_build_info: always 1, the build in its labels.
func buildInfo(version string) prometheus.Collector {
	revision := "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && s.Value != "" {
				revision = s.Value
			}
		}
	}
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "chataccess_build_info",
		Help: "Always 1; the labels name the running build (version, VCS revision, Go version).",
		ConstLabels: prometheus.Labels{
			"version": version, "revision": revision, "goversion": runtime.Version(),
		},
	})
	g.Set(1)
	return g
}
