package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/config"
	"github.com/chataccess/chataccess/internal/logging"
	"github.com/chataccess/chataccess/store"
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
	ctx = log.WithContext(ctx)

	cfg, err := loadConfig(*path, env)
	if err != nil {
		return err
	}
	senv, err := config.LoadEnv(env.Getenv)
	if err != nil {
		return err
	}
	settings := cfg.Settings()
	if *listen != "" {
		settings.Listen = *listen
	}
	rdb, err := connectRedis(ctx, env.Getenv("REDIS_URL"))
	if err != nil {
		return err
	}
	defer rdb.Close()

	app, err := build(ctx, cfg, senv, settings, rdb, log)
	if err != nil {
		return err
	}
	return app.run(ctx, settings.Listen)
}

// app is the wired process: every part built, nothing running yet.
type app struct {
	log     zerolog.Logger
	rdb     redis.UniversalClient
	store   *store.Store
	service *approvals.Service
	reg     *prometheus.Registry
	mux     *http.ServeMux
	group   group
}

// build is the composition root: config → store → service → adapters.
func build(ctx context.Context, cfg *config.Config, senv config.Env, settings config.Settings, rdb redis.UniversalClient, log zerolog.Logger) (*app, error) {
	a := &app{log: log, rdb: rdb, reg: prometheus.NewRegistry(), mux: http.NewServeMux()}
	a.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	a.store = store.New(rdb, settings.Redis.Prefix)
	a.service = approvals.NewService(cfg.Policy(), a.store, approvals.ClockFunc(time.Now), nil)
	a.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte("ok\n"))
	})
	a.mux.HandleFunc("GET /readyz", a.ready)
	a.mux.Handle("GET /metrics", promhttp.HandlerFor(a.reg, promhttp.HandlerOpts{}))
	_ = senv
	_ = ctx
	return a, nil
}

// ready answers 200 when Redis answers.
func (a *app) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := a.rdb.Ping(ctx).Err(); err != nil {
		http.Error(w, "redis unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Write([]byte("ready\n"))
}

// run serves HTTP and runs every actor until ctx ends or one fails.
func (a *app) run(ctx context.Context, listen string) error {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w", listen, err)
	}
	srv := &http.Server{Handler: a.mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second}
	a.group.addContext(ctx, "signals", func(ctx context.Context) error {
		<-ctx.Done()
		return nil
	})
	a.group.add("http", func() error {
		a.log.Info().Str(logging.Component, "http").Str("listen", ln.Addr().String()).Msg("serving")
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}, func(error) {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	})
	name, err := a.group.run()
	a.log.Info().Str("stopped_by", name).Msg("shut down")
	return err
}
