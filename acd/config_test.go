package acd_test

import (
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"

	"tracecall/acd"
)

const sampleTOML = `
max_talk = "2h"

[[queues]]
name = "hotline"
strategy = "fewest_answered"
skills = { trace = 5, zh = 3 }
widen_after = "45s"
ring_timeout = "15s"
max_no_answer = 2
wrap_up = "30s"
max_wait = "5m"
max_length = 50
overflow = "queue backup"
when_empty = "refuse"

[[queues]]
name = "backup"
agents = ["li", "wang"]
overflow = "voicemail"
priority = 5

[[agents]]
id = "li"
name = "李娜"
extension = "sip:8001"
skills = { trace = 7, zh = 9 }

[[agents]]
id = "wang"
name = "王强"
role = "team_leader"
extension = "sim:8002"
skills = { trace = 3, zh = 9 }
priority = 2
`

func TestConfigTOML(t *testing.T) {
	var cfg acd.Config
	md, err := toml.Decode(sampleTOML, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		t.Fatalf("undecoded keys %v", und)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	q := cfg.Queues[0]
	if q.WidenAfter != 45*time.Second || q.Skills["trace"] != 5 || q.Overflow != "queue backup" || q.WhenEmpty != "refuse" {
		t.Errorf("queue %+v", q)
	}
	if a := cfg.Agents[1]; a.Role != acd.RoleTeamLeader || a.Priority != 2 || a.Skills["zh"] != 9 {
		t.Errorf("agent %+v", a)
	}
	if _, err := acd.New(cfg, acd.Deps{}); err != nil {
		t.Errorf("New: %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	good := func() acd.Config {
		return acd.Config{
			Queues: []acd.QueueConfig{{Name: "q", Skills: map[string]int{"trace": 5}}, {Name: "r"}},
			Agents: []acd.AgentConfig{{ID: "a1", Extension: "sim:1", Skills: map[string]int{"trace": 5}}},
		}
	}
	tests := []struct {
		name    string
		change  func(c *acd.Config)
		wantKey string // "" for valid
	}{
		{"valid", func(*acd.Config) {}, ""},
		{"empty config", func(c *acd.Config) { *c = acd.Config{} }, ""},
		{"queue name empty", func(c *acd.Config) { c.Queues[0].Name = "" }, "acd.queues[0].name"},
		{"queue name twice", func(c *acd.Config) { c.Queues[1].Name = "q" }, "acd.queues[1].name"},
		{"unknown strategy", func(c *acd.Config) { c.Queues[0].Strategy = "fastest" }, "acd.queues[0].strategy"},
		{"skill level 0", func(c *acd.Config) { c.Queues[0].Skills["trace"] = 0 }, "acd.queues[0].skills.trace"},
		{"skill level 10", func(c *acd.Config) { c.Agents[0].Skills["trace"] = 10 }, "acd.agents[0].skills.trace"},
		{"negative wait", func(c *acd.Config) { c.Queues[1].MaxWait = -time.Second }, "acd.queues[1].max_wait"},
		{"negative ring", func(c *acd.Config) { c.Queues[1].RingTimeout = -time.Second }, "acd.queues[1].ring_timeout"},
		{"negative wrap-up", func(c *acd.Config) { c.Queues[1].WrapUp = -time.Second }, "acd.queues[1].wrap_up"},
		{"negative length", func(c *acd.Config) { c.Queues[1].MaxLength = -1 }, "acd.queues[1].max_length"},
		{"widen step", func(c *acd.Config) { c.Queues[0].WidenStep = 9 }, "acd.queues[0].widen_step"},
		{"bad overflow", func(c *acd.Config) { c.Queues[0].Overflow = "hang up" }, "acd.queues[0].overflow"},
		{"overflow nowhere", func(c *acd.Config) { c.Queues[0].Overflow = "queue x" }, "acd.queues[0].overflow"},
		{"overflow to itself", func(c *acd.Config) { c.Queues[0].Overflow = "queue q" }, "acd.queues[0].overflow"},
		{"overflow ok", func(c *acd.Config) { c.Queues[0].Overflow = "queue r" }, ""},
		{"when empty", func(c *acd.Config) { c.Queues[0].WhenEmpty = "never" }, "acd.queues[0].when_empty"},
		{"member unknown", func(c *acd.Config) { c.Queues[1].Agents = []string{"zz"} }, "acd.queues[1].agents[0]"},
		{"member twice", func(c *acd.Config) { c.Queues[1].Agents = []string{"a1", "a1"} }, "acd.queues[1].agents[1]"},
		{"member unskilled", func(c *acd.Config) { c.Agents[0].Skills = nil; c.Queues[0].Agents = []string{"a1"} }, "acd.queues[0].agents[0]"},
		{"agent id empty", func(c *acd.Config) { c.Agents[0].ID = "" }, "acd.agents[0].id"},
		{"agent twice", func(c *acd.Config) { c.Agents = append(c.Agents, c.Agents[0]) }, "acd.agents[1].id"},
		{"bad role", func(c *acd.Config) { c.Agents[0].Role = "boss" }, "acd.agents[0].role"},
		{"bad extension", func(c *acd.Config) { c.Agents[0].Extension = "8001" }, "acd.agents[0].extension"},
		{"samples", func(c *acd.Config) { c.EstimateSamples = -1 }, "acd.estimate_samples"},
		{"callback tries", func(c *acd.Config) { c.Callback.Tries = -1 }, "acd.callback.tries"},
		{"callback retry", func(c *acd.Config) { c.Callback.RetryAfter = -time.Second }, "acd.callback.retry_after"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := good()
			tt.change(&c)
			err := c.Validate()
			switch {
			case tt.wantKey == "" && err != nil:
				t.Errorf("Validate = %v, want nil", err)
			case tt.wantKey != "" && (err == nil || !strings.Contains(err.Error(), tt.wantKey+":")):
				t.Errorf("Validate = %v, want an error naming %s", err, tt.wantKey)
			case tt.wantKey != "":
				if _, nerr := acd.New(c, acd.Deps{}); nerr == nil {
					t.Error("New accepted what Validate refused")
				}
			}
		})
	}
}

func TestParseOverflow(t *testing.T) {
	tests := []struct {
		in      string
		want    acd.Overflow
		wantErr bool
	}{
		{"", acd.Overflow{Action: acd.OverflowGoodbye}, false},
		{"goodbye", acd.Overflow{Action: acd.OverflowGoodbye}, false},
		{"voicemail", acd.Overflow{Action: acd.OverflowVoicemail}, false},
		{"queue  backup ", acd.Overflow{Action: acd.OverflowQueue, Queue: "backup"}, false},
		{"queue", acd.Overflow{}, true},
		{"queue a b", acd.Overflow{}, true},
		{"voicemail now", acd.Overflow{}, true},
	}
	for _, tt := range tests {
		got, err := acd.ParseOverflow(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("ParseOverflow(%q) = %+v, %v", tt.in, got, err)
		}
	}
}
