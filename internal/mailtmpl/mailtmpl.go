// Package mailtmpl writes the emails from their templates: each email is a pair, <name>.txt.tmpl
// (text/template: its subject and plain-text body) and <name>.html.tmpl (html/template: its HTML body),
// set in a shared layout (layout.txt.tmpl, layout.html.tmpl) that carries the theme's foot. Their words
// are the language bundle's (i18n), so an uploaded bundle rewrites them; the values (a link, a name, an
// organisation) fill the bundle's placeholders, and the HTML version escapes every one of them, as it
// does every word of the bundle.
package mailtmpl

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/cocoondata/access-service/internal/i18n"
)

//go:embed templates/*.tmpl
var files embed.FS

// Brand is the theme an email shows: the application's and the company's names, the copyright, and the
// links and address of its foot (theme.BrandOf: an organisation's own where it has them).
type Brand struct {
	ApplicationName, CompanyName, Copyright                          string
	SupportURL, WebappHelpURL, OrgAdminHelpURL, LegalURL, PrivacyURL string
	AdminEmail                                                       string
}

// DefaultApplicationName names the application in an email whose theme could not be read.
const DefaultApplicationName = "SafeShare"

// Input is what one email is written from.
type Input struct {
	// Texts are the words, in the email's language.
	Texts i18n.Texts
	// Brand is the theme; nil when it could not be read: the email goes without its foot.
	Brand *Brand
	// Values fill the placeholders ({link}, {by}, {organisation}, {name}) as they are.
	Values map[string]string
	// Phrases fill placeholders with the string of a bundle key, in the email's language ({reason}).
	Phrases map[string]string
	// Validity fills {validity}, in words ("72 hours", "30 minutes"); zero: not given.
	Validity time.Duration
}

// Email is a written email.
type Email struct {
	Subject, Text, HTML string
}

type pair struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

var templates = mustLoad()

// Names are the emails there are templates of, sorted.
func Names() []string {
	out := make([]string, 0, len(templates))
	for n := range templates {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

func mustLoad() map[string]pair {
	out, err := load(files)
	if err != nil {
		panic("mailtmpl: " + err.Error()) // embedded and tested
	}
	return out
}

func load(fsys fs.FS) (map[string]pair, error) {
	names, err := fs.Glob(fsys, "templates/*.txt.tmpl")
	if err != nil {
		return nil, err
	}
	out := map[string]pair{}
	for _, f := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(f, "templates/"), ".txt.tmpl")
		if name == "layout" {
			continue
		}
		text, err := texttemplate.New("layout.txt.tmpl").ParseFS(fsys, "templates/layout.txt.tmpl", f)
		if err != nil {
			return nil, err
		}
		html, err := htmltemplate.New("layout.html.tmpl").ParseFS(fsys, "templates/layout.html.tmpl", "templates/"+name+".html.tmpl")
		if err != nil {
			return nil, err
		}
		for _, def := range []string{"subject", "body"} {
			if text.Lookup(def) == nil {
				return nil, fmt.Errorf("%s.txt.tmpl defines no %q", name, def)
			}
		}
		if html.Lookup("body") == nil {
			return nil, fmt.Errorf("%s.html.tmpl defines no \"body\"", name)
		}
		out[name] = pair{text: text, html: html}
	}
	return out, nil
}

// Data is what the templates see: the words (Text, Format, Paragraphs fill the placeholders), the
// brand and its foot, and the values.
type Data struct {
	Brand  *Brand
	Foot   []FootLine // the foot's lines that have a value, in order
	Values map[string]string
	// Lang is the language's BCP 47 tag, for <html lang>.
	Lang string
	// Subject and Body are the written subject and body, for the layouts.
	Subject string
	Body    string
	// BodyHTML is the HTML body as its template wrote it (escaped there).
	BodyHTML htmltemplate.HTML

	texts i18n.Texts
	pairs []string // placeholder name, value, ...
}

// FootLine is one line of the foot: "Support: https://...".
type FootLine struct {
	Label, Value string
	// Href is where the value links to in the HTML version: the URL, or mailto: the address.
	Href string
}

// Text is the bundle's string of key, placeholders left as they are.
func (d *Data) Text(key string) string { return d.texts.Text(key) }

// Format is the bundle's string of key with its placeholders filled.
func (d *Data) Format(key string) string { return d.texts.Format(key, d.pairs...) }

// Value is the value of the placeholder name ("" when not given).
func (d *Data) Value(name string) string {
	for i := 0; i+1 < len(d.pairs); i += 2 {
		if d.pairs[i] == name {
			return d.pairs[i+1]
		}
	}
	return ""
}

// Paragraph is a paragraph of a bundle string, for the HTML version: its lines, each a run of pieces.
type Paragraph []Line

// Line is one line of a paragraph.
type Line []Piece

// Piece is a run of text, or a link (the {link} placeholder's value) shown as one.
type Piece struct {
	Text string
	Link string
}

