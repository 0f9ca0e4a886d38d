package testutil

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/textproto"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// SMTPServer is a real SMTP server (github.com/emersion/go-smtp) that a test starts on a loopback port.
// It accepts every message (unless made to refuse them), keeps each one parsed, and closes when the
// test ends. It speaks plain SMTP only: no STARTTLS is offered, so a client sends in the clear, and
// AUTH PLAIN is accepted over it (net/smtp allows that to 127.0.0.1).
type SMTPServer struct {
	srv       *smtp.Server
	addr      string
	user      string // required AUTH user, "" when any (or no) AUTH is accepted
	password  string
	refuseAll bool
	tempFails int // messages still to refuse with 451 (WithSMTPTemporaryFailures)

	mu       sync.Mutex
	closed   bool
	msgs     []SMTPMessage
	taken    []bool
	refused  []SMTPMessage
	changed  chan struct{} // closed, and replaced, whenever a message arrives
	logf     func(format string, args ...any)
	served   chan struct{}
	serveErr error
}

// SMTPMessage is one message the server received, parsed.
type SMTPMessage struct {
	// From and To are the envelope: MAIL FROM and every RCPT TO, without angle brackets.
	From string
	To   []string
	// AuthUser is the user name the client authenticated as with AUTH PLAIN, "" without AUTH.
	AuthUser string
	// Raw is the message as sent after DATA (dot-unstuffed, line ends as sent).
	Raw []byte
	// Header is the message's header as net/mail parsed it (values not decoded).
	Header mail.Header
	// Subject is the Subject header with its RFC 2047 encoded words decoded.
	Subject string
	// Text and HTML are the text/plain and text/html bodies, their transfer encoding (quoted-printable,
	// base64) undone and CRLF line ends turned into LF. A message that is not multipart fills the one
	// its Content-Type names (text/plain when it names none); a multipart one fills each from the
	// first inline part of that type, however deeply nested.
	Text, HTML string
	// Parts are the leaf parts of a multipart message, in order, bodies decoded as for Text; nil for
	// a message that is not multipart.
	Parts []SMTPPart
	// ParseErr is why the message could not be parsed, if it could not; WaitFor fails the test then.
	ParseErr error
}

// SMTPPart is one leaf part of a multipart message.
type SMTPPart struct {
	Header      textproto.MIMEHeader
	ContentType string // media type, lower case, without parameters
	Filename    string // from Content-Disposition, "" when none
	Body        []byte // transfer encoding undone; line ends as sent
}

// HeaderText returns the named header with its RFC 2047 encoded words decoded.
func (m SMTPMessage) HeaderText(name string) string {
	return decodeWords(m.Header.Get(name))
}

// SMTPOption configures StartSMTP.
type SMTPOption func(*SMTPServer)

// WithSMTPAuth makes the server require AUTH PLAIN with this user and password before MAIL FROM, as a
// mail provider does. Without it, AUTH is optional and any credentials are accepted (and recorded).
func WithSMTPAuth(user, password string) SMTPOption {
	return func(s *SMTPServer) { s.user, s.password = user, password }
}

// WithSMTPRefusal makes the server refuse every message at the end of DATA with 554, as a mail server
// refusing would. Refused messages are kept apart: see Refused.
func WithSMTPRefusal() SMTPOption {
	return func(s *SMTPServer) { s.refuseAll = true }
}

// WithSMTPTemporaryFailures makes the server refuse the first n messages at the end of DATA with 451,
// a temporary failure (a mail server busy, greylisting), and accept the ones after. Refused messages
// are kept apart: see Refused.
func WithSMTPTemporaryFailures(n int) SMTPOption {
	return func(s *SMTPServer) { s.tempFails = n }
}

// StartSMTP starts an SMTP server on 127.0.0.1 (a free port) that runs until the test ends.
func StartSMTP(t testing.TB, opts ...SMTPOption) *SMTPServer {
	t.Helper()
	s := &SMTPServer{changed: make(chan struct{}), served: make(chan struct{}), logf: t.Logf}
	for _, o := range opts {
		o(s)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &smtpSession{s: s}, nil
	}))
	s.srv.Domain = "localhost"
	s.srv.AllowInsecureAuth = true
	s.srv.ReadTimeout = 10 * time.Second
	s.srv.WriteTimeout = 10 * time.Second
	s.srv.MaxMessageBytes = 10 << 20
	s.srv.ErrorLog = smtpLogger{s}
	go func() {
		err := s.srv.Serve(ln)
		s.mu.Lock()
		s.serveErr = err
		s.mu.Unlock()
		close(s.served)
	}()
	t.Cleanup(func() {
		s.mu.Lock()
		s.closed = true // from here on, nothing logs through t
		s.mu.Unlock()
		_ = s.srv.Close()
		<-s.served
		if s.serveErr != nil {
			t.Errorf("SMTP server: %v", s.serveErr)
		}
	})
	return s
}

