package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// The console's way back into the panel: over the unix socket, which needs
// no login, an admin locked out of the panel (forgotten password, someone
// guessing from the LAN) lists the users, lifts their login delays, enables
// them and resets their passwords.

// userVerbs are the subverbs of `tracectl user`.
func userVerbs() []command {
	return []command{
		{"list", "list the panel's users: role, disabled, login delayed until when", runUserList},
		{"unlock", "lift a user's login delay, and that of the addresses that guessed at it", runUserUnlock},
		{"enable", "enable a disabled user (and lift their account's login delay)", runUserEnable},
		{"passwd", "reset a user's password: prompted twice on a terminal, else one line from stdin", runUserPasswd},
	}
}

func runUser(ctx context.Context, c *cli, args []string) error {
	return c.runSubverb(ctx, "user", "[flags]", userVerbs(), args)
}

// userReply is one user of GET /api/users.
type userReply struct {
	Username       string `json:"username"`
	DisplayName    string `json:"displayName"`
	Role           string `json:"role"`
	Disabled       bool   `json:"disabled"`
	LoginWaitUntil string `json:"loginWaitUntil"`
	LoginFailures  int    `json:"loginFailures"`
	Created        string `json:"created"`
}

func runUserList(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlagSet("user list", "[--json]", "List the panel's users, with whether each is disabled and until when\nits logins wait after failed ones.")
	asJSON := fs.jsonFlag()
	fs.socketFlag()
	if err := fs.parseNone(args); err != nil {
		return err
	}
	var users []userReply
	if done, err := c.getJSON(ctx, "user list", "/api/users", nil, &users, *asJSON); done || err != nil {
		return err
	}
	return printList(c.stdout, "no users", []string{"USER", "NAME", "ROLE", "STATUS", "CREATED"}, users, func(u *userReply) []string {
		status := "active"
		switch {
		case u.Disabled:
			status = "disabled"
		case u.LoginWaitUntil != "":
			status = fmt.Sprintf("login delayed until %s (%d failures)", c.fmtTimeString(u.LoginWaitUntil), u.LoginFailures)
		}
		return []string{u.Username, dash(u.DisplayName), u.Role, status, c.fmtTimeString(u.Created)}
	})
}

// userPath is the API path of user name's action.
func userPath(name, action string) string {
	return "/api/users/" + url.PathEscape(name) + "/" + action
}

// userSend sends one change to user name and decodes the answer into v
// (nil: the answer is dropped).
func (c *cli) userSend(ctx context.Context, verb, method, path string, body any, v any) error {
	var r io.Reader
	ctype := ""
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("%s: %w", verb, err)
		}
		r, ctype = bytes.NewReader(b), "application/json"
	}
	resp, err := c.client().do(ctx, method, path, nil, r, ctype)
	if err != nil {
		return fmt.Errorf("%s: %w", verb, err)
	}
	defer resp.Body.Close()
	if v == nil {
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("%s: decode %s: %w", verb, path, err)
	}
	return nil
}

func runUserUnlock(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlagSet("user unlock", "NAME",
		"Lift user NAME's login delay: their account's, and that of every address\n"+
			"that guessed at it, so that NAME can log in to the panel at once.")
	fs.socketFlag()
	name, err := fs.parseOne(args, "username")
	if err != nil {
		return err
	}
	var reply struct {
		User   string   `json:"user"`
		Lifted []string `json:"lifted"`
	}
	if err := c.userSend(ctx, "user unlock", http.MethodPost, userPath(name, "unlock"), nil, &reply); err != nil {
		return err
	}
	if len(reply.Lifted) == 0 {
		_, err = fmt.Fprintf(c.stdout, "user %s unlocked (no login delay was on record)\n", reply.User)
		return err
	}
	_, err = fmt.Fprintf(c.stdout, "user %s unlocked; lifted: %s\n", reply.User, strings.Join(reply.Lifted, ", "))
	return err
}

func runUserEnable(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlagSet("user enable", "NAME", "Enable user NAME, disabled on the panel, and lift their account's login delay.")
	fs.socketFlag()
	name, err := fs.parseOne(args, "username")
	if err != nil {
		return err
	}
	if err := c.userSend(ctx, "user enable", http.MethodPost, userPath(name, "enable"), nil, nil); err != nil {
		return err
	}
	_, err = fmt.Fprintf(c.stdout, "user %s enabled\n", name)
	return err
}

func runUserPasswd(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlagSet("user passwd", "NAME",
		"Give user NAME a new panel password and end their sessions. On a terminal it\n"+
			"is asked for twice, not echoed; otherwise the first line of standard input is\n"+
			"the password (echo … | tracectl user passwd NAME). It is never taken from the\n"+
			"command line, where other users could read it. The daemon hashes it as the\n"+
			"panel does.")
	fs.socketFlag()
	name, err := fs.parseOne(args, "username")
	if err != nil {
		return err
	}
	pw, err := c.readPassword(ctx, name)
	if err != nil {
		return fmt.Errorf("user passwd: %w", err)
	}
	body := map[string]string{"password": pw}
	if err := c.userSend(ctx, "user passwd", http.MethodPut, userPath(name, "password"), body, nil); err != nil {
		return err
	}
	_, err = fmt.Fprintf(c.stdout, "password of %s reset; their sessions ended\n", name)
	return err
}

// errNoPassword is an empty password given.
var errNoPassword = errors.New("no password given")

// readPassword asks for name's new password on the terminal, twice and
// without echo, or reads it as the first line of a stdin that is not one.
func (c *cli) readPassword(ctx context.Context, name string) (string, error) {
	if f, ok := c.stdin.(*os.File); ok {
		if t, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS); err == nil {
			return c.promptPassword(ctx, f, t, name)
		}
	}
	line, err := bufio.NewReader(io.LimitReader(c.stdin, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", fmt.Errorf("%w on stdin", errNoPassword)
	}
	return pw, nil
}

// promptPassword asks on terminal f, whose settings are t, with echo off.
func (c *cli) promptPassword(ctx context.Context, f *os.File, t *unix.Termios, name string) (string, error) {
	fd := int(f.Fd())
	quiet := *t
	quiet.Lflag &^= unix.ECHO
	quiet.Lflag |= unix.ICANON | unix.ISIG
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, &quiet); err != nil {
		return "", fmt.Errorf("turn terminal echo off: %w", err)
	}
	defer unix.IoctlSetTermios(fd, unix.TCSETS, t) // echo back on, whatever happens

	lines := make(chan string)
	errs := make(chan error, 1)
	r := bufio.NewReader(f)
	go func() { // a read cannot be interrupted: Ctrl-C leaves it behind
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				errs <- err
				return
			}
			lines <- strings.TrimRight(line, "\r\n")
		}
	}()
	ask := func(prompt string) (string, error) {
		fmt.Fprint(c.stderr, prompt)
		defer fmt.Fprintln(c.stderr)
		select {
		case l := <-lines:
			return l, nil
		case err := <-errs:
			return "", fmt.Errorf("read password: %w", err)
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	pw, err := ask("New panel password for " + name + ": ")
	if err != nil {
		return "", err
	}
	if pw == "" {
		return "", errNoPassword
	}
	again, err := ask("Again: ")
	if err != nil {
		return "", err
	}
	if again != pw {
		return "", errors.New("the two passwords differ")
	}
	return pw, nil
}
