package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// sipVerbs are the subverbs of `tracectl sip`.
func sipVerbs() []command {
	return []command{
		{"phone", "add, list or remove SIP phones kept in the store (phone add|list|rm)", runSIPPhone},
	}
}

func runSIP(ctx context.Context, c *cli, args []string) error {
	return c.runSubverb(ctx, "sip", "[flags]", sipVerbs(), args)
}

// sipPhoneVerbs are the subverbs of `tracectl sip phone`.
func sipPhoneVerbs() []command {
	return []command{
		{"add", "let a phone REGISTER: --user N [--password P]; without one, a password is made and printed once", runSIPPhoneAdd},
		{"list", "list the phones kept in the store (the config file's are not listed)", runSIPPhoneList},
		{"rm", "remove a phone kept in the store: its next REGISTER is refused", runSIPPhoneRm},
	}
}

func runSIPPhone(ctx context.Context, c *cli, args []string) error {
	return c.runSubverb(ctx, "sip phone", "[flags]", sipPhoneVerbs(), args)
}

// sipPhoneReply is one phone of GET /api/sip/phones.
type sipPhoneReply struct {
	User    string `json:"user"`
	Created string `json:"created"`
}

func runSIPPhoneAdd(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlagSet("sip phone add", "--user N [--password P]",
		"Let SIP phone N register with digest authentication, with password P, kept in\n"+
			"the store (phones in [[sip.phones]] of the config file are changed there).\n"+
			"Without --password a random one is made and printed once. Adding a phone\n"+
			"that is there already replaces its password.")
	user := fs.String("user", "", "the phone's SIP user `N`, e.g. 8001")
	password := fs.String("password", "", "its digest password `P`, at least 8 characters")
	fs.socketFlag()
	if err := fs.parseNone(args); err != nil {
		return err
	}
	if *user == "" || strings.ContainsAny(*user, " \t\r\n@:;<>\"/\\") || len(*user) > 64 {
		return usagef("sip phone add", "--user: want a SIP user name, e.g. 8001")
	}
	made := *password == ""
	if made {
		*password = randomPassword()
	}
	body, err := json.Marshal(map[string]string{"user": *user, "password": *password})
	if err != nil {
		return fmt.Errorf("sip phone add: %w", err)
	}
	resp, err := c.client().do(ctx, http.MethodPost, "/api/sip/phones", nil, bytes.NewReader(body), "application/json")
	if err != nil {
		return fmt.Errorf("sip phone add: %w", err)
	}
	resp.Body.Close()
	if made {
		fmt.Fprintf(c.stdout, "sip phone %s added; its password (shown only now): %s\n", *user, *password)
	} else {
		fmt.Fprintf(c.stdout, "sip phone %s added\n", *user)
	}
	return nil
}

func runSIPPhoneList(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlagSet("sip phone list", "[--json]", "List the SIP phones kept in the store, with when each was added.")
	asJSON := fs.jsonFlag()
	fs.socketFlag()
	if err := fs.parseNone(args); err != nil {
		return err
	}
	var phones []sipPhoneReply
	if done, err := c.getJSON(ctx, "sip phone list", "/api/sip/phones", nil, &phones, *asJSON); done || err != nil {
		return err
	}
	return printList(c.stdout, "no sip phones in the store", []string{"USER", "ADDED"}, phones, func(p *sipPhoneReply) []string {
		return []string{p.User, c.fmtTimeString(p.Created)}
	})
}

func runSIPPhoneRm(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlagSet("sip phone rm", "N", "Remove SIP phone N from the store: it can no longer register.")
	fs.socketFlag()
	user, err := fs.parseOne(args, "phone user")
	if err != nil {
		return err
	}
	resp, err := c.client().do(ctx, http.MethodDelete, "/api/sip/phones/"+url.PathEscape(user), nil, nil, "")
	if err != nil {
		return fmt.Errorf("sip phone rm: %w", err)
	}
	resp.Body.Close()
	fmt.Fprintf(c.stdout, "sip phone %s removed\n", user)
	return nil
}

// randomPassword is 16 letters and digits from crypto/rand.
func randomPassword() string {
	const chars = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = chars[int(b[i])%len(chars)]
	}
	return string(b)
}
