package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	_ "time/tzdata" // Asia/Shanghai even on a box without tzdata
)

// defaultDataDir is where tracecalld keeps its state under systemd.
const defaultDataDir = "/var/lib/tracecall"

// socketName is the daemon's socket inside its data directory.
const socketName = "tracecalld.sock"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit statuses.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// cli is one invocation: where output goes, how the daemon is reached and the
// zone times are shown in.
type cli struct {
	stdin          io.Reader // for a password; never echoed from a terminal
	stdout, stderr io.Writer
	getenv         func(string) string
	socket         string // from -s; empty means the environment or the default
	loc            *time.Location

	// c is created on first use, so that verbs that need no daemon (help,
	// trace gen) never touch the socket.
	c *client
}

// command is one verb.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, c *cli, args []string) error
}

// commands is the verb table, in the order help lists it.
func commands() []command {
	return []command{
		{"status", "show the daemon's version, uptime, lines, calls and trace data", runStatus},
		{"lines", "show every line: state, caller, called, what it is doing", runLines},
		{"calls", "list call records, newest first", runCalls},
		{"trace", "show, list, import, export or generate trace chains", runTrace},
		{"sim", "drive simulated lines and phones (sim call, sim phone)", runSim},
		{"sip", "manage SIP phones kept in the store (sip phone add|list|rm)", runSIP},
		{"user", "the panel's users from the console: list, unlock, enable, passwd", runUser},
		{"throttle", "list and lift login delays after failed logins (throttle list|lift)", runThrottle},
		{"help", "show help for tracectl or a verb", nil},
	}
}

// run is main without the process: it parses args, runs one verb and returns
// the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runEnv(ctx, args, stdout, stderr, os.Getenv)
}

func runEnv(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	return runIO(ctx, args, os.Stdin, stdout, stderr, getenv)
}

// runIO is runEnv with its standard input given.
func runIO(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	c := &cli{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv, loc: shanghai()}
	defer func() {
		if c.c != nil {
			c.c.close()
		}
	}()

	fs := flag.NewFlagSet("tracectl", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.socket, "s", "", "daemon socket `PATH` (default $TRACECALL_SOCKET, $TRACECALL_DATA/"+socketName+", "+defaultDataDir+"/"+socketName+")")
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			c.usage(stdout, fs)
			return exitOK
		}
		fmt.Fprintf(stderr, "tracectl: %v\n", err)
		c.usage(stderr, fs)
		return exitUsage
	}
	rest := fs.Args()
	if len(rest) == 0 {
		c.usage(stderr, fs)
		return exitUsage
	}
	verb, rest := rest[0], rest[1:]
	if verb == "help" {
		return c.help(ctx, rest, fs)
	}
	for _, cmd := range commands() {
		if cmd.name == verb && cmd.run != nil {
			return c.report(cmd.run(ctx, c, rest))
		}
	}
	fmt.Fprintf(stderr, "tracectl: unknown verb %q; run 'tracectl help'\n", verb)
	return exitUsage
}

// help serves `tracectl help [VERB [SUBVERB]]`.
func (c *cli) help(ctx context.Context, args []string, global *flag.FlagSet) int {
	if len(args) == 0 {
		c.usage(c.stdout, global)
		return exitOK
	}
	for _, cmd := range commands() {
		if cmd.name == args[0] && cmd.run != nil {
			// Every verb answers -h with its usage on stdout.
			return c.report(cmd.run(ctx, c, append(args[1:], "-h")))
		}
	}
	fmt.Fprintf(c.stderr, "tracectl: no help for %q; run 'tracectl help'\n", args[0])
	return exitUsage
}

func (c *cli) usage(w io.Writer, global *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: tracectl [-s PATH] VERB [flags] [args]\n\n")
	fmt.Fprintf(w, "tracectl talks to tracecalld over its unix socket.\n\nVerbs:\n")
	printVerbs(w, commands())
	fmt.Fprintf(w, "\nGlobal flags:\n")
	printDefaults(w, global)
	fmt.Fprintf(w, "\nRun 'tracectl VERB -h' for a verb's flags.\n")
}

// runSubverb runs the one of verbs that args name, for a verb such as trace
// that has subverbs; -h lists them. synopsis follows "tracectl VERB SUBCOMMAND"
// in that list's usage line.
func (c *cli) runSubverb(ctx context.Context, verb, synopsis string, verbs []command, args []string) error {
	names := make([]string, len(verbs))
	for i, v := range verbs {
		names[i] = v.name
	}
	list := strings.Join(names, ", ")
	if len(args) == 0 {
		return usagef(verb, "missing subcommand (%s)", list)
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		fmt.Fprintf(c.stdout, "Usage: tracectl %s SUBCOMMAND %s\n\nSubcommands:\n", verb, synopsis)
		printVerbs(c.stdout, verbs)
		fmt.Fprintf(c.stdout, "\nRun 'tracectl %s SUBCOMMAND -h' for its flags.\n", verb)
		return flag.ErrHelp
	}
	for _, v := range verbs {
		if v.name == args[0] {
			return v.run(ctx, c, args[1:])
		}
	}
	return usagef(verb, "unknown subcommand %q (%s)", args[0], list)
}

