package theme

import (
	"context"
	"log/slog"
	"strings"

	"github.com/cocoondata/access-service/internal/i18n"
	"github.com/cocoondata/access-service/internal/mailtmpl"
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
// platform's where it has them. A message naming its templates (notify.Message.Template) is written
// here from them (mailtmpl: text and HTML, in the recipient's language or the platform's, themed); a
// plain one keeps its text and gets the foot. A theme or organisation that cannot be read leaves the
// email without that part, never unsent.
type Mailer struct {
	next  notify.Sender
	theme *Service
	orgs  Organisations
	log   *slog.Logger
	texts MailTexts
}

// MailTexts give the emails' words in the platform's language, or in the recipient's (i18n.Service).
type MailTexts interface {
	ForMail(ctx context.Context) i18n.Texts
	ForMailIn(ctx context.Context, locale string) i18n.Texts
}

// SetTexts gives the emails the bundles' words; without it they are the built-in ones.
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
	if tmpl := msg.Template; tmpl != nil {
		texts := i18n.BuiltinTexts()
		if m.texts != nil {
			texts = m.texts.ForMailIn(ctx, tmpl.Locale)
		}
		e, err := mailtmpl.Render(tmpl.Name, mailtmpl.Input{Texts: texts, Brand: m.brand(ctx),
			Values: tmpl.Values, Phrases: tmpl.Phrases, Validity: tmpl.Validity})
		if err != nil {
			return err
		}
		msg.Subject, msg.Body, msg.HTML, msg.Template = e.Subject, e.Text, e.HTML, nil
		return m.next.Send(ctx, msg)
	}
	if foot := m.foot(ctx); foot != "" {
		msg.Body = strings.TrimRight(msg.Body, "\n") + "\n\n-- \n" + foot
	}
	return m.next.Send(ctx, msg)
}

// Brand is what an email's foot shows.
type Brand = mailtmpl.Brand

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

// brand is the email's theme: the platform's, or the organisation's it is about; nil when the theme
// cannot be read.
func (m *Mailer) brand(ctx context.Context) *Brand {
	t, err := m.theme.Current(ctx)
	if err != nil {
		m.log.Warn("theme not read; the email goes without it", "error", err.Error())
		return nil
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
	return &b
}

// foot is the theme's foot of a plain message, in the platform's language.
func (m *Mailer) foot(ctx context.Context) string {
	b := m.brand(ctx)
	if b == nil {
		return ""
	}
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
