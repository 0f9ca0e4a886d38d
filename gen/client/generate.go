// Package client is a Go client for the Access Service, generated from openapi.yaml by oapi-codegen.
// Do not edit client.gen.go; change openapi.yaml and run `make generate`.
//
//	c, err := client.NewClientWithResponses("http://127.0.0.1:8080",
//		client.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
//			r.Header.Set("Authorization", "Bearer "+token)
//			return nil
//		}))
//	me, err := c.GetMeWithResponse(ctx) // me.JSON200 is the caller's account
package client

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen --config=config.yaml ../../openapi.yaml
