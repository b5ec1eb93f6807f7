//go:build !linux

package engine

import (
	"net"
	"time"
)

// Without TCP_INFO, these wait a moment instead: loopback delivers within
// it on an idle machine. The parity test's outcomes do not depend on it
// except where a POST meets a closed idle connection.

func waitPeerAcked(net.Conn) { time.Sleep(20 * time.Millisecond) }

func waitFINAcked(net.Conn) { time.Sleep(20 * time.Millisecond) }
