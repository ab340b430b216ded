package mail

import (
	"bytes"
	"net"
	"strconv"
	"strings"
	"sync"
)

// go-imap v2's server knows no ID command (RFC 2971). The embedded server answers it
// itself, in a thin layer on each connection that reads the client's command lines before
// the server does: an ID command is answered there and never reaches the server, and —
// when RequireID is on — a SELECT or EXAMINE before any ID is refused with the words
// 163.com, 126.com and yeah.net use ("Unsafe Login"). The layer steps aside after
// STARTTLS (it would see ciphertext), and passes literals through unread. It writes its
// answers between the server's own writes, so it is for a client that waits for each
// answer before the next command, as kaohe's does: a test and demo server, not a model.

// embeddedServerID is what the embedded server says it is, in its ID answer.
const embeddedServerID = `("name" "kaohe-embedded" "vendor" "kaohe")`

// unsafeLogin is Coremail's (163.com) answer to SELECT without a prior ID.
const unsafeLogin = "SELECT Unsafe Login. Please contact kefu@188.com for help"

// idConn is one server connection with the ID layer.
type idConn struct {
	net.Conn
	s *IMAPServer

	wmu sync.Mutex // the server's writes and ours

	rbuf    []byte // read from the client, not yet looked at
	out     []byte // looked at, to hand to the server
	literal int    // bytes of a literal still to pass unread
	through bool   // after STARTTLS: pass everything
	idSeen  bool
}

// capsMark is where the server's capability lists begin (its greeting, LOGIN's answer,
// CAPABILITY): ID is added there, since the server lists only what it knows.
var capsMark = []byte("CAPABILITY IMAP4rev")

func (c *idConn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if !c.through && bytes.Contains(p, capsMark) {
		q := bytes.ReplaceAll(p, capsMark, []byte("CAPABILITY ID IMAP4rev"))
		if _, err := c.Conn.Write(q); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	return c.Conn.Write(p)
}

func (c *idConn) answer(lines ...string) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err := c.Conn.Write([]byte(strings.Join(lines, "\r\n") + "\r\n"))
	return err
}

func (c *idConn) Read(p []byte) (int, error) {
	for len(c.out) == 0 {
		if c.through && len(c.rbuf) == 0 {
			return c.Conn.Read(p)
		}
		if err := c.scan(); err != nil {
			return 0, err
		}
		if len(c.out) > 0 {
			break
		}
		buf := make([]byte, 4096)
		n, err := c.Conn.Read(buf)
		c.rbuf = append(c.rbuf, buf[:n]...)
		if n == 0 && err != nil {
			if len(c.rbuf) > 0 { // a last line without CRLF: let the server see it
				c.out, c.rbuf = c.rbuf, nil
				break
			}
			return 0, err
		}
	}
	n := copy(p, c.out)
	c.out = c.out[n:]
	return n, nil
}

// scan moves what it can of rbuf to out, answering ID and refused SELECTs itself.
func (c *idConn) scan() error {
	for len(c.rbuf) > 0 {
		if c.through {
			c.out, c.rbuf = append(c.out, c.rbuf...), nil
			return nil
		}
		if c.literal > 0 {
			n := min(c.literal, len(c.rbuf))
			c.out = append(c.out, c.rbuf[:n]...)
			c.rbuf, c.literal = c.rbuf[n:], c.literal-n
			continue
		}
		i := bytes.IndexByte(c.rbuf, '\n')
		if i < 0 {
			if len(c.rbuf) > 64<<10 { // no line end in sight: not ours to judge
				c.out, c.rbuf = append(c.out, c.rbuf...), nil
			}
			return nil
		}
		line := c.rbuf[:i+1]
		c.rbuf = c.rbuf[i+1:]
		handled, err := c.command(strings.TrimRight(string(line), "\r\n"))
		if err != nil {
			return err
		}
		if !handled {
			c.out = append(c.out, line...)
		}
	}
	return nil
}

// command looks at one command line; it reports whether it answered it itself.
func (c *idConn) command(line string) (bool, error) {
	if n, ok := literalSize(line); ok {
		c.literal = n
		return false, nil
	}
	f := strings.Fields(line)
	if len(f) < 2 {
		return false, nil
	}
	tag, cmd := f[0], strings.ToUpper(f[1])
	switch {
	case cmd == "ID":
		c.idSeen = true
		c.s.recordID(strings.TrimSpace(strings.TrimPrefix(line[len(tag):], " "+f[1])))
		return true, c.answer("* ID "+embeddedServerID, tag+" OK ID completed")
	case (cmd == "SELECT" || cmd == "EXAMINE") && !c.idSeen && c.s.requireID.Load():
		return true, c.answer(tag + " NO " + unsafeLogin)
	case cmd == "STARTTLS":
		c.through = true
	}
	return false, nil
}

// literalSize reads a trailing {N} or {N+} of a command line.
func literalSize(line string) (int, bool) {
	if !strings.HasSuffix(line, "}") {
		return 0, false
	}
	i := strings.LastIndexByte(line, '{')
	if i < 0 {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSuffix(line[i+1:len(line)-1], "+"))
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}
