package crm_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"tracecall/crm"
	"tracecall/store/storetest"
)

func TestParseNumber(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{"13800138000", "13800138000", false},
		{" 138 0013 8000 ", "13800138000", false},
		{"138-0013-8000", "13800138000", false},
		{"+8613800138000", "13800138000", false},
		{"008613800138000", "13800138000", false},
		{"013800138000", "13800138000", false},
		{"１３８００１３８０００", "13800138000", false},
		{"＋86 138 0013 8000", "13800138000", false},
		{"(010) 8888-6666", "01088886666", false},
		{"+14155550100", "+14155550100", false},
		{"8001", "8001", false},
		{"12315", "12315", false},
		{"", "", true},
		{"12", "", true},
		{"anonymous", "", true},
		{"138+0013", "", true},
		{"++8613800138000", "", true},
		{"123456789012345678901", "", true},
		{"1380013800\x00", "", true},
		{"\xff\xfe", "", true},
	}
	for _, tt := range tests {
		got, err := crm.ParseNumber(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseNumber(%q) = %q, %v; want %q, err %v", tt.in, got, err, tt.want, tt.wantErr)
		}
		var fe *crm.FieldError
		if err != nil && (!errors.As(err, &fe) || fe.Reason != "bad_number") {
			t.Errorf("ParseNumber(%q) error %v is not a bad_number FieldError", tt.in, err)
		}
	}
}

func TestInputClean(t *testing.T) {
	ok := crm.Input{Numbers: []string{"13800138000"}, Name: "王芳"}
	tests := []struct {
		name       string
		edit       func(*crm.Input)
		wantField  string
		wantReason string
	}{
		{"good", func(*crm.Input) {}, "", ""},
		{"vip", func(in *crm.Input) { in.Class = " VIP " }, "", ""},
		{"no number", func(in *crm.Input) { in.Numbers = nil }, "numbers", "no_number"},
		{"bad number", func(in *crm.Input) { in.Numbers = []string{"abc"} }, "numbers", "bad_number"},
		{"too many", func(in *crm.Input) { in.Numbers = make([]string, 11) }, "numbers", "too_many_numbers"},
		{"no name", func(in *crm.Input) { in.Name = "  " }, "name", "no_name"},
		{"long name", func(in *crm.Input) { in.Name = strings.Repeat("王", 65) }, "name", "too_long"},
		{"control in name", func(in *crm.Input) { in.Name = "王\x1b[31m" }, "name", "bad_text"},
		{"newline in name", func(in *crm.Input) { in.Name = "王\n芳" }, "name", "bad_text"},
		{"newline in notes", func(in *crm.Input) { in.Notes = "第一行\n第二行" }, "", ""},
		{"long notes", func(in *crm.Input) { in.Notes = strings.Repeat("x", 2001) }, "notes", "too_long"},
		{"bad class", func(in *crm.Input) { in.Class = "gold" }, "class", "bad_class"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := ok
			in.Numbers = append([]string(nil), ok.Numbers...)
			tt.edit(&in)
			got, err := in.Clean()
			var fe *crm.FieldError
			switch {
			case tt.wantField == "" && err != nil:
				t.Fatalf("Clean: %v", err)
			case tt.wantField == "":
				if got.Class != crm.ClassNormal && got.Class != crm.ClassVIP {
					t.Errorf("class %q", got.Class)
				}
			case !errors.As(err, &fe) || fe.Field != tt.wantField || fe.Reason != tt.wantReason:
				t.Errorf("Clean = %v, want %s %s", err, tt.wantField, tt.wantReason)
			}
		})
	}
}

