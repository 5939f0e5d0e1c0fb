//go:build !nodemo

package cli

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chataccess/chataccess/integrations/marketo"
)

// TestEmulateMarketoInstances: --marketo-instances emea,apac prints each
// instance's MARKETO_<NAME>_BASE_URL, _CLIENT_ID and _CLIENT_SECRET; each
// is its own instance (own credentials: one's token is refused by the
// other), seeded with the example policy's roles; the Admin Console has
// each one's Marketo Engage profile.
func TestEmulateMarketoInstances(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, listen := range []string{freeAddr(t) + "," + freeAddr(t), freeAddr(t)} {
		r := startEmulate(t, "both", "--listen", listen, "--marketo-instances", "emea, apac")
		v := r.vars
		for _, n := range []string{"EMEA", "APAC"} {
			base := v["MARKETO_"+n+"_BASE_URL"]
			if !strings.HasPrefix(base, v["MARKETO_BASE_URL"]) || !strings.HasSuffix(base, "/"+strings.ToLower(n)) ||
				v["MARKETO_"+n+"_CLIENT_ID"] != "chataccess-"+strings.ToLower(n) || v["MARKETO_"+n+"_CLIENT_SECRET"] == "" {
				t.Fatalf("%s: env %v", n, v)
			}
			c := instanceClient(t, base, v["MARKETO_"+n+"_CLIENT_ID"], v["MARKETO_"+n+"_CLIENT_SECRET"])
			if got := roleNames(t, ctx, c); !slices.Contains(got, "DC Agent") {
				t.Errorf("%s roles %q", n, got)
			}
			wrong := instanceClient(t, v["MARKETO_BASE_URL"], v["MARKETO_"+n+"_CLIENT_ID"], v["MARKETO_"+n+"_CLIENT_SECRET"])
			if _, err := wrong.ListRoles(ctx); err == nil {
				t.Errorf("%s's credentials work on the default instance", n)
			}
		}
		if got := roleNames(t, ctx, marketoClient(t, v)); !slices.Contains(got, "DC Agent") {
			t.Errorf("default roles %q", got)
		}
		if got := profileNames(t, ctx, adobeClient(t, v)); !slices.Contains(got, "Marketo Engage - emea") || !slices.Contains(got, "Marketo Engage - apac") {
			t.Errorf("profiles %q lack the instances' Marketo Engage profiles", got)
		}
		if !strings.Contains(r.stdout.String(), "# Marketo instance emea (munchkin id 001-DEM-001)") {
			t.Errorf("stdout %s", r.stdout)
		}
		if code := r.stop(t); code != 0 {
			t.Fatalf("exit %d", code)
		}
	}
}

func instanceClient(t *testing.T, base, id, secret string) *marketo.Client {
	t.Helper()
	c, err := marketo.New(marketo.Config{BaseURL: base, ClientID: id, ClientSecret: secret, HTTPTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestEmulateMarketoInstancesRefused: a bad, reserved or repeated name,
// or instances for the Adobe emulator alone, is a usage error before
// anything starts.
func TestEmulateMarketoInstancesRefused(t *testing.T) {
	for args, want := range map[string]string{
		"both --marketo-instances EMEA":         "lower-case",
		"both --marketo-instances default":      "unnamed instance",
		"marketo --marketo-instances emea,emea": "named twice",
		"adobe --marketo-instances emea":        "needs the marketo or both emulator",
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		code, out, errOut := runCLI(t, ctx, nil, append([]string{"emulate"}, strings.Fields(args)...)...)
		cancel()
		if code != 2 || !strings.Contains(errOut, want) || strings.Contains(out, "export ") {
			t.Errorf("%s: exit %d, stderr %q", args, code, errOut)
		}
	}
}
