package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/chataccess/chataccess/config"
)

// runHealthcheck asks a running serve process whether it is alive (or
// ready) over HTTP: the container health check in an image without a
// shell or curl. Exit 0 on 200, 1 otherwise.
func runHealthcheck(ctx context.Context, env Env, args []string) error {
	flags := newFlags(env, "healthcheck", "healthcheck [--config FILE] [--addr HOST:PORT] [--ready] [--timeout D]")
	path := flags.String("config", DefaultConfigPath, "policy file: server.ops_listen, else server.listen, names the address")
	addr := flags.String("addr", "", "address of the serve process (overrides the policy file)")
	ready := flags.Bool("ready", false, "ask /readyz (Redis, ledger, chat connected) instead of /healthz (the process serves)")
	timeout := flags.Duration("timeout", 3*time.Second, "give up after this long")
	if err := parse(flags, args); err != nil {
		return err
	}
	target := *addr
	if target == "" {
		var err error
		if target, err = listenAddr(*path); err != nil {
			return err
		}
	}
	endpoint := "/healthz"
	if *ready {
		endpoint = "/readyz"
	}
	url := "http://" + dialAddr(target) + endpoint
	if err := probe(ctx, url, *timeout); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "ok: %s\n", url)
	return nil
}

// listenAddr reads server.ops_listen, else server.listen, from the
// policy file, without validating the rest of it: the health check must
// not depend on secrets or on anything but the address. A missing file
// means the default listener.
func listenAddr(path string) (string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return config.DefaultListen, nil
	}
	if err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	var f struct {
		Server struct {
			Listen    string `yaml:"listen"`
			OpsListen string `yaml:"ops_listen"`
		} `yaml:"server"`
	}
	if err := yaml.Unmarshal(data, &f); err != nil {
		return "", fmt.Errorf("%s is not YAML: %w", path, err)
	}
	for _, a := range []string{f.Server.OpsListen, f.Server.Listen} {
		if a = strings.TrimSpace(a); a != "" {
			return a, nil
		}
	}
	return config.DefaultListen, nil
}

// dialAddr turns a listen address into one to dial: a wildcard or empty
// host becomes loopback.
func dialAddr(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return listen
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return net.JoinHostPort(host, port)
}

// probe GETs url within timeout and wants a 200.
func probe(ctx context.Context, url string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	client := &http.Client{Timeout: timeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode != http.StatusOK {
		why := strings.TrimSpace(strings.SplitN(string(body), "\n", 2)[0])
		return fmt.Errorf("GET %s: %s %s", url, resp.Status, why)
	}
	return nil
}
