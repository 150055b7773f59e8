package acd

import (
	"context"
	"fmt"

	"tracecall/telephony"
)

// AgentByExtension returns the id of the agent whose phone is ext (as in
// AgentConfig.Extension, "sim:8001"), so that a feature code dialled from a
// phone (*21 to log in...) applies to its agent. ErrUnknownAgent when no agent
// has that phone.
func (a *ACD) AgentByExtension(ctx context.Context, ext telephony.Address) (string, error) {
	var id string
	err := a.do(ctx, func(c *core) error {
		for _, ag := range c.agents {
			if ag.pub.Extension == ext {
				id = ag.cfg.ID
				return nil
			}
		}
		return ErrUnknownAgent
	})
	if err != nil {
		return "", fmt.Errorf("acd: agent with phone %s: %w", ext, err)
	}
	return id, nil
}
