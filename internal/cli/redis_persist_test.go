package cli

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/config"
)

// ownRedis is a redis-server of a test's own, on a free port, stopped
// when the test ends.
type ownRedis struct {
	port string
}

func startRedis(t *testing.T, args ...string) *ownRedis {
	t.Helper()
	addr := freeAddr(t)
	o := &ownRedis{port: addr[strings.LastIndex(addr, ":")+1:]}
	cmd := exec.Command("redis-server", append([]string{"--bind", "127.0.0.1", "--port", o.port, "--dir", t.TempDir()}, args...)...)
	if err := cmd.Start(); err != nil {
		t.Fatalf("redis-server: %v", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-done })
	waitUntil(t, 10*time.Second, "redis-server up", func() bool {
		conn := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + o.port})
		defer conn.Close()
		err := conn.Ping(context.Background()).Err()
		return err == nil || redis.IsAuthError(err)
	})
	return o
}

func (o *ownRedis) url(userinfo string) string {
	if userinfo != "" {
		userinfo += "@"
	}
	return "redis://" + userinfo + "127.0.0.1:" + o.port + "/0"
}

func (o *ownRedis) client(t *testing.T) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + o.port})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// TestRedisDurability: Redis's persistence and eviction settings are
// read at start. Without AOF, or with an eviction policy, serve warns,
// or refuses with redis.require_persistence; a Redis that refuses CONFIG
// is a warning either way.
func TestRedisDurability(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		args    []string
		want    []string // the problems' settings
		wantLog string
	}{
		{"no persistence", []string{"--appendonly", "no", "--save", ""}, []string{"appendonly"}, "Redis runs without persistence"},
		{"snapshots and eviction", []string{"--appendonly", "no", "--save", "60 1", "--maxmemory-policy", "allkeys-lru"},
			[]string{"appendonly", "maxmemory-policy"}, "maxmemory-policy is allkeys-lru"},
		{"AOF and noeviction", []string{"--appendonly", "yes", "--save", ""}, nil, ""},
		{"CONFIG refused", []string{"--appendonly", "no", "--save", "", "--rename-command", "CONFIG", ""}, nil, "CONFIG GET refused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			red := startRedis(t, tc.args...)
			ps, err := durability(ctx, red.client(t))
			var got []string
			for _, p := range ps {
				got = append(got, p.setting)
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") || (err != nil) != (tc.name == "CONFIG refused") {
				t.Fatalf("problems %v, %v; want %v", got, err, tc.want)
			}
			for _, require := range []bool{false, true} {
				var logs bytes.Buffer
				err := checkDurability(ctx, red.client(t), require, zerolog.New(&logs))
				refused := require && len(tc.want) > 0
				if refused != errors.Is(err, errRedisDurability) || (refused && !strings.Contains(err.Error(), "require_persistence")) {
					t.Errorf("require=%v: %v", require, err)
				}
				if !refused && !strings.Contains(logs.String(), tc.wantLog) {
					t.Errorf("require=%v: log %q lacks %q", require, logs.String(), tc.wantLog)
				}
			}
		})
	}
}

// TestServeRefusesRedisThatLosesData: serve with
// redis.require_persistence on a Redis without persistence stops before
// it serves, saying why.
func TestServeRefusesRedisThatLosesData(t *testing.T) {
	red := startRedis(t, "--appendonly", "no", "--save", "")
	r := newRigOn(t, red.client(t), "durable:", red.url(""), 0, `# require_persistence: true`, `require_persistence: true`)
	code, _, errOut := r.cli("serve", "--config", r.policy, "--listen", freeAddr(t))
	if code != 1 || !strings.Contains(errOut, "redis.require_persistence is set") || !strings.Contains(errOut, "appendonly yes") {
		t.Fatalf("serve: exit %d\n%s", code, errOut)
	}
}

// TestRedisWrongPassword: REDIS_URL with a wrong password, or none,
// gives an error naming authentication and what to fix, never the
// password itself, in serve and in admin commands. (A password for a
// Redis 6+ without one is accepted by Redis: HELLO AUTH for the
// default user with nopass.)
func TestRedisWrongPassword(t *testing.T) {
	locked := startRedis(t, "--requirepass", "Right-Pa55word")
	open := startRedis(t)
	r := newRigOn(t, open.client(t), "auth:", open.url(""), 0)
	for _, tc := range []struct {
		name, url, want string
	}{
		{"wrong password", locked.url(":Wr0ng-Pa55word"), "authentication failed: the user name or password in REDIS_URL is wrong"},
		{"no password", locked.url(""), "authentication failed: Redis wants a password and REDIS_URL has none"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r.env["REDIS_URL"] = tc.url
			for _, args := range [][]string{
				{"serve", "--config", r.policy, "--listen", freeAddr(t)},
				{"admin", "ledger", "--config", r.policy},
			} {
				code, out, errOut := r.cli(args...)
				if code != 1 || !strings.Contains(errOut, tc.want) || strings.Contains(out+errOut, "Pa55word") {
					t.Errorf("%s: exit %d\n%s%s", args[0], code, out, errOut)
				}
			}
		})
	}
}

// TestRedisURLForms: every REDIS_URL form the operations guide lists
// passes the environment check and becomes the right client options;
// a unix socket URL reaches a Redis listening on one.
func TestRedisURLForms(t *testing.T) {
	for _, tc := range []struct {
		url     string
		addrs   string
		master  string
		cluster bool
	}{
		{"redis://:pw@10.0.0.5:6379/2", "10.0.0.5:6379", "", false},
		{"rediss://user:pw@redis.example:6380", "redis.example:6380", "", false},
		{"redis-sentinel://:pw@s1:26379,s2:26379,s3:26379/mymaster/1", "s1:26379,s2:26379,s3:26379", "mymaster", false},
		{"redis-cluster://user:pw@n1:6379,n2:6379,n3:6379", "n1:6379,n2:6379,n3:6379", "", true},
		{"unix:///run/redis/redis.sock?db=3", "/run/redis/redis.sock", "", false},
	} {
		if _, err := config.LoadEnv(func(k string) string {
			if k == config.EnvRedisURL {
				return tc.url
			}
			return ""
		}); err != nil {
			t.Errorf("%s: %v", tc.url, err)
		}
		o, err := redisOptions(tc.url)
		if err != nil || strings.Join(o.Addrs, ",") != tc.addrs || o.MasterName != tc.master || o.IsClusterMode != tc.cluster {
			t.Errorf("%s: %+v, %v", tc.url, o, err)
		}
	}
	sock := filepath.Join(t.TempDir(), "redis.sock")
	startRedis(t, "--unixsocket", sock)
	rdb, err := connectRedis(context.Background(), "unix://"+sock)
	if err != nil {
		t.Fatalf("unix socket: %v", err)
	}
	_ = rdb.Close()
}
