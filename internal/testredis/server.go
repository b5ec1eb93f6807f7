package testredis

import (
	"bufio"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Server is a redis-server process of one test's own, on a loopback port,
// with no persistence (--save "" --appendonly no): a restart empties it.
// Start makes one and stops it when the test ends.
//
// Stop and URL are safe to call from any goroutine, e.g. from a handler that
// stops Redis in the middle of a load run. Restart may fail the test, so call
// it from the goroutine of the test that started the server.
type Server struct {
	t    testing.TB
	bin  string // redis-server's path
	dir  string // its working directory
	port int    // chosen by Start; Restart keeps it
	log  *syncWriter

	mu     sync.Mutex
	cmd    *exec.Cmd     // nil while stopped
	done   chan struct{} // closed when cmd has exited
	logged bool          // a failure message has shown the log
}

// Start starts a throwaway redis-server on a free 127.0.0.1 port and waits
// until it answers PING; it is stopped when t ends. Everything the server
// writes is kept, and shown when it cannot start or restart, or when t fails.
// Without redis-server on PATH it skips t, or fails it when CI=true.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if inCI() {
			t.Fatal("redis-server is not on PATH; CI must install it (apt-get install redis-server)")
		}
		t.Skip("redis-server is not on PATH (apt-get install redis-server)")
	}
	s := &Server{t: t, bin: bin, dir: t.TempDir(), log: &syncWriter{}}
	t.Cleanup(func() {
		s.Stop()
		if t.Failed() && !s.logShown() {
			t.Logf("redis-server on 127.0.0.1:%d wrote:\n%s", s.port, s.log)
		}
	})
	for range 5 {
		port := freePort(t) // free a moment ago; another process may take it first
		if s.run(port) {
			s.port = port
			return s
		}
	}
	s.fatalf("redis-server did not start on a free 127.0.0.1 port in 5 tries")
	return nil
}

// URL returns the URL of database db on the server, redis://127.0.0.1:PORT/DB.
func (s *Server) URL(db int) string { return fmt.Sprintf("redis://127.0.0.1:%d/%d", s.port, db) }

// Client returns a new go-redis client on database 0 of the server, closed
// when t ends. It reconnects by itself after a Restart.
func (s *Server) Client(t testing.TB) *redis.Client {
	t.Helper()
	return Client(t, s.URL(0))
}

// Stop kills the server and waits for it to exit. Stopping a stopped server
// does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.done
	s.cmd = nil
	fmt.Fprintf(s.log, "--- testredis: stopped\n")
}

// Restart stops the server if it is running and starts it again, empty, on
// the same port, so that URLs and clients made before still work. It fails
// the test when the port cannot be had back within about a second.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	for try := range 5 {
		if try > 0 {
			time.Sleep(200 * time.Millisecond) // give the kernel a moment to release the port
		}
		if s.run(s.port) {
			return
		}
	}
	s.fatalf("redis-server did not restart on 127.0.0.1:%d in 5 tries", s.port)
}

// run starts redis-server on port and reports whether it answered PING within
// 10s. When it did not, it is not running, and the log says why.
func (s *Server) run(port int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	args := []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", s.dir}
	fmt.Fprintf(s.log, "--- testredis: redis-server")
	for _, a := range args {
		if a == "" {
			a = `""`
		}
		fmt.Fprintf(s.log, " %s", a)
	}
	fmt.Fprintf(s.log, "\n")
	cmd := exec.Command(s.bin, args...)
	cmd.Stdout, cmd.Stderr = s.log, s.log
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(s.log, "--- testredis: %v\n", err)
		return false
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		select {
		case <-done:
			fmt.Fprintf(s.log, "--- testredis: %v before answering PING\n", cmd.ProcessState)
			return false
		default:
		}
		if ping(port) {
			s.cmd, s.done = cmd, done
			return true
		}
	}
	_ = cmd.Process.Kill()
	<-done
	fmt.Fprintf(s.log, "--- testredis: no answer to PING within 10s; killed\n")
	return false
}

// fatalf fails the test with the message and the server's log.
func (s *Server) fatalf(format string, args ...any) {
	s.t.Helper()
	s.mu.Lock()
	s.logged = true
	s.mu.Unlock()
	s.t.Fatalf("%s; its log:\n%s", fmt.Sprintf(format, args...), s.log)
}

func (s *Server) logShown() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logged
}

// ping reports whether a Redis server answers PING on 127.0.0.1:port.
func ping(port int) bool {
	c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	line, _ := bufio.NewReader(c).ReadString('\n')
	return strings.HasPrefix(line, "+PONG")
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// syncWriter collects a process's output; it may be read while written.
type syncWriter struct {
	mu sync.Mutex
	b  strings.Builder
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}
