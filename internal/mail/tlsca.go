package mail

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"
)

// tlsConfig is the client TLS config for host: the system's roots, plus the
// certificates of caFile (PEM) when set — an intranet server signed by a
// private CA. Adding to the system pool works on every platform (Windows and
// macOS verify with the platform first, then with the added certificates),
// unlike SSL_CERT_FILE, which only Unix reads.
func tlsConfig(host string, insecure bool, caFile string) (*tls.Config, error) {
	cfg := &tls.Config{ServerName: host, InsecureSkipVerify: insecure, MinVersion: tls.VersionTLS12}
	if caFile == "" {
		return cfg, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("%w: ca_file: %w", ErrConfig, err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%w: ca_file %s holds no PEM certificate", ErrConfig, caFile)
	}
	cfg.RootCAs = pool
	return cfg, nil
}

// UnknownAuthority reports whether err says the server's certificate is signed
// by an authority the client does not trust (a private CA: set ca_file).
func UnknownAuthority(err error) bool {
	var ua x509.UnknownAuthorityError
	if errors.As(err, &ua) {
		return true
	}
	return err != nil && strings.Contains(err.Error(), "certificate signed by unknown authority")
}
