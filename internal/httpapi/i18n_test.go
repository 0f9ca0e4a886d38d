package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cocoondata/access-service/internal/testutil"
)

const (
	localesPath    = "/api/v1/i18n/localedetails"
	adminPrefPath  = "/api/v1/i18n/adminpreference"
	bundlesPrefix  = "/api/v1/i18n/bundles/"
	danishBundle   = `{"signIn.title": "Log ind <nu> & \"her\"", "signIn.submit": "Log ind"}`
	readlessClient = "writer-only"
)

// uploadBundle posts the bundle as the multipart file part.
func (w *world) uploadBundle(t testing.TB, who, code, content string) *testutil.Response {
	t.Helper()
	ct, body := multipartFile(t, "file", content)
	return w.svc.Client.Do(t, testutil.Request{Method: "POST", Path: bundlesPrefix + code, Token: w.tok[who], ContentType: ct, Body: body})
}

// i18nState is what the languages' tables hold, to show a refused request changed nothing.
func i18nState(t *testing.T, svc *testutil.Service) string {
	t.Helper()
	return tableDigest(t, svc, "i18n_settings", "i18n_bundles")
}

// TestLocaleOperations: one case per status each of the five operations answers; a refused request
// changes nothing.
func TestLocaleOperations(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.svc.RegisterClientScoped(t, readlessClient, []string{"write"})
	w.tok["readless"] = w.svc.Token(t, readlessClient, collab)

	t.Run("listLocales", func(t *testing.T) {
		r := w.mustDo(t, 200, "GET", localesPath, collab, "").JSON(t)
		items := r["items"].([]any)
		if r["count"] != 8.0 || len(items) != 8 {
			t.Fatalf("%v", r)
		}
		byCode := map[string]map[string]any{}
		for _, it := range items {
			m := it.(map[string]any)
			byCode[m["locale"].(map[string]any)["localeCode"].(string)] = m
		}
		if en := byCode["en_us"]; en["hasBuiltinBundle"] != true || en["adminDefault"] != true || en["hasCustomBundle"] != false ||
			en["locale"].(map[string]any)["displayDescription"] != "English (United States)" {
			t.Errorf("en_us: %v", en)
		}
		if da := byCode["da"]; da["hasBuiltinBundle"] != false || da["adminDefault"] != false || da["locale"].(map[string]any)["displayDescription"] != "Dansk" {
			t.Errorf("da: %v", da)
		}
		page := w.mustDo(t, 200, "GET", localesPath+"?limit=3&offset=6", collab, "").JSON(t)
		if len(page["items"].([]any)) != 2 || page["count"] != 8.0 || page["offset"] != 6.0 {
			t.Errorf("last page: %v", page)
		}
		w.mustDo(t, 400, "GET", localesPath+"?limit=101", collab, "")
		w.mustDo(t, 400, "GET", localesPath+"?offset=-1", collab, "")
		w.mustDo(t, 401, "GET", localesPath, "", "")
		w.mustDo(t, 403, "GET", localesPath, "readless", "")
	})

	t.Run("getLocaleBundle", func(t *testing.T) {
		b := w.mustDo(t, 200, "GET", bundlesPrefix+"en_us", adhoc, "").JSON(t)
		if b["signIn.title"] != "Sign in" || b["signIn.submit"] != "Sign in" || len(b) < 50 {
			t.Fatalf("%d keys: %v", len(b), b["signIn.title"])
		}
		da := w.mustDo(t, 200, "GET", bundlesPrefix+"da", collab, "").JSON(t)
		if len(da) != len(b) || da["signIn.title"] != "Sign in" {
			t.Errorf("da without a custom bundle is en_us: %v", da["signIn.title"])
		}
		w.mustDo(t, 400, "GET", bundlesPrefix+"EN_US", collab, "")
		w.mustDo(t, 401, "GET", bundlesPrefix+"da", "", "")
		w.mustDo(t, 403, "GET", bundlesPrefix+"da", "readless", "")
		w.mustDo(t, 404, "GET", bundlesPrefix+"pt", collab, "")
	})

	t.Run("uploadLocaleBundle", func(t *testing.T) {
		big := `{"signIn.title": "` + strings.Repeat("x", 1<<20) + `"}`
		for _, c := range []struct {
			name, code, who, content string
			status                   int
			says                     string
		}{
			{"not JSON", "da", root1, `{"signIn.title": `, 400, "not JSON"},
			{"not an object", "da", root1, `["signIn.title"]`, 400, "not a JSON object"},
			{"a value not a string", "da", root1, `{"signIn.title": 7}`, 400, "not a string"},
			{"unknown key", "da", root1, `{"signIn.title": "Log ind", "signIn.titel": "x"}`, 400, `unknown key \"signIn.titel\"`},
			{"too long a value", "da", root1, `{"signIn.title": "` + strings.Repeat("x", 4097) + `"}`, 400, "longer than 4096"},
			{"NUL", "da", root1, `{"signIn.title": "a\u0000b"}`, 400, "NUL"},
			{"bad locale code", "DA", root1, `{}`, 400, ""},
			{"no token", "da", "", danishBundle, 401, ""},
			{"Collaborator", "da", collab, danishBundle, 403, ""},
			{"organisation administrator", "da", orgAdmin, danishBundle, 403, ""},
			{"locale not offered", "pt", root1, danishBundle, 404, ""},
			{"over 1 MiB", "da", root1, big, 413, ""},
		} {
			t.Run(c.name, func(t *testing.T) {
				before := i18nState(t, w.svc)
				r := w.uploadBundle(t, c.who, c.code, c.content)
				if r.Status != c.status || !strings.Contains(string(r.Body), c.says) {
					t.Fatalf("%d, want %d saying %q: %s", r.Status, c.status, c.says, r.Body)
				}
				if i18nState(t, w.svc) != before {
					t.Fatal("a refused upload changed the store")
				}
			})
		}
		t.Run("no file part", func(t *testing.T) {
			ct, body := multipartFile(t, "other", danishBundle)
			r := w.svc.Client.Do(t, testutil.Request{Method: "POST", Path: bundlesPrefix + "da", Token: w.tok[root1], ContentType: ct, Body: body})
			if r.Status != 400 {
				t.Fatalf("%d: %s", r.Status, r.Body)
			}
		})
		t.Run("JSON body", func(t *testing.T) {
			if r := w.do(t, "POST", bundlesPrefix+"da", root1, danishBundle); r.Status != 415 {
				t.Fatalf("%d: %s", r.Status, r.Body)
			}
		})
		r := w.uploadBundle(t, root1, "da", danishBundle)
		if r.Status != 200 {
			t.Fatalf("%d: %s", r.Status, r.Body)
		}
		if d := r.JSON(t); d["hasCustomBundle"] != true || d["hasBuiltinBundle"] != false || d["adminDefault"] != false ||
			d["locale"].(map[string]any)["localeCode"] != "da" {
			t.Errorf("%v", d)
		}
		b := w.mustDo(t, 200, "GET", bundlesPrefix+"da", collab, "").JSON(t)
		if b["signIn.submit"] != "Log ind" || b["signIn.password"] != "Password" {
			t.Errorf("merged bundle: %v %v", b["signIn.submit"], b["signIn.password"])
		}
		// A second upload replaces the first: keys it lacks are back to en_us.
		w.uploadBundle(t, root1, "da", `{"signIn.password": "Adgangskode"}`)
		b = w.mustDo(t, 200, "GET", bundlesPrefix+"da", collab, "").JSON(t)
		if b["signIn.submit"] != "Sign in" || b["signIn.password"] != "Adgangskode" {
			t.Errorf("replaced bundle: %v %v", b["signIn.submit"], b["signIn.password"])
		}
	})

	t.Run("resetLocaleBundle", func(t *testing.T) {
		w.mustDo(t, 400, "PUT", bundlesPrefix+"Da/reset", root1, "")
		w.mustDo(t, 401, "PUT", bundlesPrefix+"da/reset", "", "")
		w.mustDo(t, 403, "PUT", bundlesPrefix+"da/reset", orgAdmin, "")
		w.mustDo(t, 404, "PUT", bundlesPrefix+"pt/reset", root1, "")
		d := w.mustDo(t, 200, "PUT", bundlesPrefix+"da/reset", root1, "").JSON(t)
		if d["hasCustomBundle"] != false {
			t.Errorf("%v", d)
		}
		before := i18nState(t, w.svc)
		if d := w.mustDo(t, 200, "PUT", bundlesPrefix+"de/reset", root1, "").JSON(t); d["hasCustomBundle"] != false {
			t.Errorf("%v", d)
		}
		if i18nState(t, w.svc) != before {
			t.Error("resetting a locale without a custom bundle changed the store")
		}
		if b := w.mustDo(t, 200, "GET", bundlesPrefix+"da", collab, "").JSON(t); b["signIn.password"] != "Password" {
			t.Errorf("after the reset: %v", b["signIn.password"])
		}
	})

	t.Run("setDefaultLocale", func(t *testing.T) {
		for _, c := range []struct {
			name, who, ct, body string
			status              int
		}{
			{"not offered", root1, "application/json", `{"i18nCode":"pt"}`, 400},
			{"not a code", root1, "application/json", `{"i18nCode":"en-US"}`, 400},
			{"an unknown member", root1, "application/json", `{"i18nCode":"da","x":1}`, 400},
			{"no code", root1, "application/json", `{}`, 400},
			{"no token", "", "application/json", `{"i18nCode":"da"}`, 401},
			{"organisation administrator", orgAdmin, "application/json", `{"i18nCode":"da"}`, 403},
			{"over 1 MiB", root1, "application/json", `{"i18nCode":"da","pad":"` + strings.Repeat("x", 1<<20) + `"}`, 413},
			{"text body", root1, "text/plain", `{"i18nCode":"da"}`, 415},
		} {
			t.Run(c.name, func(t *testing.T) {
				before := i18nState(t, w.svc)
				r := w.svc.Client.Do(t, testutil.Request{Method: "PUT", Path: adminPrefPath, Token: w.tok[c.who], ContentType: c.ct, Body: []byte(c.body)})
				if r.Status != c.status {
					t.Fatalf("%d, want %d: %s", r.Status, c.status, r.Body)
				}
				if i18nState(t, w.svc) != before {
					t.Fatal("a refused change of the default changed the store")
				}
			})
		}
		if r := w.mustDo(t, 200, "PUT", adminPrefPath, root1, `{"i18nCode":"da"}`).JSON(t); r["i18nCode"] != "da" {
			t.Fatalf("%v", r)
		}
		items := w.mustDo(t, 200, "GET", localesPath, collab, "").JSON(t)["items"].([]any)
		for _, it := range items {
			m := it.(map[string]any)
			if code := m["locale"].(map[string]any)["localeCode"]; (code == "da") != (m["adminDefault"] == true) {
				t.Errorf("%s adminDefault %v", code, m["adminDefault"])
			}
		}
	})
}

