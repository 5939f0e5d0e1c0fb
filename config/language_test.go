package config_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/chataccess/chataccess/config"
)

const languagePolicy = `requesters: [everyone]
admins: [root@example.com]
slack: {admin_channel: C0ADMINS123}
language: FR
channels:
  C0APPROVALS1: {language: en}
  "teams:19:abc@thread.tacv2": {language: fr}
packages:
  agent:
    profiles: [{name: Live Agent}]
    marketo: {role: {id: 12}}
    identity: {type: adobeID}
    approvers: [ann@example.com]
    approval_channel: C0APPROVALS1
    language: en
  viewer:
    profiles: [{name: DC Viewer}]
    marketo: {role: {id: 13}}
    identity: {type: adobeID}
    approvers: [ann@example.com]
    dm_approvers: true
`

func TestLanguages(t *testing.T) {
	c, err := config.Parse([]byte(languagePolicy), nil)
	if err != nil {
		t.Fatal(err)
	}
	got := c.Settings().Languages
	if got.Default != "fr" || got.Packages["agent"] != "en" || len(got.Packages) != 1 ||
		got.Channels["slack:C0APPROVALS1"] != "en" || got.Channels["teams:19:abc@thread.tacv2"] != "fr" {
		t.Fatalf("languages %+v", got)
	}
}

func TestLanguageProblems(t *testing.T) {
	bad := []byte(`requesters: [everyone]
admins: [root@example.com]
language: klingon
channels:
  general: {language: fr}
  C0APPROVALS1: {language: de}
packages:
  agent:
    profiles: [{name: Live Agent}]
    marketo: {role: {id: 12}}
    identity: {type: adobeID}
    approvers: [ann@example.com]
    dm_approvers: true
    language: es
`)
	_, err := config.Parse(bad, nil)
	var verr *config.ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("err = %v", err)
	}
	var paths []string
	for _, p := range verr.Problems {
		paths = append(paths, p.Path)
	}
	for _, want := range []string{"language", "channels.general", "channels.C0APPROVALS1.language", "packages.agent.language"} {
		if !slices.Contains(paths, want) {
			t.Errorf("no problem at %s in %v", want, verr.Problems)
		}
	}
}
