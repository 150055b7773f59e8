package sip_test

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	siplib "github.com/emiago/sipgo/sip"

	"tracecall/drivers/sip"
	"tracecall/telephony"
)

// testPhones are the phones the registrar tests configure.
var testPhones = []sip.Phone{
	{User: "8001", Password: "s3cret-8001"},
	{User: "8002", Password: "s3cret-8002"},
	{User: "8003", Password: "s3cret-8003"},
	{User: "8004", Password: "s3cret-8004"},
	{User: "8005", Password: "s3cret-8005"},
	{User: "8009", Password: "s3cret-8009"},
}

// logBuffer collects log lines for tests that check what was logged.
type logBuffer struct {
	// mu guards b.
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// servePhones starts a driver with testPhones (plus cfg's other fields) on a
// free loopback port and stops it at cleanup.
func servePhones(t *testing.T, cfg sip.Config, log *slog.Logger) *sip.Driver {
	t.Helper()
	return servePhonesWith(t, cfg, log, telephony.HandlerFunc(func(ctx context.Context, l telephony.Leg) {
		_ = l.Hangup(ctx, telephony.CauseNoRoute)
	}))
}

// servePhonesWith is servePhones with h serving the calls that come in.
func servePhonesWith(t *testing.T, cfg sip.Config, log *slog.Logger, h telephony.Handler) *sip.Driver {
	t.Helper()
	cfg.Listen = "127.0.0.1:0"
	cfg.RTPPortMin, cfg.RTPPortMax = 50000, 59999
	if cfg.Phones == nil {
		cfg.Phones = testPhones
	}
	if log == nil {
		log = testLogger(t)
	}
	d, err := sip.New(cfg, nil, log)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- d.Serve(ctx, h)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return d
}

// phoneUA is a SIP phone built on sipgo: it registers with digest
// authentication, and (see dial_test.go) answers calls.
type phoneUA struct {
	ua     *sipgo.UserAgent
	client *sipgo.Client
	server string // the registrar, host:port
}

func newPhoneUA(t *testing.T, server string) *phoneUA {
	t.Helper()
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("phone-test"))
	if err != nil {
		t.Fatal(err)
	}
	client, err := sipgo.NewClient(ua, sipgo.WithClientHostname("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ua.Close() })
	return &phoneUA{ua: ua, client: client, server: server}
}

// register sends REGISTER for user with contact and expires (-1: no
// Expires header) and answers a challenge with password. It returns the
// first response and the last.
func (p *phoneUA) register(t *testing.T, user, password, contact string, expires int) (first, last *siplib.Response) {
	t.Helper()
	host, portText, _ := net.SplitHostPort(p.server)
	port, _ := strconv.Atoi(portText)
	req := siplib.NewRequest(siplib.REGISTER, siplib.Uri{Scheme: "sip", Host: host, Port: port})
	aor := siplib.Uri{Scheme: "sip", User: user, Host: host}
	from := &siplib.FromHeader{Address: aor, Params: siplib.NewParams()}
	from.Params.Add("tag", siplib.GenerateTagN(8))
	req.AppendHeader(from)
	req.AppendHeader(&siplib.ToHeader{Address: aor})
	if contact != "" {
		req.AppendHeader(siplib.NewHeader("Contact", contact))
	}
	if expires >= 0 {
		req.AppendHeader(siplib.NewHeader("Expires", strconv.Itoa(expires)))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := p.client.Do(ctx, req)
	if err != nil {
		t.Fatalf("register %s: %v", user, err)
	}
	first, last = res, res
	if res.StatusCode == 401 && password != "" {
		last, err = p.client.DoDigestAuth(ctx, req, res, sipgo.DigestAuth{Username: user, Password: password})
		if err != nil {
			t.Fatalf("register %s with digest: %v", user, err)
		}
	}
	return first, last
}

func TestRegister(t *testing.T) {
	logs := &logBuffer{}
	var (
		// mu guards changes.
		mu      sync.Mutex
		changes []sip.PhoneState
	)
	d := servePhones(t, sip.Config{OnPhone: func(s sip.PhoneState) {
		mu.Lock()
		changes = append(changes, s)
		mu.Unlock()
	}}, slog.New(slog.NewTextHandler(logs, nil)))
	p := newPhoneUA(t, d.Addr())
	const contact = "<sip:8001@127.0.0.1:5999>"

	tests := []struct {
		name                string
		user, password      string
		expires             int
		wantFirst, wantLast int
		wantExpires         string // the expires param of the 200's Contact
		wantRegistered      bool
		wantLog             string
	}{
		{"unknown user", "9999", "whatever", 600, 404, 404, "", false, "register refused: unknown user"},
		{"wrong password", "8001", "guess", 600, 401, 403, "", false, "register refused: wrong password"},
		{"interval too brief", "8001", "s3cret-8001", 30, 401, 423, "", false, ""},
		{"good", "8001", "s3cret-8001", 600, 401, 200, "600", true, "phone registered"},
		{"refresh clamped to max", "8001", "s3cret-8001", 7200, 401, 200, "3600", true, ""},
		{"default expiry", "8001", "s3cret-8001", -1, 401, 200, "3600", true, ""},
		{"unregister", "8001", "s3cret-8001", 0, 401, 200, "", false, "phone unregistered"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			first, last := p.register(t, tt.user, tt.password, contact, tt.expires)
			if first.StatusCode != tt.wantFirst || last.StatusCode != tt.wantLast {
				t.Fatalf("responses %d then %d, want %d then %d", first.StatusCode, last.StatusCode, tt.wantFirst, tt.wantLast)
			}
			if tt.wantFirst == 401 {
				h := first.GetHeader("WWW-Authenticate")
				if h == nil || !strings.Contains(h.Value(), `realm="tracecall"`) || !strings.Contains(h.Value(), "nonce=") {
					t.Errorf("challenge %v: want a digest challenge with realm and nonce", h)
				}
			}
			if tt.wantLast == 423 {
				if h := last.GetHeader("Min-Expires"); h == nil || h.Value() != "60" {
					t.Errorf("Min-Expires = %v, want 60", h)
				}
			}
			if tt.wantExpires != "" {
				c := last.Contact()
				if c == nil {
					t.Fatal("200 without Contact")
				}
				if got, _ := c.Params.Get("expires"); got != tt.wantExpires {
					t.Errorf("contact expires = %q, want %q", got, tt.wantExpires)
				}
			}
			got, ok := d.Registered("8001")
			if ok != tt.wantRegistered {
				t.Errorf("Registered(8001) = %q, %v; want registered %v", got, ok, tt.wantRegistered)
			}
			if ok && got != "sip:8001@127.0.0.1:5999" {
				t.Errorf("Registered(8001) = %q, want the contact", got)
			}
			if tt.wantLog != "" {
				if l := logs.String(); !strings.Contains(l, tt.wantLog) || (tt.wantLast >= 400 && !strings.Contains(l, "source=127.0.0.1:")) {
					t.Errorf("log %q: want %q with the source address", l, tt.wantLog)
				}
			}
		})
	}

	for _, s := range d.Phones() {
		if s.Registered {
			t.Errorf("phone %s still registered after unregister", s.User)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(changes) != 2 || !changes[0].Registered || changes[0].User != "8001" || changes[1].Registered {
		t.Errorf("OnPhone calls %+v: want 8001 registered then unregistered", changes)
	}
}

func TestRegisterWildcardUnregistersAll(t *testing.T) {
	d := servePhones(t, sip.Config{}, nil)
	p := newPhoneUA(t, d.Addr())
	for _, c := range []string{"<sip:8002@127.0.0.1:5998>", "<sip:8002@127.0.0.1:5997>"} {
		if _, res := p.register(t, "8002", "s3cret-8002", c, 600); res.StatusCode != 200 {
			t.Fatalf("register %s: %d", c, res.StatusCode)
		}
	}
	if c, ok := d.Registered("8002"); !ok || c != "sip:8002@127.0.0.1:5997" {
		t.Fatalf("Registered(8002) = %q, %v; want the newest contact", c, ok)
	}
	if _, res := p.register(t, "8002", "s3cret-8002", "*", 0); res.StatusCode != 200 {
		t.Fatalf("unregister *: %d", res.StatusCode)
	}
	if c, ok := d.Registered("8002"); ok {
		t.Errorf("Registered(8002) = %q after Contact: *", c)
	}
}

func TestConfigRefusesPhoneWithoutPassword(t *testing.T) {
	_, err := sip.New(sip.Config{Listen: "127.0.0.1:0", Phones: []sip.Phone{{User: "8001"}}}, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "phones[0].password") {
		t.Errorf("New = %v, want an error naming phones[0].password", err)
	}
}

func TestConfigTrunkCredentials(t *testing.T) {
	tests := []struct {
		name                  string
		trunk, user, password string
		wantErr               string // "" for none
	}{
		{"credentials with a trunk", "127.0.0.1:5080", "out", "secret", ""},
		{"user alone", "127.0.0.1:5080", "out", "", ""},
		{"no trunk", "", "out", "secret", "without a trunk"},
		{"password without user", "127.0.0.1:5080", "", "secret", "trunk_password"},
		{"bad user", "127.0.0.1:5080", "o ut", "secret", "trunk_user"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := sip.New(sip.Config{Listen: "127.0.0.1:0", Trunk: tt.trunk, TrunkUser: tt.user, TrunkPassword: tt.password}, nil, nil)
			if d != nil {
				d.Close()
			}
			if (tt.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("New = %v, want error %q", err, tt.wantErr)
			}
		})
	}
}