// printVerbs lists verbs with their summaries, indented, for help.
func printVerbs(w io.Writer, verbs []command) {
	rows := make([][]string, len(verbs))
	for i, v := range verbs {
		rows[i] = []string{"  " + v.name, v.summary}
	}
	printTable(w, nil, rows)
}

// report turns a verb's error into output and an exit status.
func (c *cli) report(err error) int {
	var ue *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK // usage already printed
	case errors.As(err, &ue):
		fmt.Fprintf(c.stderr, "tracectl %s: %s\n", ue.verb, ue.msg)
		fmt.Fprintf(c.stderr, "run 'tracectl %s -h' for usage\n", ue.verb)
		return exitUsage
	}
	// A daemon that cannot be reached says so plainly, whatever the verb.
	var un *unreachableError
	if errors.As(err, &un) {
		err = un
	}
	fmt.Fprintf(c.stderr, "tracectl: %v\n", err)
	return exitFail
}

// usageError is a bad command line; it exits 2 with a pointer to -h.
type usageError struct {
	verb string
	msg  string
}

func (e *usageError) Error() string { return e.verb + ": " + e.msg }

func usagef(verb, format string, args ...any) error {
	return &usageError{verb: verb, msg: fmt.Sprintf(format, args...)}
}

// socketPath resolves the daemon's socket: -s, $TRACECALL_SOCKET,
// $TRACECALL_DATA/tracecalld.sock, then the systemd default.
func (c *cli) socketPath() string {
	if c.socket != "" {
		return c.socket
	}
	if p := c.getenv("TRACECALL_SOCKET"); p != "" {
		return p
	}
	if d := c.getenv("TRACECALL_DATA"); d != "" {
		return filepath.Join(d, socketName)
	}
	return filepath.Join(defaultDataDir, socketName)
}

// client returns the daemon client, creating it on first use.
func (c *cli) client() *client {
	if c.c == nil {
		c.c = newClient(c.socketPath())
	}
	return c.c
}

// flagSet is a verb's flags with what its -h prints.
type flagSet struct {
	*flag.FlagSet
	c        *cli
	verb     string
	synopsis string
	summary  string
}

// newFlagSet returns a verb's flag set; the synopsis and summary feed -h.
func (c *cli) newFlagSet(verb, synopsis, summary string) *flagSet {
	fs := flag.NewFlagSet("tracectl "+verb, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {} // parse prints usage on -h only, never on a bad flag
	return &flagSet{FlagSet: fs, c: c, verb: verb, synopsis: synopsis, summary: summary}
}

// socketFlag adds -s to a verb that talks to the daemon, so that it may also
// follow the verb: tracectl status -s var/tracecalld.sock.
func (fs *flagSet) socketFlag() {
	fs.StringVar(&fs.c.socket, "s", fs.c.socket, "daemon socket `PATH`")
}

// jsonFlag adds --json to a verb that prints one GET: the API's answer instead
// of a table.
func (fs *flagSet) jsonFlag() *bool {
	return fs.Bool("json", false, "print the API's JSON")
}

func (fs *flagSet) usage() {
	w := fs.c.stdout
	fmt.Fprintf(w, "Usage: tracectl %s %s\n\n%s\n", fs.verb, fs.synopsis, fs.summary)
	if hasFlags(fs.FlagSet) {
		fmt.Fprintf(w, "\nFlags:\n")
		printDefaults(w, fs.FlagSet)
	}
}

// parse parses a verb's arguments and returns the positional ones. Flags may
// come before, between or after them (`trace import FILE --partial`); "--"
// ends the flags. -h prints the usage and returns flag.ErrHelp.
func (fs *flagSet) parse(args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.usage()
				return nil, err
			}
			return nil, &usageError{verb: fs.verb, msg: err.Error()}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// parseNone is parse for a verb that takes no positional arguments.
func (fs *flagSet) parseNone(args []string) error {
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef(fs.verb, "unexpected argument %q", pos[0])
	}
	return nil
}

