package mail

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"testing"
	"time"
)

// selfSigned returns a server TLS config with a fresh certificate for
// 127.0.0.1, trusted by nobody (clients need InsecureSkipVerify).
func selfSigned(t *testing.T) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "kaohe test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
}

func TestDialIMAPTLS(t *testing.T) {
	cert := selfSigned(t)
	for _, tc := range []struct {
		mode     string
		implicit bool
	}{{"tls", true}, {"starttls", false}} {
		t.Run(tc.mode, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			s, err := startIMAPServer(ctx, testLogger(t), map[string]string{testUser: testPass},
				imapServerOptions{tls: cert, implicitTLS: tc.implicit})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if err := s.Append(ctx, testUser, "INBOX", testRaw(1)); err != nil {
				t.Fatal(err)
			}
			cfg := testIMAPConfig(t, s)
			cfg.TLS = tc.mode
			if _, err := DialIMAP(ctx, cfg, testLogger(t)); !errors.Is(err, ErrUnreachable) {
				t.Errorf("untrusted certificate: %v, want ErrUnreachable", err)
			}
			cfg.InsecureSkipVerify = true
			in := dialTest(t, cfg)
			got, err := in.Unprocessed(ctx)
			if err != nil || len(got) != 1 {
				t.Fatalf("%d, %v", len(got), err)
			}
			if err := in.MarkProcessed(ctx, got[0].UIDValidity, got[0].UID); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestSendBatchTLS(t *testing.T) {
	cert := selfSigned(t)
	for _, tc := range []struct {
		mode     string
		implicit bool
	}{{"tls", true}, {"starttls", false}, {"starttls-optional", false}} {
		t.Run(tc.mode, func(t *testing.T) {
			sink := startTestSink(t, SinkOptions{TLSConfig: cert, ImplicitTLS: tc.implicit})
			cfg := sinkConfig(t, sink)
			cfg.TLS = tc.mode
			res := results{}
			if err := NewSender(cfg, testLogger(t)).SendBatch(context.Background(), []Outgoing{testOutgoing(1)}, res.each); err == nil || res[0] == nil {
				t.Errorf("untrusted certificate: %v, %v; want failure", err, res[0])
			}
			cfg.InsecureSkipVerify = true
			res = results{}
			if err := NewSender(cfg, testLogger(t)).SendBatch(context.Background(), []Outgoing{testOutgoing(1), testOutgoing(2)}, res.each); err != nil {
				t.Fatal(err)
			}
			if res[0] != nil || res[1] != nil {
				t.Fatalf("results %v", res)
			}
			got := sink.Messages()
			if len(got) != 2 || got[0].Conn != got[1].Conn || got[0].Conn == 0 {
				t.Errorf("sink got %d messages, conns %v", len(got), got)
			}
		})
	}
}
