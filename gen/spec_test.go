package gen

import (
	"net/http"
	"strings"
	"testing"
)

// TestSpec is the spec's lint: valid OpenAPI 3.0, and our house rules for every operation.
func TestSpec(t *testing.T) {
	doc, err := Spec()
	if err != nil {
		t.Fatalf("openapi.yaml is not valid OpenAPI: %v", err)
	}
	seen := map[string]string{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			where := method + " " + path
			if op.OperationID == "" {
				t.Errorf("%s: no operationId", where)
			} else if other, dup := seen[op.OperationID]; dup {
				t.Errorf("%s: operationId %s is also used by %s", where, op.OperationID, other)
			}
			seen[op.OperationID] = where
			if len(op.Tags) == 0 {
				t.Errorf("%s: no tag", where)
			}
			if op.Summary == "" {
				t.Errorf("%s: no summary", where)
			}
			secured := op.Security == nil || len(*op.Security) > 0
			if secured && strings.HasPrefix(path, "/api/v1") && op.Responses.Status(http.StatusUnauthorized) == nil {
				t.Errorf("%s: bearer-secured but documents no 401", where)
			}
			if op.RequestBody != nil {
				if op.Responses.Status(http.StatusBadRequest) == nil {
					t.Errorf("%s: takes a body but documents no 400", where)
				}
				for mt, c := range op.RequestBody.Value.Content {
					s := c.Schema.Value
					if mt == "application/json" && s.Type.Is("object") && (s.AdditionalProperties.Has == nil || *s.AdditionalProperties.Has) {
						t.Errorf("%s: JSON request body must close additionalProperties", where)
					}
				}
			}
		}
	}
}
