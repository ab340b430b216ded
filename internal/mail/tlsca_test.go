package mail

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// privateCA returns a server TLS config for 127.0.0.1 whose certificate is signed by a
// fresh private CA, and the path of that CA's certificate as a PEM file (an intranet
// mail server's setup).
func privateCA(t *testing.T) (*tls.Config, string) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "济宁市委组织部 内网 CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "mail.jining.intranet"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, path
}

func TestIMAPCAFile(t *testing.T) {
	cert, caFile := privateCA(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := startIMAPServer(ctx, testLogger(t), map[string]string{testUser: testPass},
		imapServerOptions{tls: cert, implicitTLS: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cfg := testIMAPConfig(t, s)
	cfg.TLS = "tls"
	_, err = DialIMAP(ctx, cfg, testLogger(t))
	if !errors.Is(err, ErrUnreachable) || !UnknownAuthority(err) {
		t.Fatalf("without ca_file: %v, want unknown authority", err)
	}
	cfg.CAFile = caFile
	in := dialTest(t, cfg)
	if _, err := in.Unprocessed(ctx); err != nil {
		t.Fatal(err)
	}
	cfg.CAFile = filepath.Join(t.TempDir(), "missing.pem")
	if _, err := DialIMAP(ctx, cfg, testLogger(t)); !errors.Is(err, ErrConfig) {
		t.Errorf("missing ca_file: %v, want ErrConfig", err)
	}
	junk := filepath.Join(t.TempDir(), "junk.pem")
	if err := os.WriteFile(junk, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg.CAFile = junk
	if _, err := DialIMAP(ctx, cfg, testLogger(t)); !errors.Is(err, ErrConfig) {
		t.Errorf("ca_file without PEM: %v, want ErrConfig", err)
	}
}

func TestSMTPCAFile(t *testing.T) {
	cert, caFile := privateCA(t)
	for _, tc := range []struct {
		mode     string
		implicit bool
	}{{"tls", true}, {"starttls", false}} {
		t.Run(tc.mode, func(t *testing.T) {
			sink := startTestSink(t, SinkOptions{TLSConfig: cert, ImplicitTLS: tc.implicit})
			cfg := sinkConfig(t, sink)
			cfg.TLS = tc.mode
			_, err := NewSender(cfg, testLogger(t)).Probe(context.Background())
			if !UnknownAuthority(err) {
				t.Fatalf("without ca_file: %v, want unknown authority", err)
			}
			cfg.CAFile = caFile
			info, err := NewSender(cfg, testLogger(t)).Probe(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if !info.HasSize || info.SizeLimit != 64<<20 {
				t.Errorf("size %+v, want the sink's 64 MiB", info)
			}
			res := results{}
			if err := NewSender(cfg, testLogger(t)).SendBatch(context.Background(), []Outgoing{testOutgoing(1)}, res.each); err != nil || res[0] != nil {
				t.Fatalf("send with ca_file: %v, %v", err, res[0])
			}
		})
	}
}