// Paragraphs is the bundle's string of key with its placeholders filled, cut into paragraphs (at blank
// lines) and lines, the {link} value a link of its own: the HTML template escapes every piece.
func (d *Data) Paragraphs(key string) []Paragraph {
	var lines []Line
	var line Line
	text := func(s string) {
		for i, seg := range strings.Split(s, "\n") {
			if i > 0 {
				lines, line = append(lines, line), nil
			}
			if seg != "" {
				line = append(line, Piece{Text: seg})
			}
		}
	}
	for _, p := range d.texts.Parts(key) {
		switch {
		case p.Arg == "":
			text(p.Text)
		case p.Arg == "link" && d.Value("link") != "":
			line = append(line, Piece{Link: d.Value("link")})
		case d.has(p.Arg):
			text(d.Value(p.Arg))
		default:
			text("{" + p.Arg + "}")
		}
	}
	lines = append(lines, line)
	var out []Paragraph
	var cur Paragraph
	for _, l := range lines {
		if len(l) == 0 { // an empty line ends a paragraph
			if cur != nil {
				out, cur = append(out, cur), nil
			}
			continue
		}
		cur = append(cur, l)
	}
	if cur != nil {
		out = append(out, cur)
	}
	return out
}

func (d *Data) has(name string) bool {
	for i := 0; i+1 < len(d.pairs); i += 2 {
		if d.pairs[i] == name {
			return true
		}
	}
	return false
}

// Render writes the email name (one of Names) from in.
func Render(name string, in Input) (Email, error) {
	p, ok := templates[name]
	if !ok {
		return Email{}, fmt.Errorf("mailtmpl: no email %q", name)
	}
	d := newData(in)
	var subject, body, text, html bytes.Buffer
	if err := p.text.ExecuteTemplate(&subject, "subject", d); err != nil {
		return Email{}, err
	}
	if err := p.text.ExecuteTemplate(&body, "body", d); err != nil {
		return Email{}, err
	}
	d.Subject = strings.Join(strings.Fields(subject.String()), " ")
	d.Body = strings.TrimRight(body.String(), "\n")
	var bodyHTML bytes.Buffer
	if err := p.html.ExecuteTemplate(&bodyHTML, "body", d); err != nil {
		return Email{}, err
	}
	d.BodyHTML = htmltemplate.HTML(bodyHTML.String()) // written, and escaped, by html/template
	if err := p.text.Execute(&text, d); err != nil {
		return Email{}, err
	}
	if err := p.html.Execute(&html, d); err != nil {
		return Email{}, err
	}
	return Email{Subject: d.Subject, Text: text.String(), HTML: html.String()}, nil
}

func newData(in Input) *Data {
	d := &Data{Brand: in.Brand, Values: in.Values, Lang: in.Texts.Lang(), texts: in.Texts}
	app := DefaultApplicationName
	if in.Brand != nil && in.Brand.ApplicationName != "" {
		app = in.Brand.ApplicationName
	}
	d.pairs = append(d.pairs, "app", app)
	if in.Validity > 0 {
		d.pairs = append(d.pairs, "validity", Validity(in.Texts, in.Validity))
	}
	for _, k := range sortedKeys(in.Phrases) {
		d.pairs = append(d.pairs, k, in.Texts.Text(in.Phrases[k]))
	}
	for _, k := range sortedKeys(in.Values) {
		d.pairs = append(d.pairs, k, in.Values[k])
	}
	if b := in.Brand; b != nil {
		for _, l := range []FootLine{
			{Label: in.Texts.Text("email.footer.support"), Value: b.SupportURL, Href: b.SupportURL},
			{Label: in.Texts.Text("email.footer.help"), Value: b.WebappHelpURL, Href: b.WebappHelpURL},
			{Label: in.Texts.Text("email.footer.adminHelp"), Value: b.OrgAdminHelpURL, Href: b.OrgAdminHelpURL},
			{Label: in.Texts.Text("email.footer.legal"), Value: b.LegalURL, Href: b.LegalURL},
			{Label: in.Texts.Text("email.footer.privacy"), Value: b.PrivacyURL, Href: b.PrivacyURL},
			{Label: in.Texts.Text("email.footer.needHelp"), Value: b.AdminEmail, Href: "mailto:" + b.AdminEmail},
		} {
			if l.Value != "" {
				d.Foot = append(d.Foot, l)
			}
		}
	}
	return d
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Validity writes how long a link works for people, in t's language: "30 minutes" under an hour,
// else whole hours ("1 hour", "72 hours"), as the properties set them.
func Validity(t i18n.Texts, d time.Duration) string {
	if d < time.Hour {
		return t.Format("email.validity.minutes", "n", strconv.FormatInt(int64(max(d.Round(time.Minute)/time.Minute, 1)), 10))
	}
	if h := d.Round(time.Hour) / time.Hour; h != 1 {
		return t.Format("duration.hours", "n", strconv.FormatInt(int64(h), 10))
	}
	return t.Text("duration.oneHour")
}