func TestBook(t *testing.T) {
	b := crm.New(storetest.Open(t), crm.Config{}, nil)
	ctx := context.Background()
	c, err := b.Create(crm.Input{Numbers: []string{"138 0013 8000", "13800138000", "010-8888-6666"}, Name: "王芳", Class: "vip", Company: "东安街菜市场"}, "zhang")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Numbers) != 2 || c.UpdatedBy != "zhang" || c.Created.IsZero() {
		t.Errorf("created %+v; want 2 numbers, by zhang, a creation time", c)
	}
	for _, n := range []string{"+8613800138000", "01088886666"} {
		got, ok, err := b.Lookup(n)
		if err != nil || !ok || got.ID != c.ID {
			t.Errorf("Lookup(%s) = %+v, %v, %v", n, got, ok, err)
		}
	}
	if _, ok, err := b.Lookup("anonymous"); ok || err != nil {
		t.Errorf("Lookup(anonymous) = %v, %v", ok, err)
	}
	if p := b.Priority(ctx, "013800138000"); p != 10 {
		t.Errorf("VIP priority = %d, want 10", p)
	}
	if p := b.Priority(ctx, "13900139000"); p != 0 {
		t.Errorf("unknown caller's priority = %d, want 0", p)
	}
	if _, err := b.Create(crm.Input{Numbers: []string{"13800138000"}, Name: "别人"}, "li"); !errors.Is(err, crm.ErrNumberTaken) {
		t.Errorf("second customer with the same number: %v, want ErrNumberTaken", err)
	}
	up, err := b.Update(c.ID, crm.Input{Numbers: []string{"13800138000"}, Name: "王芳", Class: "normal", Notes: "已降级"}, "li")
	if err != nil || up.Class != crm.ClassNormal || !up.Created.Equal(c.Created) || up.UpdatedBy != "li" {
		t.Fatalf("Update = %+v, %v", up, err)
	}
	if p := b.Priority(ctx, "13800138000"); p != 0 {
		t.Errorf("priority after downgrade = %d", p)
	}
	if _, ok, _ := b.Lookup("01088886666"); ok {
		t.Error("dropped number still finds the customer")
	}
	if _, err := b.Update("404", crm.Input{Numbers: []string{"123"}, Name: "x"}, "li"); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("Update of a missing id: %v", err)
	}
	if _, err := b.Get("404"); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("Get of a missing id: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if p := b.Priority(cctx, "13800138000"); p != 0 {
		t.Errorf("priority with a done context = %d", p)
	}
}

// FuzzParseNumber: any input is refused with an error or gives a number of
// 3 to 20 digits, optionally after a +, that parses to itself.
func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"13800138000", "+86 138-0013-8000", "１３８００１３８０００", "(010)8888-6666", "+", "0086", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := crm.ParseNumber(s)
		if err != nil {
			return
		}
		d := strings.TrimPrefix(n, "+")
		if len(d) < 3 || len(d) > 20 || strings.Trim(d, "0123456789") != "" {
			t.Fatalf("ParseNumber(%q) = %q", s, n)
		}
		if again, err := crm.ParseNumber(n); err != nil || again != n {
			t.Fatalf("ParseNumber(%q) = %q, but that parses to %q, %v", s, n, again, err)
		}
	})
}

// FuzzInput feeds Clean any JSON body: it never panics, and what it accepts
// is within the limits.
func FuzzInput(f *testing.F) {
	f.Add(`{"numbers":["13800138000"],"name":"王芳","class":"vip"}`)
	f.Add(`{"numbers":["x"],"name":""}`)
	f.Add(`{"numbers":[],"name":"\u0000"}`)
	f.Fuzz(func(t *testing.T, body string) {
		var in crm.Input
		if json.Unmarshal([]byte(body), &in) != nil {
			return
		}
		out, err := in.Clean()
		if err != nil {
			return
		}
		if len(out.Numbers) == 0 || len(out.Numbers) > crm.MaxNumbers || out.Name == "" ||
			!utf8.ValidString(out.Name+out.Company+out.Address+out.Notes) ||
			(out.Class != crm.ClassNormal && out.Class != crm.ClassVIP) {
			t.Fatalf("Clean accepted %+v", out)
		}
	})
}
