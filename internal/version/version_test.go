package version

import "testing"

func TestStringIsNeverEmpty(t *testing.T) {
	if String() == "" {
		t.Fatal("empty version")
	}
}
