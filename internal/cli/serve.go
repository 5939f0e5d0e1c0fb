package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/config"
	"github.com/chataccess/chataccess/internal/logging"
)

func runServe(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "serve", "serve [--config FILE] [--listen ADDR] [--log-level LEVEL]")
	path := fs.String("config", DefaultConfigPath, "policy file")
	listen := fs.String("listen", "", "HTTP listen address (overrides server.listen)")
	level := fs.String("log-level", "info", "log level: debug, info, warn, error")
	if err := parse(fs, args); err != nil {
		return err
	}
	log := logging.New(env.Stderr, env.IsTerminal, *level)
	logRedisTo(log)
	cfg, err := loadConfig(*path, env)
	if err != nil {
		return err
	}
	senv, err := config.LoadEnv(env.Getenv)
	if err != nil {
		return err
	}
	settings := cfg.Settings()
	if err := senv.CheckFor(settings.Slack.CheckMode()); err != nil {
		return err
	}
	if *listen != "" {
		settings.Listen = *listen
	}
	rdb, err := connectRedis(ctx, senv.RedisURL.Reveal())
	if err != nil {
		return err
	}
	abandoned := false
	defer func() {
		if !abandoned {
			_ = rdb.Close()
		}
	}()
	if err := checkDurability(ctx, rdb, settings.Redis.RequirePersistence, log); err != nil {
		return err
	}
	a, err := build(ctx, wiring{cfg: cfg, env: senv, rdb: rdb, log: log})
	if err != nil {
		return err
	}
	defer func() {
		if !abandoned {
			a.close()
		}
	}()
	a.checkLedger(ctx)
	ln, err := net.Listen("tcp", settings.Listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w", settings.Listen, err)
	}
	srv := &http.Server{Handler: a.mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second}
	var g group
	g.addSignal(ctx)
	if err := a.serveOps(&g, settings.OpsListen); err != nil {
		return err
	}
	a.start(&g, srv, func() error {
		log.Info().Str(logging.Component, "http").Str("listen", ln.Addr().String()).
			Str("slack_mode", senv.SlackMode(settings.Slack.Mode)).Msg("chataccess serving")
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	name, err := g.run()
	logShutdown(ctx, log, &g, name, err)
	if err != nil {
		// Parts still running past the deadline may use Redis: return
		// without closing it under them; the process is ending.
		abandoned = true
	}
	return err
}

// logShutdown logs how the process stopped: which actor stopped first
// (the signal, with its name), how long the teardown took, and the
// error if any.
func logShutdown(ctx context.Context, log zerolog.Logger, g *group, name string, err error) {
	ev := log.Info()
	if err != nil {
		ev = log.Error().Err(err)
	}
	if name == "signal" {
		ev = ev.Str("signal", context.Cause(ctx).Error())
	}
	ev.Str("stopped_by", name).Dur("teardown", time.Since(g.stopping)).Msg("shut down")
}
