package adobe

import (
	"time"

	"github.com/chataccess/chataccess/integrations/failure"
)

// WithObserver reports every call, in-call retry and rate-limit wait to
// o (metrics). A nil o reports nothing.
func WithObserver(o failure.Observer) Option { return func(c *Client) { c.obs = o } }

// observeCall reports a call that started at start and ended with *err.
func (c *Client) observeCall(op string, start time.Time, err *error) {
	if c.obs != nil {
		c.obs.CallEnded(Vendor, op, *err, time.Since(start))
	}
}

// observeRetry reports an attempt that failed with e and is tried again
// after wait.
func (c *Client) observeRetry(op string, e *failure.Error, wait time.Duration) {
	if c.obs != nil {
		c.obs.Retrying(Vendor, op, e, wait)
	}
}

// observeLimitWait reports a call waiting d for a client-side slot.
func (c *Client) observeLimitWait(op string, d time.Duration) {
	if c.obs != nil {
		c.obs.LimitWait(Vendor, op, d)
	}
}
