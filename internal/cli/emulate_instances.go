//go:build !nodemo

package cli

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"

	"github.com/chataccess/chataccess/config"
	"github.com/chataccess/chataccess/integrations/marketo/marketofake"
	"github.com/chataccess/chataccess/internal/sandbox"
)

// Several Marketo subscriptions: --marketo-instances emea,apac runs one
// more Marketo emulator per name, each its own instance (own munchkin
// id, credentials, limits and users), served on the Marketo address
// under /<name>, so its base URL is the Marketo URL and /<name>. The
// environment names them as the config reads them
// (MARKETO_<NAME>_BASE_URL, _CLIENT_ID, _CLIENT_SECRET). With both, the
// Admin Console has each one's five Dynamic Chat profiles, named as the
// docs name them ("Live Agent (EMEA)"), and its Marketo Engage profile,
// and a person added to any profile appears in every instance after
// --user-lag.

// emulatedInstanceRE is the config's rule for instance names.
var emulatedInstanceRE = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,30}$`)

// namedInstance is one more emulated Marketo instance.
type namedInstance struct {
	name   string
	server *marketofake.Server
}

// instanceNames parses --marketo-instances.
func (o emulateOptions) instanceNames() ([]string, error) {
	if strings.TrimSpace(o.instances) == "" {
		return nil, nil
	}
	if o.mode == emulateAdobe {
		return nil, fmt.Errorf("--marketo-instances needs the marketo or both emulator")
	}
	var names []string
	for _, n := range strings.Split(o.instances, ",") {
		n = strings.TrimSpace(n)
		switch {
		case !emulatedInstanceRE.MatchString(n):
			return nil, fmt.Errorf("--marketo-instances: %q must be 1-31 lower-case letters, digits, - or _, starting with a letter", n)
		case n == sandbox.DefaultInstance:
			return nil, fmt.Errorf("--marketo-instances: %q is the unnamed instance, always served", n)
		case strings.Contains(","+strings.Join(names, ",")+",", ","+n+","):
			return nil, fmt.Errorf("--marketo-instances: %q is named twice", n)
		}
		names = append(names, n)
	}
	return names, nil
}

// addInstances builds the named instances, seeded like the default one.
func (em *emulators) addInstances(o emulateOptions, names []string, marketoSeed []byte) error {
	for i, n := range names {
		srv := marketofake.New(marketofake.Options{
			MunchkinID: fmt.Sprintf("%03d-DEM-%03d", i+1, i+1), ClientID: "chataccess-" + n, ClientSecret: n + "-secret",
			TimeScale: o.timeScale, Latency: o.latency, UserLag: o.userLag,
		})
		if marketoSeed == nil {
			seedDefaultMarketo(srv)
		} else if err := srv.LoadSeed(bytes.NewReader(marketoSeed)); err != nil {
			return fmt.Errorf("marketo instance %s: %w", n, err)
		}
		if em.adobe != nil {
			seedInstanceAdobe(em.adobe, n)
		}
		em.named = append(em.named, namedInstance{name: n, server: srv})
	}
	if len(names) > 0 {
		em.seeded += fmt.Sprintf("; Marketo instances %s served under /<name>", strings.Join(names, ", "))
	}
	return nil
}

// syncNamed brings a person added in the Admin Console into every named
// instance too.
func (em *emulators) syncNamed(user string) {
	for _, in := range em.named {
		in.server.SyncFromAdobe(user, "", "")
	}
}

// marketoHandler serves the default instance, and each named one under
// /<name>.
func (em *emulators) marketoHandler() http.Handler {
	if len(em.named) == 0 {
		return em.marketo
	}
	mux := http.NewServeMux()
	for _, in := range em.named {
		mux.Handle("/"+in.name+"/", http.StripPrefix("/"+in.name, in.server))
	}
	mux.Handle("/", em.marketo)
	return mux
}

// printInstanceEnv writes the variables of the named instances.
func (em *emulators) printInstanceEnv(w io.Writer, marketoURL string) {
	for _, in := range em.named {
		o := in.server.Options()
		url := strings.TrimSuffix(marketoURL, "/") + "/" + in.name
		fmt.Fprintf(w, "# Marketo instance %s (munchkin id %s): %s\n", in.name, in.server.MunchkinID(), url)
		for _, l := range [][2]string{
			{config.InstanceEnvName(in.name, "BASE_URL"), url},
			{config.InstanceEnvName(in.name, "CLIENT_ID"), o.ClientID},
			{config.InstanceEnvName(in.name, "CLIENT_SECRET"), o.ClientSecret},
		} {
			fmt.Fprintf(w, "export %s=%s\n", l[0], shellQuote(l[1]))
		}
	}
}
