// Package client is a Go client for the Access Service, generated from openapi.yaml by oapi-codegen.
// Do not edit client.gen.go; change openapi.yaml and run `make generate`.
// It is a module of its own (github.com/cocoondata/access-service/clients/go), with a low go line.
//
//	cfg := client.OAuth2Config("http://127.0.0.1:8080", clientID, clientSecret)
//	ts := client.PasswordTokenSource(ctx, cfg, email, password) // signs in when first used, then refreshes
//	c, err := client.NewClientWithResponses("http://127.0.0.1:8080", client.WithTokenSource(ctx, ts))
//	me, err := c.GetMeWithResponse(ctx) // me.JSON200 is the caller's account
package client

// oapi-codegen is pinned by the repository's main module (tools.go), not by this one, so that importing
// the client brings in no generator: `go run -C ../..` runs it from there.
//go:generate go run -C ../.. github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen --config=clients/go/config.yaml openapi.yaml