// Addr is the server's host:port.
func (s *SMTPServer) Addr() string { return s.addr }

// URL is an smtp:// URL of the server, for ACCESS_SMTP_URL, carrying the WithSMTPAuth credentials if
// any; query (without "?", e.g. "from=x@example.com") is added when not empty.
func (s *SMTPServer) URL(query string) string {
	u := url.URL{Scheme: "smtp", Host: s.addr, RawQuery: query}
	if s.user != "" {
		u.User = url.UserPassword(s.user, s.password)
	}
	return u.String()
}

// Messages returns every message accepted so far, in order of arrival, taken by WaitFor or not.
func (s *SMTPServer) Messages() []SMTPMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SMTPMessage(nil), s.msgs...)
}

// Refused returns every message refused so far under WithSMTPRefusal or WithSMTPTemporaryFailures.
func (s *SMTPServer) Refused() []SMTPMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SMTPMessage(nil), s.refused...)
}

// WaitFor returns the first message not yet taken that has to among its recipients (compared without
// regard to case), and takes it; it fails the test if none arrives within timeout, or if the message
// could not be parsed.
func (s *SMTPServer) WaitFor(t testing.TB, to string, timeout time.Duration) SMTPMessage {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		for i, m := range s.msgs {
			if s.taken[i] || !hasRecipient(m, to) {
				continue
			}
			s.taken[i] = true
			s.mu.Unlock()
			if m.ParseErr != nil {
				t.Fatalf("SMTP message to %s could not be parsed: %v\n%s", to, m.ParseErr, m.Raw)
			}
			return m
		}
		changed := s.changed
		s.mu.Unlock()
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("no email to %s within %v; received: %s", to, timeout, s.summary())
			return SMTPMessage{}
		}
	}
}

// ExpectNone fails the test if a message not yet taken is there, or arrives, within wait.
func (s *SMTPServer) ExpectNone(t testing.TB, wait time.Duration) {
	t.Helper()
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		for i, m := range s.msgs {
			if !s.taken[i] {
				s.mu.Unlock()
				t.Fatalf("unexpected email to %v, subject %q:\n%s", m.To, m.Subject, m.Raw)
				return
			}
		}
		changed := s.changed
		s.mu.Unlock()
		select {
		case <-changed:
		case <-deadline.C:
			return
		}
	}
}

func (s *SMTPServer) summary() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.msgs) == 0 {
		return "nothing"
	}
	var b strings.Builder
	for i, m := range s.msgs {
		state := ""
		if s.taken[i] {
			state = " (taken)"
		}
		fmt.Fprintf(&b, "\n  to %v, subject %q%s", m.To, m.Subject, state)
	}
	return b.String()
}

func (s *SMTPServer) keep(m SMTPMessage, refused bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if refused {
		s.refused = append(s.refused, m)
	} else {
		s.msgs = append(s.msgs, m)
		s.taken = append(s.taken, false)
	}
	close(s.changed)
	s.changed = make(chan struct{})
}

func hasRecipient(m SMTPMessage, to string) bool {
	for _, r := range m.To {
		if strings.EqualFold(r, to) {
			return true
		}
	}
	return false
}

// smtpLogger sends go-smtp's error log to the test's log while the test runs.
type smtpLogger struct{ s *SMTPServer }

func (l smtpLogger) Printf(format string, v ...any) {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	if !l.s.closed {
		l.s.logf("SMTP server: "+format, v...)
	}
}

func (l smtpLogger) Println(v ...any) { l.Printf("%s", strings.TrimSuffix(fmt.Sprintln(v...), "\n")) }

// smtpSession is one client connection; it implements smtp.Session and smtp.AuthSession.
type smtpSession struct {
	s        *SMTPServer
	authUser string
	authed   bool
	from     string
	to       []string
}

var (
	errSMTPRefused = &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Message refused (test server set to refuse)"}
	errSMTPBusy    = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later (test server set to fail for now)"}
)

func (ss *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *smtpSession) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if identity != "" && identity != username {
			return smtp.ErrAuthFailed
		}
		if ss.s.user != "" && (username != ss.s.user || password != ss.s.password) {
			return smtp.ErrAuthFailed
		}
		ss.authUser, ss.authed = username, true
		return nil
	}), nil
}

