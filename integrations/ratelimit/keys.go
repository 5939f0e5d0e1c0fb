package ratelimit

// Every Redis key this package touches is built here.
//
//	rate:<prefix><name>   a limit's GCRA state (redis_rate puts "rate:" in front)
//	<prefix>sem:<name>    a semaphore's sorted set of leases

// limitKey is the key redis_rate is given for the named limit.
func (l *Limiter) limitKey(name string) string { return l.prefix + name }

// SemaphoreKey is the Redis key of the named semaphore under prefix
// (e.g. "chataccess:v1:"), for NewSemaphore.
func SemaphoreKey(prefix, name string) string { return prefix + "sem:" + name }