// signInPage loads the sign-in page of a code flow with the given Accept-Language ("" for none).
func signInPage(t *testing.T, svc *testutil.Service, acceptLanguage string) string {
	t.Helper()
	_, challenge := pkcePair("v3rifier-")
	req := testutil.Request{Method: "GET", Path: authorizePath(codeParams(challenge))}
	if acceptLanguage != "" {
		req.Header = http.Header{"Accept-Language": {acceptLanguage}}
	}
	r := svc.Client.Do(t, req)
	if r.Status != 200 || !strings.Contains(string(r.Body), `action="/api/oauth/login"`) {
		t.Fatalf("not the sign-in page: %d %s", r.Status, r.Body)
	}
	return string(r.Body)
}

// TestSignInPageInTheChosenLanguage: an uploaded Danish bundle changes the sign-in page for a browser
// asking for Danish (its text HTML-escaped), not for one asking for English; as the platform's default
// it is the page of a browser that asks for nothing; reset, the page is English again.
func TestSignInPageInTheChosenLanguage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	up := func(content string) {
		t.Helper()
		ct, body := multipartFile(t, "file", content)
		if r := e.svc.Client.Do(t, testutil.Request{Method: "POST", Path: bundlesPrefix + "da", Token: e.admin, ContentType: ct, Body: body}); r.Status != 200 {
			t.Fatalf("upload: %d %s", r.Status, r.Body)
		}
	}
	const (
		danishTitle   = `<h1>Log ind &lt;nu&gt; &amp; &#34;her&#34;</h1>`
		danishButton  = `<button type="submit" class="primary">Log ind</button>`
		englishTitle  = `<h1>Sign in</h1>`
		englishButton = `<button type="submit" class="primary">Sign in</button>`
	)
	isDanish := func(page string) bool {
		return strings.Contains(page, danishTitle) && strings.Contains(page, danishButton) && strings.Contains(page, `<html lang="da">`) &&
			strings.Contains(page, "<title>Log ind &lt;nu&gt; &amp; &#34;her&#34; · SafeShare</title>") &&
			strings.Contains(page, `<label for="password">Password</label>`) // a key the bundle lacks: en_us
	}
	isEnglish := func(page string) bool {
		return strings.Contains(page, englishTitle) && strings.Contains(page, englishButton) && strings.Contains(page, `<html lang="en-US">`)
	}
	if page := signInPage(t, e.svc, "da"); !isEnglish(page) {
		t.Fatalf("no Danish bundle yet, still English: %s", page)
	}
	up(danishBundle)
	if page := signInPage(t, e.svc, "da-DK,da;q=0.9,en;q=0.5"); !isDanish(page) {
		t.Errorf("Accept-Language da: %s", page)
	}
	if page := signInPage(t, e.svc, "en"); !isEnglish(page) {
		t.Errorf("Accept-Language en: %s", page)
	}
	if page := signInPage(t, e.svc, ""); !isEnglish(page) {
		t.Errorf("no Accept-Language, default en_us: %s", page)
	}
	// The bundle's text is never markup: its placeholder's value is the app name, escaped in its span.
	up(`{"signIn.continueTo": "<b>for at fortsætte til</b> {app}"}`)
	page := signInPage(t, e.svc, "da")
	if !strings.Contains(page, `<p class="muted">&lt;b&gt;for at fortsætte til&lt;/b&gt; <span class="app">XY Reports</span></p>`) {
		t.Errorf("placeholder page: %s", page)
	}
	up(danishBundle)

	if r := e.do(t, "PUT", adminPrefPath, e.admin, map[string]string{"i18nCode": "da"}); r.Status != 200 {
		t.Fatalf("default: %d %s", r.Status, r.Body)
	}
	if page := signInPage(t, e.svc, ""); !isDanish(page) {
		t.Errorf("no Accept-Language, default da: %s", page)
	}
	if page := signInPage(t, e.svc, "de"); !isDanish(page) {
		t.Errorf("Accept-Language de (no bundle), default da: %s", page)
	}
	if page := signInPage(t, e.svc, "en-GB,en;q=0.8"); !isEnglish(page) {
		t.Errorf("Accept-Language en-GB, default da: %s", page)
	}
	if r := e.do(t, "PUT", bundlesPrefix+"da/reset", e.admin, nil); r.Status != 200 {
		t.Fatalf("reset: %d %s", r.Status, r.Body)
	}
	if page := signInPage(t, e.svc, "da"); !strings.Contains(page, englishTitle) || !strings.Contains(page, englishButton) {
		t.Errorf("after the reset: %s", page)
	}

	// The pages after the sign-in page: a wrong password's page and the approval page, in Danish too.
	up(`{"signIn.error.badCredentials": "Forkert adgangskode", "approve.heading": "{app} vil have adgang", "approve.approve": "Godkend"}`)
	b := e.svc.NewBrowser(t)
	_, challenge := pkcePair("v3rifier-")
	path := authorizePath(codeParams(challenge))
	signInForm := b.Get(t, path)
	wrong := submit(t, b, signInForm, "/api/oauth/login", map[string]string{"username": alice, "password": "not-the-password-at-all"})
	if wrong.Status != 401 || !strings.Contains(string(wrong.Body), "Forkert adgangskode") {
		t.Errorf("wrong password (default da): %d %s", wrong.Status, wrong.Body)
	}
	approval := signIn(t, b, path, alice)
	if body := string(approval.Body); !strings.Contains(body, `<h1><span class="app">XY Reports</span> vil have adgang</h1>`) ||
		!strings.Contains(body, `value="approve" class="primary">Godkend</button>`) {
		t.Errorf("approval page: %s", body)
	}
}

