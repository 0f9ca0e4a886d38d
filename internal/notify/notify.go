// Package notify sends notification emails: through SMTP (github.com/wneessen/go-mail, with retries)
// when ACCESS_SMTP_URL is set, otherwise into the log. Callers send after their change is committed and only log a failure, so an email can never fail
// or undo the request that caused it.
package notify

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	netmail "net/mail"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/wneessen/go-mail"
)

// Timeout bounds one delivery.
const Timeout = 10 * time.Second

// Message is one email to one address: plain text, with an HTML alternative when HTML is set (sent as
// multipart/alternative). An email written from templates names them in Template instead, and the
// themed sender (theme.Mailer) writes its Subject, Body and HTML before it goes.
type Message struct {
	To      string
	Subject string
	Body    string
	HTML    string
	// Secret: the body holds a single-use link (an MFA set-up link, say): the log sender leaves it out.
	Secret bool
	// Template, when set, is the email's templates and values (mailtmpl): Subject, Body and HTML are
	// written from them.
	Template *Template
}

// Template names an email's templates (internal/mailtmpl/templates/<Name>.txt.tmpl and .html.tmpl) and
// what fills them.
type Template struct {
	Name string
	// Locale is the language to write in (an i18n locale code); empty: the platform's default.
	Locale string
	// Values fill the bundle strings' placeholders as they are ({link}, {by}, {organisation}, {name}).
	Values map[string]string
	// Phrases fill placeholders with the bundle's string of a key, in the email's language ({reason}).
	Phrases map[string]string
	// Validity fills {validity} in words ("72 hours"); zero: none.
	Validity time.Duration
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

// Send implements Sender. The HTML version is not logged: the text says the same.
func (l LogSender) Send(_ context.Context, m Message) error {
	if m.Secret {
		l.Log.Info("email (no ACCESS_SMTP_URL set, so not sent; its body holds a single-use link, so it is not logged either)",
			"to", m.To, "subject", m.Subject)
		return nil
	}
	l.Log.Info("email (no ACCESS_SMTP_URL set, so logged instead of sent)", "to", m.To, "subject", m.Subject, "body", m.Body)
	return nil
}

// Retries: a temporary failure (a 4xx reply, a connection that fails or breaks) is tried again, up to
// DefaultAttempts attempts in all, waiting DefaultBackoff and then twice as long before each next one,
// within the context's deadline (Timeout for every caller). A permanent failure (a 5xx reply: refused,
// bad credentials) is not tried again.
const (
	DefaultAttempts = 3
	DefaultBackoff  = 500 * time.Millisecond
	// AttemptTimeout bounds one attempt: connecting, and each exchange with the server after.
	AttemptTimeout = 5 * time.Second
)

// SMTP sends through an SMTP server with github.com/wneessen/go-mail: smtp://user:pass@host:port
// (STARTTLS when the server offers it) or smtps://... (TLS from the start). With a user in the URL it
// authenticates with AUTH PLAIN, which go-mail refuses to send in the clear except to localhost.
type SMTP struct {
	host           string
	port           int
	user, password string
	implicitTLS    bool
	from           string

	// Attempts is how many times a message is tried in all (DefaultAttempts); Backoff the wait before
	// the second (DefaultBackoff), doubled before each next one.
	Attempts int
	Backoff  time.Duration
}

// NewSMTP parses the URL.
func NewSMTP(rawURL, from string) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		return nil, errors.New("ACCESS_SMTP_URL: must look like smtp://user:pass@host:port")
	}
	s := &SMTP{host: u.Hostname(), implicitTLS: u.Scheme == "smtps", from: from, port: mail.DefaultPort,
		Attempts: DefaultAttempts, Backoff: DefaultBackoff}
	if s.implicitTLS {
		s.port = mail.DefaultPortSSL
	}
	if p := u.Port(); p != "" {
		if s.port, err = strconv.Atoi(p); err != nil || s.port < 1 || s.port > 65535 {
			return nil, errors.New("ACCESS_SMTP_URL: the port must be a number from 1 to 65535")
		}
	}
	if u.User != nil {
		s.user = u.User.Username()
		s.password, _ = u.User.Password()
	}
	if f := u.Query().Get("from"); f != "" {
		s.from = f
	}
	if _, err := netmail.ParseAddress(s.from); err != nil {
		return nil, fmt.Errorf("ACCESS_SMTP_URL: the sender address %q is not valid", s.from)
	}
	return s, nil
}

// Send implements Sender: it tries again after a temporary failure (see DefaultAttempts), never after
// the server took the message.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	msg, err := s.compose(m)
	if err != nil {
		return err
	}
	wait := s.Backoff
	for attempt := 1; ; attempt++ {
		err = s.attempt(ctx, msg)
		if err == nil || msg.IsDelivered() { // taken: a failure after (RSET, QUIT) is not the message's
			return nil
		}
		if attempt >= s.Attempts || !Temporary(err) || ctx.Err() != nil {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return errors.Join(err, ctx.Err())
		case <-t.C:
		}
		wait *= 2
	}
}

// attempt connects, sends and quits once.
func (s *SMTP) attempt(ctx context.Context, msg *mail.Msg) error {
	timeout := AttemptTimeout
	if deadline, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(deadline))
		if timeout <= 0 {
			return context.DeadlineExceeded
		}
	}
	opts := []mail.Option{mail.WithPort(s.port), mail.WithTimeout(timeout),
		mail.WithTLSConfig(&tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12})}
	if s.implicitTLS {
		opts = append(opts, mail.WithSSL())
	} else {
		opts = append(opts, mail.WithTLSPolicy(mail.TLSOpportunistic))
	}
	if s.user != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthPlain), mail.WithUsername(s.user), mail.WithPassword(s.password))
	}
	c, err := mail.NewClient(s.host, opts...)
	if err != nil {
		return err
	}
	return c.DialAndSendWithContext(ctx, msg)
}

// compose builds the message: text, and HTML as its alternative when there is one. Headers cannot be
// split by what they carry (go-mail encodes them; a CR or LF in the subject becomes a space first).
func (s *SMTP) compose(m Message) (*mail.Msg, error) {
	msg := mail.NewMsg(mail.WithNoDefaultUserAgent())
	if err := msg.From(s.from); err != nil {
		return nil, fmt.Errorf("the sender address: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("the recipient address: %w", err)
	}
	msg.Subject(strings.NewReplacer("\r", " ", "\n", " ").Replace(m.Subject))
	msg.SetDate()
	msg.SetMessageID()
	msg.SetBodyString(mail.TypeTextPlain, m.Body)
	if m.HTML != "" {
		msg.AddAlternativeString(mail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

// Temporary says whether a failed send may succeed if tried again: a 4xx reply, or a connection that
// could not be made or broke. A 5xx reply, a TLS certificate the server cannot prove, or anything
// else is permanent.
func Temporary(err error) bool {
	if err == nil {
		return false
	}
	var se *mail.SendError
	if errors.As(err, &se) {
		if code := se.ErrorCode(); code != 0 {
			return code/100 == 4
		}
		switch se.Reason {
		case mail.ErrGetSender, mail.ErrGetRcpts, mail.ErrNoUnencoded: // the message's, not the server's
			return false
		}
		return true // the conversation broke without a reply
	}
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code/100 == 4
	}
	var cert *tls.CertificateVerificationError
	var unknownAuthority x509.UnknownAuthorityError
	var hostname x509.HostnameError
	if errors.As(err, &cert) || errors.As(err, &unknownAuthority) || errors.As(err, &hostname) {
		return false
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE)
}
