package httpapi

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/cocoondata/access-service/internal/i18n"
)

// TestPageKeysAreInTheBuiltinBundle: every key the page templates and this package's Go code look up
// is a key of the built-in bundle (a missing one would show the key itself on the page).
func TestPageKeysAreInTheBuiltinBundle(t *testing.T) {
	keys := i18n.Keys()
	inTemplates := regexp.MustCompile(`\.T\.(?:Text|Parts|Format) "([^"]+)"`)
	inGo := regexp.MustCompile(`\bt\.(?:Text|Format|Parts)\("([^"]+)"|"((?:signIn|mfaCode|mfaSetup|mfaSetupDone|approve|scope|error|email|account|signOut)\.[A-Za-z.]+)"`)
	seen := 0
	check := func(name string, data []byte, re *regexp.Regexp) {
		for _, m := range re.FindAllSubmatch(data, -1) {
			k := string(m[1])
			if k == "" && len(m) > 2 {
				k = string(m[2])
			}
			if strings.HasSuffix(k, ".html") { // a page's file name
				continue
			}
			seen++
			if !slices.Contains(keys, k) {
				t.Errorf("%s uses the key %q, which the built-in bundle lacks", name, k)
			}
		}
	}
	err := fs.WalkDir(pageFiles, "pages", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(pageFiles, path)
		check(path, data, inTemplates)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		check(f, data, inGo)
	}
	if seen < 60 {
		t.Fatalf("only %d look-ups found: the patterns no longer match the code", seen)
	}
}

// TestPagesRenderInEveryLanguageShape: every page renders with the built-in strings, none of which
// leaves a placeholder unfilled.
func TestPagesRenderInEveryLanguageShape(t *testing.T) {
	tx := i18n.BuiltinTexts()
	for _, name := range []string{"signin.html", "mfa.html", "approve.html", "error.html", "setup-done.html", "account.html", "signedout.html", "signout-confirm.html"} {
		r, err := renderPage(200, name, pageData{T: tx, Title: "x", AppName: "App", UserEmail: "a@b.example", Scopes: inWords(tx, []string{"read", "admin"}),
			SignedIn: true, Account: &accountView{Email: "a@b.example", Apps: []accountApp{{ClientID: "c", AppName: "App"}}}, SignOut: &signOutRequest{}})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if regexp.MustCompile(`\{[A-Za-z]+\}`).Match(r.body) {
			t.Errorf("%s shows a placeholder: %s", name, r.body)
		}
	}
}
