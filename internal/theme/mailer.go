package theme

import (
	"context"
	"log/slog"
	"strings"

	"github.com/cocoondata/access-service/internal/i18n"
	"github.com/cocoondata/access-service/internal/notify"
	"github.com/cocoondata/access-service/internal/organisation"
)

// Organisations reads an organisation for the emails about it (its own company name and links).
type Organisations interface {
	ByID(ctx context.Context, id int64) (organisation.Organisation, error)
}

// Mailer sends every notification through next with the theme at its foot: the application's and the
// company's names, the copyright, the support, help, legal and privacy links and the administrators'
// address. For an email about an organisation (notify.About), the organisation's own company name and
// links (companyName, supportUrl, legalUrl, privacyUrl, webappHelpUrl, orgAdminHelpUrl) replace the
// platform's where it has them. The senders' texts stay theirs; a theme or organisation that cannot be
// read leaves the email without that part, never unsent.
type Mailer struct {
	next  notify.Sender
	theme *Service
	orgs  Organisations
	log   *slog.Logger
	texts MailTexts
}

// MailTexts give the foot's labels in the platform's language (i18n.Service).
type MailTexts interface {
	ForMail(ctx context.Context) i18n.Texts
}

// SetTexts gives the foot's labels the platform's language; without it they are the built-in ones.
func (m *Mailer) SetTexts(t MailTexts) { m.texts = t }

// NewMailer returns the themed sender over next.
func NewMailer(next notify.Sender, t *Service, orgs Organisations, log *slog.Logger) *Mailer {
	if log == nil {
		log = slog.Default()
	}
	return &Mailer{next: next, theme: t, orgs: orgs, log: log}
}

// Send implements notify.Sender.
func (m *Mailer) Send(ctx context.Context, msg notify.Message) error {
	if foot := m.foot(ctx); foot != "" {
		msg.Body = strings.TrimRight(msg.Body, "\n") + "\n\n-- \n" + foot
	}
	return m.next.Send(ctx, msg)
}

// Brand is what an email's foot shows.
type Brand struct {
	ApplicationName, CompanyName, Copyright                          string
	SupportURL, WebappHelpURL, OrgAdminHelpURL, LegalURL, PrivacyURL string
	AdminEmail                                                       string
}

// BrandOf is the platform's brand, with the organisation's own company name and links where it has them.
func BrandOf(t *Theme, o *organisation.Organisation) Brand {
	b := Brand{
		ApplicationName: t.Text(ApplicationName), CompanyName: t.Text(CompanyName), Copyright: t.Text(Copyright),
		SupportURL: t.Text(SupportLink), WebappHelpURL: t.Text(WebappHelpURL), OrgAdminHelpURL: t.Text(OrgAdminHelpURL),
		LegalURL: t.Text(LegalURL), PrivacyURL: t.Text(PrivacyURL), AdminEmail: t.Text(AdminEmail),
	}
	if b.ApplicationName == "" {
		b.ApplicationName = DefaultApplicationName
	}
	if o != nil {
		for _, f := range []struct {
			own  *string
			into *string
		}{
			{o.CompanyName, &b.CompanyName}, {o.SupportURL, &b.SupportURL}, {o.LegalURL, &b.LegalURL},
			{o.PrivacyURL, &b.PrivacyURL}, {o.WebappHelpURL, &b.WebappHelpURL}, {o.OrgAdminHelpURL, &b.OrgAdminHelpURL},
		} {
			if f.own != nil && *f.own != "" {
				*f.into = *f.own
			}
		}
	}
	return b
}

func (m *Mailer) foot(ctx context.Context) string {
	t, err := m.theme.Current(ctx)
	if err != nil {
		m.log.Warn("theme not read; the email goes without it", "error", err.Error())
		return ""
	}
	var org *organisation.Organisation
	if o, ok := organisation.AboutOf(ctx); ok {
		org = &o
	} else if id, ok := notify.OrganisationOf(ctx); ok && m.orgs != nil {
		if o, err := m.orgs.ByID(ctx, id); err == nil {
			org = &o
		} else {
			m.log.Warn("organisation not read; the email shows the platform's theme", "organisation", id, "error", err.Error())
		}
	}
	b := BrandOf(t, org)
	words := i18n.BuiltinTexts()
	if m.texts != nil {
		words = m.texts.ForMail(ctx)
	}
	var s strings.Builder
	s.WriteString(b.ApplicationName)
	if b.CompanyName != "" {
		s.WriteString(" · " + b.CompanyName)
	}
	s.WriteString("\n")
	for _, line := range []struct{ label, value string }{
		{words.Text("email.footer.support"), b.SupportURL}, {words.Text("email.footer.help"), b.WebappHelpURL},
		{words.Text("email.footer.adminHelp"), b.OrgAdminHelpURL}, {words.Text("email.footer.legal"), b.LegalURL},
		{words.Text("email.footer.privacy"), b.PrivacyURL}, {words.Text("email.footer.needHelp"), b.AdminEmail},
	} {
		if line.value != "" {
			s.WriteString(line.label + " " + line.value + "\n")
		}
	}
	if b.Copyright != "" {
		s.WriteString(b.Copyright + "\n")
	}
	return s.String()
}
