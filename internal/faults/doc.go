// Package faults holds the fault tests: the database down in the middle of a load, a slow database, and
// a signing-key rotation under load. They run against the real service and a real PostgreSQL reached
// through a proxy the tests control, so the shared database server itself is never stopped.
package faults
