package siptest

import (
	"encoding/json"
	"fmt"
	"net"
	"time"
)

// BaresipCommand sends a baresip started with ctrl_tcp one command at addr
// ({"command","params"} in a netstring) and returns its reply.
func BaresipCommand(addr, cmd, params string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return "", fmt.Errorf("baresip ctrl_tcp: %w", err)
	}
	defer c.Close()
	msg, _ := json.Marshal(map[string]string{"command": cmd, "params": params, "token": "t"})
	if _, err := fmt.Fprintf(c, "%d:%s,", len(msg), msg); err != nil {
		return "", fmt.Errorf("baresip %s: %w", cmd, err)
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var reply [4096]byte
	n, err := c.Read(reply[:])
	if err != nil {
		return "", fmt.Errorf("baresip %s %q: no reply: %w", cmd, params, err)
	}
	return string(reply[:n]), nil
}
