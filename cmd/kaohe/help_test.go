package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/alecthomas/kong"
)

// commandPaths are the paths of every command of the CLI ("dispatch", and "a b" for a
// nested command), taken from kong's model so that a new command is covered too.
func commandPaths(t *testing.T) []string {
	t.Helper()
	var cli CLI
	parser, err := kong.New(&cli, kong.Name("kaohe"))
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	var walk func(prefix string, n *kong.Node)
	walk = func(prefix string, n *kong.Node) {
		for _, c := range n.Children {
			if c.Type != kong.CommandNode {
				continue
			}
			p := strings.TrimSpace(prefix + " " + c.Name)
			paths = append(paths, p)
			walk(p, c)
		}
	}
	walk("", parser.Model.Node)
	if len(paths) < 17 {
		t.Fatalf("only %d commands found in the model: %v", len(paths), paths)
	}
	return paths
}

// connCounter is a listener on 127.0.0.1 that counts the connections it accepts and
// closes each at once: a mail server that no command may reach while showing help.
type connCounter struct {
	ln net.Listener
	n  atomic.Int64
}

func newConnCounter(t *testing.T) *connCounter {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &connCounter{ln: ln}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			c.n.Add(1)
			conn.Close()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return c
}

// TestHelpIsTerminal runs every command with --help and -h (and kaohe alone) in an empty
// directory, with a config whose mail servers are a listener counting connections and
// whose store is a relative path: each must print its usage to stdout and exit 0, and
// leave the directory empty and the listener untouched.
func TestHelpIsTerminal(t *testing.T) {
	servers := newConnCounter(t)
	port := servers.ln.Addr().(*net.TCPAddr).Port
	cfgDir := t.TempDir()
	cfg := filepath.Join(cfgDir, "kaohe.toml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`
[store]
path = "kaohe.db"
[report]
out_dir = "reports"
[imap]
host = "127.0.0.1"
port = %d
tls = "plain"
username = "kaohe"
password_env = "KAOHE_HELPTEST_IMAP_PASSWORD"
[smtp]
host = "127.0.0.1"
port = %d
tls = "none"
`, port, port)), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KAOHE_CONFIG", cfg)
	t.Setenv("KAOHE_HELPTEST_IMAP_PASSWORD", "pw")
	t.Setenv("KAOHE_FORM_SECRET", "a-real-secret-for-the-help-test") // so that nothing is refused for want of one
	dir := t.TempDir()
	t.Chdir(dir)

	type tc struct {
		name  string
		args  []string
		usage string // what the Usage: line starts with
	}
	cases := []tc{
		{"no arguments", nil, "Usage: kaohe <command>"},
		{"--help", []string{"--help"}, "Usage: kaohe <command>"},
		{"-h", []string{"-h"}, "Usage: kaohe <command>"},
	}
	for _, p := range commandPaths(t) {
		words := strings.Fields(p)
		for _, flag := range []string{"--help", "-h"} {
			cases = append(cases, tc{p + " " + flag, append(append([]string{}, words...), flag), "Usage: kaohe " + p})
			// The flag before the command's own arguments and flags, too.
			cases = append(cases, tc{flag + " " + p, append([]string{flag}, words...), "Usage: kaohe " + p})
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := kaohe(t, c.args...)
			if code != exitOK {
				t.Errorf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", code, out, errs)
			}
			if !strings.HasPrefix(out, c.usage) || !strings.Contains(out, "\nFlags:\n") {
				t.Errorf("stdout does not start with %q:\n%s", c.usage, out)
			}
			if errs != "" {
				t.Errorf("stderr not empty: %s", errs)
			}
			ents, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range ents {
				t.Errorf("created %s", e.Name())
				os.RemoveAll(filepath.Join(dir, e.Name())) // so the next case starts empty
			}
			if ents, _ := os.ReadDir(cfgDir); len(ents) != 1 {
				t.Errorf("%d files beside the config, want only the config", len(ents))
			}
			if n := servers.n.Swap(0); n != 0 {
				t.Errorf("%d connections to the mail servers", n)
			}
		})
	}
}