// parseOne is parse for a verb that takes exactly one positional argument, a
// what: it returns that argument.
func (fs *flagSet) parseOne(args []string, what string) (string, error) {
	pos, err := fs.parse(args)
	if err != nil {
		return "", err
	}
	if len(pos) != 1 {
		return "", usagef(fs.verb, "want one %s, got %d arguments", what, len(pos))
	}
	return pos[0], nil
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// printDefaults is flag.PrintDefaults written to w, with the double-dash
// spelling for long flags that this CLI documents.
func printDefaults(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		dash := "-"
		if len(f.Name) > 1 {
			dash = "--"
		}
		name, usage := flag.UnquoteUsage(f)
		line := "  " + dash + f.Name
		if name != "" {
			line += " " + name
		}
		line += "\n    \t" + strings.ReplaceAll(usage, "\n", "\n    \t")
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
			line += fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fmt.Fprintln(w, line)
	})
}

// shanghai is the zone every time is shown in: the appliance serves Chinese
// cities. The embedded tzdata makes the fallback a formality.
func shanghai() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*60*60)
}

// timeLayout is how tables show an instant.
const timeLayout = "2006-01-02 15:04:05"

// fmtTime shows t in the display zone, or "-" for the zero time.
func (c *cli) fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(c.loc).Format(timeLayout)
}

// fmtTimeString parses an RFC 3339 time from the API and shows it in the display
// zone; anything else is shown as given.
func (c *cli) fmtTimeString(s string) string {
	if s == "" {
		return "-"
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return s
	}
	return c.fmtTime(t)
}

// dash shows an empty table cell.
func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// newTable returns the writer every table is printed with: cells separated by
// tabs, lines by newlines, columns two spaces apart; Flush prints.
func newTable(w io.Writer) *table {
	return &table{tw: tabwriter.NewWriter(dropPad{w}, 0, 0, 2, ' ', 0)}
}

// printTable prints rows as aligned columns under header; a nil header prints
// none, for a table of names and values.
func printTable(w io.Writer, header []string, rows [][]string) error {
	tw := newTable(w)
	if header != nil {
		fmt.Fprintln(tw, strings.Join(header, "\t"))
	}
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

// printList prints items as a table under header, one row each, or the line
// empty when there are none.
func printList[T any](w io.Writer, empty string, header []string, items []T, row func(*T) []string) error {
	if len(items) == 0 {
		_, err := fmt.Fprintln(w, empty)
		return err
	}
	rows := make([][]string, len(items))
	for i := range items {
		rows[i] = row(&items[i])
	}
	return printTable(w, header, rows)
}

// table is a text/tabwriter that also aligns Chinese text. tabwriter counts
// every rune as one column, while terminals give CJK characters two, so each
// wide rune is followed by widePad, which tabwriter counts as one more column
// and dropPad removes on the way out.
type table struct {
	tw *tabwriter.Writer
}

// widePad is never valid UTF-8, so it cannot be part of the text; it is not
// tabwriter.Escape (0xff).
const widePad = 0xfe

func (t *table) Write(p []byte) (int, error) {
	buf := make([]byte, 0, len(p)+len(p)/3)
	for rest := p; len(rest) > 0; {
		r, n := utf8.DecodeRune(rest)
		buf = append(buf, rest[:n]...)
		if isWide(r) {
			buf = append(buf, widePad)
		}
		rest = rest[n:]
	}
	if _, err := t.tw.Write(buf); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush prints the table.
func (t *table) Flush() error { return t.tw.Flush() }

// dropPad writes to w without the widePad bytes.
type dropPad struct{ w io.Writer }

func (d dropPad) Write(p []byte) (int, error) {
	if bytes.IndexByte(p, widePad) < 0 {
		return d.w.Write(p)
	}
	if _, err := d.w.Write(bytes.ReplaceAll(p, []byte{widePad}, nil)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// isWide reports whether a terminal shows r two columns wide: CJK ideographs
// and punctuation, kana, Hangul, and full-width forms (Unicode East Asian Width
// W and F, the blocks that occur in Chinese data).
func isWide(r rune) bool {
	switch {
	case r < 0x1100:
		return false
	case r <= 0x115f, // Hangul Jamo
		0x2e80 <= r && r <= 0x303e,   // CJK radicals, symbols and punctuation (、。「」)
		0x3041 <= r && r <= 0x33ff,   // kana, bopomofo, CJK compatibility
		0x3400 <= r && r <= 0x4dbf,   // CJK extension A
		0x4e00 <= r && r <= 0x9fff,   // CJK unified ideographs
		0xa000 <= r && r <= 0xa4cf,   // Yi
		0xac00 <= r && r <= 0xd7a3,   // Hangul syllables
		0xf900 <= r && r <= 0xfaff,   // CJK compatibility ideographs
		0xfe30 <= r && r <= 0xfe4f,   // CJK compatibility forms
		0xff00 <= r && r <= 0xff60,   // full-width forms (（）０-９)
		0xffe0 <= r && r <= 0xffe6,   // full-width signs (￥)
		0x20000 <= r && r <= 0x3fffd: // CJK extensions B and later
		return true
	}
	return false
}