// TestEmailsInTheDefaultLanguage: the emails go out in the platform's default locale (users have no
// locale of their own yet), through a real SMTP server.
func TestEmailsInTheDefaultLanguage(t *testing.T) {
	t.Parallel()
	srv := testutil.StartSMTP(t)
	w := buildWorld(t, nil, testutil.WithEnv("ACCESS_SMTP_URL", srv.URL("from=safeshare@platform.example")))
	bundle, _ := json.Marshal(map[string]string{
		"email.mfaSetup.subject":               "Opsæt totrinsbekræftelse",
		"email.mfaSetup.body":                  "{reason}\n\nÅbn linket: {link}",
		"email.mfaSetup.reason.enabledByAdmin": "En administrator har slået totrinsbekræftelse til.",
		"email.orgRemovalRequested.subject":    "Fjernelse af organisation anmodet",
		"email.orgRemovalRequested.body":       "{by} vil fjerne {organisation}.",
		"email.orgRemovalCancelled.subject":    "Fjernelse annulleret",
	})
	if r := w.uploadBundle(t, root1, "da", string(bundle)); r.Status != 200 {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	// Still English while en_us is the default.
	w.mustDo(t, 201, "POST", "/api/v1/organisations/"+w.org+"/removalRequest", root1, `{"notifyContact":true}`)
	if m := srv.WaitFor(t, "contact@xycompany.example", 5*time.Second); m.Subject != "Organisation removal requested" {
		t.Errorf("default en_us: %q", m.Subject)
	}
	w.mustDo(t, 200, "PUT", adminPrefPath, root1, `{"i18nCode":"da"}`)
	w.mustDo(t, 200, "DELETE", "/api/v1/organisations/"+w.org+"/removalRequest", root1, "")
	if m := srv.WaitFor(t, "contact@xycompany.example", 5*time.Second); m.Subject != "Fjernelse annulleret" ||
		!strings.Contains(m.Text, "has been cancelled by "+root1) { // the body's key is not in the bundle: en_us
		t.Errorf("cancelled: %q %q", m.Subject, m.Text)
	}
	w.mustDo(t, 201, "POST", "/api/v1/organisations/"+w.org+"/removalRequest", root1, `{"notifyContact":true}`)
	if m := srv.WaitFor(t, "contact@xycompany.example", 5*time.Second); m.Subject != "Fjernelse af organisation anmodet" ||
		!strings.Contains(m.Text, root1+` vil fjerne "XY Company".`) {
		t.Errorf("requested: %q %q", m.Subject, m.Text)
	}
	w.mustDo(t, 200, "PUT", usersPath(w.id[root2]), root1, `{"mfaEnabled":true}`)
	m := srv.WaitFor(t, root2, 5*time.Second)
	if m.Subject != "Opsæt totrinsbekræftelse" || !strings.HasPrefix(strings.TrimSpace(m.Text), "En administrator har slået totrinsbekræftelse til.") ||
		!strings.Contains(m.Text, "Åbn linket: ") || !strings.Contains(m.Text, "/api/oauth/mfa/setup?token=") {
		t.Errorf("set-up link: %q %q", m.Subject, m.Text)
	}
}

// TestLanguagesOnEmbeddedStore: the bundles and the default on SQLite, where the SQL could differ (the
// upsert of a bundle, the version's arithmetic, the lock before a reset).
func TestLanguagesOnEmbeddedStore(t *testing.T) {
	t.Parallel()
	svc := testutil.Start(t, testutil.WithDatabase(testutil.NewSQLite(t)))
	svc.CreateUser(t, adminEmail, true)
	svc.RegisterClient(t, clientID)
	e := &env{svc: svc, admin: svc.Token(t, clientID, adminEmail)}
	e.createApp(t, map[string]any{
		"appName": "XY Reports", "clientId": thirdParty, "clientSecret": appSecret,
		"accessTokenValiditySeconds": 3600, "refreshTokenValiditySeconds": 86400,
		"authorizedGrantTypes": []string{"authorization_code"}, "registeredRedirectUris": []string{redirectURI},
	})
	for _, content := range []string{`{"signIn.submit": "Fortsæt"}`, danishBundle} { // the second replaces the first
		ct, body := multipartFile(t, "file", content)
		if r := svc.Client.Do(t, testutil.Request{Method: "POST", Path: bundlesPrefix + "da", Token: e.admin, ContentType: ct, Body: body}); r.Status != 200 {
			t.Fatalf("upload: %d %s", r.Status, r.Body)
		}
	}
	if page := signInPage(t, svc, "da"); !strings.Contains(page, `<button type="submit" class="primary">Log ind</button>`) {
		t.Errorf("Danish page: %s", page)
	}
	if r := e.do(t, "PUT", adminPrefPath, e.admin, map[string]string{"i18nCode": "da"}); r.Status != 200 {
		t.Fatalf("default: %d %s", r.Status, r.Body)
	}
	if page := signInPage(t, svc, ""); !strings.Contains(page, `<html lang="da">`) {
		t.Errorf("default page: %s", page)
	}
	for range 2 { // the second finds nothing to drop
		if r := e.do(t, "PUT", bundlesPrefix+"da/reset", e.admin, nil); r.Status != 200 || r.JSON(t)["hasCustomBundle"] != false {
			t.Fatalf("reset: %d %s", r.Status, r.Body)
		}
	}
	if page := signInPage(t, svc, "da"); !strings.Contains(page, `<h1>Sign in</h1>`) {
		t.Errorf("after the reset: %s", page)
	}
}
