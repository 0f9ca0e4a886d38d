package httpapi_test

import (
	"strings"
	"testing"
	"time"

	"github.com/cocoondata/access-service/internal/testutil"
)

// TestThemeInEmails: emails leave through a real SMTP server with the theme at their foot: the
// platform's names and links in an email about no organisation, and the organisation's own company name
// and links (where it has them) in the emails about it: its MFA set-up links, its removal, even once it
// is gone.
func TestThemeInEmails(t *testing.T) {
	t.Parallel()
	srv := testutil.StartSMTP(t)
	w := buildWorld(t, nil, testutil.WithEnv("ACCESS_SMTP_URL", srv.URL("from=safeshare@platform.example")))
	for name, value := range map[string]string{
		"applicationName": "Acme Share", "companyName": "Platform Co", "copyright": "© 2026 Platform Co",
		"supportLink": "https://support.platform.example", "webappHelpUrl": "https://help.platform.example",
		"orgAdminHelpUrl": "https://help.platform.example/admins", "legalUrl": "https://platform.example/legal",
		"privacyUrl": "https://platform.example/privacy", "adminEmail": "help@platform.example",
	} {
		w.setTheme(t, name, value)
	}
	has := func(what string, m testutil.SMTPMessage, want ...string) {
		t.Helper()
		for _, s := range want {
			if !strings.Contains(m.Text, s) {
				t.Errorf("%s lacks %q:\n%s", what, s, m.Text)
			}
		}
	}
	lacks := func(what string, m testutil.SMTPMessage, unwanted ...string) {
		t.Helper()
		for _, s := range unwanted {
			if strings.Contains(m.Text, s) {
				t.Errorf("%s has %q:\n%s", what, s, m.Text)
			}
		}
	}

	// About no organisation: the platform's theme.
	w.mustDo(t, 200, "PUT", usersPath(w.id[root2]), root1, `{"mfaEnabled":true}`)
	m := srv.WaitFor(t, root2, 5*time.Second)
	has("the platform's email", m, "/api/oauth/mfa/setup?token=", "\n-- \nAcme Share · Platform Co\n",
		"Support: https://support.platform.example\n", "Help: https://help.platform.example\n",
		"Help for administrators: https://help.platform.example/admins\n", "Legal: https://platform.example/legal\n",
		"Privacy: https://platform.example/privacy\n", "Need help? Write to help@platform.example\n", "© 2026 Platform Co\n")

	// The organisation's own company name and links, where it has them; the platform's elsewhere.
	w.mustDo(t, 200, "PUT", "/api/v1/organisations/"+w.org, orgAdmin, `{"companyName":"XY Company Ltd",`+
		`"supportUrl":"https://support.xy-company.example","legalUrl":"https://xy-company.example/legal",`+
		`"webappHelpUrl":"https://help.xy-company.example","orgAdminHelpUrl":"https://help.xy-company.example/admins"}`)
	orgFoot := []string{"\n-- \nAcme Share · XY Company Ltd\n", "Support: https://support.xy-company.example\n",
		"Help: https://help.xy-company.example\n", "Help for administrators: https://help.xy-company.example/admins\n",
		"Legal: https://xy-company.example/legal\n", "Privacy: https://platform.example/privacy\n",
		"Need help? Write to help@platform.example\n"}
	platformOnly := []string{"· Platform Co\n", "support.platform.example", "help.platform.example", "platform.example/legal"}

	w.mustDo(t, 200, "PUT", "/api/v1/organisations/"+w.org, orgAdmin, `{"enforceMfa":true}`)
	m = srv.WaitFor(t, collab, 5*time.Second)
	has("the organisation's MFA set-up email", m, append([]string{"/api/oauth/mfa/setup?token="}, orgFoot...)...)
	lacks("the organisation's MFA set-up email", m, platformOnly...)

	contact := "contact@xycompany.example"
	w.mustDo(t, 201, "POST", "/api/v1/organisations/"+w.org+"/removalRequest", root1, `{"notifyContact":true}`)
	m = srv.WaitFor(t, contact, 5*time.Second)
	has("the removal request's email", m, append([]string{"has requested the removal"}, orgFoot...)...)
	lacks("the removal request's email", m, platformOnly...)

	w.mustDo(t, 200, "DELETE", "/api/v1/organisations/"+w.org, root2, "")
	m = srv.WaitFor(t, contact, 5*time.Second)
	has("the removal's email", m, append([]string{"has been removed"}, orgFoot...)...)
	lacks("the removal's email", m, platformOnly...)
}