func (ss *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.user != "" && !ss.authed {
		return smtp.ErrAuthRequired
	}
	ss.from, ss.to = from, nil
	return nil
}

func (ss *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *smtpSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := parseSMTPMessage(raw)
	m.From, m.To, m.AuthUser = ss.from, append([]string(nil), ss.to...), ss.authUser
	ss.s.mu.Lock()
	temporary := ss.s.tempFails > 0
	if temporary {
		ss.s.tempFails--
	}
	ss.s.mu.Unlock()
	ss.s.keep(m, ss.s.refuseAll || temporary)
	switch {
	case ss.s.refuseAll:
		return errSMTPRefused
	case temporary:
		return errSMTPBusy
	}
	return nil
}

func (ss *smtpSession) Reset() { ss.from, ss.to = "", nil }

func (ss *smtpSession) Logout() error { return nil }

var wordDecoder = mime.WordDecoder{} // no CharsetReader: UTF-8, US-ASCII and ISO-8859-1 only

func decodeWords(s string) string {
	if d, err := wordDecoder.DecodeHeader(s); err == nil {
		return d
	}
	return s
}

// parseSMTPMessage parses raw into its header, subject and bodies; a failure is kept in ParseErr.
func parseSMTPMessage(raw []byte) SMTPMessage {
	m := SMTPMessage{Raw: raw}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		m.ParseErr = err
		return m
	}
	m.Header = msg.Header
	m.Subject = decodeWords(msg.Header.Get("Subject"))
	h := textproto.MIMEHeader(msg.Header)
	mediaType, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if h.Get("Content-Type") == "" {
		mediaType, params, err = "text/plain", nil, nil
	}
	if err != nil {
		m.ParseErr = fmt.Errorf("Content-Type: %w", err)
		return m
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		m.ParseErr = m.walkMultipart(msg.Body, params["boundary"])
		return m
	}
	body, err := decodeTransfer(h.Get("Content-Transfer-Encoding"), msg.Body)
	if err != nil {
		m.ParseErr = err
		return m
	}
	switch mediaType {
	case "text/html":
		m.HTML = lf(body)
	default:
		m.Text = lf(body)
	}
	return m
}

// walkMultipart collects the leaf parts of a multipart body, recursing into nested multiparts.
func (m *SMTPMessage) walkMultipart(body io.Reader, boundary string) error {
	if boundary == "" {
		return errors.New("multipart message without a boundary")
	}
	mr := multipart.NewReader(body, boundary)
	for {
		p, err := mr.NextRawPart() // raw: the transfer encoding is undone below, for every encoding alike
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		ct := p.Header.Get("Content-Type")
		mediaType, params := "text/plain", map[string]string(nil)
		if ct != "" {
			if mediaType, params, err = mime.ParseMediaType(ct); err != nil {
				return fmt.Errorf("part Content-Type %q: %w", ct, err)
			}
		}
		if strings.HasPrefix(mediaType, "multipart/") {
			if err := m.walkMultipart(p, params["boundary"]); err != nil {
				return err
			}
			continue
		}
		b, err := decodeTransfer(p.Header.Get("Content-Transfer-Encoding"), p)
		if err != nil {
			return err
		}
		part := SMTPPart{Header: p.Header, ContentType: mediaType, Body: b}
		disposition, dparams, _ := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
		part.Filename = decodeWords(dparams["filename"])
		m.Parts = append(m.Parts, part)
		if disposition == "attachment" {
			continue
		}
		switch {
		case mediaType == "text/plain" && m.Text == "":
			m.Text = lf(b)
		case mediaType == "text/html" && m.HTML == "":
			m.HTML = lf(b)
		}
	}
}

// decodeTransfer undoes a Content-Transfer-Encoding.
func decodeTransfer(encoding string, r io.Reader) ([]byte, error) {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "", "7bit", "8bit", "binary":
		return io.ReadAll(r)
	case "quoted-printable":
		b, err := io.ReadAll(quotedprintable.NewReader(r))
		if err != nil {
			return nil, fmt.Errorf("quoted-printable body: %w", err)
		}
		return b, nil
	case "base64":
		b, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, r)) // the decoder skips CR and LF
		if err != nil {
			return nil, fmt.Errorf("base64 body: %w", err)
		}
		return b, nil
	default:
		return nil, fmt.Errorf("unknown Content-Transfer-Encoding %q", encoding)
	}
}

func lf(b []byte) string { return strings.ReplaceAll(string(b), "\r\n", "\n") }
