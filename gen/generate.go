// Package gen holds code generated from openapi.yaml by oapi-codegen, and a copy of the spec itself,
// embedded so the binary validates requests against exactly the contract it was built from. Do not edit
// the *.gen.* files; change openapi.yaml and run `make generate`.
package gen

import (
	_ "embed"

	"github.com/getkin/kin-openapi/openapi3"
)

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen --config=config.yaml ../openapi.yaml
//go:generate cp ../openapi.yaml openapi.gen.yaml

//go:embed openapi.gen.yaml
var specYAML []byte

// SpecYAML returns the OpenAPI document the code was generated from, as written.
func SpecYAML() []byte { return specYAML }

// Spec parses the embedded OpenAPI document; each call returns a fresh copy.
func Spec() (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(specYAML)
	if err != nil {
		return nil, err
	}
	return doc, doc.Validate(loader.Context)
}
