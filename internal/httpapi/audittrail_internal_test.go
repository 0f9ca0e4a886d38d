package httpapi

import (
	"slices"
	"testing"

	"github.com/cocoondata/access-service/gen"
	"github.com/cocoondata/access-service/internal/audit"
)

// TestEveryTagHasACategory: every tag of the spec's operations is in audit's one table from tags to
// categories, and every category a record can carry is a value of the spec's AuditCategory, so a new
// area of the spec cannot put records in OTHER unnoticed, nor a record carry a value the export refuses.
func TestEveryTagHasACategory(t *testing.T) {
	spec, err := gen.Spec()
	if err != nil {
		t.Fatal(err)
	}
	var allowed []string
	for _, v := range spec.Components.Schemas["AuditCategory"].Value.Enum {
		allowed = append(allowed, v.(string))
	}
	ops, err := operationsOf(spec)
	if err != nil {
		t.Fatal(err)
	}
	for _, byMethod := range ops {
		for _, op := range byMethod {
			tags := op.route.Operation.Tags
			if len(tags) != 1 {
				t.Errorf("%s: tags %v, want one", op.id, tags)
				continue
			}
			if _, ok := audit.CategoryOfTag(tags[0]); !ok {
				t.Errorf("%s: the tag %q has no audit category", op.id, tags[0])
			}
			if !slices.Contains(allowed, op.category) {
				t.Errorf("%s: category %q is not an AuditCategory", op.id, op.category)
			}
		}
	}
	var actions []string
	for _, v := range spec.Components.Schemas["AuditAction"].Value.Enum {
		actions = append(actions, v.(string))
	}
	for _, m := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "OTHER"} {
		if a := audit.ActionOf(m); !slices.Contains(actions, a) {
			t.Errorf("%s: action %q is not an AuditAction", m, a)
		}
	}
}
