package ivr_test

import (
	"strings"
	"testing"

	"tracecall/ivr"
)

// TestValidateFeatureCodesAndCallback: the shipped flows are valid, and each
// mistake in an agent_state node or a queue node's callback prompts is named
// by its key.
func TestValidateFeatureCodesAndCallback(t *testing.T) {
	tests := []struct {
		name    string
		change  func(c *ivr.Config)
		wantKey string // "" for valid
	}{
		{"shipped", func(*ivr.Config) {}, ""},
		{"bad action", func(c *ivr.Config) { setNode(c, "agent_login", "apply", func(n *ivr.Node) { n.Action = "lunch" }) },
			"ivr.flows.agent_login.nodes.apply.action"},
		{"no prompt", func(c *ivr.Config) { setNode(c, "agent_ready", "apply", func(n *ivr.Node) { n.Prompt = "" }) },
			"ivr.flows.agent_ready.nodes.apply.prompt"},
		{"unknown prompt", func(c *ivr.Config) { setNode(c, "agent_ready", "apply", func(n *ivr.Node) { n.Prompt = "nope" }) },
			"ivr.flows.agent_ready.nodes.apply.prompt"},
		{"shared prompt missing", func(c *ivr.Config) { delete(c.Prompts["en"], "agent_unknown") }, "ivr.prompts"},
		{"callback without done", func(c *ivr.Config) { setNode(c, "trace", "agent", func(n *ivr.Node) { n.CallbackDone = "" }) },
			"ivr.flows.trace.nodes.agent.callback_done"},
		{"callback prompt missing", func(c *ivr.Config) { delete(c.Prompts["zh"], "queue_callback") },
			"ivr.flows.trace.nodes.agent.callback"},
		{"callback without unavailable", func(c *ivr.Config) { setNode(c, "trace", "agent", func(n *ivr.Node) { n.CallbackUnavailable = "" }) },
			"ivr.flows.trace.nodes.agent.callback_unavailable"},
		{"unavailable prompt missing", func(c *ivr.Config) { delete(c.Prompts["en"], "queue_callback_unavailable") },
			"ivr.flows.trace.nodes.agent.callback_unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := loadShipped()
			if err != nil {
				t.Fatal(err)
			}
			tt.change(&cfg.IVR)
			err = cfg.IVR.Validate()
			switch {
			case tt.wantKey == "" && err != nil:
				t.Errorf("Validate = %v", err)
			case tt.wantKey != "" && (err == nil || !strings.Contains(err.Error(), tt.wantKey+":")):
				t.Errorf("Validate = %v, want an error naming %s", err, tt.wantKey)
			}
		})
	}
}

// setNode edits node of flow in place.
func setNode(c *ivr.Config, flow, node string, edit func(*ivr.Node)) {
	f := c.Flows[flow]
	n := f.Nodes[node]
	edit(&n)
	f.Nodes[node] = n
}
