package httpapi

import (
	"encoding/json"
	"testing"
)

// A YAML document may have keys that are not strings (an unquoted response code); JSON may not.
func TestSpecAsJSONTurnsEveryKeyIntoAString(t *testing.T) {
	m, err := specAsJSON([]byte("paths:\n  /x:\n    get:\n      responses:\n        200:\n          description: OK\n        true: [1, {2: b}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"paths":{"/x":{"get":{"responses":{"200":{"description":"OK"},"true":[1,{"2":"b"}]}}}}}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
