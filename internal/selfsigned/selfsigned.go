// Package selfsigned makes throwaway self-signed TLS certificates: an ECDSA
// P-256 key (quick to generate) and a certificate that is its own CA, so a
// peer trusts it by holding the certificate alone. The test helpers
// (internal/testcert, the engine's TLS tests) and the bench target's -tls
// use it; nothing it makes is meant to outlive a test or a benchmark.
package selfsigned

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"time"
)

// Cert is a self-signed certificate and its key.
type Cert struct {
	// CertPEM and KeyPEM are the certificate and its private key (PKCS #8)
	// as PEM, for files a CLI flag or a server reads.
	CertPEM, KeyPEM []byte
	// Leaf is the parsed certificate.
	Leaf *x509.Certificate
	// TLS is the certificate and key to present, for tls.Config.Certificates.
	TLS tls.Certificate
}

// Pool returns a pool holding c alone, to trust it.
func (c *Cert) Pool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(c.Leaf)
	return pool
}

// New makes a certificate for common name cn, valid from a minute ago for
// the duration valid, usable for usages (server and/or client
// authentication). A server certificate is valid for 127.0.0.1, ::1 and
// localhost: load only ever goes to loopback.
func New(cn string, valid time.Duration, usages ...x509.ExtKeyUsage) (*Cert, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("selfsigned: generate key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, fmt.Errorf("selfsigned: serial: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             now.Add(-time.Minute),
		NotAfter:              now.Add(valid),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           usages,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	for _, u := range usages {
		if u == x509.ExtKeyUsageServerAuth {
			tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
			tmpl.DNSNames = []string{"localhost"}
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("selfsigned: create certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("selfsigned: marshal key: %w", err)
	}
	c := &Cert{
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
	}
	if c.TLS, err = tls.X509KeyPair(c.CertPEM, c.KeyPEM); err != nil {
		return nil, fmt.Errorf("selfsigned: key pair: %w", err)
	}
	c.Leaf = c.TLS.Leaf
	return c, nil
}
