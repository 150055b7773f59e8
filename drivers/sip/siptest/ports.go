package siptest

import (
	"math/rand/v2"
	"net"
	"sync"
	"testing"
)

// Ports are handed out from a range outside both the kernel's ephemeral ports
// (32768–60999, where other sockets of the test come from) and the daemon's
// default RTP range (10000–20000), so that a port found free stays free until
// the peer binds it. SIPp binds its media port and the three above it.
const (
	portMin   = 21000
	portMax   = 31000
	portBlock = 4
)

// mu guards given: ports handed out by this process are not handed out twice.
var (
	mu    sync.Mutex
	given = map[int]bool{}
)

// FreePort returns an even port whose block of four is free on loopback for UDP
// and whose first port is also free for TCP.
func FreePort(t testing.TB) int {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	for range 200 {
		base := portMin + 2*rand.IntN((portMax-portMin)/2-portBlock)
		if given[base] || !free(base) {
			continue
		}
		for p := base; p < base+portBlock; p++ {
			given[p] = true
		}
		return base
	}
	t.Fatal("siptest: no free port block")
	return 0
}

func free(base int) bool {
	var closers []interface{ Close() error }
	defer func() {
		for _, c := range closers {
			c.Close()
		}
	}()
	for p := base; p < base+portBlock; p++ {
		c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: p})
		if err != nil {
			return false
		}
		closers = append(closers, c)
	}
	l, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: base})
	if err != nil {
		return false
	}
	closers = append(closers, l)
	return true
}
