// Package e2e holds end-to-end tests that drive the running service (testutil.Start: the real HTTP
// stack on a fresh PostgreSQL database) through the Go client generated from openapi.yaml
// (clients/go), as an SDK user would. Every response they see is checked against the spec.
package e2e
