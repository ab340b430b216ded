package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestUserAddAndWeb(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "k.db")
	pwf := filepath.Join(dir, "pw")
	os.WriteFile(pwf, []byte("correct-horse-battery\n"), 0o600)
	if code, out, errs := kaohe(t, "--store", db, "user", "add", "王芳", "--role", "admin", "--password-file", pwf, "--by", "测试"); code != 0 || !strings.Contains(out, "added 王芳 (admin)") {
		t.Fatalf("user add: %d %s %s", code, out, errs)
	}
	if code, _, errs := kaohe(t, "--store", db, "user", "add", "王芳", "--role", "viewer", "--password-file", pwf); code != exitUser || !strings.Contains(errs, "exists") {
		t.Errorf("same user twice: %d %s", code, errs)
	}
	os.WriteFile(pwf, []byte("short\n"), 0o600)
	if code, _, errs := kaohe(t, "--store", db, "user", "add", "李明", "--role", "viewer", "--password-file", pwf); code != exitUser || !strings.Contains(errs, "密码至少10个字符") {
		t.Errorf("short password: %d %s", code, errs)
	}
	if code, _, _ := kaohe(t, "--store", db, "user", "add", "李明", "--role", "boss", "--password-file", pwf); code != exitUsage {
		t.Errorf("unknown role: exit %d", code)
	}
	if code, out, _ := kaohe(t, "--store", db, "user", "list"); code != 0 || !strings.Contains(out, "王芳") || !strings.Contains(out, "admin") || !strings.Contains(out, "测试") {
		t.Errorf("user list: %d %s", code, out)
	}

	// Plain HTTP on every interface is refused with the way out named.
	if code, _, errs := kaohe(t, "--store", db, "web", "--listen", "0.0.0.0:0"); code != exitUser || !strings.Contains(errs, "web.tls_cert") || !strings.Contains(errs, "behind_proxy") {
		t.Errorf("web on 0.0.0.0: %d %s", code, errs)
	}

	// The console serves the login page on loopback until interrupted.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- runWith([]string{"--store", db, "web", "--listen", "127.0.0.1:0"}, &out, &errb, testHooks{ctx: ctx})
	}()
	addr := regexp.MustCompile(`office console: (http://\S+)`)
	waitUntil(t, "the console's address", func() bool { return addr.MatchString(out.String()) })
	url := addr.FindStringSubmatch(out.String())[1]
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "登录") {
		t.Errorf("GET %s: %d", url, resp.StatusCode)
	}
	cancel()
	select {
	case code := <-done:
		if code != exitOK && code != exitInterrupted {
			t.Errorf("kaohe web ended with %d: %s", code, errb.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("kaohe web did not stop")
	}
}

// syncBuffer is a bytes.Buffer safe to read while a command writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestServeRunsTheConsole(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	os.WriteFile(secret, []byte("a-long-random-secret-of-the-office-0123456789"), 0o600)
	cfg := filepath.Join(dir, "kaohe.toml")
	os.WriteFile(cfg, []byte("[store]\npath = '"+filepath.Join(dir, "k.db")+"'\n[forms]\nsecret_file = '"+secret+"'\n[web]\nenabled = true\nlisten = \"127.0.0.1:0\"\n"), 0o600)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() { done <- runWith([]string{"--config", cfg, "serve"}, &out, &errb, testHooks{ctx: ctx}) }()
	addr := regexp.MustCompile(`office console: (http://\S+)`)
	waitUntil(t, "the console beside serve", func() bool { return addr.MatchString(out.String()) })
	resp, err := http.Get(addr.FindStringSubmatch(out.String())[1] + "login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("login page: %d", resp.StatusCode)
	}
	if !strings.Contains(out.String(), "no users yet") {
		t.Errorf("no hint to add a user: %s", out.String())
	}
	cancel()
	select {
	case code := <-done:
		if code != exitOK && code != exitInterrupted {
			t.Errorf("serve ended with %d: %s", code, errb.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
}

func TestDemoWeb(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole demo")
	}
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- runWith([]string{"demo", "--out", dir, "--web", "--listen", "127.0.0.1:0"}, &out, &errb, testHooks{ctx: ctx})
	}()
	addr := regexp.MustCompile(`office console: (http://\S+)`)
	pwRe := regexp.MustCompile(`console user: admin  one-time password: (\S+)`)
	waitUntil(t, "the demo's console", func() bool { return addr.MatchString(out.String()) })
	base, pw := addr.FindStringSubmatch(out.String())[1], pwRe.FindStringSubmatch(out.String())
	if pw == nil {
		t.Fatalf("no one-time password printed:\n%s", out.String())
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.PostForm(base+"login", url.Values{"name": {"admin"}, "password": {pw[1]}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"admin（管理员）", "应报", "考核排名.xlsx", "迟报"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("the demo's month lacks %q", want)
		}
	}
	cancel()
	select {
	case code := <-done:
		if code != exitOK && code != exitInterrupted {
			t.Errorf("demo --web ended with %d: %s", code, errb.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("demo --web did not stop")
	}
	if _, err := os.Stat(filepath.Join(dir, "kaohe.db")); err != nil {
		t.Errorf("the demo's store was not kept: %v", err)
	}
}
