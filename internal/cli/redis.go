package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/config"
	"github.com/chataccess/chataccess/internal/logging"
	"github.com/chataccess/chataccess/store"
)

// defaultRedisURL is used when REDIS_URL is not set.
const defaultRedisURL = "redis://127.0.0.1:6379/0"

// redisOptions turns REDIS_URL into go-redis universal options:
//
//	redis://[user:password@]host:port[/db]      single server (rediss:// for TLS)
//	redis-sentinel://[:password@]h1:p1,h2:p2/master[/db]
//	redis-cluster://[user:password@]h1:p1,h2:p2
//	unix://[user:password@]/path/to/redis.sock[?db=N]
//
// Errors never repeat the URL, which may hold a password.
func redisOptions(raw string) (*redis.UniversalOptions, error) {
	if raw == "" {
		raw = defaultRedisURL
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("REDIS_URL is not a valid URL")
	}
	switch u.Scheme {
	case "redis", "rediss":
		o, err := redis.ParseURL(raw)
		if err != nil {
			return nil, errors.New("REDIS_URL is not a valid redis:// URL (want redis://[user:password@]host:port[/db])")
		}
		return &redis.UniversalOptions{
			Addrs: []string{o.Addr}, Username: o.Username, Password: o.Password, DB: o.DB, TLSConfig: o.TLSConfig,
		}, nil
	case "unix":
		o, err := redis.ParseURL(raw)
		if err != nil {
			return nil, errors.New("REDIS_URL is not a valid unix:// URL (want unix:///path/to/redis.sock[?db=N])")
		}
		path := o.Addr
		return &redis.UniversalOptions{Addrs: []string{path}, Username: o.Username, Password: o.Password, DB: o.DB,
			Dialer: func(ctx context.Context, _, _ string) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, "unix", path)
			}}, nil
	case "redis-sentinel", "redis-cluster":
		addrs := strings.Split(u.Host, ",")
		if u.Host == "" {
			return nil, fmt.Errorf("REDIS_URL (%s) names no hosts", u.Scheme)
		}
		o := &redis.UniversalOptions{Addrs: addrs}
		if u.User != nil {
			o.Username = u.User.Username()
			o.Password, _ = u.User.Password()
		}
		if u.Scheme == "redis-cluster" {
			o.IsClusterMode = true
			return o, nil
		}
		parts := strings.Split(strings.Trim(u.Path, "/"), "/")
		if parts[0] == "" {
			return nil, errors.New("REDIS_URL (redis-sentinel) must name the master: redis-sentinel://host:port/mymaster")
		}
		o.MasterName = parts[0]
		o.SentinelPassword = o.Password
		if len(parts) > 1 {
			if o.DB, err = strconv.Atoi(parts[1]); err != nil {
				return nil, errors.New("REDIS_URL (redis-sentinel) has a database that is not a number")
			}
		}
		return o, nil
	}
	return nil, fmt.Errorf("REDIS_URL scheme %q is not one of redis, rediss, redis-sentinel, redis-cluster, unix", u.Scheme)
}

// redisLogger carries go-redis's own log lines ("redis: connection pool:
// failed to dial …", Sentinel fail-overs, truncated expiries) into
// zerolog as warnings, instead of the unstructured lines go-redis writes
// to stderr by default. It implements go-redis's logging interface.
type redisLogger struct{ log zerolog.Logger }

// Printf logs one go-redis line. The context's logger is left alone: the
// line is about the client, whose pool serves every part of the process.
func (r redisLogger) Printf(_ context.Context, format string, v ...any) {
	msg := strings.TrimSpace(fmt.Sprintf(format, v...))
	r.log.Warn().Msg(strings.TrimPrefix(msg, "redis: "))
}

// logRedisTo sends go-redis's log lines to log with component=redis.
// go-redis has one logger per process, so the command that sets up the
// process's logging calls this once, before it connects.
func logRedisTo(log zerolog.Logger) {
	redis.SetLogger(redisLogger{logging.WithComponent(log, "redis")})
}

