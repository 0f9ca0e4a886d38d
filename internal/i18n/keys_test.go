package i18n

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestEmailKeysAreInTheBuiltinBundle: every email key the domain packages and the emails' templates
// name is in the built-in bundle: as it is (a reason), or with .subject and .body (a message).
func TestEmailKeysAreInTheBuiltinBundle(t *testing.T) {
	re := regexp.MustCompile(`"(email\.[A-Za-z.]+)"`)
	seen := 0
	for _, glob := range []string{"../mfa/*.go", "../organisation/*.go", "../mailtmpl/templates/*.tmpl"} {
		files, _ := filepath.Glob(glob)
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range re.FindAllSubmatch(data, -1) {
				k := string(m[1])
				seen++
				_, whole := builtin[k]
				_, subject := builtin[k+".subject"]
				_, body := builtin[k+".body"]
				if !whole && !(subject && body) {
					t.Errorf("%s names %q, which the built-in bundle lacks", f, k)
				}
			}
		}
	}
	if seen < 12 {
		t.Fatalf("only %d email keys found: the pattern no longer matches the code", seen)
	}
}
