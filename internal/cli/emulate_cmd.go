//go:build !nodemo

package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/chataccess/chataccess/config"
	"github.com/chataccess/chataccess/integrations/adobe/adobefake"
	"github.com/chataccess/chataccess/integrations/marketo/marketofake"
	"github.com/chataccess/chataccess/internal/sandbox"
)

// Emulator modes and their default listen addresses.
const (
	emulateAdobe   = "adobe"
	emulateMarketo = "marketo"
	emulateBoth    = "both"

	defaultAdobeListen   = "127.0.0.1:9001"
	defaultMarketoListen = "127.0.0.1:9002"

	// defaultProfileQuota is the licence quota of each seeded profile.
	defaultProfileQuota = 100
	// firstDefaultRoleID numbers the seeded Marketo roles as the sandbox does.
	firstDefaultRoleID = 100
)

const emulateSynopsis = "emulate adobe|marketo|both [--listen ADDR[,ADDR]] [--seed FILE] [--time-scale F] [--latency D] [--user-lag D] [--marketo-instances NAME,…] [--allow-remote]"

// emulateOptions are the parsed flags of `emulate`.
type emulateOptions struct {
	mode                   string
	listen                 string
	seed                   string
	adobeSeed, marketoSeed string
	timeScale              float64
	latency, userLag       time.Duration
	allowRemote            bool
	instances              string // --marketo-instances
}

// runEmulate serves the Adobe (IMS + UMAPI) and Marketo emulators
// standalone, prints the environment that points chataccess at them, and
// serves until ctx ends. `both` wires them like internal/sandbox: a user
// added to a product profile, or a member of a user group given one,
// appears in Marketo after --user-lag. The
// emulators accept demo credentials, so only loopback addresses are
// allowed unless --allow-remote is given.
func runEmulate(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintf(env.Stderr, "Usage: chataccess %s\n(run 'chataccess emulate both --help' for the flags)\n", emulateSynopsis)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return nil
		}
		return errUsage
	}
	o := emulateOptions{mode: args[0]}
	switch o.mode {
	case emulateAdobe, emulateMarketo, emulateBoth:
	default:
		fmt.Fprintf(env.Stderr, "chataccess emulate: unknown emulator %q (want adobe, marketo or both)\n", o.mode)
		return errUsage
	}
	fs := newFlags(env, "emulate "+o.mode, emulateSynopsis)
	fs.StringVar(&o.listen, "listen", "", "address to serve on; both: ADOBE,MARKETO, or one address serving both\n(default adobe "+defaultAdobeListen+", marketo "+defaultMarketoListen+")")
	fs.StringVar(&o.seed, "seed", "", "YAML or JSON seed in the emulator's format; for both, a file with adobe: and marketo: sections\n(default: the five Dynamic Chat profiles, Marketo Engage, the user group\nEMEA Chat Agents with two members, and the roles of chataccess.example.yaml)")
	fs.StringVar(&o.adobeSeed, "adobe-seed", "", "Adobe seed file (adobe and both)")
	fs.StringVar(&o.marketoSeed, "marketo-seed", "", "Marketo seed file (marketo and both)")
	fs.Float64Var(&o.timeScale, "time-scale", 1, "scale of the limit windows (Adobe's minute, Marketo's 20 s): 1 is real time, 0.0167 makes a minute a second")
	fs.DurationVar(&o.latency, "latency", 0, "added to every emulated call")
	fs.DurationVar(&o.userLag, "user-lag", 5*time.Second, "both: how long a user added in the Admin Console takes to appear in Marketo")
	fs.StringVar(&o.instances, "marketo-instances", "", "marketo and both: more Marketo instances (subscriptions), e.g. emea,apac, each served under /<name>\nof the Marketo address, with MARKETO_<NAME>_BASE_URL, _CLIENT_ID and _CLIENT_SECRET printed")
	fs.BoolVar(&o.allowRemote, "allow-remote", false, "allow listening on non-loopback addresses (the emulators accept demo credentials)")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	if err := o.validate(); err != nil {
		fmt.Fprintf(env.Stderr, "chataccess emulate: %v\n", err)
		return errUsage
	}
	addrs, err := o.addresses()
	if err != nil {
		fmt.Fprintf(env.Stderr, "chataccess emulate: %v\n", err)
		return errUsage
	}
	for _, a := range addrs {
		if !o.allowRemote && !isLoopbackAddr(a) {
			return &exitError{code: 2, err: fmt.Errorf("refusing to listen on %q: not a loopback address, and the emulators accept demo credentials (add --allow-remote to do it anyway)", a)}
		}
	}
	em, err := newEmulators(o)
	if err != nil {
		return err
	}
	lns, err := listenAll(addrs)
	if err != nil {
		return err
	}
	handlers := em.handlers(len(lns))
	urls := make([]string, len(lns))
	for i, ln := range lns {
		urls[i] = baseURL(ln.Addr())
	}
	em.printEnv(env.Stdout, urls)
	if o.mode == emulateBoth {
		em.seeded += fmt.Sprintf("; Admin Console adds appear in Marketo after %s", o.userLag)
	}
	fmt.Fprintf(env.Stderr, "chataccess emulate %s: %s; serving until interrupted\n", o.mode, em.seeded)

	var g group
	g.addSignal(ctx)
	for i, ln := range lns {
		g.addContext("emulator "+urls[i], func(ctx context.Context) error { return serveHandler(ctx, ln, handlers[i]) })
	}
	_, err = g.run()
	return err
}