// Redis deadlines. Whatever waits on a Redis call waits longer than the
// call may take: a slash command or click is answered within the Slack
// adapter's 2.5 s budget (Slack allows 3 s), and one Redis call gives up
// after redisIOTimeout, or at its context's deadline when that comes
// first (ContextTimeoutEnabled). go-redis adds a blocking read's own
// wait (XREADGROUP BLOCK) to the read timeout. go-redis's own retries
// are off: it would send a timed-out command again (four tries by
// default, past any budget, and twice if the first was only slow); the
// callers retry in their own bounded ways (the outbox redelivers, a
// person is told to try again). A paused or overloaded Redis thus turns
// into a quick "try again", never a silent Slack timeout; a connection
// that timed out is closed, so Redis does not run the abandoned command
// later.
const (
	redisDialTimeout = 2 * time.Second
	redisIOTimeout   = time.Second
	redisPoolTimeout = 1500 * time.Millisecond
)

// withDeadlines sets the Redis deadlines on o.
func withDeadlines(o *redis.UniversalOptions) *redis.UniversalOptions {
	o.ContextTimeoutEnabled = true
	o.MaxRetries = -1 // none
	o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.PoolTimeout = redisDialTimeout, redisIOTimeout, redisIOTimeout, redisPoolTimeout
	return o
}

// connectRedis opens and pings Redis, with the deadlines above.
func connectRedis(ctx context.Context, raw string) (redis.UniversalClient, error) {
	opt, err := redisOptions(raw)
	if err != nil {
		return nil, err
	}
	rdb := redis.NewUniversalClient(withDeadlines(opt))
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := rdb.Ping(pctx).Err(); err != nil {
		_ = rdb.Close()
		return nil, fmt.Errorf("redis at %s: %w", strings.Join(opt.Addrs, ","), explainRedisError(err, opt))
	}
	return rdb, nil
}

// errRedisAuth says Redis refused the credentials of REDIS_URL.
var errRedisAuth = errors.New("authentication failed")

// explainRedisError names what an operator must fix when Redis refused
// the first command: the credentials (WRONGPASS, NOAUTH, a password for
// a server that has none) or the ACL user's permissions. Other errors
// come back unchanged. Redis tells these apart only by the first word of
// its answer.
func explainRedisError(err error, opt *redis.UniversalOptions) error {
	switch {
	case redis.IsAuthError(err) && opt.Password == "":
		return fmt.Errorf("%w: Redis wants a password and REDIS_URL has none (redis://[user]:password@host:port): %w", errRedisAuth, err)
	case redis.IsAuthError(err):
		return fmt.Errorf("%w: the user name or password in REDIS_URL is wrong: %w", errRedisAuth, err)
	case redis.HasErrorPrefix(err, "AUTH"):
		return fmt.Errorf("%w: REDIS_URL has a password but this Redis has none set (remove it from the URL, or set requirepass): %w", errRedisAuth, err)
	case redis.IsPermissionError(err):
		return fmt.Errorf("the Redis user in REDIS_URL may not run the commands chataccess needs (see the operations guide, ACL): %w", err)
	}
	return err
}

// openStore connects to REDIS_URL and returns the ledger, using the key
// prefix from the policy file when it exists, with opts (the audit key).
func openStore(ctx context.Context, env Env, configPath string, opts ...store.Option) (*store.Store, func(), error) {
	prefix := store.DefaultPrefix
	if _, err := os.Stat(configPath); err == nil {
		cfg, err := loadConfig(configPath, env)
		if err != nil {
			return nil, nil, err
		}
		prefix = cfg.Settings().Redis.Prefix
	}
	senv, err := config.LoadEnv(env.Getenv)
	if err != nil {
		return nil, nil, err
	}
	rdb, err := connectRedis(ctx, senv.RedisURL.Reveal())
	if err != nil {
		return nil, nil, err
	}
	return store.New(rdb, prefix, opts...), func() { _ = rdb.Close() }, nil
}
