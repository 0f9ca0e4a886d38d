// Package notify sends notification emails: through SMTP when ACCESS_SMTP_URL is set, otherwise into the
// log. Callers send after their change is committed and only log a failure, so an email can never fail
// or undo the request that caused it.
package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"net/url"
	"strings"
	"time"
)

// Timeout bounds one delivery.
const Timeout = 10 * time.Second

// Message is one plain-text email to one address.
type Message struct {
	To      string
	Subject string
	Body    string
	// Secret: the body holds a single-use link (an MFA set-up link, say): the log sender leaves it out.
	Secret bool
}

// Sender delivers messages.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// New returns the SMTP sender for smtpURL, or the log sender when it is empty. from is the sender
// address used unless the URL names one (`?from=`).
func New(smtpURL, from string, log *slog.Logger) (Sender, error) {
	if smtpURL == "" {
		return LogSender{Log: log}, nil
	}
	return NewSMTP(smtpURL, from)
}

// LogSender writes messages to the log instead of sending them.
type LogSender struct{ Log *slog.Logger }

// Send implements Sender.
func (l LogSender) Send(_ context.Context, m Message) error {
	if m.Secret {
		l.Log.Info("email (no ACCESS_SMTP_URL set, so not sent; its body holds a single-use link, so it is not logged either)",
			"to", m.To, "subject", m.Subject)
		return nil
	}
	l.Log.Info("email (no ACCESS_SMTP_URL set, so logged instead of sent)", "to", m.To, "subject", m.Subject, "body", m.Body)
	return nil
}

// SMTP sends through an SMTP server: smtp://user:pass@host:port (STARTTLS when the server offers it)
// or smtps://... (TLS from the start).
type SMTP struct {
	addr, host     string
	user, password string
	implicitTLS    bool
	from           string
}

// NewSMTP parses the URL.
func NewSMTP(rawURL, from string) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		return nil, errors.New("ACCESS_SMTP_URL: must look like smtp://user:pass@host:port")
	}
	s := &SMTP{host: u.Hostname(), implicitTLS: u.Scheme == "smtps", from: from}
	port := u.Port()
	if port == "" {
		port = "25"
		if s.implicitTLS {
			port = "465"
		}
	}
	s.addr = net.JoinHostPort(s.host, port)
	if u.User != nil {
		s.user = u.User.Username()
		s.password, _ = u.User.Password()
	}
	if f := u.Query().Get("from"); f != "" {
		s.from = f
	}
	if _, err := mail.ParseAddress(s.from); err != nil {
		return nil, fmt.Errorf("ACCESS_SMTP_URL: the sender address %q is not valid", s.from)
	}
	return s, nil
}

// Send implements Sender.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	d := net.Dialer{}
	conn, err := d.DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return err
	}
	if deadline, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(deadline)
	}
	if s.implicitTLS {
		conn = tls.Client(conn, &tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12})
	}
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		_ = conn.Close()
		return err
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok && !s.implicitTLS {
		if err := c.StartTLS(&tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12}); err != nil {
			return err
		}
	}
	if s.user != "" {
		// net/smtp refuses PLAIN over an unencrypted connection except to localhost.
		if err := c.Auth(smtp.PlainAuth("", s.user, s.password, s.host)); err != nil {
			return err
		}
	}
	if err := c.Mail(s.from); err != nil {
		return err
	}
	if err := c.Rcpt(m.To); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(compose(s.from, m)); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// compose writes the message with headers that cannot be split by what they carry.
func compose(from string, m Message) []byte {
	clean := func(s string) string { return strings.NewReplacer("\r", " ", "\n", " ").Replace(s) }
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\n", clean(from), clean(m.To),
		mime.QEncoding.Encode("utf-8", clean(m.Subject)), time.Now().UTC().Format(time.RFC1123Z))
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	b.WriteString(strings.ReplaceAll(strings.ReplaceAll(m.Body, "\r\n", "\n"), "\n", "\r\n"))
	return []byte(b.String())
}
