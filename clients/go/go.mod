module github.com/cocoondata/access-service/clients/go

go 1.24

require (
	github.com/oapi-codegen/runtime v1.3.1
	golang.org/x/oauth2 v0.30.0
)

require (
	github.com/apapsch/go-jsonmerge/v2 v2.0.0 // indirect
	github.com/google/uuid v1.6.0 // indirect
)
