// Package fuzz holds the spec-driven fuzzer: a test that reads the embedded openapi.yaml and, for every
// operation it finds, sends valid requests built from the schemas and many broken ones through the real
// HTTP stack, checking that no answer is a 5xx and that every answer is one the operation documents.
// Operations added to the spec later are picked up without changes here.
package fuzz