func (o emulateOptions) validate() error {
	var errs []error
	if !(o.timeScale > 0) {
		errs = append(errs, errors.New("--time-scale must be positive"))
	}
	if o.latency < 0 || o.userLag < 0 {
		errs = append(errs, errors.New("--latency and --user-lag must not be negative"))
	}
	if o.mode == emulateMarketo && o.adobeSeed != "" {
		errs = append(errs, errors.New("--adobe-seed needs the adobe or both emulator"))
	}
	if o.mode == emulateAdobe && o.marketoSeed != "" {
		errs = append(errs, errors.New("--marketo-seed needs the marketo or both emulator"))
	}
	if o.seed != "" && (o.adobeSeed != "" || o.marketoSeed != "") {
		errs = append(errs, errors.New("give --seed, or --adobe-seed and --marketo-seed, not both"))
	}
	if _, err := o.instanceNames(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// addresses returns the listen addresses: one for adobe or marketo; two
// (Adobe, Marketo) or one shared for both.
func (o emulateOptions) addresses() ([]string, error) {
	if o.listen == "" {
		switch o.mode {
		case emulateAdobe:
			return []string{defaultAdobeListen}, nil
		case emulateMarketo:
			return []string{defaultMarketoListen}, nil
		}
		return []string{defaultAdobeListen, defaultMarketoListen}, nil
	}
	addrs := strings.Split(o.listen, ",")
	for i := range addrs {
		addrs[i] = strings.TrimSpace(addrs[i])
		if _, _, err := net.SplitHostPort(addrs[i]); err != nil {
			return nil, fmt.Errorf("--listen %q: want host:port", addrs[i])
		}
	}
	if len(addrs) > 2 || (len(addrs) == 2 && o.mode != emulateBoth) {
		return nil, fmt.Errorf("--listen takes one address (two, ADOBE,MARKETO, for both), got %d", len(addrs))
	}
	return addrs, nil
}

// isLoopbackAddr says whether host:port names a loopback host. An empty
// host means every interface and is not loopback.
func isLoopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	if i := strings.IndexByte(host, '%'); i >= 0 {
		host = host[:i]
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// emulators holds the servers of one run; either may be nil.
type emulators struct {
	adobe   *adobefake.Server
	marketo *marketofake.Server
	seeded  string // what they were seeded with, for people
	named   []namedInstance
}

// newEmulators builds and seeds the servers of o.mode.
func newEmulators(o emulateOptions) (*emulators, error) {
	em := &emulators{}
	if o.mode != emulateAdobe {
		em.marketo = marketofake.New(marketofake.Options{TimeScale: o.timeScale, Latency: o.latency, UserLag: o.userLag})
	}
	if o.mode != emulateMarketo {
		ao := adobefake.Options{TimeScale: o.timeScale, Latency: o.latency}
		if em.marketo != nil {
			ao.OnChange = func(c adobefake.Change) {
				if c.Op == adobefake.OpAdd {
					em.syncAdd(c)
				}
			}
		}
		em.adobe = adobefake.New(ao)
	}
	adobeSeed, marketoSeed, err := o.seedData()
	if err != nil {
		return nil, err
	}
	var what []string
	if em.adobe != nil {
		if adobeSeed == nil {
			seedDefaultAdobe(em.adobe)
			what = append(what, fmt.Sprintf("Adobe seeded with the five Dynamic Chat profiles, %q and the user group %q (%d members)",
				sandbox.EngageProfile(sandbox.DefaultInstance), exampleGroup, len(exampleGroupMembers)))
		} else if err := em.adobe.LoadSeed(bytes.NewReader(adobeSeed)); err != nil {
			return nil, err
		} else {
			what = append(what, "Adobe seeded from file")
		}
	}
	if em.marketo != nil {
		if marketoSeed == nil {
			seedDefaultMarketo(em.marketo)
			what = append(what, "Marketo seeded with the roles of chataccess.example.yaml")
		} else if err := em.marketo.LoadSeed(bytes.NewReader(marketoSeed)); err != nil {
			return nil, err
		} else {
			what = append(what, "Marketo seeded from file")
		}
	}
	em.seeded = strings.Join(what, ", ")
	names, _ := o.instanceNames()
	return em, em.addInstances(o, names, marketoSeed)
}

// seedData reads the seed files; nil means "use the default seed".
func (o emulateOptions) seedData() (adobeSeed, marketoSeed []byte, err error) {
	read := func(flagName, path string) ([]byte, error) {
		if path == "" {
			return nil, nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", flagName, err)
		}
		return b, nil
	}
	switch {
	case o.seed != "" && o.mode == emulateAdobe:
		adobeSeed, err = read("--seed", o.seed)
		return adobeSeed, nil, err
	case o.seed != "" && o.mode == emulateMarketo:
		marketoSeed, err = read("--seed", o.seed)
		return nil, marketoSeed, err
	case o.seed != "":
		b, err := read("--seed", o.seed)
		if err != nil {
			return nil, nil, err
		}
		return splitSeed(b)
	}
	if adobeSeed, err = read("--adobe-seed", o.adobeSeed); err != nil {
		return nil, nil, err
	}
	marketoSeed, err = read("--marketo-seed", o.marketoSeed)
	return adobeSeed, marketoSeed, err
}

// splitSeed splits a combined seed ({adobe: …, marketo: …}, YAML or
// JSON) into the two emulators' own seeds. A missing or null section
// is nil.
func splitSeed(b []byte) (adobeSeed, marketoSeed []byte, err error) {
	// Plain values rather than yaml.Node: decoding resolves anchors and
	// aliases, so a section re-encodes on its own.
	var both struct {
		Adobe   any `yaml:"adobe"`
		Marketo any `yaml:"marketo"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&both); err != nil && !errors.Is(err, io.EOF) {
		return nil, nil, fmt.Errorf("--seed: want adobe: and marketo: sections: %w", err)
	}
	section := func(v any) ([]byte, error) {
		if v == nil {
			return nil, nil
		}
		return yaml.Marshal(v)
	}
	if adobeSeed, err = section(both.Adobe); err != nil {
		return nil, nil, fmt.Errorf("--seed adobe: %w", err)
	}
	if marketoSeed, err = section(both.Marketo); err != nil {
		return nil, nil, fmt.Errorf("--seed marketo: %w", err)
	}
	return adobeSeed, marketoSeed, nil
}

// seedDefaultMarketo adds the roles chataccess.example.yaml assigns.
// The workspace "Default" and the system roles "Admin" and "Standard
// User" come with every emulated instance.
func seedDefaultMarketo(s *marketofake.Server) {
	for i, r := range sandbox.Roles {
		s.AddRole(marketofake.Role{ID: firstDefaultRoleID + i, Name: r, Description: "Access Dynamic Chat", Type: "custom"})
	}
}

// handlers returns one handler per listener: each emulator on its own,
// or, with one listener for both, one handler routing by path (Adobe
// serves /ims/ and /v2/usermanagement/, Marketo everything else).
func (em *emulators) handlers(n int) []http.Handler {
	switch {
	case em.adobe != nil && em.marketo != nil && n == 1:
		a, m := em.adobe, em.marketoHandler()
		return []http.Handler{http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/ims/") || strings.HasPrefix(r.URL.Path, "/v2/usermanagement/") {
				a.ServeHTTP(w, r)
				return
			}
			m.ServeHTTP(w, r)
		})}
	case em.adobe != nil && em.marketo != nil:
		return []http.Handler{em.adobe, em.marketoHandler()}
	case em.adobe != nil:
		return []http.Handler{em.adobe}
	}
	return []http.Handler{em.marketoHandler()}
}

// printEnv writes the variables that point chataccess at the emulators.
// The credentials are the emulators' demo ones, not secrets.
func (em *emulators) printEnv(w io.Writer, urls []string) {
	adobeURL, marketoURL := urls[0], urls[len(urls)-1]
	var lines [][2]string
	fmt.Fprintln(w, "# The credentials below are the emulators' demo ones; they work nowhere else.")
	if em.adobe != nil {
		fmt.Fprintf(w, "# Adobe IMS and UMAPI emulator: %s\n", adobeURL)
		lines = append(lines,
			[2]string{config.EnvAdobeIMSURL, adobeURL}, [2]string{config.EnvAdobeUMAPIURL, adobeURL},
			[2]string{config.EnvAdobeOrgID, em.adobe.OrgID()}, [2]string{config.EnvAdobeClientID, em.adobe.ClientID()},
			[2]string{config.EnvAdobeClientSecret, em.adobe.ClientSecret()})
	}
	if em.marketo != nil {
		o := em.marketo.Options()
		fmt.Fprintf(w, "# Marketo identity and user management emulator: %s\n", marketoURL)
		lines = append(lines,
			[2]string{config.EnvMarketoBaseURL, marketoURL},
			[2]string{config.EnvMarketoClientID, o.ClientID}, [2]string{config.EnvMarketoClientSecret, o.ClientSecret})
	}
	for _, l := range lines {
		fmt.Fprintf(w, "export %s=%s\n", l[0], shellQuote(l[1]))
	}
	if em.marketo != nil {
		em.printInstanceEnv(w, marketoURL)
	}
}

// shellQuote quotes v for a POSIX shell when it holds anything but
// plain characters.
func shellQuote(v string) string {
	plain := v != ""
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("@%+=:,./_-", r)) {
			plain = false
			break
		}
	}
	if plain {
		return v
	}
	return "'" + strings.ReplaceAll(v, "'", `'\''`) + "'"
}

// listenAll binds every address, or none.
func listenAll(addrs []string) ([]net.Listener, error) {
	var lns []net.Listener
	for _, a := range addrs {
		ln, err := net.Listen("tcp", a)
		if err != nil {
			for _, l := range lns {
				_ = l.Close()
			}
			return nil, fmt.Errorf("listen %s: %w", a, err)
		}
		lns = append(lns, ln)
	}
	return lns, nil
}

// baseURL is the http URL of a bound address; an unspecified IP (all
// interfaces) is shown as the loopback one.
func baseURL(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return "http://" + a.String()
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
		if ip.To4() == nil {
			host = "::1"
		}
	}
	return "http://" + net.JoinHostPort(host, port)
}

// serveHandler serves h on ln until ctx ends, then shuts down gracefully.
func serveHandler(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 60 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shut down %s: %w", ln.Addr(), err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve %s: %w", ln.Addr(), err)
	}
	return nil
}
