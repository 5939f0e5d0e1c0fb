package inventory_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/integrations/adobe"
	"github.com/chataccess/chataccess/integrations/adobe/adobefake"
	"github.com/chataccess/chataccess/integrations/marketo"
	"github.com/chataccess/chataccess/integrations/marketo/marketofake"
	"github.com/chataccess/chataccess/internal/sandbox"
	"github.com/chataccess/chataccess/reviews"
	"github.com/chataccess/chataccess/reviews/inventory"
	"github.com/chataccess/chataccess/vendormap"
)

func TestAdobeRereadsOnlyTheThrottledPage(t *testing.T) {
	sb := sandbox.Start(sandbox.Options{})
	t.Cleanup(sb.Close)
	for i := range 5000 {
		if err := sb.Adobe.AddUser(adobefake.UserSeed{Email: fmt.Sprintf("u%04d@example.com", i), Groups: []string{"Live Agent"}}); err != nil {
			t.Fatal(err)
		}
	}
	cfg := sb.AdobeConfig()
	cfg.MaxInlineWait = time.Millisecond // hand Retry-After to the adapter
	// The client keeps Adobe's Retry-After as a cooldown on its clock;
	// the fake sleep moves that clock.
	var skew time.Duration
	cl, err := adobe.New(cfg, adobe.WithClock(func() time.Time { return time.Now().Add(skew) }))
	if err != nil {
		t.Fatal(err)
	}
	var slept []time.Duration
	a := &inventory.Adobe{Client: cl, Sleep: func(_ context.Context, d time.Duration) error {
		slept = append(slept, d)
		skew += d
		return nil
	}}
	// Read page 0, then throttle the next read (page 1) once.
	n := 0
	err = a.ProfileMembers(context.Background(), "Live Agent", func(reviews.Member) error {
		n++
		if n == 1 {
			sb.Adobe.ThrottleNext(adobefake.KindUsers, 1, "38")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != 5000 || len(slept) != 1 || slept[0] != 38*time.Second {
		t.Fatalf("members %d, waits %v", n, slept)
	}
	if got := sb.Adobe.Calls(adobefake.KindUsers); got != 4 {
		t.Fatalf("%d user reads, want 3 pages + 1 throttled", got)
	}
	// A Retry-After beyond MaxWait is returned, not slept.
	a.MaxWait = time.Second
	sb.Adobe.ThrottleNext(adobefake.KindUsers, 1, "3600")
	if err := a.ProfileMembers(context.Background(), "Live Agent", func(reviews.Member) error { return nil }); err == nil {
		t.Fatal("long Retry-After was not returned")
	}
	if err := a.ProfileMembers(context.Background(), "No Such Profile", func(reviews.Member) error { return nil }); err == nil {
		t.Fatal("unknown profile read")
	}
}

func TestMarketoUsersRolesAndAdmins(t *testing.T) {
	sb := sandbox.Start(sandbox.Options{MarketoTimeScale: 0.01})
	t.Cleanup(sb.Close)
	login := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	for _, u := range []marketofake.User{
		{EmailAddress: "alice@example.com", LastLoginAt: login, Roles: []marketofake.Assignment{{RoleID: sb.RoleID("DC Agent"), WorkspaceID: sb.WorkspaceID()}}},
		{EmailAddress: "mo@example.com", Roles: []marketofake.Assignment{{RoleID: 1, WorkspaceID: 0}}},
	} {
		if err := sb.Marketo.AddUser(u); err != nil {
			t.Fatal(err)
		}
	}
	cl, err := marketo.New(sb.MarketoConfig())
	if err != nil {
		t.Fatal(err)
	}
	us, err := (&inventory.Marketo{Client: cl}).Users(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]reviews.MarketoUser{}
	for _, u := range us {
		got[u.Email] = u
	}
	a, mo := got["alice@example.com"], got["mo@example.com"]
	if a.Admin || !a.LastLogin.Equal(login) || len(a.Roles) != 1 || a.Roles[0].RoleName != "DC Agent" || a.Roles[0].WorkspaceName != "Default" {
		t.Fatalf("alice %+v", a)
	}
	if !mo.Admin {
		t.Fatalf("mo is a Marketo admin: %+v", mo)
	}
}

// TestSecretsStayOut: errors from the adapters never carry the client
// secrets.
func TestSecretsStayOut(t *testing.T) {
	const secret = "s3cr3t-client-secret-value"
	acl, err := adobe.New(adobe.Config{IMSURL: "http://127.0.0.1:1", UMAPIURL: "http://127.0.0.1:1", OrgID: "X@AdobeOrg",
		ClientID: "id", ClientSecret: secret, MaxAttempts: 1, HTTPTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = (&inventory.Adobe{Client: acl}).ProfileMembers(context.Background(), "Live Agent", func(reviews.Member) error { return nil })
	if err == nil || strings.Contains(err.Error(), secret) || strings.Contains(fmt.Sprintf("%+v %#v", err, err), secret) {
		t.Fatalf("adobe error %v", err)
	}
	mcl, err := marketo.New(marketo.Config{BaseURL: "http://127.0.0.1:1", ClientID: "id", ClientSecret: secret})
	if err != nil {
		t.Fatal(err)
	}
	_, err = (&inventory.Marketo{Client: mcl}).Users(context.Background())
	if err == nil || strings.Contains(err.Error(), secret) || strings.Contains(fmt.Sprintf("%+v", err), secret) {
		t.Fatalf("marketo error %v", err)
	}
}

// TestPackageRoleFollowsTheRule: the reviews resolve a package's role
// like the workers do (spacing and case aside, unset workspace is
// Default), a missing role is an error, and one created afterwards is
// found by the next campaign without a restart.
func TestPackageRoleFollowsTheRule(t *testing.T) {
	sb := sandbox.Start(sandbox.Options{MarketoTimeScale: 0.01})
	t.Cleanup(sb.Close)
	cl, err := marketo.New(sb.MarketoConfig())
	if err != nil {
		t.Fatal(err)
	}
	m := &inventory.Marketo{Client: cl}
	ctx := context.Background()
	ra, err := m.PackageRole(ctx, &approvals.Package{Name: "agent", MarketoRole: approvals.MarketoRef{Name: " dc  AGENT"}})
	if err != nil || ra.RoleID != sb.RoleID("DC Agent") || ra.WorkspaceID != sb.WorkspaceID() {
		t.Fatalf("DC Agent: %+v, %v", ra, err)
	}
	night := &approvals.Package{Name: "night", MarketoRole: approvals.MarketoRef{Name: "DC Night Shift"}}
	if _, err := m.PackageRole(ctx, night); !errors.Is(err, vendormap.ErrNotFound) {
		t.Fatalf("missing role: %v", err)
	}
	role, err := sb.Marketo.CreateRole("DC Night Shift")
	if err != nil {
		t.Fatal(err)
	}
	if ra, err := m.PackageRole(ctx, night); err != nil || ra.RoleID != role.ID {
		t.Fatalf("created role: %+v, %v", ra, err)
	}
}

// TestProfileNameResolved: a configured name is read under the name
// Adobe gives the profile.
func TestProfileNameResolved(t *testing.T) {
	sb := sandbox.Start(sandbox.Options{})
	t.Cleanup(sb.Close)
	if err := sb.Adobe.AddUser(adobefake.UserSeed{Email: "amy@example.com", Groups: []string{"Live Agent"}}); err != nil {
		t.Fatal(err)
	}
	cl, err := adobe.New(sb.AdobeConfig())
	if err != nil {
		t.Fatal(err)
	}
	a := &inventory.Adobe{Client: cl, Resolver: vendormap.New(vendormap.Config{Adobe: cl})}
	var got []string
	err = a.ProfileMembers(context.Background(), "live  agent", func(m reviews.Member) error {
		got = append(got, m.Email)
		return nil
	})
	if err != nil || len(got) != 1 || got[0] != "amy@example.com" {
		t.Fatalf("members %v, %v", got, err)
	}
	if err := a.ProfileMembers(context.Background(), "Night Agent", func(reviews.Member) error { return nil }); !errors.Is(err, vendormap.ErrNotFound) {
		t.Fatalf("unknown profile: %v", err)
	}
}
