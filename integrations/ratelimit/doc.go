// Package ratelimit counts vendor rate limits in Redis, so that every
// replica of chataccess together stays inside one limit. Rates use the
// GCRA limiter of github.com/go-redis/redis_rate; concurrency ("at most N
// calls in flight") uses a leased semaphore kept in a sorted set.
package ratelimit
